"""Retention: forget every conversation inactive for longer than ``days`` (default 365).

A sender's *last activity* is the latest timestamp of any of their rows in

* Rasa's tracker store (``events.timestamp``, Unix seconds; a missing store holds nothing);
* ``channel_contact`` (``created_at``, ``updated_at``);
* ``handoff`` (``created_at``, ``claimed_at``, ``closed_at``) and ``handoff_message``;
* ``sms_status`` (``updated_at``);
* ``pathway_goal`` and ``pathway_step`` ("My pathway": ``created_at``, ``updated_at``);
* ``service_rating`` (``created_at``, ``updated_at``) and ``peer_tip`` (``created_at``): a
  forgotten sender's stars stay as anonymous rows (no sender id), their tips go.
  ``referral_outcome`` is not a source: it is kept, unlinked, when its sender is forgotten.

Every sender id found in these stores is a candidate. One whose last activity is older than
the cutoff is removed with :func:`bot.privacy.forget.forget`, exactly what "forget me" removes, unless a
handoff of theirs is still open (not handed back or resolved): a youth worker is on it, so it
is kept whatever its age and counted. Expired rows that belong to nobody (delivery ids, old
button tokens, expired console sessions, old login back-off counters, past rate-limit windows)
are dropped too.

Senders are found store by store with one ``GROUP BY sender_id`` query per page of
:data:`BATCH` ids (keyset paging), so a store with 100k senders is never loaded at once.
Nothing returned or logged here holds an identifier: counts only. Blocking (SQLAlchemy).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, List, Optional, Sequence, Set

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.channels import contacts
from bot.privacy import forget
from bot.channels import ratelimit
from bot.accounts.models import ConsoleSession, LoginThrottle
from bot.handoff.models import Handoff, HandoffMessage, HandoffNote, HandoffTag, OutboxItem
from bot.channels.models import ButtonToken, ChannelContact, ChannelMenu, DeliverySeen, RateWindow, SmsStatus
from bot.safeguarding.models import SafeguardingAlert
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome
from bot.feedback.models import PeerTip, ServiceRating

logger = logging.getLogger(__name__)

BATCH = 500  # sender ids per page (well under SQLite's bound-parameter limit)
CLOSED = ("handed_back", "resolved")  # bot.handoff.handoff: every other status is an open handoff
THROTTLE_KEEP = timedelta(days=30)  # login back-off rows (hashed e-mail / client address)


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed, or (``dry_run``) would remove. Counts only, no identifiers."""

    days: int
    cutoff: datetime
    dry_run: bool
    conversations: int = 0
    kept_open_handoff: int = 0
    rows: forget.ForgetReport = field(default_factory=forget.ForgetReport)
    expired_rows: int = 0
    tracker_found: bool = True

    def summary(self) -> str:
        """A plain multi-line summary for people (the CLI prints it)."""
        would = "that would be " if self.dry_run else ""
        r = self.rows
        lines = [f"Retention: conversations with no activity for {self.days} days "
                 f"(since {self.cutoff:%Y-%m-%d %H:%M} UTC).",
                 "Dry run: nothing was deleted." if self.dry_run else "",
                 f"Conversations {would}deleted: {self.conversations}",
                 f"Kept because a handoff is still open: {self.kept_open_handoff}",
                 f"Rows {would}removed:"]
        lines += [f"  {label + ':':<42}{n:>8}" for label, n in (
            ("tracker events", r.tracker_events),
            ("contacts, tokens, menus, SMS reports", r.channel_rows),
            ("handoffs", r.handoffs),
            ("handoff messages, notes, tags, outbox", r.handoff_rows),
            ("safeguarding alerts unlinked", r.alerts_unlinked),
            ("plan goals and steps", r.pathway_rows),
            ("referral outcomes unlinked", r.outcomes_unlinked),
            ("ratings made anonymous, tips deleted", r.review_rows),
            ("expired rows tied to no one", self.expired_rows))]
        if not self.tracker_found:
            lines.append("Note: Rasa's tracker store was not found; activity was judged from "
                         "the app database only.")
        return "\n".join(line for line in lines if line)


class _Store:
    """One place with rows per sender: its sender column and its timestamp columns."""

    def __init__(self, run: Callable[[Any], List[Any]], sender: Any, times: Sequence[Any],
                 cutoff: Any) -> None:
        self.run, self.sender = run, sender
        self.recent = or_(*(col >= cutoff for col in times))

    def stale_page(self, after: Optional[str]) -> List[str]:
        """Up to :data:`BATCH` senders after ``after`` with no recent row in this store."""
        q = select(self.sender).where(self.sender.isnot(None)).group_by(self.sender).having(
            func.max(case((self.recent, 1), else_=0)) == 0).order_by(self.sender).limit(BATCH)
        if after is not None:
            q = q.where(self.sender > after)
        return self.run(q)

    def recent_among(self, ids: Set[str]) -> Set[str]:
        return set(self.run(select(self.sender).where(self.sender.in_(ids), self.recent)
                            .distinct())) if ids else set()

    def present_among(self, ids: Set[str]) -> Set[str]:
        return set(self.run(select(self.sender).where(self.sender.in_(ids)).distinct())
                   ) if ids else set()


def _open_handoff_among(sessions: sessionmaker, ids: Set[str]) -> Set[str]:
    if not ids:
        return set()
    with sessions() as s:
        return set(s.execute(select(Handoff.sender_id).where(
            Handoff.sender_id.in_(ids),
            or_(Handoff.status.notin_(CLOSED), Handoff.open_sender.isnot(None))).distinct()
        ).scalars())


def _count(s: Any, model: Any, *where: Any) -> int:
    return s.execute(select(func.count()).select_from(model).where(*where)).scalar() or 0


def would_remove(sessions: sessionmaker, tracker: Optional[Engine], ids: Set[str],
                 now: datetime) -> forget.ForgetReport:
    """The rows :func:`bot.privacy.forget.forget` would remove for ``ids`` (after :func:`expire`)."""
    if not ids:
        return forget.ForgetReport()
    from bot.handoff.transcript import EVENTS

    events = 0
    if tracker is not None:
        with tracker.connect() as conn:
            events = conn.execute(select(func.count()).select_from(EVENTS).where(
                EVENTS.c.sender_id.in_(ids))).scalar() or 0
    with sessions() as s:
        channel = (_count(s, ChannelContact, ChannelContact.sender_id.in_(ids))
                   + _count(s, ButtonToken, ButtonToken.sender_id.in_(ids),
                            ButtonToken.created_at >= now - contacts.TOKEN_TTL)
                   + _count(s, ChannelMenu, ChannelMenu.sender_id.in_(ids))
                   + _count(s, SmsStatus, SmsStatus.sender_id.in_(ids)))
        hids = select(Handoff.id).where(Handoff.sender_id.in_(ids))
        msgs = or_(HandoffMessage.handoff_id.in_(hids), HandoffMessage.sender_id.in_(ids))
        mids = select(HandoffMessage.id).where(HandoffMessage.handoff_id.in_(hids))
        rows = (_count(s, OutboxItem, or_(OutboxItem.sender_id.in_(ids),
                                          OutboxItem.message_id.in_(mids)))
                + _count(s, HandoffNote, HandoffNote.handoff_id.in_(hids))
                + _count(s, HandoffTag, HandoffTag.handoff_id.in_(hids))
                + _count(s, HandoffMessage, msgs))
        pathway = (_count(s, PathwayStep, PathwayStep.sender_id.in_(ids))
                   + _count(s, PathwayGoal, PathwayGoal.sender_id.in_(ids)))
        reviews = (_count(s, ServiceRating, ServiceRating.sender_id.in_(ids))
                   + _count(s, PeerTip, PeerTip.sender_id.in_(ids)))
        return forget.ForgetReport(events, channel, _count(s, Handoff, Handoff.sender_id.in_(ids)),
                                   rows, _count(s, SafeguardingAlert,
                                                SafeguardingAlert.sender_key.in_(ids)),
                                   pathway, _count(s, ReferralOutcome,
                                                   ReferralOutcome.sender_id.in_(ids)),
                                   review_rows=reviews)


def expire(sessions: sessionmaker, now: datetime, dry_run: bool) -> int:
    """Drop (or count) expired rows tied to no person; how many."""
    stale_throttle = (LoginThrottle.last_failure_at < now - THROTTLE_KEEP,
                      or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now))
    if dry_run:
        with sessions() as s:
            return (_count(s, DeliverySeen, DeliverySeen.expires_at < now)
                    + _count(s, ButtonToken, ButtonToken.created_at < now - contacts.TOKEN_TTL)
                    + _count(s, ConsoleSession, ConsoleSession.expires_at < now)
                    + _count(s, LoginThrottle, *stale_throttle)
                    + _count(s, RateWindow, RateWindow.window < ratelimit.stale_before(now)))
    removed = contacts.purge_expired(sessions)  # delivery ids, button tokens
    removed += ratelimit.purge(sessions, now=now.timestamp())  # per-sender message counters
    with sessions() as s, s.begin():
        removed += s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now)
                             ).rowcount or 0
        removed += s.execute(delete(LoginThrottle).where(*stale_throttle)).rowcount or 0
    return removed


def _add(a: forget.ForgetReport, b: forget.ForgetReport) -> forget.ForgetReport:
    return forget.ForgetReport(a.tracker_events + b.tracker_events, a.channel_rows + b.channel_rows,
                               a.handoffs + b.handoffs, a.handoff_rows + b.handoff_rows,
                               a.alerts_unlinked + b.alerts_unlinked,
                               a.pathway_rows + b.pathway_rows,
                               a.outcomes_unlinked + b.outcomes_unlinked,
                               review_rows=a.review_rows + b.review_rows)


def _stores(sessions: sessionmaker, tracker: Optional[Engine], cutoff: datetime) -> List[_Store]:
    from bot.handoff.transcript import EVENTS

    def app(q: Any) -> List[Any]:
        with sessions() as s:
            return list(s.execute(q).scalars())

    def rasa(q: Any) -> List[Any]:
        with tracker.connect() as conn:
            return list(conn.execute(q).scalars())

    found = [_Store(rasa, EVENTS.c.sender_id, [EVENTS.c.timestamp], cutoff.timestamp())
             ] if tracker is not None else []
    return found + [
        _Store(app, ChannelContact.sender_id, [ChannelContact.created_at,
                                               ChannelContact.updated_at], cutoff),
        _Store(app, Handoff.sender_id, [Handoff.created_at, Handoff.claimed_at,
                                        Handoff.closed_at], cutoff),
        _Store(app, HandoffMessage.sender_id, [HandoffMessage.created_at], cutoff),
        _Store(app, SmsStatus.sender_id, [SmsStatus.updated_at], cutoff),
        _Store(app, PathwayGoal.sender_id, [PathwayGoal.created_at, PathwayGoal.updated_at],
               cutoff),
        _Store(app, PathwayStep.sender_id, [PathwayStep.created_at, PathwayStep.updated_at],
               cutoff),
        _Store(app, ServiceRating.sender_id, [ServiceRating.created_at, ServiceRating.updated_at],
               cutoff),
        _Store(app, PeerTip.sender_id, [PeerTip.created_at], cutoff),
    ]


def purge(sessions: sessionmaker, tracker_url: Optional[str], now: datetime, days: int,
          dry_run: bool = False) -> PurgeReport:
    """Forget every sender inactive for more than ``days`` (see the module doc); with
    ``dry_run`` change nothing and report what would go. Idempotent: two processes running it
    at once forget nobody twice (the second finds the rows gone)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    now = forget.as_utc(now)
    cutoff = now - timedelta(days=days)
    tracker = forget.tracker_engine(tracker_url)
    if tracker is None:
        logger.warning("retention purge: no tracker store found; judging activity from the "
                       "app database only")
    try:
        expired = expire(sessions, now, dry_run)
        stores = _stores(sessions, tracker, cutoff)
        conversations = kept = 0
        rows = forget.ForgetReport()
        for k, store in enumerate(stores):
            after: Optional[str] = None
            while True:
                page = store.stale_page(after)
                if not page:
                    break
                after = page[-1]
                ids = set(page)
                for earlier in stores[:k]:  # seen (purged or kept) with an earlier store
                    ids -= earlier.present_among(ids)
                for other in stores[k + 1:]:
                    ids -= other.recent_among(ids)
                held = _open_handoff_among(sessions, ids)
                kept, ids = kept + len(held), ids - held
                conversations += len(ids)
                if dry_run:
                    rows = _add(rows, would_remove(sessions, tracker, ids, now))
                    continue
                for sender_id in sorted(ids):
                    rows = _add(rows, forget.forget(sessions, tracker, sender_id))
    finally:
        if tracker is not None:
            tracker.dispose()
    report = PurgeReport(days, cutoff, dry_run, conversations, kept, rows, expired,
                         tracker is not None)
    logger.info("retention purge%s: %d conversations, %d kept (open handoff), %d rows, "
                "%d expired rows", " (dry run)" if dry_run else "", conversations, kept,
                rows.total, expired)
    return report


def plan(sessions: sessionmaker, tracker_url: Optional[str], now: datetime,
         days: int) -> PurgeReport:
    """What :func:`purge` would remove; changes nothing."""
    return purge(sessions, tracker_url, now, days, dry_run=True)
