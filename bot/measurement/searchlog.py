"""The anonymous search log (``search_log``) behind the unmet-need figures (issue 8).

One row per search: the need searched for, a coarse area, how many eligible services were
found and the day. Never a sender id, never anything typed: :func:`area_label` turns the place
a young person gave into something no finer than a district (a UK postcode becomes its outward
code, a US ZIP its first three digits) and drops anything that looks like contact details or an
address. :func:`unmet` counts searches and searches that found nothing per month, need and area
(raw counts: :mod:`bot.measurement.open_export` suppresses small ones before anything is published).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import sessionmaker

from bot.pathway import outcomes
from bot.measurement.models import SearchLog

logger = logging.getLogger(__name__)

AREA_MAX = 80  # the column's length
RESULTS_MAX = 1_000_000
_WS = re.compile(r"\s+")
_UK_FULL = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})(?![A-Z0-9])",
                      re.IGNORECASE)
# An outward code on its own, or followed by its post town in brackets: "LS1", "LS1 (Leeds)".
_UK_OUTWARD = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*\([^()0-9]*\))?$", re.IGNORECASE)
_ZIP = re.compile(r"(?<![\d-])(\d{3})\d{2}(?:-\d{4})?(?![\d-])")
_ZIP_REDUCED = re.compile(r"^\d{3}xx$")
# Seven or more digits with at most two separators between two of them: a phone number.
_PHONE = re.compile(r"\d(?:[\s().+-]{0,2}\d){6,}")
_ZIP4 = re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])")
_CONTACT_WORDS = re.compile(r"@|https?:|www\.|\b(?:tel|phone|mob(?:ile)?|e-?mail)\b", re.I)
_NOT_AN_AREA = {"your location", "my location", "here", "unknown"}
_ALLOWED_PUNCT = set(" -'’.,()&/")


class SearchLogError(ValueError):
    """A search that cannot be logged as given (unknown need, bad count or day)."""


def _area_chars_ok(text: str) -> bool:
    """Letters (any script), digits and a little punctuation only: no emoji, no symbols."""
    return all(ch in _ALLOWED_PUNCT or unicodedata.category(ch)[0] in "LNM" for ch in text)


def area_label(place: Optional[str]) -> Optional[str]:
    """The coarse area to log for ``place`` (None when there is none to keep).

    A town or district name is kept (whitespace collapsed); a UK postcode becomes its outward
    code ("LS1 4AP" -> "LS1"); a US ZIP becomes its first three digits and "xx"
    ("33101" -> "331xx"); anything with an e-mail address, a phone-like number, other digits
    (a house number, coordinates) or over 80 characters gives None. Idempotent.
    """
    if not isinstance(place, str):
        return None
    text = _WS.sub(" ", place).strip()
    if not text or len(text) > AREA_MAX or text.lower() in _NOT_AN_AREA:
        return None
    if _CONTACT_WORDS.search(text) or _PHONE.search(_ZIP4.sub(" ", text)):
        return None
    if not _area_chars_ok(text):
        return None
    full = _UK_FULL.search(text)
    if full:
        return full.group(1).upper()
    outward = _UK_OUTWARD.match(text)
    if outward:
        return outward.group(1).upper()
    if _ZIP_REDUCED.match(text):
        return text
    zips = _ZIP.findall(text)
    if len(zips) == 1:
        return f"{zips[0]}xx"
    if any(ch.isdigit() for ch in text):
        return None  # a house number, coordinates, a date: never an area
    return text


def _day(day: Any) -> date:
    if day is None:
        return datetime.now(timezone.utc).date()
    if isinstance(day, datetime):
        return (day.astimezone(timezone.utc) if day.tzinfo else day).date()
    if isinstance(day, date):
        return day
    raise SearchLogError("day must be a date")


def record(sessions: sessionmaker, need: str, area: Optional[str], results: int,
           day: Optional[date] = None) -> None:
    """Log one search: ``need`` (a need code of the outcomes framework), the area (reduced by
    :func:`area_label` again here, so a full postcode is never stored), the number of eligible
    services found (0 = unmet need) and the day (default: today, UTC).

    Raises :class:`SearchLogError` for bad input; database errors propagate (the caller, a
    chat action, guards so that a search never fails because it was not logged).
    """
    if not isinstance(need, str) or need not in outcomes.framework().needs:
        raise SearchLogError("unknown need code")
    if area is not None and not isinstance(area, str):
        raise SearchLogError("area must be a string or None")
    if isinstance(results, bool) or not isinstance(results, int) \
            or not 0 <= results <= RESULTS_MAX:
        raise SearchLogError(f"results must be a whole number from 0 to {RESULTS_MAX}")
    row = SearchLog(need=need, area=area_label(area), results=results, day=_day(day))
    with sessions() as s, s.begin():
        s.add(row)
    logger.debug("search logged (need %s, %s)", need, "unmet" if results == 0 else "met")


def unmet(sessions: sessionmaker, since: Optional[date] = None) -> List[Dict[str, Any]]:
    """Per month, need and area (None: not given): ``searches`` and ``unmet`` (searches that
    found no eligible service). Raw counts, sorted by month, need, area; from ``since`` on."""
    if since is not None:
        since = _day(since)
    no_result = func.sum(case((SearchLog.results == 0, 1), else_=0))
    stmt = (select(SearchLog.day, SearchLog.need, SearchLog.area, func.count(), no_result)
            .group_by(SearchLog.day, SearchLog.need, SearchLog.area))
    if since is not None:
        stmt = stmt.where(SearchLog.day >= since)
    with sessions() as s:
        rows = s.execute(stmt).all()
    cells: Dict[Tuple[str, str, Optional[str]], List[int]] = defaultdict(lambda: [0, 0])
    for day, need, area, searches, nothing in rows:
        cell = cells[(f"{day:%Y-%m}", need, area)]
        cell[0] += int(searches)
        cell[1] += int(nothing or 0)
    return [{"month": month, "need": need, "area": area, "searches": n, "unmet": u}
            for (month, need, area), (n, u)
            in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))]
