"""A page of search results read with one plain SQL statement into light records.

The ORM's eager loading of a service with its organisation, locations, addresses, phones and
opening times cost more than the whole rest of a search over 100,000 services (2.5 ms against
~0.5 ms for the same rows read here, bench/scale.py). The records carry the attribute names the
presentation code reads from ORM rows (``svc.phones[0].number``, ``sal.location.addresses``),
so one function builds a :class:`~bot.directory.search.ServiceResult` from either.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session


@dataclass
class AddressRecord:
    """The address fields a result shows."""

    address_1: str
    address_2: Optional[str]
    city: str
    postal_code: str


@dataclass
class LocationRecord:
    """A place a service is delivered at."""

    id: str
    name: Optional[str]
    latitude: Optional[float]
    longitude: Optional[float]
    addresses: List[AddressRecord] = field(default_factory=list)


@dataclass
class AtLocation:
    """``service_at_location``: only the location is read."""

    location: LocationRecord


@dataclass
class PhoneRecord:
    number: str


@dataclass
class ScheduleRecord:
    byday: Optional[str]
    opens_at: Optional[str]
    closes_at: Optional[str]


@dataclass
class OrganizationRecord:
    name: str


@dataclass
class ServiceRecord:
    """The columns of a service a result shows, with its related rows."""

    id: str
    name: str
    description: Optional[str]
    url: Optional[str]
    email: Optional[str]
    minimum_age: Optional[float]
    maximum_age: Optional[float]
    eligibility_description: Optional[str]
    application_process: Optional[str]
    fees_description: Optional[str]
    organization: Optional[OrganizationRecord]
    phones: List[PhoneRecord] = field(default_factory=list)
    schedules: List[ScheduleRecord] = field(default_factory=list)
    service_at_locations: List[AtLocation] = field(default_factory=list)


# One statement per page: each service row carries its places, phones and opening times as
# JSON arrays. On PostgreSQL a statement is planned each time it is sent (about 0.3-0.7 ms
# for these joins), so four statements cost more than the rows they read.
_AGG = {"postgresql": ("json_agg", "json_build_array"), "sqlite": ("json_group_array", "json_array")}
_ONE_PAGE = (
    "SELECT s.id, s.name, s.description, s.url, s.email, s.minimum_age, s.maximum_age, "
    "s.eligibility_description, s.application_process, s.fees_description, o.name AS org, "
    "(SELECT {agg}({arr}(l.id, l.name, l.latitude, l.longitude, a.id, a.address_1, "
    "a.address_2, a.city, a.postal_code)) FROM service_at_location sal "
    "JOIN location l ON l.id = sal.location_id LEFT JOIN address a ON a.location_id = l.id "
    "WHERE sal.service_id = s.id) AS places, "
    "(SELECT {agg}(p.number) FROM phone p WHERE p.service_id = s.id) AS phones, "
    "(SELECT {agg}({arr}(h.byday, h.opens_at, h.closes_at)) FROM schedule h "
    "WHERE h.service_id = s.id) AS schedules "
    "FROM service s LEFT JOIN organization o ON o.id = s.organization_id WHERE s.id IN :ids")
_STATEMENTS: Dict[str, Any] = {}


def _statement(dialect: str) -> Any:
    if dialect not in _STATEMENTS:
        agg, arr = _AGG.get(dialect, _AGG["sqlite"])
        _STATEMENTS[dialect] = text(_ONE_PAGE.format(agg=agg, arr=arr)).bindparams(
            bindparam("ids", expanding=True))
    return _STATEMENTS[dialect]


def _array(value: Any) -> List[Any]:
    """A JSON array column: parsed by the driver (PostgreSQL) or text (SQLite); [] for none."""
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def load(session: Session, ids: Sequence[str]) -> Dict[str, ServiceRecord]:
    """The services ``ids`` (those that exist), with organisation, places, phones and times."""
    if not ids:
        return {}
    out: Dict[str, ServiceRecord] = {}
    rows = session.execute(_statement(session.get_bind().dialect.name), {"ids": list(ids)})
    for r in rows:
        svc = out[r.id] = ServiceRecord(
            id=r.id, name=r.name, description=r.description, url=r.url, email=r.email,
            minimum_age=r.minimum_age, maximum_age=r.maximum_age,
            eligibility_description=r.eligibility_description,
            application_process=r.application_process, fees_description=r.fees_description,
            organization=OrganizationRecord(r.org) if r.org is not None else None)
        places: Dict[str, LocationRecord] = {}
        for lid, name, lat, lon, address_id, line1, line2, city, postcode in _array(r.places):
            loc = places.get(lid)
            if loc is None:
                loc = places[lid] = LocationRecord(lid, name, lat, lon)
                svc.service_at_locations.append(AtLocation(loc))
            if address_id is not None:
                loc.addresses.append(AddressRecord(line1 or "", line2, city or "",
                                                   postcode or ""))
        svc.phones.extend(PhoneRecord(n) for n in _array(r.phones))
        svc.schedules.extend(ScheduleRecord(*h) for h in _array(r.schedules))
    return out
