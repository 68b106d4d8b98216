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
from html import unescape
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import needs as needs_mod
from bot.directory import index
from bot.models import (Address, Attribute, Location, Organization, Phone, Schedule, Service,
                        ServiceAtLocation, Taxonomy, TaxonomyTerm)

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


def clean_text(value: Any) -> Optional[str]:
    """Strip HTML tags and entities, collapse whitespace; None for empty."""
    if value is None:
        return None
    text = unescape(_TAG.sub(" ", str(value)))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return text or None


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
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


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
    for t in tax.terms:
        session.merge(TaxonomyTerm(id=t.id, code=t.code, name=t.name, description=t.description,
                                   taxonomy=tax.name, taxonomy_id=tax.id))


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


def _upsert_org(session: Session, org: Dict[str, Any]) -> Optional[str]:
    if not isinstance(org, dict) or not org.get("id") or not org.get("name"):
        return None
    session.merge(Organization(id=org["id"], name=clean_text(org["name"]),
                               alternate_name=clean_text(org.get("alternate_name")),
                               description=clean_text(org.get("description")) or "",
                               email=org.get("email"), website=org.get("website"),
                               uri=org.get("uri")))
    return org["id"]


def _upsert_location(session: Session, loc: Dict[str, Any], org_id: Optional[str]) -> str:
    lat, lon = _num(loc.get("latitude")), _num(loc.get("longitude"))
    if lat is not None and not -90 <= lat <= 90 or lon is not None and not -180 <= lon <= 180:
        lat = lon = None
    session.merge(Location(id=loc["id"], location_type=loc.get("location_type") or "physical",
                           organization_id=loc.get("organization_id") or org_id,
                           name=clean_text(loc.get("name")),
                           description=clean_text(loc.get("description")),
                           latitude=lat, longitude=lon))
    session.execute(delete(Address).where(Address.location_id == loc["id"]))
    for adr in loc.get("addresses") or []:
        if isinstance(adr, dict) and adr.get("id"):
            session.add(Address(id=adr["id"], location_id=loc["id"],
                                attention=adr.get("attention"),
                                address_1=clean_text(adr.get("address_1")) or "",
                                address_2=clean_text(adr.get("address_2")),
                                city=clean_text(adr.get("city")) or "", region=adr.get("region"),
                                state_province=adr.get("state_province") or "",
                                postal_code=(adr.get("postal_code") or "").strip().upper(),
                                country=(adr.get("country") or "")[:2].upper(),
                                address_type=adr.get("address_type") or "physical"))
    return loc["id"]


def _term_id(session: Session, term: Dict[str, Any], fallback_id: Optional[str]) -> Optional[str]:
    term = term if isinstance(term, dict) else {}
    tid = term.get("id") or fallback_id
    if not tid:
        return None
    if session.get(TaxonomyTerm, tid) is None:
        if not term.get("name"):
            return None
        session.add(TaxonomyTerm(id=tid, code=term.get("code"), name=term["name"],
                                 description=term.get("description") or "",
                                 taxonomy=term.get("taxonomy"),
                                 taxonomy_id=term.get("taxonomy_id")))
        session.flush()
    return tid


def upsert_service(session: Session, rec: Dict[str, Any]) -> None:
    """Insert or replace one HSDS service and everything nested in it."""
    sid = rec["id"]
    org_id = _upsert_org(session, rec.get("organization")) or rec.get("organization_id")
    if org_id and session.get(Organization, org_id) is None:
        org_id = None
    session.merge(Service(
        id=sid, organization_id=org_id, name=clean_text(rec["name"]),
        alternate_name=clean_text(rec.get("alternate_name")),
        description=clean_text(rec.get("description")), url=rec.get("url"),
        email=rec.get("email"), status=rec.get("status") or "active",
        application_process=clean_text(rec.get("application_process")),
        fees_description=clean_text(rec.get("fees_description")),
        eligibility_description=clean_text(rec.get("eligibility_description")),
        minimum_age=_num(rec.get("minimum_age")), maximum_age=_num(rec.get("maximum_age")),
        alert=clean_text(rec.get("alert")),
        last_modified=_dt(rec.get("last_modified")) or datetime.now(timezone.utc)))
    for model, col in ((Phone, Phone.service_id), (Schedule, Schedule.service_id),
                       (ServiceAtLocation, ServiceAtLocation.service_id)):
        session.execute(delete(model).where(col == sid))
    session.execute(delete(Attribute).where(Attribute.link_id == sid,
                                            Attribute.link_type == "service"))
    session.flush()
    for ph in rec.get("phones") or []:
        if isinstance(ph, dict) and ph.get("id") and ph.get("number"):
            session.merge(Phone(id=ph["id"], service_id=sid,
                                number=str(ph["number"]).strip().strip('"'),
                                extension=_num(ph.get("extension")), type=ph.get("type"),
                                description=clean_text(ph.get("description"))))
    for sch in rec.get("schedules") or []:
        if isinstance(sch, dict) and sch.get("id"):
            session.merge(Schedule(id=sch["id"], service_id=sid, freq=sch.get("freq"),
                                   byday=sch.get("byday"), opens_at=sch.get("opens_at"),
                                   closes_at=sch.get("closes_at"),
                                   valid_from=sch.get("valid_from"), valid_to=sch.get("valid_to"),
                                   description=clean_text(sch.get("description")),
                                   notes=clean_text(sch.get("notes"))))
    for sal in rec.get("service_at_locations") or []:
        loc = sal.get("location") if isinstance(sal, dict) else None
        if not isinstance(loc, dict) or not loc.get("id") or not sal.get("id"):
            continue
        _upsert_location(session, loc, org_id)
        session.merge(ServiceAtLocation(id=sal["id"], service_id=sid, location_id=loc["id"],
                                        description=clean_text(sal.get("description"))))
    for att in rec.get("attributes") or []:
        if not isinstance(att, dict) or not att.get("id"):
            continue
        tid = _term_id(session, att.get("taxonomy_term"), att.get("taxonomy_term_id"))
        if tid:
            session.merge(Attribute(id=att["id"], link_id=sid, link_type="service",
                                    link_entity="service", taxonomy_term_id=tid,
                                    value=att.get("value")))


def load_services(session: Session, records: Iterable[Any]) -> ImportReport:
    """Upsert every valid record; report the invalid ones. The caller owns the transaction."""
    report = ImportReport()
    ensure_need_taxonomy(session)
    loaded_ids: List[str] = []
    for rec in records:
        problem = _validate(rec)
        rid = str(rec.get("id")) if isinstance(rec, dict) else "?"
        if problem:
            report.skipped.append((rid, problem))
            continue
        try:
            with session.begin_nested():
                upsert_service(session, rec)
        except Exception as exc:  # one broken record must not sink the file
            logger.warning("skipped service %s: %s", rid, type(exc).__name__)
            report.skipped.append((rid, f"{type(exc).__name__}: {exc}"[:300]))
            continue
        report.loaded += 1
        loaded_ids.append(rec["id"])
    session.flush()
    index.refresh(session, loaded_ids)
    return report


def load_file(session_factory, path: Path) -> ImportReport:
    """Load a file in one transaction; a broken file raises ImportFileError and changes nothing."""
    records = read_services_file(path)
    with session_factory() as session, session.begin():
        return load_services(session, records)


def sample_directory_path() -> Path:
    """The bundled fictional sample directory."""
    return Path(__file__).resolve().parent.parent / "resources" / "sample_directory.json"


def service_count(session: Session) -> int:
    """Number of services in the directory."""
    from sqlalchemy import func

    return session.execute(select(func.count()).select_from(Service)).scalar_one()
