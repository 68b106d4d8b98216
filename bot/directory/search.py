"""Directory search: the person's own words and needs, place, age and who a service is for;
ranked by relevance and distance. Used by the bot's actions and the open API: one code path.

Candidates come from two places: the search index (services tagged with the needs, nearest
first, plus those that serve the whole area or work by phone or online) and the full-text index
(services whose words match what the person said and the needs' words, near the place:
bot/directory/fulltext.py). Each is scored:

* the person's words: the full-text relevance, relative to the best candidate (``TEXT_WEIGHT``):
  a specific thing they said ("gambling", "young carer", "sti test") outranks the coarse need;
* the needs: the share of the asked needs the service is tagged with (a sub-need's broader need
  counts for ``PARENT_CREDIT``), and a bonus for the first need;
* youth focus, open now;
* reach: distance for a located service; a small, fixed cost for one that serves the whole area
  (a council's feed has no locations), more for phone and online only, most for a national one,
  which so appears when nothing local fits, and says so.

Services only for professionals or veterans, and about animals, are never shown; services only
for parents of young children only to someone who said they are a parent or expecting.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from bot.directory import hours, fulltext, records
from bot.directory.eligibility import EXCLUDED, OLDER_CARERS, PARENTS, is_youth
from bot.directory.index import is_open_packed
from bot.directory.terms import query_terms
from bot.directory.models import Attribute, Location, Service, TaxonomyTerm
from bot.directory.needs import need_codes, parent_of, with_parents
from bot.directory.places import haversine_km

logger = logging.getLogger(__name__)

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
    text: str = ""  # the person's own words (the message that asked for help)
    place: Optional[str] = None  # the place they named (its words are not search words)
    parent: bool = False  # they are a parent or expecting: services only for parents fit


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
    reach: str = "local"  # local, town (placed by its address's town), area, remote or national


@dataclass
class SearchPage:
    """A page of results and how many matched in all."""

    results: List[ServiceResult]
    total: int
    more: bool = False  # True when only the nearest services were counted ("60+")


def is_youth_service(svc: Service | records.ServiceRecord) -> bool:
    """:func:`is_youth` for a Service row."""
    return is_youth(svc.name, svc.description, svc.eligibility_description, svc.minimum_age,
                    svc.maximum_age)


def _summary(text: Optional[str], limit: int = 110) -> str:
    text = (text or "").strip().split("\n")[0]
    first = text.split(". ")[0].rstrip(".")
    out = first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"
    return out


def _format_address(loc: Location | records.LocationRecord | None) -> Optional[str]:
    if not loc or not loc.addresses:
        return None
    a = loc.addresses[0]
    parts = [a.address_1, a.address_2, a.city, a.postal_code]
    return ", ".join(p for p in parts if p)


def _nearest(svc: Service | records.ServiceRecord, lat: Optional[float], lon: Optional[float]
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


def _to_result(svc: Service | records.ServiceRecord, codes: List[str], lat: Optional[float],
               lon: Optional[float], local_now: datetime, summary: bool) -> ServiceResult:
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
REMOTE_CANDIDATES = 60  # area-wide, phone/online and national services considered with them
TEXT_CANDIDATES = 20   # services found by their words
TEXT_WEIGHT = 3.0      # the person's words, relative to the best match among the candidates
NEED_TEXT_WEIGHT = 0.5  # the needs' own words in a service's text (finds untagged services)
NEED_WEIGHT = 2.0      # the share of the asked needs a service is tagged with
PRIMARY_BONUS = 0.5    # tagged with the first (most urgent) need
PARENT_CREDIT = 0.4    # tagged only with a sub-need's broader need ("health" for "sexual health")
REACH_COST = {"local": 0.0, "town": 0.3, "area": 0.4, "remote": 0.6, "unplaced": 1.0, "national": 1.2}
OLDER_CARERS_COST = 1.0  # a carers' service for carers of older people, to a young person
RESULT_GAP = 3.5     # results whose fit (need + words) is this far below the best are left out:
#                      more than TEXT_WEIGHT, so the words never drop a service of the need itself
MIN_EVIDENCE = 1.5   # and those that fit this little at all (a sub-need's broader need alone)


_EXCLUDED = frozenset(EXCLUDED)
_NOBODY: frozenset = frozenset()


def _bbox(lat: float, lon: float, km: float) -> Tuple[float, float, float, float]:
    dlat = km / KM_PER_DEG_LAT
    dlon = km / (KM_PER_DEG_LAT * max(0.05, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


_COLUMNS = ("SELECT service_id, need_code, latitude, longitude, youth, hours, reach, audience "
            "FROM search_index WHERE active = :active ")
_AGE = ("AND (:age IS NULL OR minimum_age IS NULL OR minimum_age <= :age) "
        "AND (:age IS NULL OR maximum_age IS NULL OR maximum_age >= :age) ")
_SELECT = _COLUMNS + "AND need_code IN :needs " + _AGE
# Hand-written SQL (standard, runs on SQLite and PostgreSQL): this is the hot path, and
# building SQLAlchemy expressions per request cost more than the query itself.
_NEAR = text(_SELECT + "AND latitude BETWEEN :lat0 AND :lat1 AND longitude BETWEEN :lon0 AND :lon1 "
             "ORDER BY (latitude - :lat) * (latitude - :lat) "
             "+ (longitude - :lon) * (longitude - :lon) * :coslat2 LIMIT :lim"
             ).bindparams(bindparam("needs", expanding=True))
# One need at a time: the index (need_code, remote, youth) then gives the rows youth-first
# without sorting the thousands of unplaced rows a big directory may hold.
_REMOTE_ONE = (_COLUMNS + "AND need_code = :need{i} " + _AGE + "AND remote = :remote "
               "ORDER BY youth DESC LIMIT :lim")
_REMOTE: Dict[int, Any] = {}


def _remote(count: int) -> Any:
    """The statement reading the unplaced rows of ``count`` needs at once, each need's youth
    services first (one statement: on PostgreSQL each costs its own planning)."""
    if count not in _REMOTE:
        _REMOTE[count] = text(" UNION ALL ".join(
            f"SELECT * FROM ({_REMOTE_ONE.format(i=i)}) AS r{i}" for i in range(count)))
    return _REMOTE[count]
_ANY = text(_SELECT).bindparams(bindparam("needs", expanding=True))
_OF_SERVICES = text(_COLUMNS + "AND service_id IN :ids " + _AGE
                    ).bindparams(bindparam("ids", expanding=True))


def _located_rows(session: Session, query: SearchQuery, params: dict
                  ) -> Tuple[list, bool, float]:
    """The nearest rows to the user's point, nearest first; True if there may be more; and how
    far the search reached (km).

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
    # Nearest first (nearly: the order is by a flat approximation), so the rows are all within
    # the radius when the last one is; only then is each row's distance worked out here.
    if rows and haversine_km(lat, lon, rows[-1].latitude, rows[-1].longitude) > query.radius_km:
        rows = [r for r in rows
                if haversine_km(lat, lon, r.latitude, r.longitude) <= query.radius_km]
    return rows, len(rows) >= want, km


def _need_credit(codes: set, needs: Sequence[str]) -> Tuple[float, bool]:
    """(share of ``needs`` the service's ``codes`` meet, whether it meets the first)."""
    if not needs:
        return 0.0, False
    total = 0.0
    for need in needs:
        if need in codes:
            total += 1.0
        elif parent_of(need) in codes:
            total += PARENT_CREDIT
    return total / len(needs), needs[0] in codes


def _candidates(session: Session, query: SearchQuery, needs: List[str], has_point: bool
                ) -> Tuple[list, Dict[str, float], set, bool]:
    """Index rows of every candidate, the full-text scores, those naming what the person
    said, and whether there may be more."""
    codes = with_parents(needs) if needs else need_codes()
    params = {"active": True, "needs": codes, "age": query.age}
    more = False
    reach_km = query.radius_km
    if has_point:
        rows, more, box_km = _located_rows(session, query, params)
        if len(rows) >= CANDIDATES:  # enough of the need's services within box_km: the
            reach_km = box_km  # words are looked for as far as those go
        rows += session.execute(_remote(len(codes)), {
            **params, **{f"need{i}": code for i, code in enumerate(codes)}, "remote": True,
            "lim": REMOTE_CANDIDATES}).all()
    elif needs:
        rows = session.execute(_ANY, params).all()
    else:
        rows = []
    terms = query_terms(query.text, needs, query.place) if (query.text or needs) else None
    near = (fulltext.cells_near(query.latitude, query.longitude, reach_km)
            if has_point else None)
    limit = TEXT_CANDIDATES + query.offset
    # Every term counts towards the score; a service must hold one that stands for a need
    # (the needs' words, or a known synonym of what the person said), not only "claim".
    scores = fulltext.match(session, terms.need, limit, near, required=terms.known,
                            boosted=terms.own) if terms and terms.known else {}
    # A service that names the specific thing the person said ("stop smoking") meets their
    # need as much as one tagged with the coarse need ("drugs and alcohol").
    specific = fulltext.holding(session, terms.specific) & set(scores) if scores else set()
    seen = {r.service_id for r in rows}
    missing = [sid for sid in scores if sid not in seen]
    for i in range(0, len(missing), 500):
        rows += session.execute(_OF_SERVICES, {"active": True, "age": query.age,
                                               "ids": missing[i:i + 500]}).all()
    return rows, scores, specific, more or len(scores) >= limit


def search(session: Session, query: SearchQuery, now: Optional[datetime] = None,
           tz: str = "Europe/London") -> SearchPage:
    """Services that fit ``query``, best first (see the module docstring); loads full details
    only for the page returned."""
    needs = [n for n in query.needs if n]
    local_now = _local_now(now, tz)
    has_point = query.latitude is not None and query.longitude is not None
    rows, text_scores, specific, more = _candidates(session, query, needs, has_point)
    # The person's own words weigh most; the needs' words alone (a button) only a little.
    text_weight = TEXT_WEIGHT if query.text.strip() else NEED_TEXT_WEIGHT
    by_service: Dict[str, dict] = {}
    km: Dict[Tuple[float, float], float] = {}  # a place's rows repeat once per need tag
    for r in rows:
        entry = by_service.get(r.service_id)
        if entry is None:
            entry = by_service[r.service_id] = {"codes": set(), "dist": None, "far": False,
                                                "youth": r.youth, "hours": r.hours,
                                                "reach": None, "audience": r.audience}
        entry["codes"].add(r.need_code)
        if r.latitude is not None:
            if has_point:
                d = km.get((r.latitude, r.longitude))
                if d is None:
                    d = km[(r.latitude, r.longitude)] = haversine_km(
                        query.latitude, query.longitude, r.latitude, r.longitude)
                if d > query.radius_km:
                    entry["far"] = True
                    continue
                entry["dist"] = d if entry["dist"] is None else min(entry["dist"], d)
            # "town": placed at the centre of its address's town (the directory has no
            # coordinates); an exact place wins.
            entry["reach"] = "town" if r.reach == "town" and entry["reach"] != "local" \
                else "local"
        elif entry["reach"] != "local":
            reach = r.reach if r.reach in REACH_COST else "area"
            if entry["reach"] is None or REACH_COST[reach] < REACH_COST[entry["reach"]]:
                entry["reach"] = reach
    best_text = max(text_scores.values(), default=0.0)
    base = []
    for sid, e in by_service.items():
        audience = set(e["audience"].split(",")) if e["audience"] else _NOBODY
        if audience & _EXCLUDED or (PARENTS in audience and not query.parent):
            continue
        if e["reach"] is None:  # every location of it is beyond the radius
            continue
        share, first = _need_credit(e["codes"], needs)
        if sid in specific:
            share, first = max(share, 1.0 / len(needs)), True
        text_rel = text_scores.get(sid, 0.0) / best_text if best_text > 0 else 0.0
        fit = NEED_WEIGHT * share + (PRIMARY_BONUS if first else 0.0) + text_weight * text_rel
        if not needs and not text_scores:
            fit = MIN_EVIDENCE
        if fit < MIN_EVIDENCE:
            continue
        score = fit
        if e["youth"]:
            score += 0.6 if query.age is not None and query.age <= 25 else 0.3
        if e["reach"] in ("local", "town") and has_point:
            score -= e["dist"] / 5.0
        score -= REACH_COST[e["reach"]]
        if OLDER_CARERS in audience and (query.age is None or query.age <= 25):
            score -= OLDER_CARERS_COST
        dist = e["dist"] if e["dist"] is not None else math.inf
        base.append((score, dist, sid, e["codes"], fit))
    if base:  # a far better fit leaves out the weak ones: fewer, better answers
        floor = max(b[4] for b in base) - RESULT_GAP
        base = [b for b in base if b[4] >= floor]
    base = [b[:4] for b in sorted(base, key=lambda t: (-t[0], t[1], t[2]))]
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
    services = records.load(session, [p[2] for p in page])
    results = []
    for neg_score, _dist, sid, tags in page:
        codes = sorted((c for c in tags if c), key=lambda c: (
            needs.index(c) if c in needs else len(needs), c))
        r = _to_result(services[sid], codes, query.latitude, query.longitude, local_now,
                       summary=True)
        r.score = -neg_score
        r.reach = by_service[sid]["reach"] or "local"
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
