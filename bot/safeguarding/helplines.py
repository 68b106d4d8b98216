"""Emergency numbers and helplines per region, chosen for the kind of risk and the person's age
(data: ``helplines.yml``), and the two crisis replies built from them."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Dict, Optional, Sequence, Tuple

import yaml

from bot.safeguarding.kinds import KINDS

AGES = ("under_18", "under_19", "18_plus")


@dataclass(frozen=True)
class Helpline:
    """A helpline, text line or reporting route."""

    key: str
    name: str
    contact: str
    hours: str = ""
    ages: str = ""  # "", "under_18", "under_19" or "18_plus"

    def fits(self, age: Optional[int]) -> bool:
        """Whether the line is for someone of ``age`` (an unknown age: every line; the hours
        text says who a line is for)."""
        if not self.ages or age is None:
            return True
        limit = {"under_18": age < 18, "under_19": age < 19, "18_plus": age >= 18}
        return limit[self.ages]

    def line(self) -> str:
        """One line of a reply: "- Name: contact (hours)"."""
        hours = f" ({self.hours})" if self.hours else ""
        return f"- {self.name}: {self.contact}{hours}"


@dataclass(frozen=True)
class RegionHelp:
    """One region: the emergency number, its lines, which lines fit which kind, lead lines."""

    region: str
    emergency: str
    lines: Dict[str, Helpline]
    kinds: Dict[str, Tuple[str, ...]]
    lead: Dict[str, str]
    children: Optional[str] = None  # the line for children under 13

    @property
    def helplines(self) -> Tuple[Helpline, ...]:
        """Every line, those for the default kind first (general support)."""
        first = [self.lines[k] for k in self.kinds.get("default", ())]
        return tuple(first + [h for h in self.lines.values() if h not in first])

    def for_kinds(self, kinds: Sequence[str], age: Optional[int] = None) -> Tuple[Helpline, ...]:
        """The lines that fit ``kinds`` (most fitting first; each kind's best line before any
        kind's second) and ``age``; the default lines when none is listed."""
        lists = [self.kinds.get(k) or self.kinds.get("default", ()) for k in kinds or ("default",)]
        ordered = []
        for rank in range(max(len(x) for x in lists)):
            for keys in lists:
                if rank < len(keys) and keys[rank] not in ordered:
                    ordered.append(keys[rank])
        ordered += [k for k in self.kinds.get("default", ()) if k not in ordered]
        return tuple(self.lines[k] for k in ordered if self.lines[k].fits(age))

    def for_children(self) -> Optional[Helpline]:
        """The region's line for children (under 13s are signposted to it), if any."""
        return self.lines.get(self.children or "")

    def lead_line(self, kind: Optional[str]) -> str:
        """The first line of an urgent reply for ``kind``."""
        template = self.lead.get(kind or "", self.lead["default"])
        return template.format(emergency=self.emergency)


class HelplineDataError(ValueError):
    """helplines.yml refers to a line it does not define, or lacks a required part."""


def _region(code: str, raw: dict) -> RegionHelp:
    lines = {}
    for key, h in raw["lines"].items():
        ages = h.get("ages", "")
        if ages and ages not in AGES:
            raise HelplineDataError(f"{code}.{key}: ages must be one of {AGES}")
        lines[key] = Helpline(key, h["name"], h["contact"], h.get("hours", ""), ages)
    kinds = {}
    for kind, keys in raw["kinds"].items():
        if kind != "default" and kind not in KINDS:
            raise HelplineDataError(f"{code}: unknown kind {kind!r}")
        missing = [k for k in keys if k not in lines]
        if missing:
            raise HelplineDataError(f"{code}.{kind}: no such lines {missing}")
        kinds[kind] = tuple(keys)
    if "default" not in kinds or "default" not in raw.get("lead", {}):
        raise HelplineDataError(f"{code}: a default kind list and a default lead are required")
    children = raw.get("children")
    if children is not None and children not in lines:
        raise HelplineDataError(f"{code}.children: no such line {children!r}")
    return RegionHelp(code, str(raw["emergency"]), lines, kinds, dict(raw["lead"]), children)


@lru_cache(maxsize=1)
def _data() -> Dict[str, RegionHelp]:
    raw = yaml.safe_load(resources.files("bot.safeguarding").joinpath("helplines.yml")
                         .read_text("utf-8"))
    return {code.upper(): _region(code.upper(), reg) for code, reg in raw["regions"].items()}


def region_help(region: str) -> RegionHelp:
    """Helplines for ``region``; an unknown region falls back to GB's."""
    data = _data()
    return data.get((region or "").upper()) or data["GB"]


def regions() -> Tuple[str, ...]:
    """The regions with helpline data."""
    return tuple(_data())


def urgent_text(region: str, kinds: Sequence[str] = (), age: Optional[int] = None,
                max_lines: int = 3) -> str:
    """Crisis support: the lead line for the kind (the emergency number), then the lines that
    fit the kind and the person's age."""
    rh = region_help(region)
    lines = [rh.lead_line(kinds[0] if kinds else None)]
    lines += [h.line() for h in rh.for_kinds(kinds, age)[:max_lines]]
    return "\n".join(lines)


def concern_line(region: str, kinds: Sequence[str] = (), age: Optional[int] = None) -> str:
    """The one most fitting line for a concern reply ("- Name: contact (hours)")."""
    fitting = region_help(region).for_kinds(kinds, age)
    return fitting[0].line() if fitting else ""
