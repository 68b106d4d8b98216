"""Web chat sessions issued by the server: a random pseudonymous sender id and an expiry, signed
(HMAC-SHA256 under a key derived from the deployment secret, ``bot.keys.Keys.session_key``).

The browser holds the token in memory for one visit; the server stores nothing when it issues
one (the sender id is the pseudonym every stored row uses, as on the other channels). A client
can never choose or change its sender id: a token it made up, altered or kept past its expiry is
refused. Pure Python.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Optional

PREFIX = "web"
_TOKEN = re.compile(r"(web-[0-9a-f]{32})\.(\d{10})\.([A-Za-z0-9_-]{43})")


@dataclass(frozen=True)
class WebSession:
    """An issued session: the token the browser sends, its sender id and when it ends."""

    token: str
    sender_id: str
    expires_at: int  # seconds since the epoch


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def issue(key: bytes, ttl_s: int, now: Optional[float] = None) -> WebSession:
    """A new session for a new visitor, valid for ``ttl_s`` seconds."""
    sender_id = f"{PREFIX}-{secrets.token_hex(16)}"
    expires = int((time.time() if now is None else now) + ttl_s)
    payload = f"{sender_id}.{expires:010d}"
    return WebSession(f"{payload}.{_sign(key, payload)}", sender_id, expires)


def verify(key: bytes, token: Optional[str], now: Optional[float] = None) -> Optional[str]:
    """The sender id of a token this server issued and that has not expired, else None."""
    m = _TOKEN.fullmatch(token or "")
    if not m:
        return None
    payload = f"{m.group(1)}.{m.group(2)}"
    if not hmac.compare_digest(_sign(key, payload), m.group(3)):
        return None
    if int(m.group(2)) <= (time.time() if now is None else now):
        return None
    return m.group(1)
