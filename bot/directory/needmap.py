"""Needs for directory records from any taxonomy — or from their text when they have none.

Three sources, tried in this order by :func:`derive_needs`:

* **taxonomy terms** — AIRS/211 codes by longest code prefix (``mappings/airs_to_needs.csv``),
  Open Eligibility terms by name (``mappings/open_eligibility_to_needs.csv``), and the
  navigator's own need codes, which pass through unchanged;
* **text** — for records with no mappable term (common in UK feeds, which have only names and
  descriptions): :func:`bot.directory.textneeds.classify_text`.

The tables and the lexicon are documented in ``bot/resources/mappings/README.md``.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from functools import lru_cache
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.directory import needs as needs_mod
from bot.directory.textneeds import _mapping_text, classify_text

logger = logging.getLogger(__name__)

AIRS = "airs"
OPEN_ELIGIBILITY = "open_eligibility"
NAVIGATOR = "navigator"

Term = Tuple[Optional[str], Optional[str], Optional[str]]  # (taxonomy, code, name)

_AIRS_CODE = re.compile(r"^[A-Z]{1,2}(-\d{4}(\.\d{4}(-\d{3}(\.\d{2})?)?)?)?$")


def _parse_needs(raw: str, where: str) -> Optional[Tuple[str, ...]]:
    """``"a;b"`` → ("a", "b"); ``""`` → () (decided: no need); ``"?"`` → None (no information)."""
    raw = (raw or "").strip()
    if raw == "?":
        return None
    codes = tuple(c.strip() for c in raw.split(";") if c.strip())
    known = set(needs_mod.need_codes())
    bad = [c for c in codes if c not in known]
    if bad:
        raise ValueError(f"{where}: unknown need code(s) {bad}")
    return codes


def _norm_prefix(code: str) -> str:
    return (code or "").strip().upper().rstrip("-.")


@lru_cache(maxsize=1)
def airs_table() -> Dict[str, Optional[Tuple[str, ...]]]:
    """AIRS code prefix → need codes (``()`` = no need, ``None`` = no information)."""
    table: Dict[str, Optional[Tuple[str, ...]]] = {}
    for row in csv.DictReader(io.StringIO(_mapping_text("airs_to_needs.csv"))):
        prefix = _norm_prefix(row["prefix"])
        if not prefix:
            continue
        if not _AIRS_CODE.match(prefix):
            raise ValueError(f"airs_to_needs.csv: {prefix!r} is not whole AIRS code segments")
        if prefix in table:
            raise ValueError(f"airs_to_needs.csv: duplicate prefix {prefix}")
        table[prefix] = _parse_needs(row["needs"], f"airs_to_needs.csv {prefix}")
    logger.debug("loaded %d AIRS prefixes", len(table))
    return table


def _key(name: Optional[str]) -> str:
    """Spelling-insensitive key for term names and slugs: "Women's Health" = "women_s_health"."""
    words = re.split(r"[^a-z0-9]+", (name or "").lower().replace("'", "").replace("&", " "))
    return "".join(w for w in words if w and w != "and")


@lru_cache(maxsize=1)
def open_eligibility_table() -> Dict[Tuple[str, str], Tuple[str, ...]]:
    """(name key, parent key or "") → need codes."""
    table: Dict[Tuple[str, str], Tuple[str, ...]] = {}
    for row in csv.DictReader(io.StringIO(_mapping_text("open_eligibility_to_needs.csv"))):
        key = (_key(row["name"]), _key(row.get("parent")))
        if not key[0]:
            continue
        needs = _parse_needs(row["needs"], f"open_eligibility_to_needs.csv {row['name']}")
        table[key] = needs if needs is not None else ()
    logger.debug("loaded %d Open Eligibility names", len(table))
    return table


def taxonomy_kind(taxonomy: Optional[str], code: Optional[str] = None) -> Optional[str]:
    """Which known taxonomy a term comes from: AIRS, OPEN_ELIGIBILITY, NAVIGATOR or None."""
    t = (taxonomy or "").strip().lower()
    own = needs_mod.taxonomy()
    if t and t in {own.id.lower(), own.name.lower(), own.uri.lower(), NAVIGATOR, "youth-needs"}:
        return NAVIGATOR
    compact = re.sub(r"[^a-z0-9]", "", t)
    if "openeligibility" in compact:
        return OPEN_ELIGIBILITY
    if re.search(r"\bairs\b|\b211\b|open211|inform ?usa", t):
        return AIRS
    if not t and code and _AIRS_CODE.match(code.strip().upper()):
        return AIRS
    return None


def _airs_lookup(code: Optional[str]) -> Optional[Tuple[str, ...]]:
    """Needs for an AIRS code by longest prefix; None when no prefix matches or it says '?'."""
    code = _norm_prefix(code or "")
    table = airs_table()
    while code:
        if code in table:
            return table[code]
        # drop the last segment: "LT-1750.0500" → "LT-1750" → "LT" → "L"
        cut = max(code.rfind("."), code.rfind("-"))
        code = code[:cut] if cut > 0 else code[:-1]
    return None


def _oe_lookup(code: Optional[str], name: Optional[str]) -> Optional[Tuple[str, ...]]:
    """Needs for an Open Eligibility term by name, disambiguated by its parent when the code is
    a slug path (``human_services:health:addiction_recovery:detox``)."""
    table = open_eligibility_table()
    path = [p for p in re.split(r"[:/>]", code or "") if p.strip()]
    if path and _key(path[0]) in {"humanservices", "humansituations"}:
        path = path[1:]
    names = [n for n in (_key(name), _key(path[-1]) if path else "") if n]
    parents = [_key(p) for p in reversed(path[:-1])]
    for key in names:
        for parent in parents:
            if (key, parent) in table:
                return table[(key, parent)]
        if (key, "") in table:
            return table[(key, "")]
    return None


def _lookup(taxonomy: Optional[str], code: Optional[str],
            name: Optional[str]) -> Optional[Tuple[str, ...]]:
    kind = taxonomy_kind(taxonomy, code)
    if kind == AIRS:
        return _airs_lookup(code)
    if kind == OPEN_ELIGIBILITY:
        return _oe_lookup(code, name)
    if kind == NAVIGATOR or kind is None:
        own = needs_mod.taxonomy().by_code()
        for value in (code, name):
            if value and value.strip() in own:
                return (value.strip(),)
        if kind == NAVIGATOR:
            return ()
    return None


def needs_for_term(taxonomy: Optional[str], code: Optional[str],
                   name: Optional[str]) -> List[str]:
    """Need codes for one taxonomy term (empty when it maps to none or is not recognised).

    AIRS terms map by their code's longest listed prefix; Open Eligibility terms by name (and
    parent, when the code is the term's slug path); the navigator's own codes pass through.
    """
    return list(_lookup(taxonomy, code, name) or ())


# --------------------------------------------------------------------------- text classifier

def derive_needs(terms: Iterable[Term], name: Optional[str],
                 description: Optional[str]) -> Tuple[List[str], str]:
    """Needs for one record and where they came from: ``"taxonomy"`` or ``"text"``.

    The union of what the record's terms map to, in vocabulary order, when at least one term is
    mappable (a term that maps to no need still counts: the taxonomy has spoken); otherwise the
    text classifier's answer.
    """
    found: List[str] = []
    mappable = False
    for taxonomy, code, term_name in terms or ():
        needs = _lookup(taxonomy, code, term_name)
        if needs is None:
            continue
        mappable = True
        found.extend(n for n in needs if n not in found)
    if mappable:
        order = {c: i for i, c in enumerate(needs_mod.need_codes())}
        return sorted(found, key=order.__getitem__), "taxonomy"
    return classify_text(name, description), "text"


def coverage(codes_by_record: Mapping[str, Sequence[str]]) -> Dict[str, float]:
    """AIRS coverage over records: share with ≥1 need, share decided (any code informative)."""
    total = len(codes_by_record) or 1
    with_need = decided = 0
    for codes in codes_by_record.values():
        looked = [_airs_lookup(c) for c in codes]
        if any(x is not None for x in looked):
            decided += 1
        if any(x for x in looked):
            with_need += 1
    return {"records": float(len(codes_by_record)), "with_need": with_need / total,
            "decided": decided / total}
