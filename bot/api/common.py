"""Shared pieces of the public API: sessions, paging, the HSDS envelope, errors, ndjson."""
from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api.schemas import ErrorBody
from bot.api.ids import IdResolver
from bot.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
NDJSON = "application/x-ndjson"
Render = Callable[[Session, List[str]], List[Dict[str, Any]]]
IdSource = Union[Select, Sequence[str]]


class ApiState:
    """What the app holds: settings, the id resolver and a session factory made on first use
    (so neither importing nor building the app opens a database)."""

    def __init__(self, settings: Optional[Settings], factory: Optional[sessionmaker]) -> None:
        self._settings, self._factory = settings, factory
        self.ids = IdResolver()
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from bot.settings import get_settings

            self._settings = get_settings()
        return self._settings

    @property
    def factory(self) -> sessionmaker:
        with self._lock:
            if self._factory is None:
                from bot.db import session_factory

                self._factory = session_factory(self.settings.database_url)
            return self._factory


def api_state(request: Request) -> ApiState:
    """The app's :class:`ApiState`."""
    return request.app.state.api


def get_session(state: ApiState = Depends(api_state)) -> Iterator[Session]:
    """A read-only session for one request."""
    with state.factory() as session:
        yield session


class Format(str, Enum):
    """``format``: one JSON page (default) or every match as newline-delimited JSON."""

    json = "json"
    ndjson = "ndjson"


@dataclass(frozen=True)
class Paging:
    """Requested page (from 1) and page size."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(page: int = Query(1, ge=1, le=MAX_PAGE, description="Page number, from 1."),
           per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE,
                                 description=f"Results per page (1-{MAX_PER_PAGE}).")) -> Paging:
    """The ``page`` and ``per_page`` query parameters."""
    return Paging(page, per_page)


def page_ids(session: Session, source: IdSource, p: Paging) -> tuple:
    """(ids on the requested page, total) from an ordered id query or an ordered id list."""
    if isinstance(source, Select):
        total = session.execute(select(func.count()).select_from(
            source.order_by(None).subquery())).scalar_one()
        ids = [] if p.offset >= total else list(
            session.execute(source.limit(p.per_page).offset(p.offset)).scalars())
        return ids, total
    return list(source[p.offset:p.offset + p.per_page]), len(source)


def envelope(contents: List[Dict[str, Any]], total: int, p: Paging) -> Dict[str, Any]:
    """The HSDS paged list: counts first, then ``contents``."""
    pages = math.ceil(total / p.per_page)
    return {"total_items": total, "total_pages": pages, "page_number": p.page,
            "size": len(contents), "first_page": p.page == 1, "last_page": p.page >= pages,
            "empty": not contents, "contents": contents}


def listing(session: Session, state: ApiState, source: IdSource, render: Render, p: Paging,
            fmt: Format = Format.json):
    """Answer a list request: an HSDS page, or (``format=ndjson``) every match streamed."""
    if fmt == Format.ndjson:
        ids = list(session.execute(source).scalars()) if isinstance(source, Select) \
            else list(source)
        return StreamingResponse(_ndjson(state.factory, ids, render), media_type=NDJSON)
    ids, total = page_ids(session, source, p)
    return JSONResponse(envelope(render(session, ids), total, p))


def _ndjson(factory: sessionmaker, ids: List[str], render: Render,
            chunk: int = 200) -> Iterator[bytes]:
    with factory() as session:
        for start in range(0, len(ids), chunk):
            for item in render(session, ids[start:start + chunk]):
                yield (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")
            session.expunge_all()


def not_found(kind: str) -> HTTPException:
    """404 for an unknown id."""
    return HTTPException(status_code=404, detail=f"{kind} not found")


def one(session: Session, state: ApiState, model, public_id: str, kind: str,
        render: Callable[[Session, List[str]], List[dict]]) -> JSONResponse:
    """The ``/{id}`` endpoints: map the published id, 404 if unknown, else render the record."""
    raw = state.ids.stored_id(session, model, public_id)
    if raw is None:
        raise not_found(kind)
    return JSONResponse(render(session, [raw])[0])


def bad_request(message: str) -> HTTPException:
    """400 for parameters that are each valid but do not make sense together."""
    return HTTPException(status_code=400, detail=message)


_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"([Zz]|[+-]\d{2}:\d{2})?)?$")


def parse_date_time(value: str, name: str = "modified_after") -> datetime:
    """An RFC 3339 date-time (or a plain date: midnight UTC) as an aware UTC datetime.

    Without an offset the time is taken as UTC. Raises 422 for anything else.
    """
    m = _DATE_TIME.match(value.strip())
    try:
        if not m:
            raise ValueError
        y, mo, d, hh, mi, ss, frac, off = m.groups()
        leap = ss == "60"
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0),
                      59 if leap else int(ss or 0), int(((frac or "") + "000000")[:6]))
        tz = timezone.utc
        if off and off.upper() != "Z":
            sign = 1 if off[0] == "+" else -1
            oh, om = int(off[1:3]), int(off[4:6])
            if oh > 23 or om > 59:
                raise ValueError
            tz = timezone(sign * timedelta(hours=oh, minutes=om))
    except ValueError:
        raise RequestValidationError([{
            "loc": ("query", name), "type": "value_error.datetime",
            "msg": "must be an RFC 3339 date-time (2024-05-01T09:00:00Z) or a date (2024-05-01)",
        }]) from None
    try:
        return dt.replace(tzinfo=tz).astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 pushed out of range by the offset
        return (datetime.min if dt.year < 5000 else datetime.max).replace(tzinfo=timezone.utc)


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE wildcards escaped (use with ``escape="\\\\"``)."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def search_words(text: Optional[str]) -> List[str]:
    """The words of a ``search`` parameter (at most 10)."""
    return [w for w in (text or "").split() if w][:10]


INVALID_RESPONSE = {422: {"model": ErrorBody, "description": "An invalid parameter."}}
CONFLICT_RESPONSE = {400: {"model": ErrorBody,
                           "description": "Parameters that do not make sense together."}}
NOT_FOUND_RESPONSE = {404: {"model": ErrorBody, "description": "No record with this id."},
                      **INVALID_RESPONSE}
LIST_RESPONSES = {**INVALID_RESPONSE, 200: {"content": {NDJSON: {"schema": {
    "type": "string", "description": "format=ndjson: every match, one JSON object per line."}}}}}


def install_error_handlers(app: FastAPI) -> None:
    """Every error is a JSON :class:`ErrorBody`; unexpected ones are logged without the query
    string (it can hold a young person's postcode)."""

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        return JSONResponse({"message": message}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ())]
            errors.append({"parameter": loc[-1] if loc else "", "location": loc[0] if loc else "",
                           "problem": str(err.get("msg", "invalid"))})
        names = ", ".join(sorted({e["parameter"] for e in errors if e["parameter"]}))
        return JSONResponse({"message": f"invalid parameter: {names}" if names
                             else "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.error("unhandled %s on %s %s", type(exc).__name__, request.method,
                     request.url.path, exc_info=exc)
        return JSONResponse({"message": "internal error"}, status_code=500)
