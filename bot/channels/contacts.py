"""Channel state that must survive restarts and be shared by replicas, kept in the database.

* delivery ids already accepted (dedupe of platform retries), with a time to live;
* contacts: pseudonymous sender id → sealed address, referral, opted out, unreachable;
* short tokens for button payloads too long for a platform (Telegram: 64 bytes);
* the last numbered menu sent on a channel without buttons (SMS).

Blocking (SQLAlchemy); async callers run these in a worker thread.
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import List, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.models import ButtonToken, ChannelContact, ChannelMenu, DeliverySeen
from bot.models import as_utc
from bot.keys import Keys

logger = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(days=7)
TOKEN_TTL = timedelta(days=30)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def claim_delivery(sessions: sessionmaker, channel: str, delivery_id: str,
                   ttl: timedelta = DEFAULT_TTL) -> bool:
    """True the first time ``delivery_id`` is seen on ``channel`` (within ``ttl``), else False.

    Atomic across processes: the primary key decides, so two replicas receiving the same retry
    cannot both win.
    """
    now = _now()
    key = str(delivery_id)[:128]

    def insert(s: Session) -> bool:
        try:
            with s.begin():
                s.add(DeliverySeen(channel=channel, delivery_id=key, expires_at=now + ttl))
        except IntegrityError:
            return False
        return True

    with sessions() as s:
        if insert(s):  # the usual case: one transaction per inbound message
            return True
        with s.begin():  # seen before: new again only if that claim has expired
            gone = s.execute(delete(DeliverySeen).where(
                DeliverySeen.channel == channel, DeliverySeen.delivery_id == key,
                DeliverySeen.expires_at < now)).rowcount
        return bool(gone) and insert(s)


def purge_expired(sessions: sessionmaker) -> int:
    """Delete expired delivery ids and old button tokens; the number of rows removed."""
    now = _now()
    with sessions() as s, s.begin():
        a = s.execute(delete(DeliverySeen).where(DeliverySeen.expires_at < now)).rowcount
        b = s.execute(delete(ButtonToken).where(ButtonToken.created_at < now - TOKEN_TTL)).rowcount
    return (a or 0) + (b or 0)


def contact_row(s: Session, sender_id: str, channel: str) -> ChannelContact:
    """The contact row, created if missing. Two first messages from one person can arrive at
    once: INSERT … ON CONFLICT DO NOTHING makes the creation race-free."""
    row = s.get(ChannelContact, sender_id)
    if row is not None:
        return row
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(ChannelContact)
        now = _now()
        s.execute(insert.values(sender_id=sender_id, channel=channel, created_at=now,
                                updated_at=now).on_conflict_do_nothing(
                                    index_elements=["sender_id"]))
        return s.get(ChannelContact, sender_id)
    row = ChannelContact(sender_id=sender_id, channel=channel)
    s.add(row)
    return row


def remember_contact(sessions: sessionmaker, keys: Keys, sender_id: str, channel: str,
                     address: Optional[str] = None, referral: Optional[str] = None,
                     opt_in: bool = False, inbound: bool = False) -> None:
    """Create or update the contact; seal the address; keep the first referral code.
    ``opt_in``: the person wrote to us, which after an opt-out is consent to talk again.
    ``inbound``: this is their message arriving (the time is kept: WhatsApp's window)."""
    with sessions() as s, s.begin():
        row = contact_row(s, sender_id, channel)
        if inbound:
            row.last_inbound_at = _now()
        if opt_in:
            row.opted_out_at = None
        if address is not None:
            current = keys.unseal(row.address_sealed) if row.address_sealed else None
            if current != address:
                row.address_sealed = keys.seal(address)
            row.unreachable_at = row.unreachable_reason = None
        if referral and not row.referral:
            row.referral = referral[:64]


def window_closes_at(sessions: sessionmaker, sender_id: str,
                     hours: int = 24) -> Optional[datetime]:
    """When free-form replies to this person stop being allowed (their latest message plus
    ``hours``: WhatsApp's customer-service window); None if they never wrote."""
    with sessions() as s:
        last = s.execute(select(ChannelContact.last_inbound_at)
                         .where(ChannelContact.sender_id == sender_id)).scalar()
    return as_utc(last) + timedelta(hours=hours) if last else None


def contact_address(sessions: sessionmaker, keys: Keys, sender_id: str) -> Optional[str]:
    """The unsealed address to reply to, or None."""
    with sessions() as s:
        sealed = s.execute(select(ChannelContact.address_sealed)
                           .where(ChannelContact.sender_id == sender_id)).scalar()
    return keys.unseal(sealed) if sealed else None


def get_contact(sessions: sessionmaker, sender_id: str) -> Optional[ChannelContact]:
    """The contact row (detached), or None."""
    with sessions() as s:
        row = s.get(ChannelContact, sender_id)
        if row is not None:
            s.expunge(row)
        return row


def mark_unreachable(sessions: sessionmaker, sender_id: str, channel: str, reason: str) -> None:
    """The platform said this person cannot be reached (blocked the bot, dead number)."""
    with sessions() as s, s.begin():
        row = contact_row(s, sender_id, channel)
        row.unreachable_at, row.unreachable_reason = _now(), reason[:64]
    logger.info("contact marked unreachable on %s: %s", channel, reason)


def set_opted_out(sessions: sessionmaker, sender_id: str, channel: str, opted_out: bool) -> None:
    """Record that the person withdrew (or gave back) consent to be messaged."""
    with sessions() as s, s.begin():
        row = contact_row(s, sender_id, channel)
        row.opted_out_at = _now() if opted_out else None


def is_opted_out(sessions: sessionmaker, sender_id: str) -> bool:
    """Whether the person withdrew consent."""
    with sessions() as s:
        return s.execute(select(ChannelContact.opted_out_at)
                         .where(ChannelContact.sender_id == sender_id)).scalar() is not None


def can_send(sessions: sessionmaker, sender_id: str) -> bool:
    """Neither opted out nor unreachable."""
    with sessions() as s:
        row = s.execute(select(ChannelContact.opted_out_at, ChannelContact.unreachable_at)
                        .where(ChannelContact.sender_id == sender_id)).first()
    return row is None or (row[0] is None and row[1] is None)


def token_for(sessions: sessionmaker, sender_id: str, payload: str) -> str:
    """A short random token that stands for ``payload`` (reused for the same pair)."""
    with sessions() as s, s.begin():
        found = s.execute(select(ButtonToken.token).where(ButtonToken.sender_id == sender_id,
                                                          ButtonToken.payload == payload)).scalar()
        if found:
            return found
        token = secrets.token_urlsafe(12)
        s.add(ButtonToken(token=token, sender_id=sender_id, payload=payload))
        return token


def payload_for(sessions: sessionmaker, sender_id: str, token: str) -> Optional[str]:
    """The payload behind ``token``, only for the sender it was made for."""
    with sessions() as s:
        return s.execute(select(ButtonToken.payload).where(
            ButtonToken.token == token[:24], ButtonToken.sender_id == sender_id)).scalar()


def save_menu(sessions: sessionmaker, sender_id: str, items: List[Tuple[str, str]]) -> None:
    """Remember the numbered menu just sent: [(title, payload), ...]; empty clears it."""
    with sessions() as s, s.begin():
        row = s.get(ChannelMenu, sender_id)
        if not items:
            if row is not None:
                s.delete(row)
            return
        if row is None:
            row = ChannelMenu(sender_id=sender_id, items="[]")
            s.add(row)
        row.items = json.dumps([[t, p] for t, p in items])


def load_menu(sessions: sessionmaker, sender_id: str) -> List[Tuple[str, str]]:
    """The last numbered menu sent to this sender ([] if none)."""
    with sessions() as s:
        raw = s.execute(select(ChannelMenu.items)
                        .where(ChannelMenu.sender_id == sender_id)).scalar()
    return [(t, p) for t, p in json.loads(raw)] if raw else []


def forget(sessions: sessionmaker, sender_id: str) -> int:
    """Delete everything channel-side about a sender (contact, tokens, menu); rows removed.

    Part of :func:`bot.privacy.forget.forget`, which also removes the tracker, the handoff record and
    delivery reports, and unlinks safeguarding alerts: call that one to forget a person.
    """
    removed = 0
    with sessions() as s, s.begin():
        for model in (ChannelContact, ButtonToken, ChannelMenu):
            removed += s.execute(delete(model).where(model.sender_id == sender_id)).rowcount or 0
    return removed
