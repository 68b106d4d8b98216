"""The open outcomes framework (``resources/outcomes.yml``): outcome codes per need and the
referral check-in answers, versioned so every logged outcome says which version it used.

:func:`load` reads and validates a framework file (a :class:`FrameworkError` names what is
wrong); :func:`framework` is the bundled one, cached. The needs must be exactly the codes of the
need vocabulary (``resources/needs.yml``), each with 2 to 4 outcomes.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import yaml

from bot.directory.needs import need_codes, parent_of

logger = logging.getLogger(__name__)

CHECKIN_REQUIRED = ("reached", "got_help", "turned_away", "still_waiting", "did_not_go")
TURNED_AWAY = "turned_away"
REASONS_REQUIRED = ("full", "not_eligible", "closed", "no_answer", "other")
MIN_OUTCOMES, MAX_OUTCOMES = 2, 4
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class FrameworkError(ValueError):
    """The outcomes framework file is missing, not YAML, or not a valid framework."""


@dataclass(frozen=True)
class Code:
    """One code with its definition (and, for check-in answers, a short label)."""

    code: str
    definition: str
    label: str = ""


@dataclass(frozen=True)
class Framework:
    """A loaded, validated outcomes framework."""

    version: str
    name: str
    licence: str
    needs: Mapping[str, Tuple[Code, ...]]
    checkin: Tuple[Code, ...]
    reasons: Tuple[Code, ...]

    def outcome_codes(self, need: str) -> List[str]:
        """The outcome codes of ``need`` (a :class:`FrameworkError` for an unknown need)."""
        if need not in self.needs:
            raise FrameworkError(f"unknown need code {need!r}")
        return [c.code for c in self.needs[need]]

    def checkin_codes(self) -> List[str]:
        return [c.code for c in self.checkin]

    def reason_codes(self) -> List[str]:
        return [c.code for c in self.reasons]


def _codes(items: Any, where: str, with_label: bool = False) -> Tuple[Code, ...]:
    if not isinstance(items, list) or not items:
        raise FrameworkError(f"{where}: expected a non-empty list of codes")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise FrameworkError(f"{where}[{i}]: expected a mapping with code and definition")
        code, definition = item.get("code"), item.get("definition")
        if not isinstance(code, str) or not _CODE.match(code):
            raise FrameworkError(f"{where}[{i}]: bad code {code!r} (lower_snake_case)")
        if not isinstance(definition, str) or not definition.strip():
            raise FrameworkError(f"{where}: code {code!r} has no definition")
        label = item.get("label", "")
        if with_label and (not isinstance(label, str) or not label.strip()):
            raise FrameworkError(f"{where}: code {code!r} has no label")
        out.append(Code(code, " ".join(definition.split()), str(label or "").strip()))
    seen = [c.code for c in out]
    dupes = sorted({c for c in seen if seen.count(c) > 1})
    if dupes:
        raise FrameworkError(f"{where}: duplicate codes {dupes}")
    return tuple(out)


def parse(raw: Any, source: str = "outcomes framework") -> Framework:
    """Validate an already-parsed framework document."""
    if not isinstance(raw, dict):
        raise FrameworkError(f"{source}: expected a mapping at the top level")
    version = raw.get("version")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise FrameworkError(f"{source}: version must be a quoted semantic version like "
                             f"\"1.0.0\", got {version!r}")
    for key in ("name", "licence"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise FrameworkError(f"{source}: {key} is missing")
    checkin = _codes(raw.get("checkin"), f"{source}: checkin", with_label=True)
    missing = [c for c in CHECKIN_REQUIRED if c not in {x.code for x in checkin}]
    if missing:
        raise FrameworkError(f"{source}: checkin lacks {missing}")
    turned = next(item for item in raw["checkin"] if item.get("code") == TURNED_AWAY)
    reasons = _codes(turned.get("reasons"), f"{source}: checkin {TURNED_AWAY} reasons",
                     with_label=True)
    missing = [c for c in REASONS_REQUIRED if c not in {x.code for x in reasons}]
    if missing:
        raise FrameworkError(f"{source}: {TURNED_AWAY} reasons lack {missing}")
    needs_raw = raw.get("needs")
    if not isinstance(needs_raw, dict):
        raise FrameworkError(f"{source}: needs must map need codes to outcome lists")
    # The framework covers the needs; a sub-need (needs.yml "parent") shares its need's outcomes.
    vocabulary = [c for c in need_codes() if not parent_of(c)]
    unknown = sorted(set(needs_raw) - set(vocabulary))
    absent = [n for n in vocabulary if n not in needs_raw]
    if unknown or absent:
        raise FrameworkError(f"{source}: needs must be the need vocabulary's codes "
                             f"(unknown: {unknown}, missing: {absent})")
    needs: Dict[str, Tuple[Code, ...]] = {}
    for need in vocabulary:
        codes = _codes(needs_raw[need], f"{source}: needs.{need}")
        if not MIN_OUTCOMES <= len(codes) <= MAX_OUTCOMES:
            raise FrameworkError(f"{source}: needs.{need} has {len(codes)} outcomes "
                                 f"({MIN_OUTCOMES} to {MAX_OUTCOMES} expected)")
        needs[need] = codes
    everything = [c.code for codes in needs.values() for c in codes] + [c.code for c in checkin]
    dupes = sorted({c for c in everything if everything.count(c) > 1})
    if dupes:
        raise FrameworkError(f"{source}: codes used more than once across the framework: "
                             f"{dupes}")
    for sub in need_codes():
        if parent_of(sub):
            needs[sub] = needs[parent_of(sub)]
    return Framework(version, raw["name"].strip(), raw["licence"].strip(), needs, checkin,
                     reasons)


def load(path: Optional[Union[str, Path]] = None) -> Framework:
    """Read and validate a framework file (default: the bundled one)."""
    if path is None:
        source = "outcomes.yml"
        try:
            text = resources.files("bot.resources").joinpath(source).read_text("utf-8")
        except OSError as exc:
            raise FrameworkError(f"{source}: cannot be read ({exc.__class__.__name__})") from exc
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FrameworkError(f"{source}: cannot be read ({exc.__class__.__name__})") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{source}: not valid YAML ({exc})") from exc
    return parse(raw, source)


@lru_cache(maxsize=1)
def framework() -> Framework:
    """The bundled framework, loaded once."""
    return load()


def framework_version() -> str:
    """The bundled framework's version, stored with every logged outcome."""
    return framework().version


def outcome_codes(need: str) -> List[str]:
    """The outcome codes for ``need`` in the bundled framework."""
    return framework().outcome_codes(need)


def checkin_codes() -> List[str]:
    """The referral check-in answers: reached, got_help, turned_away, ..."""
    return framework().checkin_codes()


def reason_codes() -> List[str]:
    """Why a young person was turned away: full, not_eligible, closed, ..."""
    return framework().reason_codes()
