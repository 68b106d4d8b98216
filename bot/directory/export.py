"""Export the directory as Open Referral HSDS 3.0 JSON (open data, and the public API's bodies).

Every service is emitted as a fully nested HSDS 3.0 ``service`` object that validates against
``schema/compiled/service.json``:

* ids: HSDS requires UUIDs, but some imported sources use other strings. :func:`hsds_id` keeps
  a UUID as it is and maps any other id to a deterministic ``uuid5`` — the same mapping for
  primary and foreign keys, in the export file and in the API (``bot.api.ids`` maps back).
* nulls are omitted, never emitted; values the schema would reject (a time that is not a time,
  an enum value outside the code list, a URL without a scheme) are normalised or omitted.
* times are ``HH:MM``, dates ``YYYY-MM-DD``, ``last_modified`` is UTC ``YYYY-MM-DDTHH:MM:SSZ``.

:func:`write_export` writes one HSDS *paged list* holding every service on a single page (the
same envelope as the API and ``resources/sample_directory.json``), so the file can be loaded
back with ``navigator import``; ``bare=True`` writes a plain JSON array instead.
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import uuid
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Union
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.directory.models import (Address, Attribute, Location, Organization, Phone, Schedule,
                                  Service, ServiceAtLocation, Taxonomy, TaxonomyTerm)

logger = logging.getLogger(__name__)

#: Namespace of the uuid5 ids given to records whose own id is not a UUID. Never change it:
#: published ids (open data files, API clients' bookmarks) depend on it.
ID_NAMESPACE = uuid.UUID("5b0c7f4e-3f0a-5d39-9a43-6f1d2b6c9e10")
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID_RE = re.compile(UUID_PATTERN)
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
SCHEDULE_FREQS = ("WEEKLY", "MONTHLY")
_TIME_RE = re.compile(r"^\s*(\d{1,2}):?(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$",
                      re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/?#]\S*)?$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


# --- ids ---------------------------------------------------------------------------------
def is_uuid(value: str) -> bool:
    """True for a UUID in its canonical 8-4-4-4-12 hex form (either case)."""
    return bool(_UUID_RE.fullmatch(value))


def hsds_id(raw: str) -> str:
    """The published HSDS id of a stored id: itself if a UUID, else its deterministic uuid5."""
    raw = str(raw)
    return raw if is_uuid(raw) else str(uuid.uuid5(ID_NAMESPACE, raw))


def _fk(raw: Optional[str]) -> Optional[str]:
    return hsds_id(raw) if raw else None


# --- value normalisation -----------------------------------------------------------------
def _clean(mapping: Mapping[str, Any]) -> Dict[str, Any]:
    """Drop None values (HSDS types do not allow null)."""
    return {k: v for k, v in mapping.items() if v is not None}


def _number(value: Optional[float]) -> Optional[Union[int, float]]:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return int(value) if float(value).is_integer() else float(value)


def hsds_time(value: Optional[str]) -> Optional[str]:
    """``"9:00"``, ``"09:00:00"`` or ``"0900"`` as ``"09:00"``; None if not a time of day."""
    m = _TIME_RE.match(value or "")
    if not m:
        return None
    hh, mm = int(m.group(1)), int(m.group(2))
    if hh == 24 and mm == 0:
        return "23:59"
    return f"{hh:02d}:{mm:02d}" if hh < 24 and mm < 60 else None


def hsds_date(value: Optional[str]) -> Optional[str]:
    """An ISO ``YYYY-MM-DD`` date, or None."""
    try:
        return date.fromisoformat((value or "").strip()[:10]).isoformat()
    except ValueError:
        return None


def hsds_datetime(value: Optional[datetime]) -> Optional[str]:
    """UTC RFC 3339 timestamp; naive values are taken as UTC (as SQLite returns them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def hsds_uri(value: Optional[str]) -> Optional[str]:
    """An absolute URI; a bare domain gets ``http://``; anything else is dropped."""
    text = (value or "").strip()
    if not text or any(c.isspace() for c in text):
        return None
    if not _SCHEME_RE.match(text):
        return "http://" + text if _DOMAIN_RE.match(text) else None
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https"):
        return text if parts.netloc else None
    return text if parts.netloc or parts.path else None


def hsds_email(value: Optional[str]) -> Optional[str]:
    """An email address, or None if the stored text is not one."""
    text = (value or "").strip()
    return text if _EMAIL_RE.match(text) else None


def _enum(value: Optional[str], allowed: Iterable[str], default: Optional[str]) -> Optional[str]:
    text = (value or "").strip()
    for a in allowed:
        if text.lower().replace("_", " ").replace("-", " ") == a.lower():
            return a
    return default


# --- entities ----------------------------------------------------------------------------
def taxonomy_to_hsds(tax: Taxonomy) -> Dict[str, Any]:
    """An HSDS ``taxonomy``."""
    return _clean({"id": hsds_id(tax.id), "name": tax.name, "description": tax.description or "",
                   "uri": hsds_uri(tax.uri), "version": tax.version or None})


def taxonomy_term_to_hsds(term: TaxonomyTerm, taxonomy: Optional[Taxonomy] = None
                          ) -> Dict[str, Any]:
    """An HSDS ``taxonomy_term`` (with ``taxonomy_detail`` when its taxonomy is given)."""
    return _clean({
        "id": hsds_id(term.id), "code": term.code, "name": term.name,
        "description": term.description or "", "parent_id": _fk(term.parent_id),
        "taxonomy": term.taxonomy or (taxonomy.name if taxonomy else None),
        "taxonomy_detail": taxonomy_to_hsds(taxonomy) if taxonomy is not None else None,
        "taxonomy_id": _fk(term.taxonomy_id), "term_uri": hsds_uri(term.term_uri)})


def organization_to_hsds(org: Organization) -> Dict[str, Any]:
    """The one-to-one fields of an HSDS ``organization``."""
    return _clean({"id": hsds_id(org.id), "name": org.name,
                   "alternate_name": org.alternate_name or None,
                   "description": org.description or "", "email": hsds_email(org.email),
                   "website": hsds_uri(org.website), "uri": hsds_uri(org.uri)})


def address_to_hsds(adr: Address) -> Dict[str, Any]:
    """An HSDS ``address`` (its required strings are emitted even when empty)."""
    return _clean({
        "id": hsds_id(adr.id), "location_id": _fk(adr.location_id),
        "attention": adr.attention or None, "address_1": adr.address_1 or "",
        "address_2": adr.address_2 or None, "city": adr.city or "", "region": adr.region or None,
        "state_province": adr.state_province or "", "postal_code": adr.postal_code or "",
        "country": adr.country or "",
        "address_type": _enum(adr.address_type, LOCATION_TYPES, "physical")})


def location_to_hsds(loc: Location, nested: bool = True) -> Dict[str, Any]:
    """An HSDS ``location``; ``nested`` adds its addresses."""
    lat, lon = _number(loc.latitude), _number(loc.longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    out = _clean({"id": hsds_id(loc.id),
                  "location_type": _enum(loc.location_type, LOCATION_TYPES, "physical"),
                  "organization_id": _fk(loc.organization_id), "name": loc.name or None,
                  "description": loc.description or None, "latitude": lat, "longitude": lon})
    if nested:
        out["addresses"] = [address_to_hsds(a) for a in sorted(loc.addresses, key=_by_id)]
    return out


def phone_to_hsds(ph: Phone) -> Dict[str, Any]:
    """An HSDS ``phone``."""
    return _clean({"id": hsds_id(ph.id), "service_id": _fk(ph.service_id),
                   "organization_id": _fk(ph.organization_id),
                   "location_id": _fk(ph.location_id), "number": ph.number,
                   "extension": _number(ph.extension), "type": ph.type or None,
                   "description": ph.description or None})


def schedule_to_hsds(sch: Schedule) -> Dict[str, Any]:
    """An HSDS ``schedule`` (RFC 5545 fields; times ``HH:MM``)."""
    return _clean({
        "id": hsds_id(sch.id), "service_id": _fk(sch.service_id),
        "location_id": _fk(sch.location_id),
        "service_at_location_id": _fk(sch.service_at_location_id),
        "valid_from": hsds_date(sch.valid_from), "valid_to": hsds_date(sch.valid_to),
        "freq": _enum((sch.freq or "").upper(), SCHEDULE_FREQS, None),
        "byday": (sch.byday or "").replace(" ", "").upper() or None,
        "opens_at": hsds_time(sch.opens_at), "closes_at": hsds_time(sch.closes_at),
        "description": sch.description or None, "notes": sch.notes or None})


def attribute_to_hsds(att: Attribute, taxonomies: Mapping[str, Taxonomy]) -> Dict[str, Any]:
    """An HSDS ``attribute`` with its nested ``taxonomy_term``."""
    term = att.taxonomy_term
    return _clean({
        "id": hsds_id(att.id), "link_id": _fk(att.link_id),
        "taxonomy_term_id": _fk(att.taxonomy_term_id), "link_type": att.link_type or None,
        "link_entity": att.link_entity or None, "value": att.value,
        "taxonomy_term": taxonomy_term_to_hsds(term, taxonomies.get(term.taxonomy_id or ""))
        if term is not None else None})


def _by_id(obj: Any) -> str:
    return str(obj.id)


def service_status(value: Optional[str]) -> str:
    """The HSDS status; an unrecognised stored status is published as ``inactive`` (the bot
    only offers ``active`` services, so the open data must not claim more)."""
    return _enum(value, SERVICE_STATUSES, None) or "inactive"


def service_brief(svc: Service) -> Dict[str, Any]:
    """A service's one-to-one fields plus its organization, as in HSDS list responses."""
    return _clean({
        "id": hsds_id(svc.id), "organization_id": _fk(svc.organization_id), "name": svc.name,
        "alternate_name": svc.alternate_name or None, "description": svc.description,
        "url": hsds_uri(svc.url), "email": hsds_email(svc.email),
        "status": service_status(svc.status), "application_process": svc.application_process,
        "fees_description": svc.fees_description,
        "eligibility_description": svc.eligibility_description,
        "minimum_age": _number(svc.minimum_age), "maximum_age": _number(svc.maximum_age),
        "alert": svc.alert or None, "last_modified": hsds_datetime(svc.last_modified),
        "organization": organization_to_hsds(svc.organization) if svc.organization else None})


def service_at_location_to_hsds(sal: ServiceAtLocation, nested: bool = True) -> Dict[str, Any]:
    """An HSDS ``service_at_location`` with its ``location`` (and addresses if ``nested``)."""
    return _clean({"id": hsds_id(sal.id), "service_id": _fk(sal.service_id),
                   "location_id": _fk(sal.location_id), "description": sal.description or None,
                   "location": location_to_hsds(sal.location, nested)
                   if sal.location is not None else None})


def service_to_hsds(svc: Service, taxonomies: Optional[Mapping[str, Taxonomy]] = None,
                    with_locations: bool = True) -> Dict[str, Any]:
    """A fully nested HSDS 3.0 ``service`` (validates against ``compiled/service.json``).

    ``taxonomies`` (id → Taxonomy) adds ``taxonomy_detail`` to the attributes' terms.
    """
    out = service_brief(svc)
    out["phones"] = [phone_to_hsds(p) for p in sorted(svc.phones, key=_by_id)]
    out["schedules"] = [schedule_to_hsds(s) for s in sorted(svc.schedules, key=_by_id)]
    if with_locations:
        out["service_at_locations"] = [service_at_location_to_hsds(s) for s in
                                       sorted(svc.service_at_locations, key=_by_id)]
    out["attributes"] = [attribute_to_hsds(a, taxonomies or {}) for a in
                         sorted(svc.attributes, key=_by_id)]
    return out


def service_load_options() -> list:
    """Eager-load options for :func:`service_to_hsds` (no lazy loads per service)."""
    return [selectinload(Service.organization), selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
            selectinload(Service.attributes).selectinload(Attribute.taxonomy_term)]


def taxonomy_map(session: Session) -> Dict[str, Taxonomy]:
    """All taxonomies by stored id (a handful of rows)."""
    return {t.id: t for t in session.execute(select(Taxonomy)).scalars()}


def load_services(session: Session, ids: List[str]) -> List[Service]:
    """The services with these stored ids, eagerly loaded, in the order of ``ids``."""
    if not ids:
        return []
    rows = session.execute(select(Service).where(Service.id.in_(ids))
                           .options(*service_load_options())).scalars().all()
    by_id = {s.id: s for s in rows}
    return [by_id[i] for i in ids if i in by_id]


def export_services(session: Session, batch_size: int = 500) -> Iterator[Dict[str, Any]]:
    """Every service as nested HSDS 3.0, ordered by stored id, loaded ``batch_size`` at a time.

    Expunges the session after each batch to keep memory flat: give it a session of its own.
    """
    taxonomies = taxonomy_map(session)
    last: Optional[str] = None
    while True:
        stmt = select(Service.id).order_by(Service.id).limit(batch_size)
        if last is not None:
            stmt = stmt.where(Service.id > last)
        ids = list(session.execute(stmt).scalars())
        if not ids:
            return
        for svc in load_services(session, ids):
            yield service_to_hsds(svc, taxonomies)
        last = ids[-1]
        session.expunge_all()


def _envelope_head(total: int) -> Dict[str, Any]:
    return {"total_items": total, "total_pages": 1, "page_number": 1, "size": total,
            "first_page": True, "last_page": True, "empty": total == 0}


def write_export(session: Session, path: Union[str, Path], bare: bool = False,
                 indent: Optional[int] = None) -> int:
    """Write every service to ``path``; returns how many were written.

    Default: one HSDS paged list holding all services on page 1 (``total_items``,
    ``total_pages``, ... then ``contents``), readable by ``navigator import``. ``bare=True``
    writes just the JSON array. The file is replaced atomically (temp file + rename).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sep = ",\n" if indent is not None else ","
    temps: List[str] = []
    count = 0
    try:
        fd, body_name = tempfile.mkstemp(prefix=".export-", suffix=".part", dir=path.parent)
        temps.append(body_name)
        with os.fdopen(fd, "w", encoding="utf-8") as body:
            for item in export_services(session):
                body.write((sep if count else "") +
                           json.dumps(item, ensure_ascii=False, indent=indent))
                count += 1
        fd, final_name = tempfile.mkstemp(prefix=".export-", suffix=".json", dir=path.parent)
        temps.append(final_name)
        with os.fdopen(fd, "w", encoding="utf-8") as out, \
                open(body_name, encoding="utf-8") as body:
            if bare:
                out.write("[")
            else:  # the envelope's fields, then "contents" last, as in the HSDS examples
                head = json.dumps(_envelope_head(count), indent=indent)[:-1].rstrip()
                out.write(head + (',\n  "contents": [' if indent is not None else ',"contents":['))
            while True:
                chunk = body.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
            out.write("]\n" if bare else "]}\n")
        os.replace(final_name, path)
    finally:
        for name in temps:
            if os.path.exists(name):
                os.unlink(name)
    logger.info("exported %d services", count)
    return count
