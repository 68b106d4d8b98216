"""Needs for directory records from any taxonomy — or from their text when they have none.

Three sources, tried in this order by :func:`derive_needs`:

* **taxonomy terms** — AIRS/211 codes by longest code prefix (``mappings/airs_to_needs.csv``),
  Open Eligibility terms by name (``mappings/open_eligibility_to_needs.csv``), and the
  navigator's own need codes, which pass through unchanged;
* **text** — for records with no mappable term (common in UK feeds, which have only names and
  descriptions): weighted need lexicons (``mappings/need_lexicon.yml``) scored over the name and
  the description, with context rules and thresholds. No training data; works offline.

The tables and the lexicon are documented in ``bot/resources/mappings/README.md``.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from bot import needs as needs_mod

logger = logging.getLogger(__name__)

AIRS = "airs"
OPEN_ELIGIBILITY = "open_eligibility"
NAVIGATOR = "navigator"

Term = Tuple[Optional[str], Optional[str], Optional[str]]  # (taxonomy, code, name)

_AIRS_CODE = re.compile(r"^[A-Z]{1,2}(-\d{4}(\.\d{4}(-\d{3}(\.\d{2})?)?)?)?$")


def _mapping_text(filename: str) -> str:
    return (resources.files("bot.resources") / "mappings" / filename).read_text("utf-8")


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

@dataclass(frozen=True)
class _LexTerm:
    need: str
    words: Tuple[str, ...]  # lower-case words; a trailing "*" matches any ending
    weight: float
    blocker: bool  # a `not:` context phrase rather than evidence


@dataclass(frozen=True)
class Lexicon:
    """The need lexicon indexed by first word, and its scoring settings."""

    exact: Mapping[str, Tuple[_LexTerm, ...]]  # first word → terms
    stems: Mapping[str, Tuple[_LexTerm, ...]]  # first-word stem → terms
    weights: Mapping[Tuple[str, str], float]  # (need, term text) → weight
    needs: Tuple[str, ...]
    name_weight: float
    description_weight: float
    lead_weight: float
    rest_weight: float
    repeat_bonus: float
    threshold: float
    secondary_threshold: float
    relative: float
    max_needs: int


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (a silently overridden lexicon weight)."""


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise ValueError(f"need_lexicon.yml: duplicate key(s) {sorted(map(str, dupes))}")
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _words(term: str) -> Tuple[str, ...]:
    words = tuple(term.lower().split())
    if not words or any(not re.fullmatch(r"[a-z0-9]+\*?", w) for w in words):
        raise ValueError(f"need_lexicon.yml: bad term {term!r} (words of a-z0-9, optional *)")
    return words


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load and index ``mappings/need_lexicon.yml``."""
    raw = yaml.load(_mapping_text("need_lexicon.yml"), Loader=_UniqueKeyLoader)  # noqa: S506
    settings = raw.get("settings") or {}
    known = needs_mod.need_codes()
    exact: Dict[str, List[_LexTerm]] = {}
    stems: Dict[str, List[_LexTerm]] = {}
    weights: Dict[Tuple[str, str], float] = {}
    for code, spec in (raw.get("needs") or {}).items():
        if code not in known:
            raise ValueError(f"need_lexicon.yml: unknown need code {code!r}")
        entries = [(str(t), float(w), False) for t, w in (spec.get("terms") or {}).items()]
        entries += [(str(t), 0.0, True) for t in spec.get("not") or ()]
        for text, weight, blocker in entries:
            term = _LexTerm(code, _words(text), weight, blocker)
            if not blocker:
                weights[(code, " ".join(term.words))] = weight
            first = term.words[0]
            index = stems if first.endswith("*") else exact
            index.setdefault(first.rstrip("*"), []).append(term)
    freeze = lambda d: {k: tuple(v) for k, v in d.items()}  # noqa: E731
    needs = tuple(c for c in known if c in raw["needs"])
    logger.debug("loaded need lexicon: %d weighted terms", len(weights))
    return Lexicon(freeze(exact), freeze(stems), weights, needs,
                   float(settings.get("name_weight", 2.0)),
                   float(settings.get("description_weight", 1.0)),
                   float(settings.get("lead_weight", 1.0)), float(settings.get("rest_weight", 1.0)),
                   float(settings.get("repeat_bonus", 0.25)),
                   float(settings.get("threshold", 3.0)),
                   float(settings.get("secondary_threshold", settings.get("threshold", 3.0))),
                   float(settings.get("relative", 0.0)),
                   int(settings.get("max_needs", 4)))


_NOISE = re.compile(r"###\w+###|https?://\S+|www\.\S+|\S+@\S+")


def _tokens(text: Optional[str]) -> List[str]:
    """Lower-case word tokens; apostrophes dropped ("women's" → "womens"), "&" read as "and"."""
    text = _NOISE.sub(" ", text or "").lower()
    text = re.sub(r"['\u2019]", "", text).replace("&", " and ")
    return re.findall(r"[a-z0-9]+", text)


def _word_matches(word: str, token: str) -> bool:
    return token.startswith(word[:-1]) if word.endswith("*") else token == word


def _matches(tokens: Sequence[str], lex: Lexicon) -> List[Tuple[int, int, _LexTerm]]:
    """Every (start, end, term) whose words match the tokens at start..end."""
    found = []
    for i, tok in enumerate(tokens):
        candidates = list(lex.exact.get(tok, ()))
        for k in range(1, len(tok) + 1):
            candidates.extend(lex.stems.get(tok[:k], ()))
        for term in candidates:
            n = len(term.words)
            if i + n <= len(tokens) and all(_word_matches(w, tokens[i + j])
                                            for j, w in enumerate(term.words[1:], 1)):
                found.append((i, i + n, term))
    return found


def _field_hits(tokens: Sequence[str], lex: Lexicon) -> Dict[str, Dict[str, int]]:
    """need → {term text: count} over one field, after context rules and overlap removal:
    a term inside one of its need's `not:` phrases does not count, and of overlapping terms of
    one need the longest counts ("food bank" once, not also "food")."""
    by_need: Dict[str, List[Tuple[int, int, _LexTerm]]] = {}
    for m in _matches(tokens, lex):
        by_need.setdefault(m[2].need, []).append(m)
    out: Dict[str, Dict[str, int]] = {}
    for need, ms in by_need.items():
        blocked = [(a, b) for a, b, t in ms if t.blocker]
        kept = sorted(((a, b, t) for a, b, t in ms if not t.blocker
                       and not any(x <= a and b <= y for x, y in blocked)),
                      key=lambda m: (m[0], -(m[1] - m[0]), -len(" ".join(m[2].words))))
        end = 0
        for a, b, t in kept:
            if a < end:
                continue
            end = b
            key = " ".join(t.words)
            out.setdefault(need, {})[key] = out.get(need, {}).get(key, 0) + 1
    return out


def _field_score(hits: Mapping[str, int], need: str, lex: Lexicon) -> float:
    score = 0.0
    for term, n in hits.items():
        w = lex.weights[(need, term)]
        score += w * (1.0 + lex.repeat_bonus * min(n - 1, 2)) if w > 0 else w
    return score


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _fields(name: Optional[str], description: Optional[str],
            lex: Lexicon) -> List[Tuple[str, float, List[str]]]:
    """(label, weight, tokens) for the name, the description's lead sentence and the rest:
    a description's first sentence usually says what the service is, later ones list extras."""
    text = _NOISE.sub(" ", description or "").strip()
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    lead, rest = (parts[0], " ".join(parts[1:])) if parts else ("", "")
    return [("name", lex.name_weight, _tokens(name)),
            ("lead", lex.description_weight * lex.lead_weight, _tokens(lead)),
            ("rest", lex.description_weight * lex.rest_weight, _tokens(rest))]


def score_text(name: Optional[str], description: Optional[str]) -> Dict[str, float]:
    """Raw score per need over the weighted fields (only needs scoring above zero)."""
    lex = lexicon()
    scores: Dict[str, float] = {}
    for _, weight, tokens in _fields(name, description, lex):
        for need, hits in _field_hits(tokens, lex).items():
            scores[need] = scores.get(need, 0.0) + weight * _field_score(hits, need, lex)
    return {need: s for need, s in scores.items() if s > 0}


def explain_text(name: Optional[str], description: Optional[str]) -> Dict[str, List[str]]:
    """The lexicon terms that counted, per need and field (for working on the lexicon)."""
    lex = lexicon()
    out: Dict[str, List[str]] = {}
    for label, _, tokens in _fields(name, description, lex):
        for need, terms in _field_hits(tokens, lex).items():
            out.setdefault(need, []).extend(f"{label}:{t}" + (f"×{n}" if n > 1 else "")
                                            for t, n in terms.items())
    return out


def classify_text(name: Optional[str], description: Optional[str]) -> List[str]:
    """Need codes for a record known only by its name and description, best first.

    The best-scoring need is kept when it reaches the lexicon's ``threshold``; further needs
    when they reach ``secondary_threshold`` and ``relative`` × the best score; at most
    ``max_needs`` are returned.
    """
    lex = lexicon()
    scores = score_text(name, description)
    if not scores:
        return []
    order = {c: i for i, c in enumerate(lex.needs)}
    ranked = sorted(((s, c) for c, s in scores.items()), key=lambda sc: (-sc[0], order[sc[1]]))
    top = ranked[0][0]
    if top < lex.threshold:
        return []
    kept = [ranked[0][1]] + [c for s, c in ranked[1:]
                             if s >= lex.secondary_threshold and s >= lex.relative * top]
    return kept[:lex.max_needs]


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
