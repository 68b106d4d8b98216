"""Directory search: by need, place, age eligibility and opening hours; ranked by relevance
and distance. Used by the bot's actions (and later by the open API) — one code path."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot import hours
from bot.models import (Address, Attribute, Location, Service, ServiceAtLocation,
                        TaxonomyTerm)
from bot.places import haversine_km, normalise

logger = logging.getLogger(__name__)

YOUTH_WORDS = ("young people", "young person", "youth", "16-25", "16 to 25", "18-25",
               "teen", "under 25", "aged 16", "care leaver")


@dataclass(frozen=True)
class SearchQuery:
    """What to look for."""

    needs: Sequence[str]
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    age: Optional[int] = None
    open_now: bool = False
    radius_km: float = 40.0
    limit: int = 3
    offset: int = 0


@dataclass
class ServiceResult:
    """One service as the bot presents it."""

    id: str
    name: str
    description: str
    needs: List[str]
    phone: Optional[str]
    website: Optional[str]
    email: Optional[str]
    address: Optional[str]
    location_name: Optional[str]
    distance_km: Optional[float]
    status: hours.OpenStatus
    minimum_age: Optional[float]
    maximum_age: Optional[float]
    youth: bool
    score: float = 0.0
    eligibility: Optional[str] = None
    application_process: Optional[str] = None
    fees: Optional[str] = None
    organization: Optional[str] = None
    opening_lines: List[str] = field(default_factory=list)


@dataclass
class SearchPage:
    """A page of results and how many matched in all."""

    results: List[ServiceResult]
    total: int


def is_youth_service(svc: Service) -> bool:
    """Targets young people: an age range within youth, or youth words in its text."""
    lo, hi = svc.minimum_age, svc.maximum_age
    if hi is not None and hi <= 30 and (lo is None or lo >= 10):
        return True
    text = " ".join(filter(None, [svc.name, svc.description, svc.eligibility_description])).lower()
    return any(w in text for w in YOUTH_WORDS)


def _age_clause(age: Optional[int]):
    if age is None:
        return True
    return and_(or_(Service.minimum_age.is_(None), Service.minimum_age <= age),
                or_(Service.maximum_age.is_(None), Service.maximum_age >= age))


def _summary(text: Optional[str], limit: int = 110) -> str:
    text = (text or "").strip().split("\n")[0]
    first = text.split(". ")[0].rstrip(".")
    out = first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"
    return out


def _format_address(loc: Optional[Location]) -> Optional[str]:
    if not loc or not loc.addresses:
        return None
    a = loc.addresses[0]
    parts = [a.address_1, a.address_2, a.city, a.postal_code]
    return ", ".join(p for p in parts if p)


def _nearest(svc: Service, lat: Optional[float], lon: Optional[float]
             ) -> Tuple[Optional[Location], Optional[float]]:
    best, best_d = None, None
    for sal in svc.service_at_locations:
        loc = sal.location
        if loc is None:
            continue
        if lat is None or loc.latitude is None or loc.longitude is None:
            best = best or loc
            continue
        d = haversine_km(lat, lon, loc.latitude, loc.longitude)
        if best_d is None or d < best_d:
            best, best_d = loc, d
    return best, best_d


def _local_now(now: Optional[datetime], tz: str) -> datetime:
    return (now or datetime.now(ZoneInfo(tz))).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _to_result(svc: Service, codes: List[str], lat: Optional[float], lon: Optional[float],
               local_now: datetime, summary: bool) -> ServiceResult:
    """Build the presentation record for one service (summary or full description)."""
    loc, dist = _nearest(svc, lat, lon)
    ops = hours.openings((s.byday, s.opens_at, s.closes_at) for s in svc.schedules)
    return ServiceResult(
        id=svc.id, name=svc.name,
        description=_summary(svc.description) if summary else (svc.description or ""),
        needs=codes, phone=svc.phones[0].number if svc.phones else None, website=svc.url,
        email=svc.email, address=_format_address(loc), location_name=loc.name if loc else None,
        distance_km=round(dist, 1) if dist is not None else None,
        status=hours.open_status(ops, local_now), minimum_age=svc.minimum_age,
        maximum_age=svc.maximum_age, youth=is_youth_service(svc),
        eligibility=svc.eligibility_description, application_process=svc.application_process,
        fees=svc.fees_description, organization=svc.organization.name if svc.organization else None,
        opening_lines=hours.weekly_summary(ops))


def search(session: Session, query: SearchQuery, now: Optional[datetime] = None,
           tz: str = "Europe/London") -> SearchPage:
    """Services meeting ``query.needs`` that the user can use, best first."""
    needs = [n for n in query.needs if n]
    local_now = _local_now(now, tz)
    stmt = (select(Attribute.link_id, TaxonomyTerm.code)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .join(Service, Service.id == Attribute.link_id)
            .where(Attribute.link_type == "service", Service.status == "active",
                   _age_clause(query.age)))
    if needs:
        stmt = stmt.where(TaxonomyTerm.code.in_(needs))
    matched: Dict[str, List[str]] = {}
    for sid, code in session.execute(stmt):
        matched.setdefault(sid, []).append(code)
    if not matched:
        return SearchPage([], 0)
    services = session.execute(
        select(Service).where(Service.id.in_(list(matched)))
        .options(selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location)
                 .selectinload(Location.addresses),
                 selectinload(Service.phones), selectinload(Service.schedules),
                 selectinload(Service.organization))
    ).scalars().all()
    has_point = query.latitude is not None and query.longitude is not None
    ranked: List[ServiceResult] = []
    for svc in services:
        codes = sorted(set(matched[svc.id]), key=needs.index if needs else None)
        r = _to_result(svc, codes, query.latitude, query.longitude, local_now, summary=True)
        physical = any(sal.location is not None and sal.location.latitude is not None
                       for sal in svc.service_at_locations)
        if has_point and physical and r.distance_km is not None and \
                r.distance_km > query.radius_km:
            continue
        if query.open_now and r.status.state not in ("open", "always"):
            continue
        score = 2.0 * (len(codes) / max(1, len(needs))) if needs else 1.0
        if needs and codes and codes[0] == needs[0]:
            score += 0.5
        if r.youth:
            score += 0.6 if query.age is not None and query.age <= 25 else 0.3
        if r.status.state in ("open", "always"):
            score += 0.3
        if has_point:
            score -= (r.distance_km / 5.0) if r.distance_km is not None else 1.0
        r.score = round(score, 3)
        ranked.append(r)
    ranked.sort(key=lambda r: (-r.score, r.distance_km if r.distance_km is not None else math.inf,
                               r.name))
    return SearchPage(ranked[query.offset: query.offset + query.limit], len(ranked))


def get_service(session: Session, service_id: str, latitude: Optional[float] = None,
                longitude: Optional[float] = None, now: Optional[datetime] = None,
                tz: str = "Europe/London") -> Optional[ServiceResult]:
    """One service in full, for the detail view."""
    svc = session.get(Service, service_id)
    if svc is None:
        return None
    codes = [t.code for t in session.execute(
        select(TaxonomyTerm).join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
        .where(Attribute.link_id == service_id, Attribute.link_type == "service")).scalars()]
    return _to_result(svc, codes, latitude, longitude, _local_now(now, tz), summary=False)


def directory_lookup(session: Session):
    """A place lookup over the directory's own addresses, for :class:`bot.places.PlaceResolver`.

    Returns (lookup, names): ``lookup("postcode:LS6")`` / ``lookup("name:leeds")`` give the mean
    coordinates of matching located services; ``names`` are the directory's city names.
    """
    names = {normalise(c) for (c,) in session.execute(
        select(Address.city).where(Address.city != "").distinct()) if c}

    def lookup(key: str) -> Optional[Tuple[float, float]]:
        kind, _, value = key.partition(":")
        base = (select(func.avg(Location.latitude), func.avg(Location.longitude))
                .join(Address, Address.location_id == Location.id)
                .where(Location.latitude.is_not(None)))
        if kind == "postcode":
            value = value.upper()
            stmt = base.where(or_(Address.postal_code == value,
                                  Address.postal_code.like(value + " %")))
        elif kind == "name":
            stmt = base.where(func.lower(Address.city) == value)
        else:
            return None
        lat, lon = session.execute(stmt).one()
        return (float(lat), float(lon)) if lat is not None else None

    return lookup, names
