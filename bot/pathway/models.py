"""Tables of "My pathway" (outside HSDS): a young person's goals, steps and referrals, and the
outcomes of referrals under the open outcomes framework (``bot.pathway.outcomes``).

* ``pathway_goal`` — one goal per need ("somewhere stable to live"): active, done or dropped;
* ``pathway_step`` — a step towards a goal: ``kind`` step (their own words, e.g. "go to the food
  bank Tue 10am") or referral (a service offered and chosen, ``service_id`` an HSDS service id,
  no foreign key: the directory can be re-imported); status todo, done or dropped;
  ``checkin_at`` is when the bot asks how it went;
* ``referral_outcome`` — how a referral went (a check-in answer or a need outcome code), with
  the framework version. Kept, unlinked, when the person is forgotten (``bot.privacy.forget``).

Step text can be personal: it is stored here but never logged.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String

from bot.models import ID, Base, utcnow


class PathwayGoal(Base):
    """A goal for one need of one sender."""

    __tablename__ = "pathway_goal"
    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(80), nullable=False, index=True)
    need = Column(String(32), nullable=False)
    title = Column(String(255), nullable=False)
    status = Column(String(8), nullable=False, default="active")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class PathwayStep(Base):
    """A step towards a goal, or a referral to a service."""

    __tablename__ = "pathway_step"
    id = Column(Integer, primary_key=True, autoincrement=True)
    goal_id = Column(Integer, ForeignKey("pathway_goal.id", ondelete="CASCADE"), nullable=False,
                     index=True)
    sender_id = Column(String(80), nullable=False, index=True)
    kind = Column(String(8), nullable=False, default="step")
    text = Column(String(500), nullable=False)
    service_id = Column(ID, nullable=True)
    status = Column(String(8), nullable=False, default="todo")
    due_at = Column(DateTime(timezone=True), nullable=True)
    checkin_at = Column(DateTime(timezone=True), nullable=True, index=True)
    checkin_asked_at = Column(DateTime(timezone=True), nullable=True)  # the bot asked "how did it go?"
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class ReferralOutcome(Base):
    """How a referral went: ``code`` from the outcomes framework ``framework_version``."""

    __tablename__ = "referral_outcome"
    id = Column(Integer, primary_key=True, autoincrement=True)
    step_id = Column(Integer, ForeignKey("pathway_step.id", ondelete="SET NULL"), nullable=True,
                     index=True)
    sender_id = Column(String(80), nullable=False, index=True)
    service_id = Column(ID, nullable=True)
    need = Column(String(32), nullable=False)
    code = Column(String(48), nullable=False)
    reason = Column(String(32), nullable=True)
    framework_version = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_referral_outcome_need_code", "need", "code"),)
