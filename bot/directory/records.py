"""A page of search results read with four plain SQL statements into light records.

The ORM's eager loading of a service with its organisation, locations, addresses, phones and
opening times cost more than the whole rest of a search over 100,000 services (2.5 ms against
~0.5 ms for the same rows read here, bench/scale.py). The records carry the attribute names the
presentation code reads from ORM rows (``svc.phones[0].number``, ``sal.location.addresses``),
so one function builds a :class:`~bot.directory.search.ServiceResult` from either.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

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


_SERVICES = text(
    "SELECT s.id, s.name, s.description, s.url, s.email, s.minimum_age, s.maximum_age, "
    "s.eligibility_description, s.application_process, s.fees_description, o.name AS org "
    "FROM service s LEFT JOIN organization o ON o.id = s.organization_id WHERE s.id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_PLACES = text(
    "SELECT sal.service_id, l.id, l.name, l.latitude, l.longitude, a.id AS address_id, "
    "a.address_1, a.address_2, a.city, a.postal_code FROM service_at_location sal "
    "JOIN location l ON l.id = sal.location_id LEFT JOIN address a ON a.location_id = l.id "
    "WHERE sal.service_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_PHONES = text("SELECT service_id, number FROM phone WHERE service_id IN :ids"
               ).bindparams(bindparam("ids", expanding=True))
_SCHEDULES = text("SELECT service_id, byday, opens_at, closes_at FROM schedule "
                  "WHERE service_id IN :ids").bindparams(bindparam("ids", expanding=True))


def load(session: Session, ids: Sequence[str]) -> Dict[str, ServiceRecord]:
    """The services ``ids`` (those that exist), with organisation, places, phones and times."""
    if not ids:
        return {}
    params = {"ids": list(ids)}
    out: Dict[str, ServiceRecord] = {}
    for r in session.execute(_SERVICES, params):
        out[r.id] = ServiceRecord(
            id=r.id, name=r.name, description=r.description, url=r.url, email=r.email,
            minimum_age=r.minimum_age, maximum_age=r.maximum_age,
            eligibility_description=r.eligibility_description,
            application_process=r.application_process, fees_description=r.fees_description,
            organization=OrganizationRecord(r.org) if r.org is not None else None)
    places: Dict[tuple, LocationRecord] = {}
    for r in session.execute(_PLACES, params):
        svc = out.get(r.service_id)
        if svc is None:
            continue
        loc = places.get((r.service_id, r.id))
        if loc is None:
            loc = places[(r.service_id, r.id)] = LocationRecord(r.id, r.name, r.latitude,
                                                                r.longitude)
            svc.service_at_locations.append(AtLocation(loc))
        if r.address_id is not None:
            loc.addresses.append(AddressRecord(r.address_1 or "", r.address_2, r.city or "",
                                               r.postal_code or ""))
    for r in session.execute(_PHONES, params):
        if r.service_id in out:
            out[r.service_id].phones.append(PhoneRecord(r.number))
    for r in session.execute(_SCHEDULES, params):
        if r.service_id in out:
            out[r.service_id].schedules.append(ScheduleRecord(r.byday, r.opens_at, r.closes_at))
    return out
