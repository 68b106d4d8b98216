"""Human handoff: the core API the conversation (connectors, actions) and the console call.

States of a :class:`~bot.handoff_models.Handoff`::

    open (waiting for a worker) ──claim──▶ active (a worker owns it)
      │                                      │
      └──────────── hand_back / resolve ─────┴──▶ handed_back | resolved  (the bot resumes)

While a handoff is open or active the conversation is *paused*: :func:`active_handoff` says so,
and :func:`record_user_message` keeps the user's message for the worker instead of the policy
(returning None when nothing is paused, so the caller hands the message to the bot and it is
never lost). Crisis detection still runs on every paused message and makes the handoff urgent.

Kinds: ``worker`` (youth workers) and ``peer_mentor`` (an opt-in chat with a trained peer
mentor). A kind only goes up: a crisis, or a request for a youth worker, turns an open peer chat
into a ``worker`` handoff (back in the queue if a peer mentor held it); a peer request never
turns a worker handoff into a peer chat.

Every function is blocking (SQLAlchemy) and takes a ``sessionmaker``; async callers run them in
a worker thread (``connectors.common.in_thread``). Functions that act for a worker only see the
worker's own organisation's handoffs, and a peer mentor only its peer chats: any other id is
:class:`HandoffNotFound`, exactly like an id that does not exist, so ids cannot be probed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.duty import RESUME_MESSAGE
from bot.handoff.models import Handoff, HandoffMessage, OutboxItem
from bot.accounts.models import YouthOrganisation, Worker
from bot.channels.models import ChannelContact
from bot.models import as_utc
from bot.safeguarding import assess
from bot.settings import get_settings

logger = logging.getLogger(__name__)

REASONS = ("request", "crisis", "fallback", "worker", "peer")
KINDS = ("worker", "peer_mentor")
PEER_MENTOR = "peer_mentor"  # both the handoff kind and the console role (bot.accounts.accounts.ROLES)
PEER_REASONS = ("request", "peer")
CHANNELS = ("telegram", "sms", "whatsapp", "webchat", "rest")
OPEN = ("open", "active")
OUTCOMES = {
    "advice": "Advice or information given",
    "referred": "Referred to a service",
    "safeguarding": "Safeguarding referral made",
    "emergency": "Emergency services involved",
    "no_response": "Young person stopped responding",
    "not_needed": "No help needed",
    "other": "Other",
}
MAX_TEXT = 20000  # longer user messages are kept in full up to this (Telegram allows 4096)
MAX_REPLY = 4000


class HandoffError(ValueError):
    """A handoff request that cannot be done; the message is for people."""


class HandoffNotFound(HandoffError):
    """No such handoff for this worker (unknown, or another organisation's)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def visible_kinds(worker: Worker) -> Tuple[str, ...]:
    """The handoff kinds a console account may see and handle: a peer mentor only peer chats."""
    return (PEER_MENTOR,) if worker.role == PEER_MENTOR else KINDS


def _clean(text: object, limit: int) -> str:
    """Text as a string without NUL bytes (which some databases refuse), at most ``limit``."""
    if not isinstance(text, str):
        raise HandoffError("a message must be text")
    return text.replace("\x00", "")[:limit]


# -- routing -----------------------------------------------------------------------------------
def org_for_number(sessions: sessionmaker, number: str) -> Optional[str]:
    """The code of the organisation that owns an SMS number (the one the user texted), or None."""
    with sessions() as s:
        return s.execute(select(YouthOrganisation.slug)
                         .where(YouthOrganisation.sms_number == number)).scalar()


def _route(s: Session, sender_id: str, org: Optional[str], default_org: str) -> YouthOrganisation:
    """``org`` if known, else the contact's referral (Telegram deep link) if it names a known
    organisation, else the default organisation (created on first use, so no handoff is lost)."""
    candidates = [org]
    referral = s.execute(select(ChannelContact.referral)
                         .where(ChannelContact.sender_id == sender_id)).scalar()
    candidates.append(referral)
    for slug in candidates:
        if slug:
            found = s.execute(select(YouthOrganisation).where(YouthOrganisation.slug == slug)).scalar()
            if found is not None:
                return found
    found = s.execute(select(YouthOrganisation).where(YouthOrganisation.slug == default_org)).scalar()
    if found is None:
        logger.warning("default organisation %r did not exist: created it", default_org)
        found = YouthOrganisation(slug=default_org, name=default_org)
        s.add(found)
        s.flush()
    return found


# -- the conversation's side -----------------------------------------------------------------
def _raise_kind(s: Session, h: Handoff, urgent: bool, why: str) -> None:
    """Make an open handoff urgent and/or a youth workers' one (a peer mentor is not a crisis
    worker): a peer chat becomes kind ``worker``, back in the queue if a peer mentor held it."""
    if h.kind == PEER_MENTOR:
        h.kind = "worker"
        holder = s.get(Worker, h.worker_id) if h.worker_id is not None else None
        if holder is not None and holder.role == PEER_MENTOR:
            h.worker_id, h.status = None, "open"
        logger.info("handoff %s moved from peer mentors to youth workers (%s)", h.id, why)
    if urgent and not h.urgent:
        h.urgent = True
        logger.info("handoff %s escalated to urgent (%s)", h.id, why)


def request_handoff(sessions: sessionmaker, sender_id: str, channel: str, reason: str,
                    urgent: bool = False, org: Optional[str] = None,
                    needs: Iterable[str] = (), default_org: Optional[str] = None,
                    kind: str = "worker", risk: Iterable[str] = ()) -> Handoff:
    """Open a handoff for ``sender_id`` (or return the one already open). A crisis is always
    urgent and upgrades an open handoff to urgent; ``needs`` (codes) are kept for searching.
    ``kind="peer_mentor"`` (reason ``request`` or ``peer``) opens a peer chat; an urgent request
    is always for youth workers and turns an open peer chat into one, as does any ``worker``
    request. An open worker handoff is returned as it is to a peer request. ``risk``: the kinds
    of risk seen (``bot.safeguarding.kinds``), shown in the queue."""
    if not sender_id or not isinstance(sender_id, str) or len(sender_id) > 80:
        raise HandoffError("sender_id must be a non-empty string of at most 80 characters")
    if channel not in CHANNELS:
        raise HandoffError(f"channel must be one of {', '.join(CHANNELS)}")
    if reason not in REASONS:
        raise HandoffError(f"reason must be one of {', '.join(REASONS)}")
    if kind not in KINDS:
        raise HandoffError(f"kind must be one of {', '.join(KINDS)}")
    if kind == PEER_MENTOR and reason not in PEER_REASONS:
        raise HandoffError(f"a peer mentor handoff's reason must be one of "
                           f"{', '.join(PEER_REASONS)}")
    if kind != PEER_MENTOR and reason == "peer":
        raise HandoffError("reason 'peer' is only for a peer mentor handoff")
    urgent = bool(urgent) or reason == "crisis"
    if urgent:
        kind = "worker"  # a peer mentor is not a crisis worker
    need_text = ",".join(dict.fromkeys(n for n in needs if n))[:255]
    default_org = default_org or get_settings().default_org
    for _ in range(3):  # a concurrent request for the same sender wins the unique index
        try:
            with sessions() as s, s.begin():
                found = s.execute(select(Handoff).where(Handoff.open_sender == sender_id)).scalar()
                if found is not None:
                    if kind == "worker":  # never a worker handoff → peer chat
                        _raise_kind(s, found, urgent, reason)
                    if need_text and not found.needs:
                        found.needs = need_text
                    found.risk = merge_risk(found.risk, risk)
                    return found
                target = _route(s, sender_id, org, default_org)
                row = Handoff(sender_id=sender_id, channel=channel, org_id=target.id,
                              reason=reason, kind=kind, urgent=urgent, status="open",
                              open_sender=sender_id, needs=need_text,
                              risk=merge_risk("", risk))
                s.add(row)
            logger.info("handoff %s opened (%s, %s, %s%s)", row.id, channel, reason, kind,
                        ", urgent" if urgent else "")
            return row
        except IntegrityError:
            continue
    raise HandoffError("could not open a handoff: try again")


def organisation_name(sessions: sessionmaker, org_id: int) -> str:
    """The display name of an organisation ('' if unknown)."""
    with sessions() as s:
        return s.execute(select(YouthOrganisation.name).where(YouthOrganisation.id == org_id)).scalar() or ""


def active_handoff(sessions: sessionmaker, sender_id: str) -> Optional[Handoff]:
    """The open or active handoff of this conversation (it is paused), or None."""
    with sessions() as s:
        return s.execute(select(Handoff).where(Handoff.open_sender == sender_id)).scalar()


def merge_risk(stored: str, kinds: Iterable[str]) -> str:
    """The handoff's kinds of risk with ``kinds`` added (comma separated, at most 255 chars)."""
    merged = dict.fromkeys([k for k in (stored or "").split(",") if k] + [k for k in kinds if k])
    return ",".join(merged)[:255]


@dataclass(frozen=True)
class PausedTurn:
    """A user message kept for the worker. ``crisis``: it signals urgent risk (the caller
    should send crisis support at once; the handoff is now urgent). ``concern``: it signals
    risk that is not clearly urgent (the caller asks whether they are safe). ``kinds``: the
    kinds of risk."""

    handoff: Handoff
    message: HandoffMessage
    crisis: bool
    concern: bool = False
    kinds: Tuple[str, ...] = ()


def record_user_message(sessions: sessionmaker, sender_id: str, text: str,
                        escalate: bool = False, kinds: Iterable[str] = ()) -> Optional[PausedTurn]:
    """Keep a message from a paused conversation for the worker. None when the conversation is
    not paused: then the caller must hand the message to the bot as usual. ``escalate``: urgent
    whatever the text says (the answer "no" to "are you safe?"), about ``kinds``."""
    text = _clean(text, MAX_TEXT)
    verdict = assess(text)
    crisis = escalate or verdict.crisis
    concern = not crisis and verdict.concern
    found = tuple(dict.fromkeys(tuple(verdict.kinds) + tuple(kinds)))
    with sessions() as s, s.begin():
        h = s.execute(select(Handoff).where(Handoff.open_sender == sender_id)).scalar()
        if h is None:
            return None
        if crisis:
            _raise_kind(s, h, True, "a paused message")
        if found:
            h.risk = merge_risk(h.risk, found)
        msg = HandoffMessage(handoff_id=h.id, sender_id=sender_id, role="user", text=text,
                             crisis=crisis)
        s.add(msg)
    return PausedTurn(h, msg, crisis, concern, found)


def record_bot_message(sessions: sessionmaker, sender_id: str, text: str,
                       handoff_id: Optional[int] = None) -> HandoffMessage:
    """Keep a message the bot sent outside Rasa's tracker (the handoff notice, crisis support
    while paused) so the transcript is complete. Not queued: the caller has sent it."""
    text = _clean(text, MAX_TEXT)
    with sessions() as s, s.begin():
        if handoff_id is None:
            handoff_id = s.execute(select(Handoff.id)
                                   .where(Handoff.open_sender == sender_id)).scalar()
        msg = HandoffMessage(handoff_id=handoff_id, sender_id=sender_id, role="bot", text=text)
        s.add(msg)
    return msg


# -- the worker's side ----------------------------------------------------------------------
def get_handoff(sessions: sessionmaker, handoff_id: int, worker: Worker) -> Handoff:
    """A handoff of the worker's own organisation (and kind), else :class:`HandoffNotFound`."""
    with sessions() as s:
        return _mine(s, handoff_id, worker)


def message_ids(sessions: sessionmaker, handoff_id: int) -> List[int]:
    """The ids of the messages one handoff kept (user, worker and bot turns)."""
    with sessions() as s:
        return list(s.execute(select(HandoffMessage.id)
                              .where(HandoffMessage.handoff_id == handoff_id)).scalars())


def _mine(s: Session, handoff_id: object, worker: Worker) -> Handoff:
    try:
        hid = int(handoff_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise HandoffNotFound("no such conversation") from None
    h = s.get(Handoff, hid)
    if h is None or worker is None or h.org_id != worker.org_id \
            or h.kind not in visible_kinds(worker):
        raise HandoffNotFound("no such conversation")
    return h


def _require_open(h: Handoff) -> None:
    if h.status not in OPEN:
        raise HandoffError("this conversation is closed: the bot has it back")


def claim(sessions: sessionmaker, handoff_id: int, worker: Worker,
          take_over: bool = False) -> Handoff:
    """The worker takes the conversation. Taking one another worker holds needs ``take_over``."""
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        _require_open(h)
        if h.worker_id not in (None, worker.id) and not take_over:
            raise HandoffError("another worker has this conversation: take it over explicitly")
        holder = s.get(Worker, h.worker_id) if h.worker_id not in (None, worker.id) else None
        if holder is not None and worker.role == PEER_MENTOR and holder.role != PEER_MENTOR:
            raise HandoffError("a youth worker has this conversation now")
        h.worker_id, h.status = worker.id, "active"
        h.claimed_at = h.claimed_at or _now()
    logger.info("handoff %s claimed by worker %s", h.id, worker.id)
    return h


def assign(sessions: sessionmaker, handoff_id: int, worker: Worker, to_worker_id: int) -> Handoff:
    """Give the conversation to a colleague in the same organisation."""
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        _require_open(h)
        target = s.get(Worker, int(to_worker_id))
        if target is None or not target.active or target.org_id != worker.org_id:
            raise HandoffError("no such colleague in your organisation")
        if h.kind not in visible_kinds(target):
            raise HandoffError("a peer mentor cannot take a youth worker's conversation")
        h.worker_id, h.status = target.id, "active"
        h.claimed_at = h.claimed_at or _now()
    logger.info("handoff %s assigned to worker %s by %s", h.id, target.id, worker.id)
    return h


def _queue_message(s: Session, h: Handoff, role: str, text: str,
                   worker_id: Optional[int]) -> HandoffMessage:
    msg = HandoffMessage(handoff_id=h.id, sender_id=h.sender_id, role=role, text=text,
                         worker_id=worker_id)
    s.add(msg)
    s.flush()
    s.add(OutboxItem(message_id=msg.id, sender_id=h.sender_id, channel=h.channel))
    return msg


def worker_reply(sessions: sessionmaker, handoff_id: int, worker: Worker,
                 text: str) -> HandoffMessage:
    """Store the worker's reply and queue it for delivery on the user's channel. Replying to a
    waiting conversation claims it; one held by a colleague must be taken over first."""
    text = _clean(text, MAX_REPLY + 1).strip()
    if not text:
        raise HandoffError("the reply is empty")
    if len(text) > MAX_REPLY:
        raise HandoffError(f"the reply is too long (at most {MAX_REPLY} characters)")
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        _require_open(h)
        if h.worker_id not in (None, worker.id):
            raise HandoffError("another worker has this conversation: take it over first")
        if h.worker_id is None:
            h.worker_id, h.status, h.claimed_at = worker.id, "active", _now()
        msg = _queue_message(s, h, "worker", text, worker.id)
    logger.info("handoff %s: worker reply queued", h.id)
    return msg


def _close(sessions: sessionmaker, handoff_id: int, worker: Worker, status: str,
           outcome: Optional[str]) -> Handoff:
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        _require_open(h)
        if h.worker_id not in (None, worker.id) and worker.role != "admin":
            raise HandoffError("another worker has this conversation: take it over first")
        h.status, h.outcome, h.closed_at, h.closed_by = status, outcome, _now(), worker.id
        h.open_sender = None
        _queue_message(s, h, "bot", RESUME_MESSAGE, None)
    logger.info("handoff %s %s by worker %s", h.id, status, worker.id)
    return h


def hand_back(sessions: sessionmaker, handoff_id: int, worker: Worker) -> Handoff:
    """End the pause: the bot answers the next message; the user is told so."""
    return _close(sessions, handoff_id, worker, "handed_back", None)


def resolve(sessions: sessionmaker, handoff_id: int, worker: Worker, outcome_code: str) -> Handoff:
    """Close the handoff with an outcome code (see :data:`OUTCOMES`); the bot resumes."""
    if outcome_code not in OUTCOMES:
        raise HandoffError(f"outcome must be one of {', '.join(OUTCOMES)}")
    return _close(sessions, handoff_id, worker, "resolved", outcome_code)


def pass_to_workers(sessions: sessionmaker, handoff_id: int, worker: Worker,
                    urgent: bool = False) -> Handoff:
    """A peer chat handed on to the youth workers (the peer mentor is worried or out of their
    depth): kind ``worker``, waiting in their queue; ``urgent`` puts it first."""
    with sessions() as s, s.begin():
        h = _mine(s, handoff_id, worker)
        _require_open(h)
        if h.kind != PEER_MENTOR:
            raise HandoffError("this conversation is already with the youth workers")
        _raise_kind(s, h, bool(urgent), "passed on")
    return h


def step_in(sessions: sessionmaker, sender_id: str, worker: Worker) -> Handoff:
    """A worker chooses to take over a conversation of their organisation (one that had a
    handoff there before): a handoff with reason ``worker``, claimed at once. Not for peer
    mentors: they only answer young people who asked for one."""
    if worker.role == PEER_MENTOR:
        raise HandoffError("peer mentors cannot step in: ask a youth worker")
    with sessions() as s:
        known = s.execute(select(Handoff).where(Handoff.sender_id == sender_id,
                                                Handoff.org_id == worker.org_id)
                          .order_by(Handoff.id.desc())).scalar()
        org_slug = s.get(YouthOrganisation, worker.org_id).slug
    if known is None:
        raise HandoffNotFound("no such conversation")
    h = request_handoff(sessions, sender_id, known.channel, "worker", org=org_slug)
    if h.org_id != worker.org_id:
        raise HandoffError("this conversation is with another organisation right now")
    return claim(sessions, h.id, worker)


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    handoff: Handoff
    worker_name: Optional[str]
    waiting_since: datetime
    pending_user_messages: int


def queue(sessions: sessionmaker, org_id: int,
          kinds: Sequence[str] = KINDS) -> List[QueueRow]:
    """Open and active handoffs of one organisation and ``kinds`` (a peer mentor's:
    ``visible_kinds(worker)``): urgent first, then longest waiting."""
    with sessions() as s:
        rows = s.execute(select(Handoff, Worker.display_name)
                         .outerjoin(Worker, Worker.id == Handoff.worker_id)
                         .where(Handoff.org_id == org_id, Handoff.status.in_(OPEN),
                                Handoff.kind.in_(tuple(kinds)))
                         .order_by(Handoff.urgent.desc(), Handoff.created_at, Handoff.id)).all()
        out = []
        for h, name in rows:
            last_worker = s.execute(select(HandoffMessage.id).where(
                HandoffMessage.handoff_id == h.id, HandoffMessage.role == "worker")
                .order_by(HandoffMessage.id.desc())).scalar() or 0
            unread = len(s.execute(select(HandoffMessage.id).where(
                HandoffMessage.handoff_id == h.id, HandoffMessage.role == "user",
                HandoffMessage.id > last_worker)).all())
            out.append(QueueRow(h, name, h.created_at, unread))
    return out


def hand_back_unclaimed(sessions: sessionmaker, sender_id: str, wait_minutes: int,
                        now: Optional[datetime] = None) -> bool:
    """A non-urgent handoff that no one took within ``wait_minutes``
    (``NAVIGATOR_HANDOFF_WAIT_MINUTES``): the bot takes the conversation back (True), so a
    message out of hours ("where can I sleep tonight") is answered instead of met with
    silence. The handoff is closed as handed back, by no one (history keeps it); an urgent one
    is never handed back."""
    now = now or _now()
    with sessions() as s, s.begin():
        h = s.execute(select(Handoff).where(Handoff.open_sender == sender_id)).scalar()
        if h is None or h.status != "open" or h.urgent or h.worker_id is not None:
            return False
        if now - as_utc(h.created_at) < timedelta(minutes=wait_minutes):
            return False
        h.status, h.closed_at, h.open_sender = "handed_back", now, None
    logger.info("handoff %s handed back to the bot: no one took it in %d minutes", h.id,
                wait_minutes)
    return True


def unclaimed_text(emergency: str) -> str:
    """What the person is told when the bot takes an untaken handoff back."""
    return ("No youth worker has been able to pick this up yet, so I'm back to help in the "
            "meantime. If you still want a person, just ask again. If you're in danger, call "
            f"{emergency}.")


def close_for_forget(sessions: sessionmaker, sender_id: str) -> int:
    """The user asked to be forgotten (/forget): close any open handoff (no message is sent)."""
    with sessions() as s, s.begin():
        result = s.execute(update(Handoff).where(Handoff.open_sender == sender_id)
                           .values(status="resolved", outcome="other", closed_at=_now(),
                                   open_sender=None))
    return result.rowcount or 0
