"""Pseudonymous sender ids and sealed contact addresses.

Channels never hand the bot a raw platform id: a Telegram user id or a phone number becomes a
keyed hash (HMAC-SHA256), stable for one deployment and useless without its secret. The raw
address is needed only to reply; where it must be kept (a youth worker answering later), it is
sealed with Fernet (AES-128-CBC + HMAC, from the well-kept ``cryptography`` package) under a key
derived from the same secret, and never logged.

The secret is ``NAVIGATOR_SECRET_KEY``; on a laptop without one, a random key is created once in
``var/secret.key`` (mode 0600) so that pseudonyms stay stable across restarts.

:func:`mask_text` hides the phone numbers and e-mail addresses a young person types, for the
places where a youth worker reads stored conversation text (the stored text is unchanged).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

from cryptography.fernet import Fernet, InvalidToken

from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

_PREFIX = {"telegram": "tg", "sms": "sms", "rest": "rest"}


class Keys:
    """Keys derived from one deployment secret: one for pseudonyms, one for sealing."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 32:
            raise ValueError("the deployment secret must be at least 32 characters")
        raw = secret.encode("utf-8")
        self._id_key = hashlib.sha256(b"navigator-id\x00" + raw).digest()
        seal_key = hashlib.sha256(b"navigator-seal\x00" + raw).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(seal_key))

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


def mask(address: str, keep: int = 3) -> str:
    """``+44•••••••789``: enough for a human to recognise, never the whole thing."""
    if len(address) <= keep + 2:
        return "•" * len(address)
    head = address[:3] if address.startswith("+") else ""
    return head + "•" * (len(address) - len(head) - keep) + address[-keep:]


# -- masking what young people type: phone numbers and e-mail addresses -------------------------

BULLET = "•"
# A local part (no leading dot), "@", dot-separated labels and a letters-only top-level domain.
_EMAIL = re.compile(r"(?<![\w.!#$%&'*+/=?^`{|}~-])"
                    r"([\w!#$%&'*+/=?^`{|}~-][\w.!#$%&'*+/=?^`{|}~-]{0,63})"
                    r"@((?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+)([^\W\d_]{2,24})(?![\w-])")
# Numbers libphonenumber does not take as a possible number of the region (a digit too many, a
# foreign number without its country code): 10-15 digits, at most one separator between two.
_LONG_DIGITS = re.compile(r"(?<![\w+])\+?\(?\d(?:[ .\-()]{0,2}\d){9,14}(?!\w)")
_DATE = re.compile(r"(?<![\d./])(?:\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})"
                   r"(?![./]?\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_MIN_INVALID_DIGITS = 9  # shorter and not a valid number: a date, amount, year or short code
_REGION_ALIASES = {"UK": "GB"}


def _service_types() -> frozenset:
    from phonenumbers import PhoneNumberType as T

    return frozenset({T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST, T.UAN})


def _masked_digits(digits: str, international: bool, country_code: Optional[int]) -> str:
    """``07••••••123`` / ``+44•••••••123`` (as :func:`mask`): the country code, or the first two
    digits of a national number of 10 or more, then the last three (two, or none, if short)."""
    if international:
        cc = str(country_code) if country_code and digits.startswith(str(country_code)) \
            else digits[:2]
        head, rest = "+" + cc, digits[len(cc):]
    elif len(digits) >= 10:
        head, rest = digits[:2], digits[2:]
    else:
        head, rest = "", digits
    keep = 3 if len(rest) >= 7 else 2 if len(rest) >= 5 else 0
    return head + BULLET * (len(rest) - keep) + rest[len(rest) - keep:]


def _mask_email(m: "re.Match[str]") -> str:
    return f"{m.group(1)[0]}{BULLET * 3}@{BULLET * 3}.{m.group(3)}"


def _phone_spans(text: str, region: str) -> List[Tuple[int, int, Optional[str]]]:
    """(start, end, masked form) of the numbers libphonenumber finds; the masked form is None
    for one that must stay readable (a service line, a date)."""
    import phonenumbers as pn

    valid = {(m.start, m.end) for m in
             pn.PhoneNumberMatcher(text, region, leniency=pn.Leniency.VALID)}
    services = _service_types()
    spans: List[Tuple[int, int, Optional[str]]] = []
    for m in pn.PhoneNumberMatcher(text, region, leniency=pn.Leniency.POSSIBLE):
        number, raw = m.number, m.raw_string
        international = raw.lstrip("(").startswith(("+", "00"))
        ext = number.extension or ""
        if international:
            digits = str(number.country_code) + pn.national_significant_number(number)
        else:
            digits = re.sub(r"\D", "", raw)
            if ext and digits.endswith(ext):
                digits = digits[:-len(ext)]
        if ((m.start, m.end) in valid and pn.number_type(number) in services) \
                or _DATE.search(raw):
            masked = None  # a helpline or service line the young person quotes, or a date
        elif not pn.is_valid_number(number) and len(digits) < _MIN_INVALID_DIGITS:
            continue  # an amount, a year, a short code - or part of a longer run (see below)
        else:
            masked = _masked_digits(digits, international, number.country_code) + (
                f" x{BULLET * len(ext)}" if ext else "")
        spans.append((m.start, m.end, masked))
    return spans


def _mask_long_digits(m: "re.Match[str]") -> str:
    raw = m.group(0)
    groups = re.findall(r"\d+", raw)
    if _DATE.search(raw) or all(len(g) == 4 and _YEAR.fullmatch(g) for g in groups):
        return raw
    return _masked_digits("".join(groups), raw.startswith("+"), None)


def mask_text(text: str, region: str) -> str:
    """``text`` with every e-mail address (``j•••@•••.com``) and personal phone number
    (``07••••••123``) masked; ``region`` is the deployment's country code ("GB").

    For text a young person typed, shown to youth workers. Left alone: helplines and service
    lines (free, shared-cost, premium, UK 03), short codes (999, 116 123, 85258), postcodes,
    times, dates, ages, years and amounts. Numbers written with ``+`` or ``00`` are read in
    their own country; anything else with 10-15 digits is masked even if it is not a real
    number (a mistyped or foreign one is still someone's)."""
    if not text:
        return text
    text = _EMAIL.sub(_mask_email, text) if "@" in text else text
    if sum(ch.isdigit() for ch in text) < 4:
        return text
    code = (region or "").strip().upper()
    code = _REGION_ALIASES.get(code, code)
    try:
        import phonenumbers as pn

        if code not in pn.SUPPORTED_REGIONS:
            code = "ZZ"  # unknown region: only numbers with a country code are parsed
        spans = _phone_spans(text, code)
    except Exception:  # noqa: BLE001 - never fail a page over masking: fall back to the digit rule below
        logger.warning("phone number matching failed; masking long digit runs only")
        spans = []
    out, last = [], 0
    for start, end, masked in spans:
        out += [_LONG_DIGITS.sub(_mask_long_digits, text[last:start]),
                text[start:end] if masked is None else masked]
        last = end
    out.append(_LONG_DIGITS.sub(_mask_long_digits, text[last:]))
    return "".join(out)
