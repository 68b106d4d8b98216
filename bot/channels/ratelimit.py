"""Fixed-window rate limits kept in the database, so every replica counts against one limit and
a restart does not reset it (the guide: processes are stateless).

Keys are hashed: the table holds no sender id and no client address. One event costs one
upsert and one read in a single transaction. Libraries such as ``limits`` keep their counters
in memory, Redis or Memcached; the navigator's default run has none of those, and its one shared
store is the database.
"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime
from typing import Optional

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.models import RateWindow


def key_for(kind: str, value: str) -> str:
    """The stored key for ``value`` (a sender id, an address) counted as ``kind``."""
    return hashlib.sha256(f"{kind}\x00{value}".encode("utf-8")).hexdigest()


def _window(width_s: int, now: Optional[float]) -> int:
    return int((time.time() if now is None else now) // width_s)


def hit(sessions: sessionmaker, kind: str, value: str, width_s: int = 60,
        now: Optional[float] = None) -> int:
    """Count one event for ``value`` in the current window of ``width_s`` seconds; the count
    so far, this event included. Atomic across processes (the primary key decides)."""
    with sessions() as s, s.begin():
        return count(s, kind, value, width_s, now)


def count(s: Session, kind: str, value: str, width_s: int = 60,
          now: Optional[float] = None) -> int:
    """:func:`hit` inside the caller's transaction ``s`` (with other work of the same turn)."""
    key, window = key_for(kind, value), _window(width_s, now)
    _upsert(s, key, window)
    return int(s.execute(select(RateWindow.count).where(RateWindow.key == key)).scalar() or 1)


def _upsert(s: Session, key: str, window: int) -> None:
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = (sqlite_insert if dialect == "sqlite" else pg_insert)(RateWindow)
        stmt = insert.values(key=key, window=window, count=1)
        same = RateWindow.__table__.c.window == stmt.excluded.window
        s.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
            "count": case((same, RateWindow.__table__.c.count + 1), else_=1),
            "window": stmt.excluded.window}))
        return
    row = s.get(RateWindow, key, with_for_update=True)  # other databases: row lock
    if row is None:
        s.add(RateWindow(key=key, window=window, count=1))
    elif row.window == window:
        s.execute(update(RateWindow).where(RateWindow.key == key)
                  .values(count=RateWindow.count + 1))
    else:
        row.window, row.count = window, 1


def stale_before(now: datetime, width_s: int = 60) -> int:
    """Windows before this one have passed (kept one window longer than needed)."""
    return _window(width_s, now.timestamp()) - 1


def purge(sessions: sessionmaker, width_s: int = 60, now: Optional[float] = None) -> int:
    """Delete counters whose window has passed; the number removed."""
    cutoff = _window(width_s, now) - 1
    with sessions() as s, s.begin():
        return s.execute(delete(RateWindow).where(RateWindow.window < cutoff)).rowcount or 0
