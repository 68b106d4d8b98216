"""The declarative base every feature's tables share, and the helpers for their columns: ``ID``
(HSDS string ids), ``utcnow`` (default timestamps) and ``as_utc`` (SQLite returns naive UTC).

Each feature package owns its tables in its own ``models`` module (``bot/directory/models.py``
for the HSDS 3.0 directory, ``bot/handoff/models.py``, ...); ``bot/migrations/env.py`` imports
them all for Alembic.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    String,
)
from sqlalchemy.orm import declarative_base


Base = declarative_base()


ID = String(64)


def utcnow() -> datetime:
    """Timezone-aware now, for default timestamps."""
    return datetime.now(timezone.utc)


def as_utc(ts: datetime) -> datetime:
    """``ts`` with a time zone (SQLite gives naive datetimes back; they are UTC)."""
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
