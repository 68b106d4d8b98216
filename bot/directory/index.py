"""The search index: one row per (service, need, location), kept in step with the directory.

Search needs to filter by need, place and age and rank by distance, youth focus and opening
hours over 100,000+ services in a few milliseconds. Walking HSDS's normalised tables for that is
too slow, so every import refreshes this narrow table: need code, coordinates, age range, youth
flag, the weekly opening hours packed as text, how far the service reaches (local, area,
remote, national) and who it is only for (bot/directory/eligibility.py). A sub-need's service
is indexed under its broader need too; a service with no need gets one row with need code ""
(found by its words: the full-text index, bot/directory/fulltext.py, refreshed with it).
Indexes: (need_code, latitude, longitude) for need + bounding box, and service_id for refreshes.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.directory import hours, eligibility, fulltext
from bot.directory.eligibility import is_youth
from bot.weekly import Window
from bot.directory.dbapi import dbapi_insert
from bot.directory.needs import need_codes, with_parents
from bot.directory.places import served_place_centre, town_centre
from bot.directory.models import (Attribute, Location, Organization, SearchIndexRow, Service,
                                  ServiceAtLocation, TaxonomyTerm)

logger = logging.getLogger(__name__)

ALWAYS = "*"


WEEK = 7 * 24 * 60


def pack_hours(ops: Sequence[Window]) -> str:
    """Openings as minute-of-week intervals "start-end,..." ("*" 24/7, "" unknown)."""
    if not ops:
        return ""
    if hours.openings_always(ops):
        return ALWAYS
    return ",".join(f"{o.day * 1440 + o.start.hour * 60 + o.start.minute}-"
                    f"{o.day * 1440 + o.start.hour * 60 + o.start.minute + o.minutes}"
                    for o in ops)


def is_open_packed(packed: Optional[str], minute_of_week: int) -> Optional[bool]:
    """Open at ``minute_of_week`` (Monday 00:00 = 0)? None when hours are unknown."""
    if not packed:
        return None
    if packed == ALWAYS:
        return True
    for part in packed.split(","):
        start, _, end = part.partition("-")
        s, e = int(start), int(end)
        if s <= minute_of_week < e or s <= minute_of_week + WEEK < e:
            return True
    return False


@lru_cache(maxsize=1 << 15)
def _packed(schedules: Tuple[Tuple[Any, Any, Any], ...]) -> str:
    """:func:`pack_hours` of (byday, opens_at, closes_at) rows, remembered: many services
    share their opening hours."""
    return pack_hours(hours.openings(schedules))


@lru_cache(maxsize=1 << 16)
def _youth(name: Optional[str], description: Optional[str], eligibility: Optional[str],
           minimum_age: Optional[float], maximum_age: Optional[float]) -> bool:
    return is_youth(name, description, eligibility, minimum_age, maximum_age)


def build_rows(service: dict, codes: Iterable[str], schedules: Iterable[dict],
               locations: Sequence[dict]) -> List[dict]:
    """Index rows for one service given plain dicts of its columns, schedules and locations."""
    triples = tuple((x.get("byday"), x.get("opens_at"), x.get("closes_at")) for x in schedules)
    get = service.get
    youth_args = (get("name"), get("description"), get("eligibility_description"),
                  get("minimum_age"), get("maximum_age"))
    try:
        packed = _packed(triples)
        youth = _youth(*youth_args)
    except TypeError:  # an unhashable value: work it out without the caches
        packed = pack_hours(hours.openings(triples))
        youth = is_youth(*youth_args)
    points = []  # (location id, latitude, longitude, remote, reach of a located point)
    for loc in locations:
        lat, lon, exact = point(loc)
        if lat is not None:
            points.append((loc["id"], lat, lon, False, "local" if exact else "town"))
        elif (loc.get("location_type") or "").lower() == "virtual":
            points.append((loc["id"], None, None, True, None))
    if not points:  # no usable location: where its words say it serves, else anywhere
        centre = served_place_centre(eligibility.served_place(get("description")))
        points.append((None, *centre, False, "town") if centre else
                      (None, None, None, True, None))
    elig = _eligibility(get("name"), get("description"), get("eligibility_description"))
    virtual = [(x.get("location_type") or "").lower() == "virtual" for x in locations]
    unlocated = eligibility.reach(get("description"), False, bool(locations) and all(virtual),
                                  not all(virtual))
    sid = service["id"]
    lo = youth_args[3] if youth_args[3] is not None else elig.minimum_age
    hi = youth_args[4] if youth_args[4] is not None else elig.maximum_age
    active = (get("status") or "active") == "active"
    audience = ",".join(elig.audiences)[:64]
    return [{"service_id": sid, "need_code": code, "location_id": loc_id,
             "latitude": lat, "longitude": lon, "remote": remote,
             "minimum_age": lo, "maximum_age": hi, "youth": youth, "hours": packed,
             "active": active, "reach": located or unlocated, "audience": audience}
            for code in sorted(set(with_parents(codes)) or {""})
            for loc_id, lat, lon, remote, located in points]


def point(location: dict) -> Tuple[Optional[float], Optional[float], bool]:
    """(latitude, longitude, exact) of a location: its coordinates, else the centre of the
    town its address names (:func:`bot.directory.places.town_centre`), else (None, None, False)."""
    if location.get("latitude") is not None and location.get("longitude") is not None:
        return location["latitude"], location["longitude"], True
    if (location.get("location_type") or "").lower() != "virtual" and location.get("city"):
        centre = town_centre(location.get("city"), location.get("state_province"),
                             location.get("country"))
        if centre:
            return centre[0], centre[1], False
    return None, None, False


@lru_cache(maxsize=1 << 16)
def _eligibility(name: Optional[str], description: Optional[str],
                 eligibility_description: Optional[str]) -> eligibility.Eligibility:
    return eligibility.read(name, description, (eligibility_description,))


def text_document(service: dict, organization: Optional[str] = None,
                  locations: Sequence[dict] = ()) -> dict:
    """The full-text document of one service (plain dicts of its columns and locations)."""
    get = service.get
    return fulltext.document(get("name"), get("alternate_name"), get("description"),
                             organization, get("eligibility_description"),
                             where=fulltext.cells(point(loc)[:2] for loc in locations))


def _rows_for(svc: Service, codes: Iterable[str]) -> List[dict]:
    cols = {c: getattr(svc, c) for c in ("id", "name", "description", "eligibility_description",
                                         "minimum_age", "maximum_age", "status")}
    scheds = [{"byday": x.byday, "opens_at": x.opens_at, "closes_at": x.closes_at}
              for x in svc.schedules]
    locs = [location_dict(sal.location) for sal in svc.service_at_locations
            if sal.location is not None]
    return build_rows(cols, codes, scheds, locs)


def location_dict(location: Any) -> dict:
    """What the index reads of a Location: coordinates, type and its address's town."""
    address = next((a for a in location.addresses if a.address_type != "postal"),
                   location.addresses[0] if location.addresses else None)
    return {"id": location.id, "latitude": location.latitude,
            "longitude": location.longitude, "location_type": location.location_type,
            "city": address.city if address else None,
            "state_province": address.state_province if address else None,
            "country": address.country if address else None}


def write_rows(session: Session, service_ids: Sequence[str], rows: List[dict]) -> int:
    """Replace the index rows of ``service_ids`` with ``rows``."""
    for i in range(0, len(service_ids), 900):
        session.execute(delete(SearchIndexRow)
                        .where(SearchIndexRow.service_id.in_(list(service_ids[i:i + 900]))))
    if rows and not dbapi_insert(session, SearchIndexRow, rows, upsert=False):
        for i in range(0, len(rows), 2000):
            session.execute(insert(SearchIndexRow), rows[i:i + 2000])
    return len(rows)


def refresh(session: Session, service_ids: Optional[Sequence[str]] = None,
            batch: int = 2000) -> int:
    """Rebuild index rows and full-text documents for ``service_ids`` (all services when
    None); index rows written."""
    if service_ids is None:
        session.execute(delete(SearchIndexRow))
        fulltext.clear(session)
        ids = list(session.execute(select(Service.id)).scalars())
    else:
        ids = list(service_ids)
        for i in range(0, len(ids), 900):
            session.execute(delete(SearchIndexRow)
                            .where(SearchIndexRow.service_id.in_(ids[i:i + 900])))
        fulltext.remove(session, ids)
    written = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        codes: dict = {}
        for sid, code in session.execute(
                select(Attribute.link_id, TaxonomyTerm.code)
                .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
                .where(Attribute.link_type == "service", Attribute.link_id.in_(chunk),
                       TaxonomyTerm.code.in_(need_codes()))):
            codes.setdefault(sid, set()).add(code)
        services = session.execute(
            select(Service).where(Service.id.in_(chunk))
            .options(selectinload(Service.schedules),
                     selectinload(Service.service_at_locations)
                     .selectinload(ServiceAtLocation.location)
                     .selectinload(Location.addresses))).scalars().all()
        orgs = dict(session.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_({s.organization_id for s in services if s.organization_id})))
            .all())
        rows = [r for svc in services for r in _rows_for(svc, codes.get(svc.id, ()))]
        if rows:
            session.execute(insert(SearchIndexRow), rows)
            written += len(rows)
        fulltext.write(session, {svc.id: text_document(
            {c: getattr(svc, c) for c in ("name", "alternate_name", "description",
                                          "eligibility_description")},
            orgs.get(svc.organization_id),
            [location_dict(sal.location) for sal in svc.service_at_locations
             if sal.location is not None])
            for svc in services}, replace=False)
    return written


def after_import(engine: Engine) -> None:
    """Bring the database's statistics and indexes up to date after a large import, outside
    the import's transaction. PostgreSQL: ``VACUUM (ANALYZE)`` of the search tables (the
    full-text GIN index otherwise scans its pending list on every search, and the nearest-
    services index can only be read without the table once the pages are marked visible);
    SQLite: ``ANALYZE`` of them. A failure is logged, never raised: the import has landed."""
    # SQLite's full-text table is an FTS5 virtual table: it keeps no planner statistics.
    sql = ("VACUUM (ANALYZE) search_index, service_text" if engine.dialect.name == "postgresql"
           else "ANALYZE search_index")
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(sql)
    except Exception as exc:  # noqa: BLE001 - the data is in; only its speed is at stake
        logger.warning("could not refresh the search tables' statistics: %s", type(exc).__name__)
