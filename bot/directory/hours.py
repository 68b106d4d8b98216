"""Weekly opening hours (HSDS ``schedule`` rows with freq=WEEKLY) as weekly windows
(``bot.weekly.Window``, the type duty hours use too), and "open now"."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Iterable, List, Optional, Sequence, Tuple

from bot.weekly import Window

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_TIME = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class OpenStatus:
    """Whether a service is open at a moment."""

    state: str  # "open", "closed", "always", "unknown"
    until: Optional[datetime] = None  # when open: closing time
    next_open: Optional[datetime] = None  # when closed: next opening

    def describe(self) -> str:
        """Short, human phrase: "Open now until 17:00", "Closed - opens Tue 10:00"."""
        if self.state == "always":
            return "Open 24/7"
        if self.state == "open":
            return f"Open now until {self.until:%H:%M}" if self.until else "Open now"
        if self.state == "closed":
            if self.next_open:
                return f"Closed now - opens {DAY_NAMES[self.next_open.weekday()]} " \
                       f"{self.next_open:%H:%M}"
            return "Closed now"
        return "Opening hours not listed"


def parse_time(value: Optional[str]) -> Optional[time]:
    """Parse "9", "09:00", "09:00:00"; None when missing or invalid."""
    if not value:
        return None
    m = _TIME.match(str(value))
    if not m:
        return None
    h, mnt = int(m.group(1)), int(m.group(2) or 0)
    if h == 24 and mnt == 0:
        return time(23, 59)
    if not (0 <= h <= 23 and 0 <= mnt <= 59):
        return None
    return time(h, mnt)


def parse_byday(value: Optional[str]) -> List[int]:
    """"MO,TU" → [0, 1]; tolerates spaces, lower case and RFC prefixes like "1MO"."""
    days = []
    for part in (value or "").split(","):
        code = re.sub(r"[^A-Z]", "", part.upper())
        if code in DAYS:
            days.append(DAYS.index(code))
    return sorted(set(days))


def openings(rows: Iterable[Tuple[Optional[str], Optional[str], Optional[str]]]) -> List[Window]:
    """Turn (byday, opens_at, closes_at) rows into openings; closes ≤ opens crosses midnight."""
    out: List[Window] = []
    for byday, opens_at, closes_at in rows:
        start, end = parse_time(opens_at), parse_time(closes_at)
        if start is None or end is None:
            continue
        s = start.hour * 60 + start.minute
        e = end.hour * 60 + end.minute
        if end == time(23, 59):
            e = 24 * 60
        minutes = e - s if e > s else e + 24 * 60 - s
        for day in parse_byday(byday) or list(range(7)):
            out.append(Window(day, start, minutes))
    return out


def openings_always(ops: Sequence[Window]) -> bool:
    """True when the openings cover every minute of every day."""
    covered = {o.day for o in ops if o.start == time(0, 0) and o.minutes >= 24 * 60 - 1}
    return covered == set(range(7))


def open_status(ops: Sequence[Window], now: datetime) -> OpenStatus:
    """Open/closed at ``now`` (a local, naive or aware datetime in the service's zone)."""
    if not ops:
        return OpenStatus("unknown")
    if openings_always(ops):
        return OpenStatus("always")
    week_start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    intervals = []
    for week in (-1, 0, 1):
        for o in ops:
            start = week_start + timedelta(days=o.day + 7 * week, hours=o.start.hour,
                                           minutes=o.start.minute)
            intervals.append((start, start + timedelta(minutes=o.minutes)))
    current = [end for start, end in intervals if start <= now < end]
    if current:
        return OpenStatus("open", until=max(current))
    upcoming = [start for start, _ in intervals if start > now]
    return OpenStatus("closed", next_open=min(upcoming) if upcoming else None)


def weekly_summary(ops: Sequence[Window]) -> List[str]:
    """Lines like "Mon-Fri 09:00-17:00" for the detail view."""
    if not ops:
        return []
    if openings_always(ops):
        return ["Open 24 hours, every day"]
    by_slot: dict = {}
    for o in ops:
        end = (datetime.combine(datetime(2000, 1, 3), o.start) + timedelta(minutes=o.minutes))
        slot = f"{o.start:%H:%M}-{end:%H:%M}"
        by_slot.setdefault(slot, set()).add(o.day)
    lines = []
    for slot, days in sorted(by_slot.items(), key=lambda kv: (min(kv[1]), kv[0])):
        lines.append(f"{_day_ranges(sorted(days))} {slot}")
    return lines


def _day_ranges(days: List[int]) -> str:
    parts, run = [], [days[0]]
    for d in days[1:]:
        if d == run[-1] + 1:
            run.append(d)
        else:
            parts.append(run)
            run = [d]
    parts.append(run)
    return ", ".join(DAY_NAMES[r[0]] if len(r) == 1 else
                     f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" if len(r) > 2 else
                     f"{DAY_NAMES[r[0]]}, {DAY_NAMES[r[-1]]}" for r in parts)
