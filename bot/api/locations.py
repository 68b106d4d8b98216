"""``/service_at_locations``: where services are delivered, with proximity search.

Proximity follows the HSDS 3.0 API: ``postcode`` gives a point (the centroid of the directory's
own addresses with that postcode, else - in GB - of the UK postcode area) and ``proximity`` a
radius in metres around it. As an extension, ``latitude`` + ``longitude`` give the point
directly. With a point, results are ordered nearest first; with a radius, locations without
coordinates (phone and online services) are left out.
"""
from __future__ import annotations

import logging
import math
import re
from typing import Any, Dict, List, Optional, Tuple

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.api import schemas
from bot.api.common import (one, CONFLICT_RESPONSE, LIST_RESPONSES, NOT_FOUND_RESPONSE, ApiState,
                            Format, Paging, api_state, bad_request, get_session, listing,
                            paging)
from bot.api.services import ServiceFilters, service_conditions, service_filters
from bot.directory.export import (load_services, service_at_location_to_hsds, service_brief,
                                  service_to_hsds, taxonomy_map)
from bot.directory.models import Address, Location, Service, ServiceAtLocation
from bot.directory.places import haversine_km

logger = logging.getLogger(__name__)
router = APIRouter(tags=["service_at_locations"])

MAX_RADIUS_M = 20_100_000  # half the Earth's circumference, and a little more
UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{2}))?$")
Point = Tuple[float, float]


def postcode_point(session: Session, postcode: str, country: str) -> Optional[Point]:
    """The centroid of a postcode: the directory's located addresses with it (or, for a UK
    postcode, its outward code), else the UK postcode area's post town. None if unknown."""
    code = " ".join(postcode.upper().split())
    if not code:
        return None
    base = (select(func.avg(Location.latitude), func.avg(Location.longitude))
            .join(Address, Address.location_id == Location.id)
            .where(Location.latitude.is_not(None), Location.longitude.is_not(None)))
    uk = UK_POSTCODE.match(code) if country == "GB" else None
    clauses = [func.upper(Address.postal_code) == code]
    if uk:
        clauses.append(or_(Address.postal_code == uk.group(1),
                           Address.postal_code.like(uk.group(1) + " %")))
    for clause in clauses:
        lat, lon = session.execute(base.where(clause)).one()
        if lat is not None and lon is not None:
            return float(lat), float(lon)
    if uk:
        from bot.directory.places import PlaceResolver

        place = PlaceResolver(country="GB").resolve(code)
        if place is not None and place.source == "postcode":
            return place.latitude, place.longitude
    return None


def _bbox_clauses(lat: float, lon: float, km: float) -> list:
    """A generous bounding box around the point (none across a pole or the whole globe)."""
    dlat = km / 110.0 + 1e-6
    if abs(lat) + dlat >= 89.0:
        return [Location.latitude >= lat - dlat] if lat > 0 else [Location.latitude <= lat + dlat]
    clauses = [Location.latitude.between(lat - dlat, lat + dlat)]
    widest = math.cos(math.radians(abs(lat) + dlat))
    dlon = km / (111.0 * widest) + 1e-6
    if dlon >= 180:
        return clauses
    lo, hi = lon - dlon, lon + dlon
    if lo < -180:
        clauses.append(or_(Location.longitude >= lo + 360, Location.longitude <= hi))
    elif hi > 180:
        clauses.append(or_(Location.longitude >= lo, Location.longitude <= hi - 360))
    else:
        clauses.append(Location.longitude.between(lo, hi))
    return clauses


def ids_by_distance(session: Session, conds: list, point: Point,
                    radius_m: Optional[float]) -> List[str]:
    """Service-at-location ids nearest first; without a radius the unlocated ones come last."""
    lat, lon = point
    stmt = (select(ServiceAtLocation.id, Location.latitude, Location.longitude)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .join(Service, Service.id == ServiceAtLocation.service_id).where(*conds))
    if radius_m is not None:
        stmt = stmt.where(*_bbox_clauses(lat, lon, radius_m / 1000.0))
    located, unlocated = [], []
    for sid, la, lo in session.execute(stmt):
        if la is None or lo is None:
            unlocated.append(sid)
            continue
        d = haversine_km(lat, lon, la, lo) * 1000.0
        if radius_m is None or d <= radius_m:
            located.append((d, sid))
    located.sort()
    return [sid for _, sid in located] + ([] if radius_m is not None else sorted(unlocated))


def render(session: Session, ids: List[str], full: bool) -> List[Dict[str, Any]]:
    """Service-at-locations with their location and service, in the order of ``ids``."""
    if not ids:
        return []
    loc_opt = selectinload(ServiceAtLocation.location)
    if full:
        loc_opt = loc_opt.selectinload(Location.addresses)
    by_id = {s.id: s for s in session.execute(
        select(ServiceAtLocation).where(ServiceAtLocation.id.in_(ids)).options(loc_opt)
    ).scalars()}
    service_ids = sorted({s.service_id for s in by_id.values()})
    if full:
        taxonomies = taxonomy_map(session)
        services = {s.id: service_to_hsds(s, taxonomies, with_locations=False)
                    for s in load_services(session, service_ids)}
    else:
        services = {s.id: service_brief(s) for s in session.execute(
            select(Service).where(Service.id.in_(service_ids))
            .options(selectinload(Service.organization))).scalars()}
    out = []
    for i in ids:
        if i in by_id:
            item = service_at_location_to_hsds(by_id[i], nested=full)
            if by_id[i].service_id in services:
                item["service"] = services[by_id[i].service_id]
            out.append(item)
    return out


@router.get("/service_at_locations", response_model=schemas.ServiceAtLocationPage,
            responses={**LIST_RESPONSES, **CONFLICT_RESPONSE},
            operation_id="getPaginatedListOfServiceAtLocation",
            summary="A page of services at locations, optionally nearest first.")
def list_service_at_locations(
        filters: ServiceFilters = Depends(service_filters),
        full: bool = Query(False, description="Nested location (addresses) and service."),
        p: Paging = Depends(paging),
        format: Format = Query(Format.json, description="json (paged) or ndjson (all)."),
        postcode: Optional[str] = Query(None, max_length=16, description=(
            "A postcode: results are ordered by distance from its centroid (400 if it "
            "cannot be located).")),
        proximity: Optional[float] = Query(None, gt=0, le=MAX_RADIUS_M, description=(
            "Radius in metres around the postcode (or latitude/longitude) point; needs a "
            "point (400 without one).")),
        latitude: Optional[float] = Query(None, ge=-90, le=90, description=(
            "Extension: the point's latitude (with longitude; instead of postcode).")),
        longitude: Optional[float] = Query(None, ge=-180, le=180, description=(
            "Extension: the point's longitude (with latitude).")),
        session: Session = Depends(get_session), state: ApiState = Depends(api_state)):
    """Services at locations matching the filters: by service name, or nearest first."""
    if (latitude is None) != (longitude is None):
        raise bad_request("latitude and longitude must be given together")
    point: Optional[Point] = None
    if latitude is not None and longitude is not None:
        if postcode is not None:
            raise bad_request("give either postcode or latitude/longitude, not both")
        point = (latitude, longitude)
    elif postcode is not None:
        point = postcode_point(session, postcode, state.settings.country_code)
        if point is None:
            raise bad_request("postcode not found")
    if proximity is not None and point is None:
        raise bad_request("proximity needs a postcode or latitude/longitude")
    conds = service_conditions(session, state, filters)
    if point is not None:
        source: Any = ids_by_distance(session, conds, point, proximity)
    else:
        source = (select(ServiceAtLocation.id)
                  .join(Service, Service.id == ServiceAtLocation.service_id).where(*conds)
                  .order_by(Service.name, ServiceAtLocation.id))
    return listing(session, state, source, lambda s, ids: render(s, ids, full), p, format)


@router.get("/service_at_locations/{id}", response_model=schemas.ServiceAtLocation,
            responses=NOT_FOUND_RESPONSE,
            operation_id="getServiceAtLocationWithNestedDataById",
            summary="A fully nested service at location.")
def get_service_at_location(id: str, session: Session = Depends(get_session),
                            state: ApiState = Depends(api_state)):
    """One service at location with its location (and addresses) and nested service."""
    return one(session, state, ServiceAtLocation, id, "service at location",
               lambda s, ids: render(s, ids, True))
