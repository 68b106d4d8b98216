"""Tables of the youth organisations and their workers' console access (outside HSDS).

* ``organisation`` (``YouthOrganisation``) — a youth organisation using the navigator;
  conversations are routed to one, workers belong to one (not HSDS's ``Organization``, which
  runs a service in the directory);
* ``worker``, ``console_session``, ``login_throttle`` — accounts, server-side sessions (only a
  hash of the cookie token is stored) and the login back-off counters.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String

from bot.models import Base, utcnow


class YouthOrganisation(Base):
    """A youth organisation. ``slug`` doubles as the Telegram deep-link code (``/start slug``)."""

    __tablename__ = "organisation"
    id = Column(Integer, primary_key=True, autoincrement=True)
    slug = Column(String(64), nullable=False, unique=True)
    name = Column(String(255), nullable=False)
    sms_number = Column(String(32), nullable=True, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Worker(Base):
    """A console account (argon2id password hash; role ``worker``, ``admin`` or ``peer_mentor``)."""

    __tablename__ = "worker"
    id = Column(Integer, primary_key=True, autoincrement=True)
    email = Column(String(255), nullable=False, unique=True)
    display_name = Column(String(255), nullable=False, default="")
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False, default="worker")
    org_id = Column(Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False,
                    index=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ConsoleSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "console_session"
    token_hash = Column(String(64), primary_key=True)
    worker_id = Column(Integer, ForeignKey("worker.id", ondelete="CASCADE"), nullable=False,
                       index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)


class LoginThrottle(Base):
    """Failed logins for one key (a hashed e-mail or client address) and when it may retry."""

    __tablename__ = "login_throttle"
    key = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    last_failure_at = Column(DateTime(timezone=True), nullable=True)
    blocked_until = Column(DateTime(timezone=True), nullable=True)
