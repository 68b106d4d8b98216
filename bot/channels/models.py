"""Channel state kept in the database (outside HSDS), so that it survives restarts and every
replica sees it: contacts (sealed addresses, referral, opt-out), delivery ids already accepted,
short button tokens, the last numbered menu sent over SMS, SMS delivery reports and per-sender
message counters.
"""
from __future__ import annotations


from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
    Text,
)
from bot.models import Base, utcnow


class ChannelContact(Base):
    """One person on one channel, keyed by the pseudonymous sender id.

    The address (chat id, phone number) is only ever stored sealed (``bot.privacy``); no names.
    """

    __tablename__ = "channel_contact"
    sender_id = Column(String(80), primary_key=True)
    channel = Column(String(16), nullable=False)
    address_sealed = Column(Text, nullable=True)
    referral = Column(String(64), nullable=True)
    opted_out_at = Column(DateTime(timezone=True), nullable=True)
    unreachable_at = Column(DateTime(timezone=True), nullable=True)
    unreachable_reason = Column(String(64), nullable=True)
    forget_requested_at = Column(DateTime(timezone=True), nullable=True)  # /forget, not confirmed
    notice_at = Column(DateTime(timezone=True), nullable=True)  # privacy notice shown (consent)
    child_at = Column(DateTime(timezone=True), nullable=True)  # said they are under 13
    # Said an age under 13, not yet confirmed: nothing is deleted until they say it is right
    child_check_at = Column(DateTime(timezone=True), nullable=True)
    # The person's latest message: WhatsApp allows free-form replies for 24 hours after it.
    last_inbound_at = Column(DateTime(timezone=True), nullable=True)
    # The concern tier asked "are you safe right now?" (bot/safeguarding/check.py): the answer
    # must reach the safety check in every state (handoff, under 13, opted-out SMS).
    safety_check_at = Column(DateTime(timezone=True), nullable=True)
    safety_check_kinds = Column(String(255), nullable=True)  # the kinds of risk it was about
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class DeliverySeen(Base):
    """A platform delivery id already accepted (Telegram update_id, Twilio MessageSid)."""

    __tablename__ = "delivery_seen"
    channel = Column(String(16), primary_key=True)
    delivery_id = Column(String(128), primary_key=True)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)


class ButtonToken(Base):
    """A short token standing for a button payload too long for the platform."""

    __tablename__ = "button_token"
    token = Column(String(24), primary_key=True)
    sender_id = Column(String(80), nullable=False, index=True)
    payload = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class ChannelMenu(Base):
    """The last numbered menu sent to a sender on a channel without buttons (JSON list)."""

    __tablename__ = "channel_menu"
    sender_id = Column(String(80), primary_key=True)
    items = Column(Text, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class SmsStatus(Base):
    """The latest delivery status Twilio reported for one outbound SMS (no text, no number)."""

    __tablename__ = "sms_status"
    message_sid = Column(String(64), primary_key=True)
    sender_id = Column(String(80), nullable=False, index=True)
    status = Column(String(16), nullable=False)
    error_code = Column(String(8), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class RateWindow(Base):
    """How many events one key (a hash: no sender id or address is stored) had in its current
    fixed window of time (``bot/channels/ratelimit.py``)."""

    __tablename__ = "rate_window"
    key = Column(String(64), primary_key=True)
    window = Column(Integer, nullable=False, index=True)  # seconds since the epoch // width
    count = Column(Integer, nullable=False, default=0)
