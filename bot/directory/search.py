"""Directory search: by need, place, age eligibility and opening hours; ranked by relevance
and distance. Used by the bot's actions (and later by the open API) — one code path."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, or_, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from bot import hours
from bot.directory.index import is_open_packed
from bot.models import (Address, Attribute, Location, Service,
                        ServiceAtLocation, TaxonomyTerm)
from bot.needs import need_codes
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
    more: bool = False  # True when only the nearest services were counted ("60+")


def is_youth(name: Optional[str], description: Optional[str], eligibility: Optional[str],
             minimum_age: Optional[float], maximum_age: Optional[float]) -> bool:
    """Targets young people: an age range within youth, or youth words in its text."""
    if maximum_age is not None and maximum_age <= 30 and (minimum_age is None or minimum_age >= 10):
        return True
    text = " ".join(filter(None, [name, description, eligibility])).lower()
    return any(w in text for w in YOUTH_WORDS)


def is_youth_service(svc: Service) -> bool:
    """:func:`is_youth` for a Service row."""
    return is_youth(svc.name, svc.description, svc.eligibility_description, svc.minimum_age,
                    svc.maximum_age)


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


KM_PER_DEG_LAT = 111.2
OPEN_BONUS = 0.3
CANDIDATES = 60        # nearest located candidates ranked in Python per page request
REMOTE_CANDIDATES = 20  # phone/online services considered alongside them


def _bbox(lat: float, lon: float, km: float) -> Tuple[float, float, float, float]:
    dlat = km / KM_PER_DEG_LAT
    dlon = km / (KM_PER_DEG_LAT * max(0.05, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


_SELECT = ("SELECT service_id, need_code, latitude, longitude, youth, hours FROM search_index "
           "WHERE active = :active AND need_code IN :needs "
           "AND (:age IS NULL OR minimum_age IS NULL OR minimum_age <= :age) "
           "AND (:age IS NULL OR maximum_age IS NULL OR maximum_age >= :age) ")
# Hand-written SQL (standard, runs on SQLite and PostgreSQL): this is the hot path, and
# building SQLAlchemy expressions per request cost more than the query itself.
_NEAR = text(_SELECT + "AND latitude BETWEEN :lat0 AND :lat1 AND longitude BETWEEN :lon0 AND :lon1 "
             "ORDER BY (latitude - :lat) * (latitude - :lat) "
             "+ (longitude - :lon) * (longitude - :lon) * :coslat2 LIMIT :lim"
             ).bindparams(bindparam("needs", expanding=True))
_REMOTE = text(_SELECT + "AND remote = :remote ORDER BY youth DESC LIMIT :lim"
               ).bindparams(bindparam("needs", expanding=True))
_ANY = text(_SELECT).bindparams(bindparam("needs", expanding=True))


def _located_rows(session: Session, query: SearchQuery, params: dict) -> Tuple[list, bool]:
    """The nearest rows to the user's point, nearest first; True if there may be more.

    A bounding box (index: need_code, latitude, longitude) grows from 2 km until it holds
    enough candidates or reaches the radius; the database orders the box by approximate
    distance and returns only the first rows, so dense cities cost no more than sparse ones.
    """
    lat, lon = query.latitude, query.longitude
    want = (CANDIDATES + query.offset) * 2
    km = min(2.0, query.radius_km)
    while True:
        lat0, lat1, lon0, lon1 = _bbox(lat, lon, km)
        rows = session.execute(_NEAR, {**params, "lat0": lat0, "lat1": lat1, "lon0": lon0,
                                       "lon1": lon1, "lat": lat, "lon": lon, "lim": want,
                                       "coslat2": math.cos(math.radians(lat)) ** 2}).all()
        if len(rows) >= want or km >= query.radius_km:
            break
        km = min(query.radius_km, km * 3)
    rows = [r for r in rows if haversine_km(lat, lon, r.latitude, r.longitude) <= query.radius_km]
    return rows, len(rows) >= want


def search(session: Session, query: SearchQuery, now: Optional[datetime] = None,
           tz: str = "Europe/London") -> SearchPage:
    """Services meeting ``query.needs`` that the user can use, best first.

    Filters by need, age eligibility and status in SQL over the search index (bot/directory/
    index.py); near a point it takes the nearest services (growing bounding box) plus a few
    phone/online services, ranks them in Python (need match, youth focus, open now, distance),
    and loads full details only for the page returned.
    """
    needs = [n for n in query.needs if n]
    local_now = _local_now(now, tz)
    params = {"active": True, "needs": needs or need_codes(), "age": query.age}
    has_point = query.latitude is not None and query.longitude is not None
    if has_point:
        rows, more = _located_rows(session, query, params)
        rows += session.execute(_REMOTE, {**params, "remote": True,
                                          "lim": REMOTE_CANDIDATES * max(1, len(needs))}).all()
    else:
        rows = session.execute(_ANY, params).all()
        more = False
    by_service: Dict[str, dict] = {}
    for r in rows:
        entry = by_service.setdefault(r.service_id, {"codes": set(), "dist": None,
                                                     "youth": r.youth, "hours": r.hours})
        entry["codes"].add(r.need_code)
        if has_point and r.latitude is not None:
            d = haversine_km(query.latitude, query.longitude, r.latitude, r.longitude)
            entry["dist"] = d if entry["dist"] is None else min(entry["dist"], d)
    base = []
    for sid, e in by_service.items():
        codes = sorted(e["codes"], key=needs.index if needs else None)
        score = 2.0 * (len(codes) / max(1, len(needs))) if needs else 1.0
        if needs and codes and codes[0] == needs[0]:
            score += 0.5
        if e["youth"]:
            score += 0.6 if query.age is not None and query.age <= 25 else 0.3
        if has_point:
            score -= (e["dist"] / 5.0) if e["dist"] is not None else 1.0
        base.append((score, e["dist"] if e["dist"] is not None else math.inf, sid, codes))
    base.sort(key=lambda t: (-t[0], t[1], t[2]))
    # Opening hours add OPEN_BONUS at most, so statuses are only worked out until no later
    # candidate can reach the page (all of them when filtering on open now).
    wanted = query.offset + query.limit
    minute_of_week = local_now.weekday() * 1440 + local_now.hour * 60 + local_now.minute
    scored = []
    for score, dist, sid, codes in base:
        if not query.open_now and len(scored) >= wanted:
            worst = sorted(x[0] for x in scored)[wanted - 1]
            if -(score + OPEN_BONUS) > worst:
                break
        is_open = bool(is_open_packed(by_service[sid]["hours"], minute_of_week))
        if query.open_now and not is_open:
            continue
        scored.append((-round(score + (OPEN_BONUS if is_open else 0.0), 3), dist, sid, codes))
    total = len(scored) if query.open_now else len(base)
    scored.sort()
    page = scored[query.offset: query.offset + query.limit]
    if not page:
        return SearchPage([], total, more)
    services = {svc.id: svc for svc in session.execute(
        select(Service).where(Service.id.in_([p[2] for p in page]))
        .options(joinedload(Service.service_at_locations).joinedload(ServiceAtLocation.location)
                 .selectinload(Location.addresses),
                 selectinload(Service.phones), selectinload(Service.schedules),
                 joinedload(Service.organization))).unique().scalars()}
    results = []
    for neg_score, _dist, sid, codes in page:
        r = _to_result(services[sid], codes, query.latitude, query.longitude, local_now,
                       summary=True)
        r.score = -neg_score
        results.append(r)
    return SearchPage(results, total, more)


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
