"""Fast writes through the DB-API: many rows in one statement (multi-row INSERT, or INSERT …
ON CONFLICT DO UPDATE), values bound exactly as the ORM binds them. Used by the directory
loader (``bulk``) and the search index (``index``); a leaf of ``bot.directory``."""
from __future__ import annotations

import sqlite3
from functools import lru_cache
from itertools import chain
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy.orm import Session

CHUNK = 500


@lru_cache(maxsize=None)
def _cols(model) -> Tuple[str, ...]:
    return tuple(c.name for c in model.__table__.columns)


def _full(model, row: Dict[str, Any]) -> Dict[str, Any]:
    """Every column present (executemany needs uniform keys)."""
    return {c: row.get(c) for c in _cols(model)}


# Bound parameters one SQLite statement may hold (SQLITE_MAX_VARIABLE_NUMBER: 999 before 3.32).
SQLITE_MAX_PARAMS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@lru_cache(maxsize=256)
def _statement(model, cols: Tuple[str, ...], upsert: bool, dialect, nrows: int = 1
               ) -> Tuple[str, Tuple[Tuple[int, Callable[[Any], Any]], ...]]:
    """The INSERT of ``nrows`` rows of ``cols`` and the (position, bind processor) pairs of
    those columns that have one, built once per model, column set, dialect and row count."""
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    group = f"({', '.join([mark] * len(cols))})"
    sql = (f"INSERT INTO {model.__tablename__} ({', '.join(cols)}) "
           f"VALUES {', '.join([group] * nrows)}")
    if upsert:
        sql += " ON CONFLICT (id) DO UPDATE SET " + ", ".join(
            f"{c} = excluded.{c}" for c in cols if c != "id")
    procs = tuple((i, p) for i, p in ((i, model.__table__.c[c].type.bind_processor(dialect))
                                      for i, c in enumerate(cols)) if p is not None)
    return sql, procs


def dbapi_insert(session: Session, model, rows: List[Dict[str, Any]], upsert: bool,
                 cols: Optional[Sequence[str]] = None) -> bool:
    """Write ``rows`` through the DB-API: INSERT, or INSERT … ON CONFLICT (id) DO UPDATE when
    ``upsert`` (the caller makes ids unique). Values go through the columns' SQLAlchemy bind
    processors so they are stored exactly as the ORM would store them. ``cols`` defaults to the
    first row's keys; a key missing from a row is written as NULL. False if the database is
    not SQLite or PostgreSQL (the caller then uses the ORM).

    SQLite gets multi-row statements (hundreds of rows each) rather than ``executemany``, which
    runs one statement per row: inside a SAVEPOINT (each import batch is written in one)
    SQLite copies every page a statement changes to the savepoint's journal again for each
    statement, and the journal is only dropped when the savepoint ends, so one statement per
    row made the import many times slower. PostgreSQL keeps ``executemany``."""
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name not in ("sqlite", "postgresql") or \
            dialect.paramstyle not in ("qmark", "format", "pyformat"):
        return False
    if not rows:
        return True
    cols = tuple(cols if cols is not None else rows[0])
    _, procs = _statement(model, cols, upsert, dialect)
    if procs:
        values = []
        for r in rows:
            v = list(map(r.get, cols))
            for i, p in procs:
                v[i] = p(v[i])
            values.append(v)
    else:
        values = [list(map(r.get, cols)) for r in rows]
    if dialect.name == "sqlite":
        per = max(1, min(CHUNK, SQLITE_MAX_PARAMS // len(cols)))
        for i in range(0, len(values), per):
            chunk = values[i:i + per]
            sql, _ = _statement(model, cols, upsert, dialect, len(chunk))
            conn.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))
    else:
        sql, _ = _statement(model, cols, upsert, dialect)
        for i in range(0, len(values), CHUNK * 4):
            conn.exec_driver_sql(sql, [tuple(v) for v in values[i:i + CHUNK * 4]])
    return True


def upsert_rows(session: Session, model, rows: Iterable[Dict[str, Any]]) -> int:
    """Insert or update ``rows`` by primary key ``id``; the last duplicate wins. Every column is
    written: one a row leaves out is set to NULL."""
    unique = list({r["id"]: r for r in rows}.values())
    if unique and not dbapi_insert(session, model, unique, upsert=True, cols=_cols(model)):
        for r in unique:  # any other database: the ORM's portable, slower merge
            session.merge(model(**_full(model, r)))
    return len(unique)
