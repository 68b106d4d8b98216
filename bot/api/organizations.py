"""``/organizations``: organizations, optionally nested with phones, locations and services."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bot.api import schemas
from bot.api.common import (one, LIST_RESPONSES, NOT_FOUND_RESPONSE, ApiState, Format, Paging, api_state,
                            get_session, like_pattern, listing, paging,
                            search_words)
from bot.directory.export import (location_to_hsds, load_services, organization_to_hsds,
                                  phone_to_hsds, service_brief, service_to_hsds, taxonomy_map)
from bot.directory.models import Location, Organization, Phone, Service

logger = logging.getLogger(__name__)
router = APIRouter(tags=["organizations"])

FULL_SERVICE = Query(False, description="Nest fully nested services instead of brief ones.")


def _briefs(session: Session, ids: List[str]) -> List[tuple]:
    """(stored id, one-to-one fields) of the organizations, in the order of ``ids``."""
    if not ids:
        return []
    by_id = {o.id: o for o in session.execute(
        select(Organization).where(Organization.id.in_(ids))).scalars()}
    return [(i, organization_to_hsds(by_id[i])) for i in ids if i in by_id]


def render_brief(session: Session, ids: List[str]) -> List[Dict[str, Any]]:
    """Organizations' one-to-one fields, in the order of ``ids``."""
    return [item for _, item in _briefs(session, ids)]


def render_nested(session: Session, ids: List[str], full_service: bool
                  ) -> List[Dict[str, Any]]:
    """Organizations with their phones, locations (with addresses) and services."""
    pairs = _briefs(session, ids)
    if not pairs:
        return []
    phones: Dict[str, list] = {}
    for ph in session.execute(select(Phone).where(Phone.organization_id.in_(ids))
                              .order_by(Phone.id)).scalars():
        phones.setdefault(ph.organization_id, []).append(phone_to_hsds(ph))
    locations: Dict[str, list] = {}
    for loc in session.execute(select(Location).where(Location.organization_id.in_(ids))
                               .options(selectinload(Location.addresses))
                               .order_by(Location.id)).scalars():
        locations.setdefault(loc.organization_id, []).append(location_to_hsds(loc))
    service_ids = list(session.execute(select(Service.id).where(Service.organization_id.in_(ids))
                                       .order_by(Service.name, Service.id)).scalars())
    services: Dict[str, list] = {}
    if full_service:
        taxonomies = taxonomy_map(session)
        for svc in load_services(session, service_ids):
            services.setdefault(svc.organization_id, []).append(
                service_to_hsds(svc, taxonomies))
    else:
        rows = {s.id: s for s in session.execute(
            select(Service).where(Service.id.in_(service_ids))).scalars()}
        for sid in service_ids:
            item = service_brief(rows[sid])
            item.pop("organization", None)
            services.setdefault(rows[sid].organization_id, []).append(item)
    for raw, item in pairs:
        item["phones"] = phones.get(raw, [])
        item["locations"] = locations.get(raw, [])
        item["services"] = services.get(raw, [])
    return [item for _, item in pairs]


@router.get("/organizations", response_model=schemas.OrganizationPage,
            responses=LIST_RESPONSES, operation_id="getPaginatedListOfOrganizations",
            summary="A page of organizations.")
def list_organizations(
        search: Optional[str] = Query(None, max_length=200, description=(
            "Every word must appear in the name, alternate name or description.")),
        full_service: bool = FULL_SERVICE,
        full: bool = Query(False, description="Nested organizations (phones, locations, "
                           "services)."),
        p: Paging = Depends(paging),
        format: Format = Query(Format.json, description="json (paged) or ndjson (all)."),
        session: Session = Depends(get_session), state: ApiState = Depends(api_state)):
    """Organizations by name."""
    stmt = select(Organization.id).order_by(Organization.name, Organization.id)
    for w in search_words(search):
        pat = like_pattern(w)
        stmt = stmt.where(or_(Organization.name.ilike(pat, escape="\\"),
                              Organization.alternate_name.ilike(pat, escape="\\"),
                              Organization.description.ilike(pat, escape="\\")))
    if full or full_service:
        def render(s: Session, ids: List[str]) -> List[Dict[str, Any]]:
            return render_nested(s, ids, full_service)
    else:
        render = render_brief
    return listing(session, state, stmt, render, p, format)


@router.get("/organizations/{id}", response_model=schemas.Organization,
            responses=NOT_FOUND_RESPONSE, operation_id="getOrganizationById",
            summary="An organization with its phones, locations and services.")
def get_organization(id: str, full_service: bool = FULL_SERVICE,
                     session: Session = Depends(get_session),
                     state: ApiState = Depends(api_state)):
    """One organization; its services are brief unless ``full_service=true``."""
    return one(session, state, Organization, id, "organization",
               lambda s, ids: render_nested(s, ids, full_service))
