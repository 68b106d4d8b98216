"""When youth workers are on duty, and what the bot tells a young person at a handoff.

``NAVIGATOR_DUTY_HOURS`` is a weekly window (``bot/weekly.py``): ``"Mon-Fri 09:00-17:00; Sat
10:00-14:00"``, ``always``, or ``never`` (every handoff gets the out-of-hours message). Times are
in ``NAVIGATOR_TIMEZONE``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from bot.safeguarding.helplines import region_help
from bot.weekly import parse_duty_hours


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
