"""Load HSDS 3.0 JSON (a list of ``service`` objects, or a paged list response) into the DB.

Idempotent: records are upserted by id, so re-loading the same file changes nothing. One bad
record is reported with its id and reason and skipped; the rest load in one transaction.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory import needs as needs_mod, fulltext
from bot.directory.bulk import BatchRows
from bot.directory.models import Service, Taxonomy, TaxonomyTerm

logger = logging.getLogger(__name__)


class ImportFileError(ValueError):
    """The file as a whole cannot be read: nothing is changed."""


@dataclass
class ImportReport:
    """What a load did."""

    loaded: int = 0
    skipped: List[Tuple[str, str]] = field(default_factory=list)  # (record id, reason)

    def summary(self) -> str:
        return f"{self.loaded} services loaded, {len(self.skipped)} skipped"


_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_NEEDS_WORK = re.compile(r"[<&\t\r\f\v\n]|  ")


def clean_text(value: Any) -> Optional[str]:
    """Strip HTML tags and entities, collapse whitespace; None for empty."""
    if value is None:
        return None
    return _clean_str(value if type(value) is str else str(value))


@lru_cache(maxsize=1 << 16)
def _clean_str(text: str) -> Optional[str]:
    """:func:`clean_text` of a string, remembered: replicated and re-imported records repeat
    the same names, descriptions and addresses."""
    if _NEEDS_WORK.search(text):  # most fields are already plain: skip the rewriting
        text = unescape(_TAG.sub(" ", text))
        text = _NEWLINES.sub("\n", _SPACES.sub(" ", text))
    return text.strip() or None


def _num(value: Any) -> Optional[float]:
    if value is None or value == "":
        return None
    try:
        num = float(value)
    except (TypeError, ValueError):
        return None
    return num if num == num else None  # drop NaN


def _dt(value: Any) -> Optional[datetime]:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def read_services_file(path: Path) -> List[Dict[str, Any]]:
    """Read a JSON file holding a service list (bare array or HSDS paged envelope)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot read ({exc.strerror})") from exc
    if isinstance(raw, dict) and isinstance(raw.get("contents"), list):
        raw = raw["contents"]
    elif isinstance(raw, dict) and "id" in raw and "name" in raw:
        raw = [raw]
    if not isinstance(raw, list):
        raise ImportFileError(f"{path}: expected a list of HSDS services or a paged list")
    return raw


def ensure_need_taxonomy(session: Session) -> None:
    """Create or update the navigator's own need taxonomy and its terms."""
    tax = needs_mod.taxonomy()
    session.merge(Taxonomy(id=tax.id, name=tax.name, description=tax.description, uri=tax.uri,
                           version=tax.version))
    ids = {t.code: t.id for t in tax.terms}
    for t in tax.terms:
        session.merge(TaxonomyTerm(id=t.id, code=t.code, name=t.name, description=t.description,
                                   taxonomy=tax.name, taxonomy_id=tax.id,
                                   parent_id=ids.get(t.parent) if t.parent else None))


def hold_transaction(session: Session) -> None:
    """Make sure the session's transaction really is open in the database.

    pysqlite (in its default mode) sends BEGIN only before an INSERT, UPDATE or DELETE. A
    SAVEPOINT sent before any of those opens a transaction of its own, and its RELEASE commits:
    each batch of an import (written inside ``begin_nested``) would then be committed on its
    own, and a failure later in the file could not undo it. Sending BEGIN first keeps the whole
    import one transaction, committed or rolled back by the caller."""
    conn = session.connection()
    if conn.dialect.name != "sqlite" or conn.dialect.driver != "pysqlite":
        return
    raw = conn.connection.dbapi_connection
    if raw.isolation_level is not None and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN")


def _validate(rec: Any) -> Optional[str]:
    if not isinstance(rec, dict):
        return "record is not an object"
    for key in ("id", "name"):
        if not isinstance(rec.get(key), str) or not rec[key].strip():
            return f"missing required field '{key}'"
    if len(rec["id"]) > 64:
        return "id longer than 64 characters"
    for key in ("minimum_age", "maximum_age"):
        if rec.get(key) not in (None, "") and _num(rec.get(key)) is None:
            return f"'{key}' is not a number"
    lo, hi = _num(rec.get("minimum_age")), _num(rec.get("maximum_age"))
    if lo is not None and hi is not None and lo > hi:
        return "minimum_age is greater than maximum_age"
    return None


def upsert_service(session: Session, rec: Dict[str, Any]) -> None:
    """Insert or replace one HSDS service and everything nested in it."""
    rows = BatchRows()
    rows.add(rec, clean_text, _num, _dt)
    rows.write(session)


def _write_batch(session: Session, batch: List[Dict[str, Any]], report: ImportReport) -> None:
    """Write a batch in one go; if it fails, retry one by one to find and skip the bad ones."""
    try:
        with session.begin_nested():
            rows = BatchRows()
            for rec in batch:
                rows.add(rec, clean_text, _num, _dt)
            rows.write(session)
        done = batch
    except Exception:  # noqa: BLE001 - one broken record must not sink the file
        done = []
        for rec in batch:
            try:
                with session.begin_nested():
                    upsert_service(session, rec)
                done.append(rec)
            except Exception as exc:  # noqa: BLE001 - logged; the caller carries on
                logger.warning("skipped a service record: %s", type(exc).__name__)
                report.skipped.append((str(rec["id"]), f"{type(exc).__name__}: {exc}"[:300]))
    report.loaded += len(done)


def load_services(session: Session, records: Iterable[Any], batch_size: int = 1000
                  ) -> ImportReport:
    """Upsert every valid record; report the invalid ones. The caller owns the transaction."""
    report = ImportReport()
    hold_transaction(session)
    ensure_need_taxonomy(session)
    session.flush()
    batch: List[Dict[str, Any]] = []
    for rec in records:
        problem = _validate(rec)
        if problem:
            rid = str(rec.get("id")) if isinstance(rec, dict) else "?"
            report.skipped.append((rid, problem))
            continue
        batch.append(rec)
        if len(batch) >= batch_size:
            _write_batch(session, batch, report)
            batch = []
    if batch:
        _write_batch(session, batch, report)
    return report


def load_file(session_factory, path: Path) -> ImportReport:
    """Load a file in one transaction; a broken file raises ImportFileError and changes nothing."""
    records = read_services_file(path)
    with session_factory() as session, session.begin():
        report = load_services(session, records)
        fulltext.count_words(session)
        return report


def sample_directory_path() -> Path:
    """The bundled fictional sample directory."""
    return Path(__file__).resolve().parent.parent / "resources" / "sample_directory.json"


def service_count(session: Session) -> int:
    """Number of services in the directory."""
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(Service)).scalar_one()
