"""Organisations, youth-worker accounts, console sessions and login back-off.

* Passwords: argon2id (``argon2-cffi``'s :class:`PasswordHasher`, its RFC 9106 low-memory
  profile), rehashed on login when the parameters change. Never logged, never an argument.
* Sessions: a 256-bit random token in the cookie; the database keeps only its SHA-256, so a
  leaked database copy cannot be replayed as a login. Each session has its own CSRF token.
* Back-off: every failed login for an e-mail address and for a client address counts; from the
  3rd failure the key must wait 2, 4, 8 ... seconds (at most 15 minutes) before the next try, and
  after 10 it is locked for 15 minutes. A success clears the account's counter. Keys are hashed.

Blocking (SQLAlchemy); async callers run these in a worker thread.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import ConsoleSession, LoginThrottle, YouthOrganisation, Worker

logger = logging.getLogger(__name__)

# peer_mentor: a trained peer mentor who sees only peer chats (bot.handoff.handoff.visible_kinds),
# never the audit log, never steps in
ROLES = ("worker", "admin", "peer_mentor")
SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}")
MIN_PASSWORD = 12
SESSION_TTL = timedelta(hours=12)
FREE_FAILURES, LOCK_FAILURES = 2, 10
LOCK_TIME = timedelta(minutes=15)
# Back-off is kept per client address and per (account, address): a stranger's failures lock
# out only that stranger. The account on its own (guessing from many addresses) is only slowed,
# never locked, so nobody can lock a worker out of their own account.
ACCOUNT_MAX_DELAY = timedelta(seconds=30)
_HASHER = PasswordHasher()
# Each argon2 check takes the hasher's memory cost (64 MiB): at most this many run at once, so
# a burst of logins cannot exhaust the console's memory (its pod has 512 Mi); others wait.
HASH_SLOTS = 3
HASH_WAIT_S = 20.0
_HASHING = threading.BoundedSemaphore(HASH_SLOTS)
# Verified against when the e-mail is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about organisations or accounts that cannot be done (message is for people)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: Optional[datetime]) -> Optional[datetime]:
    """SQLite returns naive datetimes: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# -- organisations -----------------------------------------------------------------------------
def add_org(sessions: sessionmaker, slug: str, name: str,
            sms_number: Optional[str] = None) -> YouthOrganisation:
    """Create an organisation; ``slug`` is also its Telegram deep-link code."""
    slug, name = (slug or "").strip(), (name or "").strip()
    if not SLUG.fullmatch(slug):
        raise AccountError("the organisation code must be 1-64 of A-Z a-z 0-9 _ -")
    if not name or len(name) > 255:
        raise AccountError("the organisation needs a name (at most 255 characters)")
    if sms_number is not None and not re.fullmatch(r"\+?[0-9]{5,20}", sms_number):
        raise AccountError("the SMS number must be digits, optionally starting with +")
    try:
        with sessions() as s, s.begin():
            org = YouthOrganisation(slug=slug, name=name, sms_number=sms_number)
            s.add(org)
    except IntegrityError as exc:
        raise AccountError(f"an organisation with code {slug!r} (or that SMS number) exists") \
            from exc
    return org


def get_org(sessions: sessionmaker, slug: str) -> Optional[YouthOrganisation]:
    """The organisation with this code, or None."""
    with sessions() as s:
        return s.execute(select(YouthOrganisation).where(YouthOrganisation.slug == slug)).scalar()


def list_orgs(sessions: sessionmaker) -> List[YouthOrganisation]:
    """Every organisation, by code."""
    with sessions() as s:
        return list(s.execute(select(YouthOrganisation).order_by(YouthOrganisation.slug)).scalars())


# -- workers -------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` after checking it is long enough."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AccountError("the password is too long (at most 1024 characters)")
    return _HASHER.hash(password)


def add_worker(sessions: sessionmaker, email: str, password: str, org_slug: str,
               role: str = "worker", display_name: str = "") -> Worker:
    """Create a worker account in an existing organisation."""
    email = (email or "").strip().lower()
    if not EMAIL.fullmatch(email):
        raise AccountError("that does not look like an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    hashed = hash_password(password)
    with sessions() as s, s.begin():
        org = s.execute(select(YouthOrganisation).where(YouthOrganisation.slug == org_slug)).scalar()
        if org is None:
            raise AccountError(f"no organisation {org_slug!r}: add it with `navigator org add`")
        if s.execute(select(Worker.id).where(Worker.email == email)).first():
            raise AccountError("a worker with that e-mail address exists")
        worker = Worker(email=email, password_hash=hashed, role=role, org_id=org.id,
                        display_name=(display_name or email.split("@")[0])[:255])
        s.add(worker)
    logger.info("worker account %s created (role %s)", worker.id, role)
    return worker


def get_worker(sessions: sessionmaker, worker_id: int) -> Optional[Worker]:
    """An active worker by id, or None."""
    with sessions() as s:
        w = s.get(Worker, worker_id)
        return w if w is not None and w.active else None


def org_workers(sessions: sessionmaker, org_id: int) -> List[Worker]:
    """The active workers of one organisation."""
    with sessions() as s:
        return list(s.execute(select(Worker).where(Worker.org_id == org_id, Worker.active)
                              .order_by(Worker.display_name)).scalars())


# -- login back-off ------------------------------------------------------------------------------
def throttle_key(kind: str, value: str) -> str:
    """A hashed key, so the table holds neither e-mail addresses nor client addresses."""
    return hashlib.sha256(f"{kind}\x00{value.strip().lower()}".encode("utf-8")).hexdigest()


def retry_after(sessions: sessionmaker, keys: List[str]) -> int:
    """Seconds until the most restricted of ``keys`` may try again (0: now)."""
    now = _now()
    with sessions() as s:
        rows = s.execute(select(LoginThrottle.blocked_until)
                         .where(LoginThrottle.key.in_(keys))).scalars().all()
    waits = [(_aware(b) - now).total_seconds() for b in rows if b is not None]
    return max([0] + [int(w) + 1 for w in waits if w > 0])


def _record_failure(sessions: sessionmaker, keys: List[str],
                    capped: Optional[str] = None) -> None:
    """Count a failure against ``keys``; ``capped`` (the account's own key) is delayed at most
    ``ACCOUNT_MAX_DELAY``, never locked."""
    now = _now()
    with sessions() as s, s.begin():
        for key in keys:
            row = s.get(LoginThrottle, key)
            if row is None:
                row = LoginThrottle(key=key, failures=0)
                s.add(row)
            row.failures += 1
            row.last_failure_at = now
            longest = ACCOUNT_MAX_DELAY if key == capped else LOCK_TIME
            if row.failures >= LOCK_FAILURES:
                row.blocked_until = now + longest
            elif row.failures > FREE_FAILURES:
                delay = min(2 ** (row.failures - FREE_FAILURES), longest.total_seconds())
                row.blocked_until = now + timedelta(seconds=delay)


def _clear(sessions: sessionmaker, key: str) -> None:
    with sessions() as s, s.begin():
        s.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


@dataclass(frozen=True)
class LoginResult:
    """``worker`` on success; otherwise ``retry_after`` seconds (0 for a plain wrong password)."""

    worker: Optional[Worker]
    retry_after: int = 0


def authenticate(sessions: sessionmaker, email: str, password: str,
                 client: str = "") -> LoginResult:
    """Check a login with back-off per account and per client address. The answer never says
    whether the e-mail exists."""
    email = (email or "").strip().lower()[:255]
    account = throttle_key("email", email)
    keys = [account] + ([throttle_key("email+ip", f"{email} {client}"),
                         throttle_key("ip", client)] if client else [])
    wait = retry_after(sessions, keys)
    if wait:
        return LoginResult(None, wait)
    with sessions() as s:
        worker = s.execute(select(Worker).where(Worker.email == email)).scalar()
    if not _HASHING.acquire(timeout=HASH_WAIT_S):  # too many at once: try again shortly
        logger.warning("console login deferred: %d password checks already running", HASH_SLOTS)
        return LoginResult(None, 5)
    try:
        _HASHER.verify(worker.password_hash if worker else _DUMMY_HASH, (password or "")[:1024])
        ok = worker is not None and worker.active
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    finally:
        _HASHING.release()
    if not ok:
        _record_failure(sessions, keys, capped=account if client else None)
        logger.info("console login failed")
        return LoginResult(None, retry_after(sessions, keys))
    for key in keys[:2]:  # the right password: the account's own counts start again
        _clear(sessions, key)
    if _HASHER.check_needs_rehash(worker.password_hash):
        with sessions() as s, s.begin():
            s.get(Worker, worker.id).password_hash = _HASHER.hash(password)
    return LoginResult(worker)


# -- sessions ------------------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(sessions: sessionmaker, worker_id: int, ttl: timedelta = SESSION_TTL) -> str:
    """A new session for the worker; returns the cookie token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with sessions() as s, s.begin():
        s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        s.add(ConsoleSession(token_hash=_digest(token), worker_id=worker_id,
                             csrf_token=secrets.token_urlsafe(32), expires_at=now + ttl))
    return token


@dataclass(frozen=True)
class SessionInfo:
    """The logged-in worker and the session's CSRF token."""

    worker: Worker
    csrf_token: str


def load_session(sessions: sessionmaker, token: Optional[str]) -> Optional[SessionInfo]:
    """The live session behind a cookie token, or None (unknown, expired, worker disabled)."""
    if not token or len(token) > 128:
        return None
    with sessions() as s:
        row = s.get(ConsoleSession, _digest(token))
        if row is None or _aware(row.expires_at) <= _now():
            return None
        worker = s.get(Worker, row.worker_id)
        if worker is None or not worker.active:
            return None
        return SessionInfo(worker, row.csrf_token)


def end_session(sessions: sessionmaker, token: Optional[str]) -> None:
    """Log out: the session row is deleted, so the cookie is worthless even if kept."""
    if token:
        with sessions() as s, s.begin():
            s.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))


def csrf_ok(expected: str, given: Optional[str]) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())
