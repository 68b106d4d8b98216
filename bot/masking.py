"""Masking what young people type: :func:`mask_text` hides phone numbers and e-mail addresses
for the places where a youth worker reads stored conversation text (the stored text is
unchanged); :func:`mask` shortens one address for display.
"""
from __future__ import annotations

import logging
import re
from typing import List, Optional, Tuple



logger = logging.getLogger(__name__)


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


def mask(address: str, keep: int = 3) -> str:
    """``+44•••••••789``: enough for a human to recognise, never the whole thing."""
    if len(address) <= keep + 2:
        return "•" * len(address)
    head = address[:3] if address.startswith("+") else ""
    return head + "•" * (len(address) - len(head) - keep) + address[-keep:]


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
