"""Forget one person everywhere: "delete my data", Telegram ``/forget``, SMS ``FORGET``.

For one sender id this removes

* Rasa's tracker store: every ``events`` row (the whole conversation, all sessions);
* channel state: the contact (sealed address, referral, opt-out), button tokens, the last menu
  (:func:`bot.channels.contacts.forget`), SMS delivery reports (``sms_status``);
* the handoff record: handoffs, their messages (user, worker, bot), private notes, tags and the
  outbox. A transcript is the young person's data, so it goes too; nothing is kept but the
  ``audit_entry`` lines (who did what, no text), which keep their now dangling ``handoff_id``;
* safeguarding alerts are **kept** but unlinked: the pseudonymous sender id is replaced by a
  random token, so the alert (categories, urgency, time) still counts for the organisation's
  safeguarding records and can no longer be tied to the person or to a future conversation.
* "My pathway": goals and steps (referrals) are deleted; referral outcomes are **kept** as
  anonymous counts for the open outcomes aggregate, unlinked like the alerts (a random token
  per row in place of the sender id, no link to the deleted step).
* ratings and peer tips (:func:`bot.feedback.reviews.forget_sender`): the stars are **kept** as an
  anonymous count (no sender id), the comment text is deleted, and the tips are deleted.

A pending confirmation (``channel_contact.forget_requested_at``) lives on the contact row and is
removed with it. Pure and synchronous (SQLAlchemy); async callers run it in a thread.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Union

from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.channels import contacts
from bot.feedback import reviews
from bot.handoff.handoff import merge_risk
from bot.handoff.models import Handoff, HandoffMessage, HandoffNote, HandoffTag, OutboxItem
from bot.channels.models import ChannelContact, SmsStatus
from bot.safeguarding.models import SafeguardingAlert
from bot.models import as_utc
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome
from bot.settings import Settings

logger = logging.getLogger(__name__)

CONFIRM_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class ForgetReport:
    """How many rows were removed (or unlinked) where; no identifiers."""

    tracker_events: int = 0
    channel_rows: int = 0
    handoffs: int = 0
    handoff_rows: int = 0
    alerts_unlinked: int = 0
    pathway_rows: int = 0
    outcomes_unlinked: int = 0
    review_rows: int = 0  # ratings made anonymous (comment deleted) and tips deleted

    @property
    def total(self) -> int:
        return (self.tracker_events + self.channel_rows + self.handoffs + self.handoff_rows
                + self.alerts_unlinked + self.pathway_rows + self.outcomes_unlinked
                + self.review_rows)


def tracker_store_url(settings: Settings) -> str:
    """The URL of Rasa's tracker store: ``TRACKER_DB_URL``, else the SQLite file ``TRACKER_DB``."""
    if settings.tracker_db_url:
        return settings.tracker_db_url
    db = settings.tracker_db
    return db if "://" in db else f"sqlite:///{db}"


def tracker_engine(tracker_url: Optional[str]) -> Optional[Engine]:
    """An engine on Rasa's tracker store, or None when there is none (no URL, a SQLite file
    that does not exist, no ``events`` table). Other database errors propagate: a forget or
    purge must never claim success it did not have. The caller disposes of the engine."""
    from bot.db import make_engine

    if not tracker_url:
        return None
    if tracker_url.startswith("sqlite:///") and not Path(tracker_url[10:]).exists():
        return None
    engine = make_engine(tracker_url)
    if not inspect(engine).has_table("events"):
        engine.dispose()
        return None
    return engine


def forget_tracker(tracker: Union[str, Engine], sender_id: str) -> int:
    """Delete every tracker event of ``sender_id``; the number of rows removed. ``tracker``:
    the store's URL (opened and closed here) or an open engine (a purge reuses one)."""
    from bot.handoff.transcript import EVENTS

    engine = tracker_engine(tracker) if isinstance(tracker, str) else tracker
    if engine is None:
        return 0
    try:
        with engine.begin() as conn:
            return conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount or 0
    finally:
        if isinstance(tracker, str):
            engine.dispose()


def forget_app_data(sessions: sessionmaker, sender_id: str) -> ForgetReport:
    """Everything in the navigator's own database about ``sender_id`` (see the module doc)."""
    channel_rows = contacts.forget(sessions, sender_id)
    with sessions() as s, s.begin():
        ids = list(s.execute(select(Handoff.id).where(Handoff.sender_id == sender_id)).scalars())
        rows = s.execute(delete(OutboxItem).where(OutboxItem.sender_id == sender_id)).rowcount or 0
        if ids:
            for model in (HandoffNote, HandoffTag):
                rows += s.execute(delete(model).where(model.handoff_id.in_(ids))).rowcount or 0
            msg_ids = list(s.execute(select(HandoffMessage.id).where(
                HandoffMessage.handoff_id.in_(ids))).scalars())
            if msg_ids:
                rows += s.execute(delete(OutboxItem).where(OutboxItem.message_id.in_(msg_ids))
                                  ).rowcount or 0
            rows += s.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids))
                              ).rowcount or 0
        rows += s.execute(delete(HandoffMessage).where(HandoffMessage.sender_id == sender_id)
                          ).rowcount or 0
        handoffs = s.execute(delete(Handoff).where(Handoff.sender_id == sender_id)).rowcount or 0
        channel_rows += s.execute(delete(SmsStatus).where(SmsStatus.sender_id == sender_id)
                                  ).rowcount or 0
        alerts = list(s.execute(select(SafeguardingAlert).where(
            SafeguardingAlert.sender_key == sender_id)).scalars())
        for alert in alerts:  # one token per alert: two alerts cannot even be linked together
            alert.sender_key = "forgotten-" + secrets.token_hex(16)
        done = list(s.execute(select(ReferralOutcome).where(
            ReferralOutcome.sender_id == sender_id)).scalars())
        for outcome in done:  # likewise: counts for the outcomes aggregate, tied to no one
            outcome.sender_id = "forgotten-" + secrets.token_hex(16)
            outcome.step_id = None
        s.flush()
        pathway = s.execute(delete(PathwayStep).where(PathwayStep.sender_id == sender_id)
                            ).rowcount or 0
        pathway += s.execute(delete(PathwayGoal).where(PathwayGoal.sender_id == sender_id)
                             ).rowcount or 0
        review_rows = reviews.forget_sender(s, sender_id)
    return ForgetReport(0, channel_rows, handoffs, rows, len(alerts), pathway, len(done),
                        review_rows=review_rows)


UNDER_13 = "under 13"  # the tag (and risk kind "under_13") a worker sees on a kept handoff


def forget_child(sessions: sessionmaker, sender_id: str) -> bool:
    """Someone confirmed they are under 13: forget what was stored (True), unless a youth
    worker still has to act on it. An open or active handoff, or an open safeguarding alert,
    is never deleted or unlinked (a child who disclosed abuse must not vanish from the
    queue): it is flagged "under 13" for the worker instead, and nothing is forgotten
    (False); the worker closes it, and retention or a "delete my data" removes it later."""
    with sessions() as s, s.begin():
        live = s.execute(select(Handoff).where(Handoff.open_sender == sender_id)).scalar()
        alerts = list(s.execute(select(SafeguardingAlert).where(
            SafeguardingAlert.sender_key == sender_id,
            SafeguardingAlert.status == "open")).scalars())
        if live is None and not alerts:
            keep = False
        else:
            keep = True
            if live is not None:
                live.risk = merge_risk(live.risk, ["under_13"])
                if s.get(HandoffTag, (live.id, UNDER_13)) is None:
                    s.add(HandoffTag(handoff_id=live.id, tag=UNDER_13))
            for alert in alerts:
                if "under_13" not in alert.categories.split(","):
                    alert.categories = f"{alert.categories},under_13"[:255]
    if keep:
        logger.info("under 13 with an open handoff or alert: kept and flagged for a worker")
        return False
    forget_app_data(sessions, sender_id)
    return True


def forget(sessions: sessionmaker, tracker: Union[str, Engine, None],
           sender_id: str) -> ForgetReport:
    """Forget ``sender_id`` in the app database and (when ``tracker``, a URL or an engine, is
    given) Rasa's tracker store. The app database goes first: it holds the address to reach
    the person."""
    report = forget_app_data(sessions, sender_id)
    events = forget_tracker(tracker, sender_id) if tracker is not None else 0
    logger.info("forgot a conversation (%d rows)", report.total + events)
    return replace(report, tracker_events=events)


# -- the confirmation step (channels with commands: Telegram /forget, SMS FORGET) -------------
def _now() -> datetime:
    return datetime.now(timezone.utc)


def is_pending(asked: Optional[datetime], now: Optional[datetime] = None) -> bool:
    """Whether a forget request made at ``asked`` can still be confirmed."""
    return asked is not None and as_utc(now or _now()) - as_utc(asked) <= CONFIRM_WINDOW


def confirm_or_ask(sessions: sessionmaker, sender_id: str, channel: str,
                   now: Optional[datetime] = None) -> bool:
    """True when the person asked to forget less than :data:`CONFIRM_WINDOW` ago (this is the
    confirmation: go ahead); else note the request and return False (ask to confirm)."""
    now = as_utc(now or _now())
    with sessions() as s, s.begin():
        row = s.get(ChannelContact, sender_id)
        if row is not None and is_pending(row.forget_requested_at, now):
            row.forget_requested_at = None
            return True
        if row is None:
            row = ChannelContact(sender_id=sender_id, channel=channel)
            s.add(row)
        row.forget_requested_at = now
    return False
