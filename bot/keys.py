"""Pseudonymous sender ids and sealed contact addresses.

Channels never hand the bot a raw platform id: a Telegram user id or a phone number becomes a
keyed hash (HMAC-SHA256), stable for one deployment and useless without its secret. The raw
address is needed only to reply; where it must be kept (a youth worker answering later), it is
sealed with Fernet (AES-128-CBC + HMAC, from the well-kept ``cryptography`` package) under a key
derived from the same secret, and never logged.

The secret is ``NAVIGATOR_SECRET_KEY``; on a laptop without one, a random key is created once in
``var/secret.key`` (mode 0600) so that pseudonyms stay stable across restarts.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken

from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)


_PREFIX = {"telegram": "tg", "sms": "sms", "whatsapp": "wa", "rest": "rest"}


class Keys:
    """Keys derived from one deployment secret: one for pseudonyms, one for sealing."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the deployment secret must be at least 32 characters")
        raw = secret.encode("utf-8")
        self._id_key = hashlib.sha256(b"navigator-id\x00" + raw).digest()
        seal_key = hashlib.sha256(b"navigator-seal\x00" + raw).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))
        self.session_key = hashlib.sha256(b"navigator-web-session\x00" + raw).digest()

    def pseudonym(self, channel: str, raw_id: str) -> str:
        """``tg-3f1c…``: the same person on the same channel always gets the same id."""
        digest = hmac.new(self._id_key, f"{channel}\x00{raw_id}".encode("utf-8"),
                          hashlib.sha256).hexdigest()
        return f"{_PREFIX.get(channel, channel[:8])}-{digest[:32]}"

    def seal(self, value: str) -> str:
        """Encrypt an address for storage."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def unseal(self, token: str) -> Optional[str]:
        """Decrypt a sealed address; None if it was sealed under another key or is damaged."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            logger.warning("a sealed address could not be opened (key changed?)")
            return None


def bearer_ok(header: Optional[str], token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant-time; never
    with an empty ``token``)."""
    scheme, _, given = (header or "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode())


def deployment_secret(settings: Settings) -> str:
    """``NAVIGATOR_SECRET_KEY``, else the instance key file (created on first use).

    The file is created whole or not at all (written aside, then linked into place: two
    processes starting together end up with the same key, and none reads a half-written
    file), and an existing one is refused if other users may read it (as ssh refuses a
    private key)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.secret_key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
        try:
            os.link(aside, path)  # atomic: fails if another process created it first
            logger.info("created a new deployment secret in %s", path)
        except FileExistsError:
            pass  # another process won the race: use its key
        finally:
            aside.unlink()
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ValueError(f"{path} may be read by other users (mode {mode:o}): "
                         f"run `chmod 600 {path}`")
    value = path.read_text("utf-8").strip()
    if len(value) >= 32:
        return value
    raise ValueError(f"{path} holds no usable key: delete it or set NAVIGATOR_SECRET_KEY")


@lru_cache(maxsize=1)
def get_keys() -> Keys:
    """The process-wide keys (built on first use, never at import)."""
    return Keys(deployment_secret(get_settings()))














