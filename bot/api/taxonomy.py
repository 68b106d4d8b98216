"""``/taxonomies`` and ``/taxonomy_terms``: the vocabularies services are tagged with."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.api import schemas
from bot.api.common import (one, LIST_RESPONSES, NOT_FOUND_RESPONSE, ApiState, Format, Paging, api_state,
                            get_session, like_pattern, listing, paging,
                            search_words)
from bot.directory.export import taxonomy_map, taxonomy_term_to_hsds, taxonomy_to_hsds
from bot.directory.models import Taxonomy, TaxonomyTerm

logger = logging.getLogger(__name__)
router = APIRouter(tags=["taxonomies"])

SEARCH = Query(None, max_length=200, description=(
    "Every word must appear in the name or description (or a term's code)."))
FORMAT = Query(Format.json, description="json (paged) or ndjson (all).")


def render_taxonomies(session: Session, ids: List[str]) -> List[Dict[str, Any]]:
    """Taxonomies in the order of ``ids``."""
    if not ids:
        return []
    by_id = {t.id: t for t in session.execute(
        select(Taxonomy).where(Taxonomy.id.in_(ids))).scalars()}
    return [taxonomy_to_hsds(by_id[i]) for i in ids if i in by_id]


def render_terms(session: Session, ids: List[str]) -> List[Dict[str, Any]]:
    """Taxonomy terms (with ``taxonomy_detail``) in the order of ``ids``."""
    if not ids:
        return []
    taxonomies = taxonomy_map(session)
    by_id = {t.id: t for t in session.execute(
        select(TaxonomyTerm).where(TaxonomyTerm.id.in_(ids))).scalars()}
    return [taxonomy_term_to_hsds(by_id[i], taxonomies.get(by_id[i].taxonomy_id or ""))
            for i in ids if i in by_id]


@router.get("/taxonomies", response_model=schemas.TaxonomyPage, responses=LIST_RESPONSES,
            operation_id="getPaginatedListOfTaxonomies", summary="A page of taxonomies.")
def list_taxonomies(search: Optional[str] = SEARCH, p: Paging = Depends(paging),
                    format: Format = FORMAT, session: Session = Depends(get_session),
                    state: ApiState = Depends(api_state)):
    """Taxonomies by name."""
    stmt = select(Taxonomy.id).order_by(Taxonomy.name, Taxonomy.id)
    for w in search_words(search):
        pat = like_pattern(w)
        stmt = stmt.where(or_(Taxonomy.name.ilike(pat, escape="\\"),
                              Taxonomy.description.ilike(pat, escape="\\")))
    return listing(session, state, stmt, render_taxonomies, p, format)


@router.get("/taxonomies/{id}", response_model=schemas.Taxonomy, responses=NOT_FOUND_RESPONSE,
            operation_id="getTaxonomyById", summary="A taxonomy.")
def get_taxonomy(id: str, session: Session = Depends(get_session),
                 state: ApiState = Depends(api_state)):
    """One taxonomy."""
    return one(session, state, Taxonomy, id, "taxonomy", render_taxonomies)


@router.get("/taxonomy_terms", response_model=schemas.TaxonomyTermPage,
            responses=LIST_RESPONSES, operation_id="getPaginatedListOfTaxonomyTerms",
            summary="A page of taxonomy terms.")
def list_taxonomy_terms(
        search: Optional[str] = SEARCH, p: Paging = Depends(paging), format: Format = FORMAT,
        taxonomy_id: Optional[str] = Query(None, max_length=64,
                                           description="Only terms of this taxonomy."),
        top_only: bool = Query(False, description="Only top-level terms (without a parent)."),
        parent_id: Optional[str] = Query(None, max_length=64,
                                         description="Only the children of this term."),
        session: Session = Depends(get_session), state: ApiState = Depends(api_state)):
    """Terms by taxonomy, then name."""
    stmt = select(TaxonomyTerm.id).order_by(TaxonomyTerm.taxonomy, TaxonomyTerm.name,
                                            TaxonomyTerm.id)
    for w in search_words(search):
        pat = like_pattern(w)
        stmt = stmt.where(or_(TaxonomyTerm.name.ilike(pat, escape="\\"),
                              TaxonomyTerm.code.ilike(pat, escape="\\"),
                              TaxonomyTerm.description.ilike(pat, escape="\\")))
    if taxonomy_id is not None:
        stmt = stmt.where(TaxonomyTerm.taxonomy_id.in_(
            state.ids.filter_ids(session, Taxonomy, taxonomy_id)))
    if top_only:
        stmt = stmt.where(TaxonomyTerm.parent_id.is_(None))
    if parent_id is not None:
        stmt = stmt.where(TaxonomyTerm.parent_id.in_(
            state.ids.filter_ids(session, TaxonomyTerm, parent_id)))
    return listing(session, state, stmt, render_terms, p, format)


@router.get("/taxonomy_terms/{id}", response_model=schemas.TaxonomyTerm,
            responses=NOT_FOUND_RESPONSE, operation_id="getTaxonomyTermById",
            summary="A taxonomy term.")
def get_taxonomy_term(id: str, session: Session = Depends(get_session),
                      state: ApiState = Depends(api_state)):
    """One taxonomy term with its taxonomy."""
    return one(session, state, TaxonomyTerm, id, "taxonomy term", render_terms)
