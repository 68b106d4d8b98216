"""My pathway: a young person's goals (one per need), steps and referrals, and how the
referrals went (outcomes under the open outcomes framework, :mod:`bot.pathway.outcomes`).

Pure and synchronous (SQLAlchemy 2.0 style); async callers run it in a thread. Every function
that changes a step takes the sender id and only touches that sender's rows: another sender's
step id is answered with :class:`StepNotFound`, as if it did not exist. Step text can be
personal: it is never logged.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.pathway import outcomes
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome
from bot.directory.render import need_phrase
from bot.channels.smstext import segments, to_gsm

logger = logging.getLogger(__name__)

STEP_STATUSES = ("todo", "done", "dropped")
GOAL_STATUSES = ("active", "done", "dropped")
DONE_AFTER = ("reached", "got_help")  # a check-in answer that completes the referral step
TEXT_MAX = 200
SMS_SEGMENTS = 2
GOAL_TITLES = {
    "crisis": "Staying safe", "housing": "Somewhere stable to live", "food": "Enough to eat",
    "money": "Sorting out money", "work": "A job", "education": "Learning or training",
    "mental_health": "Feeling better", "health": "Looking after my health",
    "substance_use": "Drugs and alcohol support", "family": "Things at home",
    "legal": "Knowing my rights", "lgbtq": "LGBTQ+ support and community",
}


class PathwayError(ValueError):
    """A pathway request that cannot be done (bad status, empty text, unknown code...)."""


class StepNotFound(PathwayError):
    """No such step for this sender (it does not exist or belongs to someone else)."""


@dataclass(frozen=True)
class Step:
    """One step as shown to its owner."""

    id: int
    goal_id: int
    need: str
    kind: str
    text: str
    status: str
    service_id: Optional[str] = None
    due_at: Optional[datetime] = None
    checkin_at: Optional[datetime] = None


@dataclass(frozen=True)
class Goal:
    """A goal and (in a :class:`Plan`) its visible steps."""

    id: int
    need: str
    title: str
    status: str
    steps: Tuple[Step, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The active goals of one sender and their steps (dropped steps left out)."""

    goals: Tuple[Goal, ...] = ()

    @property
    def steps(self) -> List[Step]:
        """The steps in display order: number ``n`` is ``steps[n - 1]``."""
        return [step for goal in self.goals for step in goal.steps]

    def step(self, number: int) -> Optional[Step]:
        """The step shown as ``number`` ("done 2"), or None."""
        steps = self.steps
        return steps[number - 1] if 1 <= number <= len(steps) else None


@dataclass(frozen=True)
class Outcome:
    """A logged referral outcome."""

    id: int
    step_id: Optional[int]
    need: str
    code: str
    reason: Optional[str]
    framework_version: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(ts: Optional[datetime]) -> Optional[datetime]:
    """Database times are UTC; SQLite gives them back naive."""
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def _clean(text: str) -> str:
    text = " ".join(str(text or "").split())
    if not text:
        raise PathwayError("a step needs some text")
    return text if len(text) <= TEXT_MAX else text[:TEXT_MAX - 3].rstrip() + "..."


def _need(need: str) -> str:
    if need not in outcomes.framework().needs:
        raise PathwayError(f"unknown need code {need!r}")
    return need


def _step(row: PathwayStep, need: str) -> Step:
    return Step(row.id, row.goal_id, need, row.kind, row.text, row.status, row.service_id,
                _aware(row.due_at), _aware(row.checkin_at))


def _goal_row(s: Session, sender_id: str, need: str) -> PathwayGoal:
    row = s.execute(select(PathwayGoal).where(
        PathwayGoal.sender_id == sender_id, PathwayGoal.need == need,
        PathwayGoal.status == "active").order_by(PathwayGoal.id).limit(1)).scalar()
    if row is None:
        row = PathwayGoal(sender_id=sender_id, need=need, status="active",
                          title=GOAL_TITLES.get(need, need_phrase(need).capitalize()))
        s.add(row)
        s.flush()
    return row


def goal_for(sessions: sessionmaker, sender_id: str, need: str) -> Goal:
    """The sender's active goal for ``need``, created (with a default title) if there is none."""
    _need(need)
    with sessions() as s, s.begin():
        row = _goal_row(s, sender_id, need)
        return Goal(row.id, row.need, row.title, row.status)


def add_step(sessions: sessionmaker, sender_id: str, need: str, text: str,
             due_at: Optional[datetime] = None) -> Step:
    """A step in the sender's own words under the active goal for ``need``."""
    _need(need)
    text = _clean(text)
    with sessions() as s, s.begin():
        goal = _goal_row(s, sender_id, need)
        row = PathwayStep(goal_id=goal.id, sender_id=sender_id, kind="step", text=text,
                          status="todo", due_at=due_at)
        s.add(row)
        s.flush()
        return _step(row, need)


def add_referral(sessions: sessionmaker, sender_id: str, need: str, service_id: str,
                 service_name: str, checkin_after: timedelta,
                 now: Optional[datetime] = None) -> Step:
    """A referral step ("Contact <service>") for a chosen service, with a check-in due
    ``checkin_after`` from now. Idempotent: a referral to the same service that is still to do
    is returned as it is."""
    _need(need)
    text = _clean(f"Contact {service_name}")
    with sessions() as s, s.begin():
        found = s.execute(select(PathwayStep, PathwayGoal.need)
                          .join(PathwayGoal, PathwayGoal.id == PathwayStep.goal_id)
                          .where(PathwayStep.sender_id == sender_id,
                                 PathwayStep.kind == "referral",
                                 PathwayStep.service_id == service_id,
                                 PathwayStep.status == "todo",
                                 PathwayGoal.status == "active")
                          .order_by(PathwayStep.id).limit(1)).first()
        if found is not None:
            return _step(found[0], found[1])
        goal = _goal_row(s, sender_id, need)
        row = PathwayStep(goal_id=goal.id, sender_id=sender_id, kind="referral", text=text,
                          service_id=service_id, status="todo",
                          checkin_at=(_aware(now) or _now()) + checkin_after)
        s.add(row)
        s.flush()
        logger.info("referral added (need %s)", need)
        return _step(row, need)


def _owned(s: Session, step_id: int, sender_id: str) -> Tuple[PathwayStep, str]:
    found = s.execute(select(PathwayStep, PathwayGoal.need)
                      .join(PathwayGoal, PathwayGoal.id == PathwayStep.goal_id)
                      .where(PathwayStep.id == step_id, PathwayStep.sender_id == sender_id)
                      ).first()
    if found is None:
        raise StepNotFound(f"no step {step_id} in this plan")
    return found[0], found[1]


def set_status(sessions: sessionmaker, step_id: int, sender_id: str, status: str) -> Step:
    """Mark one of the sender's steps todo, done or dropped."""
    if status not in STEP_STATUSES:
        raise PathwayError(f"status must be one of {', '.join(STEP_STATUSES)}")
    with sessions() as s, s.begin():
        row, need = _owned(s, step_id, sender_id)
        row.status = status
        s.flush()
        return _step(row, need)


def rename_step(sessions: sessionmaker, step_id: int, sender_id: str, text: str) -> Step:
    """Change the text of one of the sender's steps."""
    text = _clean(text)
    with sessions() as s, s.begin():
        row, need = _owned(s, step_id, sender_id)
        row.text = text
        s.flush()
        return _step(row, need)


def record_outcome(sessions: sessionmaker, sender_id: str, step_id: int, code: str,
                   reason: Optional[str] = None) -> Outcome:
    """Log how one of the sender's referrals (or steps) went: a check-in answer (reached,
    got_help, turned_away with an optional reason, still_waiting, did_not_go) or an outcome
    code of the step's need, with the framework version. reached/got_help complete the step."""
    fw = outcomes.framework()
    checkin = fw.checkin_codes()
    with sessions() as s, s.begin():
        step, need = _owned(s, step_id, sender_id)
        if code not in checkin and code not in fw.outcome_codes(need):
            raise PathwayError(f"{code!r} is not a check-in answer or a {need} outcome in "
                               f"outcomes framework {fw.version}")
        if reason is not None and code != outcomes.TURNED_AWAY:
            raise PathwayError(f"a reason goes only with {outcomes.TURNED_AWAY}")
        if reason is not None and reason not in fw.reason_codes():
            raise PathwayError(f"{reason!r} is not a reason code "
                               f"({', '.join(fw.reason_codes())})")
        row = ReferralOutcome(step_id=step.id, sender_id=sender_id, service_id=step.service_id,
                              need=need, code=code, reason=reason,
                              framework_version=fw.version)
        s.add(row)
        if code in DONE_AFTER and step.status == "todo":
            step.status = "done"
        s.flush()
        logger.info("referral outcome logged (%s/%s)", need, code)
        return Outcome(row.id, row.step_id, need, code, reason, row.framework_version)


def plan(sessions: sessionmaker, sender_id: str) -> Plan:
    """The sender's active goals, oldest first, each with its todo and done steps."""
    with sessions() as s:
        goals = list(s.execute(select(PathwayGoal).where(
            PathwayGoal.sender_id == sender_id, PathwayGoal.status == "active")
            .order_by(PathwayGoal.id)).scalars())
        ids = [g.id for g in goals]
        steps = list(s.execute(select(PathwayStep).where(
            PathwayStep.goal_id.in_(ids), PathwayStep.status != "dropped")
            .order_by(PathwayStep.id)).scalars()) if ids else []
    by_goal: Dict[int, List[Step]] = {g.id: [] for g in goals}
    needs = {g.id: g.need for g in goals}
    for row in steps:
        by_goal[row.goal_id].append(_step(row, needs[row.goal_id]))
    return Plan(tuple(Goal(g.id, g.need, g.title, g.status, tuple(by_goal[g.id]))
                      for g in goals))


def export(sessions: sessionmaker, sender_id: str) -> Dict[str, Any]:
    """Everything of the sender's pathway, JSON-ready (for "send me my data")."""
    def iso(ts: Optional[datetime]) -> Optional[str]:
        ts = _aware(ts)
        return ts.isoformat(timespec="seconds") if ts else None

    with sessions() as s:
        goals = list(s.execute(select(PathwayGoal).where(PathwayGoal.sender_id == sender_id)
                               .order_by(PathwayGoal.id)).scalars())
        steps = list(s.execute(select(PathwayStep).where(PathwayStep.sender_id == sender_id)
                               .order_by(PathwayStep.id)).scalars())
        done = list(s.execute(select(ReferralOutcome).where(
            ReferralOutcome.sender_id == sender_id).order_by(ReferralOutcome.id)).scalars())
    texts = {st.id: st.text for st in steps}
    return {
        "goals": [{"need": need_phrase(g.need), "title": g.title, "status": g.status,
                   "started_at": iso(g.created_at),
                   "steps": [{"text": st.text, "kind": st.kind, "status": st.status,
                              "due_at": iso(st.due_at), "check_in_at": iso(st.checkin_at),
                              "added_at": iso(st.created_at)}
                             for st in steps if st.goal_id == g.id]} for g in goals],
        "referral_outcomes": [{"step": texts.get(o.step_id), "need": need_phrase(o.need),
                               "outcome": o.code, "reason": o.reason,
                               "framework_version": o.framework_version,
                               "at": iso(o.created_at)} for o in done],
    }


# -- "My plan" as text --------------------------------------------------------------------------
_ABBREVIATIONS = [(re.compile(p, re.I), r) for p, r in (
    (r"\s*\([^)]*\)", ""), (r"\byoung people'?s?\b", "YP"), (r"\baccommodation\b", "Accom"),
    (r"\bassociation\b", "Assoc"), (r"\bcent(re|er)\b", "Ctr"), (r"\bservices\b", "Svcs"),
    (r"\bservice\b", "Svc"), (r"\binformation\b", "Info"), (r"\borganisation\b", "Org"),
    (r"\bfoundation\b", "Fdn"), (r"\bstreet\b", "St"), (r"\broad\b", "Rd"),
    (r"\s+and\s+", " & "), (r"\s+-\s+", " - "))]
# (max step text, goal headers, due dates) from the fullest to the tightest.
_SMS_LEVELS = ((None, True, True), (60, True, True), (45, True, False), (40, False, False),
               (32, False, False), (24, False, False))  # narrower is unreadable: "+N more"


def _abbreviate(text: str) -> str:
    for pattern, repl in _ABBREVIATIONS:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def _cut(text: str, width: Optional[int]) -> str:
    if width is None or len(text) <= width:
        return text
    cut = text[:width - 2]
    cut = cut.rsplit(" ", 1)[0] if " " in cut[width // 2:] else cut
    return cut.rstrip(" ,;:-&") + ".."


def _due(step: Step, tz: Optional[tzinfo]) -> str:
    if step.due_at is None or step.status == "done":
        return ""
    d = step.due_at.astimezone(tz or timezone.utc)
    return f" - by {d:%a} {d.day} {d:%b}"


def _render(plan_: Plan, width: Optional[int], headers: bool, due: bool, shown: int,
            short: bool, tz: Optional[tzinfo]) -> str:
    lines = ["Your plan:"]
    n = 0
    for goal in plan_.goals:
        if headers:
            lines.append(goal.title)
        for step in goal.steps:
            n += 1
            if n > shown:
                continue
            text = _abbreviate(to_gsm(step.text)) if short else step.text
            box = "[x]" if step.status == "done" else "[ ]"
            lines.append(f"{n}. {box} {_cut(text, width)}{_due(step, tz) if due else ''}")
    if n > shown:
        lines.append(f"+{n - shown} more")
    return "\n".join(lines)


def plan_text(plan_: Plan, channel: str, tz: Optional[tzinfo] = None) -> str:
    """"My plan", concise: numbered steps ("1. [x] ...") under their goals. On ``sms`` it is
    GSM-7 and at most two segments (names abbreviated and cut, headers and dates dropped, and
    as a last resort "+N more"); other channels get it whole."""
    if not plan_.steps and not plan_.goals:
        return "You don't have a plan yet. Pick a service from a search to add it."
    total = len(plan_.steps)
    if channel != "sms":
        return _render(plan_, None, True, True, total, False, tz)
    text = ""
    for shown in range(total, -1, -1):
        for width, headers, due in _SMS_LEVELS:
            text = to_gsm(_render(plan_, width, headers, due, shown, width is not None, tz))
            if segments(text) <= SMS_SEGMENTS:
                return text
    return text

