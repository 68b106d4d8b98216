"""Safeguarding alerts (outside HSDS): a pseudonymous sender id, the urgency and the kinds of risk;
never the message text.
"""
from __future__ import annotations


from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
)
from bot.models import Base, utcnow


class SafeguardingAlert(Base):
    """An urgent flag for a human: raised when a message signals risk to life or abuse.

    Holds no message text and no channel identifiers: only the pseudonymous sender key,
    the risk categories and when it happened.
    """

    __tablename__ = "safeguarding_alert"
    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_key = Column(String(128), nullable=False, index=True)
    categories = Column(String(255), nullable=False)
    urgency = Column(String(16), nullable=False, default="urgent")
    status = Column(String(16), nullable=False, default="open", index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
