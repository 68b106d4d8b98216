"""Check-ins: a few days after a young person chooses a service, the bot asks how it went.

The answer is one of the open outcomes framework's check-in codes (``bot/resources/outcomes.yml``):
reached, got_help, turned_away (with a reason where given), still_waiting, did_not_go. This module
reads those answers from free text or buttons, decides when a check-in may be sent (the
``NAVIGATOR_CHECKIN_HOURS`` window, local time, like duty hours), and keeps the "asked" mark on
the referral step so that a check-in is asked once. The Rasa side (reminders in the tracker
store, re-armed after a restart) is in ``actions/pathway.py`` and ``connectors/reminders.py``.
Pure and synchronous; answers can be personal and are never logged.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.pathway import outcomes
from bot.weekly import parse_duty_hours
from bot.models import as_utc
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome

logger = logging.getLogger(__name__)

REMINDER_PREFIX = "checkin_"
WAITING = "still_waiting"  # the one answer that keeps a check-in open: asked again later
MAX_WAITS = 2  # after "still waiting", asked again at most this often
EXTERNAL_INTENT = "EXTERNAL_checkin"
_STEP_MINUTES = 15
_HORIZON = timedelta(days=8)


def _rx(*words: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I)


# Order matters: "couldn't help" is turned away before "help" is got help; "didn't call" is
# did not go before "call" is reached.
_ANSWERS: Tuple[Tuple[str, re.Pattern], ...] = (
    ("did_not_go", _rx(r"did\s*n[o']?t\s+(?:go|call|ring|phone|contact|get round|manage)",
                       r"didnt\s+(?:go|call|ring)", r"did not (?:go|call|ring|contact)",
                       r"ha(?:ve|ven'?t|vent)\s+(?:not\s+)?(?:gone|been|called|rung)",
                       r"never went", r"not yet", r"forgot", r"changed my mind", r"i didn'?t",
                       r"(?:did\s*n[o']?t|didnt) go")),
    (outcomes.TURNED_AWAY, _rx(r"turned (?:me )?away", r"turn(?:ed)? me down",
                               r"could\s*n[o']?t help", r"couldnt help", r"can\s*n?[o']?t help",
                               r"cant help", r"would\s*n[o']?t help", r"wouldnt help",
                               r"did\s*n[o']?t help", r"didnt help", r"no help", r"refused",
                               r"said no", r"rejected", r"(?:were|was|they'?re|it'?s) full",
                               r"no (?:space|spaces|room|rooms|beds?|places?)",
                               r"not eligible", r"wasn'?t eligible", r"too (?:old|young)",
                               r"(?:were|was) closed", r"shut", r"no(?: one|body) (?:answered|"
                               r"picked up)", r"no answer", r"did\s*n[o']?t (?:answer|pick up)",
                               r"sent me away", r"they couldn'?t")),
    ("still_waiting", _rx(r"waiting", r"wait(?:ing)? list", r"ha(?:ve|ven'?t|vent) heard",
                          r"not heard", r"no reply", r"appointment", r"they'?ll (?:call|ring|"
                          r"get back)", r"still waiting")),
    ("got_help", _rx(r"got help", r"they helped", r"helped me", r"help(?:ed)? loads",
                     r"got (?:a|the) (?:place|bed|room|food|parcel|job|appointment sorted)",
                     r"sorted", r"went (?:well|good|great|ok|okay)", r"really good",
                     r"it was good", r"they were (?:great|good|nice|helpful)",
                     r"i got help", r"got it")),
    ("reached", _rx(r"got through", r"spoke (?:to|with)", r"talked (?:to|with)",
                    r"called them", r"rang them", r"phoned them", r"reached them",
                    r"contacted", r"messaged them", r"went there", r"i went", r"been there")),
)
_REASONS: Tuple[Tuple[str, re.Pattern], ...] = (
    ("full", _rx(r"full", r"no (?:space|spaces|room|rooms|beds?|places?|stock)",
                 r"ran out", r"none left")),
    ("not_eligible", _rx(r"eligible", r"too (?:old|young)", r"wrong (?:area|age)",
                         r"not for (?:me|people like me)", r"did\s*n[o']?t qualify",
                         r"criteria", r"not allowed")),
    ("closed", _rx(r"closed", r"shut", r"not open", r"no longer (?:runs|open)")),
    ("no_answer", _rx(r"no answer", r"no(?: one|body) (?:answered|picked up|replied)",
                      r"did\s*n[o']?t (?:answer|pick up|reply)", r"no reply")),
    ("other", _rx(r"other", r"something else", r"rather not say", r"don'?t know", r"dunno",
                  r"skip")),
)


def parse_answer(text: str) -> Optional[str]:
    """The check-in code a reply means ("they turned me away" → turned_away), or None."""
    text = (text or "").strip()
    if not text:
        return None
    if text.replace("_", "").isalpha() and text.lower() in outcomes.checkin_codes():
        return text.lower()  # a button payload
    for code, pattern in _ANSWERS:
        if pattern.search(text):
            return code
    return None


def parse_reason(text: str) -> Optional[str]:
    """The turned-away reason a reply gives ("they were full" → full), or None."""
    text = (text or "").strip()
    if text.lower() in outcomes.reason_codes():
        return text.lower()
    for code, pattern in _REASONS:
        if pattern.search(text):
            return code
    return None


def answer_labels() -> List[Tuple[str, str]]:
    """(code, label) of each check-in answer, for buttons."""
    return [(c.code, c.label or c.code) for c in outcomes.framework().checkin]


def reason_labels() -> List[Tuple[str, str]]:
    """(code, label) of each turned-away reason, for buttons."""
    fw = outcomes.framework()
    return [(c.code, c.label or c.code) for c in fw.reasons]


def next_allowed(when: datetime, hours_spec: str, tz_name: str) -> datetime:
    """The first moment at or after ``when`` inside the check-in hours (UTC, aware)."""
    hours = parse_duty_hours(hours_spec)
    tz = ZoneInfo(tz_name)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if hours.on_duty(when.astimezone(tz)):
        return when.astimezone(timezone.utc)
    start = when.astimezone(tz).replace(second=0, microsecond=0)
    start += timedelta(minutes=_STEP_MINUTES - start.minute % _STEP_MINUTES)
    probe = start
    while probe - start < _HORIZON:
        if hours.on_duty(probe):
            return probe.astimezone(timezone.utc)
        probe += timedelta(minutes=_STEP_MINUTES)
    return when.astimezone(timezone.utc)  # "never": nothing better to do than now


@dataclass(frozen=True)
class Pending:
    """A referral whose check-in has not been asked (or answered) yet."""

    step_id: int
    sender_id: str
    need: str
    service_id: Optional[str]
    text: str
    checkin_at: datetime
    asked: bool

    @property
    def reminder_name(self) -> str:
        """The Rasa reminder's name (unique across senders: step ids are)."""
        return f"{REMINDER_PREFIX}{self.step_id}"


def pending(sessions: sessionmaker, sender_id: Optional[str] = None,
            include_asked: bool = False, limit: int = 10000) -> List[Pending]:
    """Referrals still to do with a check-in time and no outcome but "still waiting", oldest
    check-in first: of one sender, or (``sender_id`` None) everyone's, for re-arming reminders
    on start."""
    logged = select(ReferralOutcome.id).where(ReferralOutcome.step_id == PathwayStep.id,
                                              ReferralOutcome.code != WAITING)
    query = (select(PathwayStep, PathwayGoal.need)
             .join(PathwayGoal, PathwayGoal.id == PathwayStep.goal_id)
             .where(PathwayStep.kind == "referral", PathwayStep.status == "todo",
                    PathwayStep.checkin_at.isnot(None), ~logged.exists()))
    if sender_id is not None:
        query = query.where(PathwayStep.sender_id == sender_id)
    if not include_asked:
        query = query.where(PathwayStep.checkin_asked_at.is_(None))
    with sessions() as s:
        rows = s.execute(query.order_by(PathwayStep.checkin_at, PathwayStep.id)
                         .limit(limit)).all()
    return [Pending(r.id, r.sender_id, need, r.service_id, r.text, as_utc(r.checkin_at),
                    r.checkin_asked_at is not None) for r, need in rows]


def pending_step(sessions: sessionmaker, sender_id: str, step_id: int,
                 include_asked: bool = True) -> Optional[Pending]:
    """One of the sender's referrals if its check-in is still open, else None."""
    for item in pending(sessions, sender_id, include_asked=include_asked):
        if item.step_id == step_id:
            return item
    return None


def mark_asked(sessions: sessionmaker, sender_id: str, step_id: int,
               now: Optional[datetime] = None) -> bool:
    """Note that the bot asked how this referral went; False if it is not the sender's."""
    with sessions() as s, s.begin():
        row = s.execute(select(PathwayStep).where(PathwayStep.id == step_id,
                                                  PathwayStep.sender_id == sender_id)).scalar()
        if row is None:
            return False
        row.checkin_asked_at = now or datetime.now(timezone.utc)
    return True


def ask_again(sessions: sessionmaker, sender_id: str, step_id: int, after: timedelta,
              now: Optional[datetime] = None) -> Optional[datetime]:
    """After "still waiting": the referral's next check-in time, or None once it has been
    "still waiting" more than :data:`MAX_WAITS` times (or it is not the sender's)."""
    now = now or datetime.now(timezone.utc)
    with sessions() as s, s.begin():
        row = s.execute(select(PathwayStep).where(PathwayStep.id == step_id,
                                                  PathwayStep.sender_id == sender_id)).scalar()
        if row is None:
            return None
        waits = len(s.execute(select(ReferralOutcome.id).where(
            ReferralOutcome.step_id == step_id, ReferralOutcome.code == WAITING)).all())
        if waits > MAX_WAITS:
            row.checkin_at = None
            return None
        row.checkin_at, row.checkin_asked_at = now + after, None
        return row.checkin_at


def senders_with_pending(sessions: sessionmaker) -> Dict[str, List[Pending]]:
    """Every sender with a check-in still to ask, and those check-ins."""
    out: Dict[str, List[Pending]] = {}
    for item in pending(sessions):
        out.setdefault(item.sender_id, []).append(item)
    return out
