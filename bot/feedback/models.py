"""Tables of lived-experience feedback (outside HSDS; the search log is in
``bot/measurement/models.py``):

* ``service_rating`` — a young person's 1-5 stars for a service, one per sender and service
  (a new rating replaces the old one), with an optional short comment that a youth worker
  moderates before anyone else sees it (``comment_status``: none, pending, approved, rejected).
  When the person is forgotten the comment is deleted and ``sender_id`` cleared: the stars stay
  as an anonymous count;
* ``peer_tip`` — a short tip about a service ("ask for the youth worker at the desk"),
  pre-moderated like comments; deleted when its author is forgotten;

Comment and tip text can be personal: it is stored here but never logged.
"""
from __future__ import annotations

from sqlalchemy import (Column, DateTime, ForeignKey, Index, Integer, SmallInteger, String,
                        Text, UniqueConstraint)

from bot.models import ID, Base, utcnow


MODERATION_STATUSES = ("pending", "approved", "rejected")


class ServiceRating(Base):
    """Stars (and an optional moderated comment) for one service from one young person."""

    __tablename__ = "service_rating"
    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(80), nullable=True, index=True)  # NULL once forgotten
    service_id = Column(ID, nullable=False, index=True)
    stars = Column(SmallInteger, nullable=False)
    comment = Column(Text, nullable=True)
    comment_status = Column(String(8), nullable=False, default="none")
    moderated_by = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True)
    moderated_at = Column(DateTime(timezone=True), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("sender_id", "service_id", name="uq_rating_sender_service"),
                      Index("ix_service_rating_comment_status", "comment_status"))


class PeerTip(Base):
    """A young person's tip about a service, shown to others once a youth worker approves it."""

    __tablename__ = "peer_tip"
    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(80), nullable=False, index=True)
    service_id = Column(ID, nullable=False, index=True)
    text = Column(Text, nullable=False)
    status = Column(String(8), nullable=False, default="pending", index=True)
    moderated_by = Column(Integer, ForeignKey("worker.id", ondelete="SET NULL"), nullable=True)
    moderated_at = Column(DateTime(timezone=True), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
