"""When youth workers are on duty, and what the bot tells a young person at a handoff.

``NAVIGATOR_DUTY_HOURS`` is a list of ``DAYS HH:MM-HH:MM`` groups separated by ``;`` or ``,``:
``"Mon-Fri 09:00-17:00; Sat 10:00-14:00"``. Days are ``Mon``..``Sun``, single or a range
(``Fri-Mon`` wraps); an end at or before the start runs past midnight (``Fri 20:00-02:00``).
``always`` (or ``24/7``) means someone is always on duty; ``never`` means nobody ever is (every
handoff gets the out-of-hours message). Times are in ``NAVIGATOR_TIMEZONE``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

from bot.safeguarding.helplines import region_help

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_GROUP = re.compile(r"^(?P<d1>[a-z]{3})(?:\s*-\s*(?P<d2>[a-z]{3}))?\s+"
                    r"(?P<h1>\d{1,2}):(?P<m1>\d{2})\s*-\s*(?P<h2>\d{1,2}):(?P<m2>\d{2})$")


class DutyHoursError(ValueError):
    """The duty hours setting cannot be read."""


@dataclass(frozen=True)
class Shift:
    """On duty on weekday ``day`` (0 = Monday) from ``start`` for ``minutes``."""

    day: int
    start: time
    minutes: int


@dataclass(frozen=True)
class DutyHours:
    """Parsed duty hours: ``always`` or a list of weekly shifts (empty: never on duty)."""

    always: bool
    shifts: Tuple[Shift, ...]
    text: str

    def on_duty(self, when: datetime) -> bool:
        """Whether ``when`` (a local, timezone-aware time) falls in a shift."""
        if self.always:
            return True
        for shift in self.shifts:
            for back in (0, 1):  # a shift that began yesterday may still be running
                day = when.date() - timedelta(days=back)
                if day.weekday() != shift.day:
                    continue
                begin = datetime.combine(day, shift.start, tzinfo=when.tzinfo)
                if begin <= when < begin + timedelta(minutes=shift.minutes):
                    return True
        return False


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
    shifts: List[Shift] = []
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
            shifts.append(Shift(day, time(h1, m1), minutes))
            if day == last:
                break
            day = (day + 1) % 7
    return DutyHours(False, tuple(shifts), text)


def local_now(tz_name: str, now: Optional[datetime] = None) -> datetime:
    """``now`` (default: the current time) in the deployment's time zone."""
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(ZoneInfo(tz_name))


def on_duty(now: Optional[datetime], settings) -> bool:
    """Whether a youth worker is on duty at ``now`` per ``settings.duty_hours``."""
    return parse_duty_hours(settings.duty_hours).on_duty(local_now(settings.timezone, now))


def handoff_notice(settings, org_name: str, now: Optional[datetime] = None,
                   urgent: bool = False, helplines_given: bool = False) -> str:
    """What the bot tells the young person when a person takes over: who, roughly when, and
    (out of hours) the helplines to use meanwhile, unless the same reply has just given the
    ones that fit (``helplines_given``: crisis support). Plain text, SMS-friendly."""
    who = f"a youth worker at {org_name}" if org_name else "a youth worker"
    region = region_help(settings.region)
    if on_duty(now, settings):
        wait = settings.handoff_wait_minutes
        soon = "as soon as they can" if urgent else f"usually within {wait} minutes"
        return (f"I'm passing our conversation to {who}. They're a real person, not a bot, and "
                f"they'll read what you've written and reply here {soon}. Anything you send "
                f"now goes to them. If you're in danger, call {region.emergency}.")
    hours = parse_duty_hours(settings.duty_hours)
    when = f" (they're around {hours.text})" if hours.shifts else ""
    lines = [f"Our youth workers aren't on duty right now{when}. I've passed your messages to "
             f"{who} and someone will reply here when they're back."]
    if helplines_given:
        lines.append(f"Until then, the numbers above are there for you, and {region.emergency} "
                     f"if you're in danger.")
        return " ".join(lines)
    lines.append(f"If you need to talk to someone now: call {region.emergency} if you're in danger.")
    lines += [h.line() for h in region.helplines[:3]]
    return "\n".join(lines)


RESUME_MESSAGE = ("You're back with the navigator bot now. Tell me what you need and I'll find "
                  "services near you - or ask for a person again any time.")
