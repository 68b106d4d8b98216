"""Tables of the human handoff (outside HSDS; the organisations and workers are in
``bot/accounts/models.py``).

* ``handoff`` — one period in which a person, not the bot, owns a conversation;
* ``handoff_message`` — turns that are not in Rasa's tracker: user messages while paused,
  worker replies, bot messages sent by the handoff itself;
* ``outbox`` — worker/bot messages waiting to be delivered on the user's channel;
* ``handoff_note``, ``handoff_tag``, ``audit_entry`` — private notes, tags and who did what.

Message text is stored here (a case record needs it) but never logged.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text

from bot.models import Base, utcnow


class Handoff(Base):
    """A conversation handed to a person. ``status``: open (waiting) → active (claimed) →
    handed_back (the bot resumes) or resolved (closed with an outcome code)."""

    __tablename__ = "handoff"
    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(80), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    org_id = Column(Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False,
                    index=True)
    reason = Column(String(16), nullable=False)
    # "worker" (youth workers) or "peer_mentor" (trained peer mentors: an opt-in peer chat)
    kind = Column(String(16), nullable=False, default="worker", server_default="worker")
    urgent = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False, default="open")
    worker_id = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True)
    outcome = Column(String(32), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at = Column(DateTime(timezone=True), nullable=True)
    closed_at = Column(DateTime(timezone=True), nullable=True)
    closed_by = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True)
    # The sender id while the handoff is open or active, else NULL: the unique index makes
    # "at most one open handoff per conversation" hold across processes.
    open_sender = Column(String(80), nullable=True, unique=True)
    needs = Column(String(255), nullable=False, default="")  # need codes, comma separated
    # kinds of risk seen (bot/safeguarding/kinds.py), comma separated: the queue shows them
    risk = Column(String(255), nullable=False, default="", server_default="")

    __table_args__ = (Index("ix_handoff_org_status", "org_id", "status"),)


class HandoffMessage(Base):
    """A turn kept by the handoff: ``role`` user, worker, bot or system."""

    __tablename__ = "handoff_message"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), nullable=True,
                        index=True)
    sender_id = Column(String(80), nullable=False, index=True)
    role = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)
    worker_id = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True)
    crisis = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class OutboxItem(Base):
    """A message to deliver on the user's channel. ``status``: pending → sent | failed
    (after the last retry); REST users fetch theirs (→ sent)."""

    __tablename__ = "outbox"
    id = Column(Integer, primary_key=True, autoincrement=True)
    message_id = Column(Integer, ForeignKey("handoff_message.id", ondelete="CASCADE"),
                        nullable=False, unique=True)
    sender_id = Column(String(80), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    status = Column(String(8), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(64), nullable=True)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = Column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)


class HandoffNote(Base):
    """A private note on a handoff: never sent to the user."""

    __tablename__ = "handoff_note"
    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    worker_id = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class HandoffTag(Base):
    """A tag on a handoff (lower case, for searching history)."""

    __tablename__ = "handoff_tag"
    handoff_id = Column(Integer, ForeignKey("handoff.id", ondelete="CASCADE"), primary_key=True)
    tag = Column(String(40), primary_key=True)

    __table_args__ = (Index("ix_handoff_tag_tag", "tag"),)


class AuditEntry(Base):
    """Who did what to which conversation, and when (no message text)."""

    __tablename__ = "audit_entry"
    id = Column(Integer, primary_key=True, autoincrement=True)
    worker_id = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True,
                       index=True)
    org_id = Column(Integer, ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True,
                    index=True)
    action = Column(String(32), nullable=False)
    handoff_id = Column(Integer, nullable=True, index=True)
    detail = Column(String(255), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
