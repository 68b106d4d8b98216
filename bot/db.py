"""Engine and session factory, created lazily (never at import time)."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings

logger = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    """Create an engine in SQLAlchemy 2.0 style; SQLite gets WAL and foreign keys."""
    # hide_parameters: a failed statement's error (logged, or returned by rasa_sdk in a 500)
    # never quotes the values, which can be personal data.
    kwargs = {"future": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # A pool, as SQLAlchemy 2.0 does for a database file (1.4 opened a new connection,
            # and ran the pragmas below, for every transaction: about 1 ms each, several per
            # turn). A file has no server to lose, so no ping before each use.
            kwargs["poolclass"] = QueuePool
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # A server database: a connection it closed meanwhile (a restart, an idle timeout) is
        # replaced before use rather than failing the turn.
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # 64 MB page cache (default 2 MB): index maintenance on large imports stays in memory.
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()
            # pysqlite's own transaction handling is kept (BEGIN just before the first write):
            # reads stay concurrent under WAL, even during an import, and a read-then-write
            # transaction never fails with "database is locked" (taking transactions over with
            # BEGIN did, under concurrent turns). The one case it gets wrong, a SAVEPOINT as
            # the first statement, is handled where it occurs: loader.hold_transaction.

    return engine


@lru_cache(maxsize=8)
def get_engine(url: Optional[str] = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    return make_engine(url or get_settings().database_url)


def session_factory(url: Optional[str] = None) -> sessionmaker:
    """A ``sessionmaker`` bound to the engine for ``url``."""
    return sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False, class_=Session)
