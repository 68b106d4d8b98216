"""Weekly windows of time written by people: ``"Mon-Fri 09:00-17:00; Sat 10:00-14:00"``.

Days are ``Mon``..``Sun``, single or a range (``Fri-Mon`` wraps); an end at or before the start
runs past midnight (``Fri 20:00-02:00``). ``always`` (or ``24/7``) is every moment; ``never``
(or empty) none. Used for youth workers' duty hours (``bot/handoff/duty.py``) and for when check-ins may
be sent; a leaf module (imports nothing of the navigator), so settings can validate with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import List, Sequence, Tuple

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_GROUP = re.compile(r"^(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+"
                    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})$")


class DutyHoursError(ValueError):
    """The duty hours setting cannot be read."""


@dataclass(frozen=True)
class Window:
    """One weekly window: on weekday ``day`` (0 = Monday) from ``start`` for ``minutes`` (past
    midnight when it runs on). A youth worker's shift, or a service's opening (HSDS schedule
    rows, ``bot/directory/hours.py``)."""

    day: int
    start: time
    minutes: int


def within(windows: Sequence[Window], when: datetime) -> bool:
    """Whether ``when`` (a local, timezone-aware or naive time) falls in one of ``windows``."""
    for window in windows:
        for back in (0, 1):  # a window that began yesterday may still be running
            day = when.date() - timedelta(days=back)
            if day.weekday() != window.day:
                continue
            begin = datetime.combine(day, window.start, tzinfo=when.tzinfo)
            if begin <= when < begin + timedelta(minutes=window.minutes):
                return True
    return False


@dataclass(frozen=True)
class DutyHours:
    """Parsed duty hours: ``always`` or a list of weekly shifts (empty: never on duty)."""

    always: bool
    shifts: Tuple[Window, ...]
    text: str

    def on_duty(self, when: datetime) -> bool:
        """Whether ``when`` (a local, timezone-aware time) falls in a shift."""
        return self.always or within(self.shifts, when)


def _day(name: str, spec: str) -> int:
    if name not in DAYS:
        raise DutyHoursError(f"unknown day {name!r} in duty hours {spec!r} (use Mon..Sun)")
    return DAYS.index(name)


def parse_duty_hours(spec: str) -> DutyHours:
    """Read a duty hours setting; :class:`DutyHoursError` explains what is wrong."""
    text = (spec or "").strip()
    low = text.lower()
    if low in ("always", "24/7"):
        return DutyHours(True, (), text)
    if low in ("", "never", "none"):
        return DutyHours(False, (), text or "never")
    shifts: List[Window] = []
    for part in re.split(r"[;,]", low):
        part = re.sub(r"\s+", " ", part.strip())
        if not part:
            continue
        m = _GROUP.match(part)
        if not m:
            raise DutyHoursError(f"cannot read {part!r} in duty hours: write e.g. "
                                 "'Mon-Fri 09:00-17:00; Sat 10:00-14:00'")
        first = _day(m["d1"], spec)
        last = _day(m["d2"], spec) if m["d2"] else first
        h1, m1, h2, m2 = (int(m[k]) for k in ("h1", "m1", "h2", "m2"))
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise DutyHoursError(f"impossible time in duty hours {part!r}")
        minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
        if minutes <= 0:
            minutes += 24 * 60
        day = first
        while True:
            shifts.append(Window(day, time(h1, m1), minutes))
            if day == last:
                break
            day = (day + 1) % 7
    return DutyHours(False, tuple(shifts), text)
