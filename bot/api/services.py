"""``/services``: the HSDS 3.0 service list and fully nested services."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.api import schemas
from bot.api.common import (one, LIST_RESPONSES, NOT_FOUND_RESPONSE, ApiState, Format, Paging,
                            api_state, get_session, like_pattern, listing, paging,
                            parse_date_time, search_words)
from bot.directory.export import (hsds_datetime, hsds_id, load_services, service_brief,
                                  service_to_hsds, taxonomy_map)
from bot.directory.models import Attribute, Organization, Service, Taxonomy, TaxonomyTerm

logger = logging.getLogger(__name__)
router = APIRouter(tags=["services"])



@dataclass(frozen=True)
class ServiceFilters:
    """The filters ``/services`` and ``/service_at_locations`` share (HSDS parameter names)."""

    search: Optional[str]
    taxonomy_term_id: Optional[str]
    taxonomy_id: Optional[str]
    organization_id: Optional[str]
    modified_after: Optional[str]


def service_filters(
        search: Optional[str] = Query(None, max_length=200, description=(
            "Full text search: every word must appear in the service's name, alternate "
            "name or description, or its organization's name (case-insensitive).")),
        taxonomy_term_id: Optional[str] = Query(None, max_length=64, description=(
            "Only services with this taxonomy term (id as published).")),
        taxonomy_id: Optional[str] = Query(None, max_length=64, description=(
            "Only services with any term of this taxonomy.")),
        organization_id: Optional[str] = Query(None, max_length=64, description=(
            "Only services of this organization.")),
        modified_after: Optional[str] = Query(None, max_length=64, description=(
            "Only services modified on or after this RFC 3339 date-time "
            "(a date means its midnight UTC; no offset means UTC)."),
            json_schema_extra={"format": "date-time"}),
) -> ServiceFilters:
    """Query parameters shared by the service and service-at-location lists."""
    return ServiceFilters(search, taxonomy_term_id, taxonomy_id, organization_id,
                          modified_after)


def service_conditions(session: Session, state: ApiState, f: ServiceFilters) -> list:
    """SQL conditions on :class:`Service` for the filters (unknown ids match nothing)."""
    conds: list = []
    words = search_words(f.search)
    if words:
        org_names = select(Organization.id)
        per_word = []
        for w in words:
            pat = like_pattern(w)
            per_word.append(or_(
                Service.name.ilike(pat, escape="\\"),
                Service.alternate_name.ilike(pat, escape="\\"),
                Service.description.ilike(pat, escape="\\"),
                Service.organization_id.in_(
                    org_names.where(Organization.name.ilike(pat, escape="\\")))))
        conds.append(and_(*per_word))
    if f.taxonomy_term_id is not None:
        terms = state.ids.filter_ids(session, TaxonomyTerm, f.taxonomy_term_id)
        conds.append(Service.id.in_(select(Attribute.link_id).where(
            Attribute.link_type == "service", Attribute.taxonomy_term_id.in_(terms))))
    if f.taxonomy_id is not None:
        taxes = state.ids.filter_ids(session, Taxonomy, f.taxonomy_id)
        conds.append(Service.id.in_(
            select(Attribute.link_id)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(Attribute.link_type == "service", TaxonomyTerm.taxonomy_id.in_(taxes))))
    if f.organization_id is not None:
        orgs = state.ids.filter_ids(session, Organization, f.organization_id)
        conds.append(Service.organization_id.in_(orgs))
    if f.modified_after is not None:
        conds.append(Service.last_modified >= parse_date_time(f.modified_after))
    return conds


def render_full(session: Session, ids: List[str]) -> List[Dict[str, Any]]:
    """Fully nested services, in the order of ``ids``."""
    taxonomies = taxonomy_map(session)
    return [service_to_hsds(s, taxonomies) for s in load_services(session, ids)]


def render_brief(session: Session, ids: List[str]) -> List[Dict[str, Any]]:
    """Services' one-to-one fields and organization, in the order of ``ids``."""
    if not ids:
        return []
    rows = session.execute(select(Service).where(Service.id.in_(ids))
                           .options(selectinload(Service.organization))).scalars().all()
    by_id = {s.id: s for s in rows}
    return [service_brief(by_id[i]) for i in ids if i in by_id]


def render_minimal(session: Session, ids: List[str]) -> List[Dict[str, Any]]:
    """Just ``id`` and ``last_modified``."""
    if not ids:
        return []
    rows = dict(session.execute(select(Service.id, Service.last_modified)
                                .where(Service.id.in_(ids))).all())
    out = []
    for i in ids:
        if i in rows:
            item = {"id": hsds_id(i), "last_modified": hsds_datetime(rows[i])}
            out.append({k: v for k, v in item.items() if v is not None})
    return out


@router.get("/services", response_model=schemas.ServicePage, responses=LIST_RESPONSES,
            operation_id="getPaginatedListOfServices",
            summary="A page of services (one-to-one fields, or nested with full=true).")
def list_services(filters: ServiceFilters = Depends(service_filters),
                  minimal: bool = Query(False, description=(
                      "Only each service's id and last_modified.")),
                  full: bool = Query(False, description="Fully nested services."),
                  p: Paging = Depends(paging),
                  format: Format = Query(Format.json, description=(
                      "json: one page; ndjson: every match, one per line, no paging.")),
                  session: Session = Depends(get_session),
                  state: ApiState = Depends(api_state)):
    """Services matching the filters, by name."""
    stmt = (select(Service.id).where(*service_conditions(session, state, filters))
            .order_by(Service.name, Service.id))
    render = render_minimal if minimal else render_full if full else render_brief
    return listing(session, state, stmt, render, p, format)


@router.get("/services/{id}", response_model=schemas.Service, responses=NOT_FOUND_RESPONSE,
            operation_id="getFullyNestedServiceById",
            summary="A fully nested service.")
def get_service(id: str, session: Session = Depends(get_session),
                state: ApiState = Depends(api_state)):
    """One service with its organization, phones, schedules, locations and attributes."""
    return one(session, state, Service, id, "service", render_full)
