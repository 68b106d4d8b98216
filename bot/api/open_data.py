"""Open data (``docs/open_outcomes.md``, ``docs/hsds_profile/``), computed on request:

* ``GET /open/outcomes.json``: the whole open export (:mod:`bot.measurement.open_export`): outcomes,
  ratings and unmet need;
* ``GET /open/outcomes.csv``, ``/open/ratings.csv``, ``/open/unmet_need.csv``: its tables;
* ``GET /open/hsds_extension.json``: the same figures as HSDS profile extension properties of
  each service (:mod:`bot.measurement.hsds_profile`).
"""
from __future__ import annotations

import json

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from bot.measurement import hsds_profile, open_export
from bot.api.common import ApiState, api_state

router = APIRouter(tags=["open data"])
_CSV = "text/csv; charset=utf-8"


def _csv(state: ApiState, table: str, filename: str) -> Response:
    body = open_export.to_csv(open_export.build(state.factory), table)
    return Response(body, media_type=_CSV,
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@router.get("/open/outcomes.json", summary="Referral outcomes, ratings and unmet need, "
            "aggregated and suppressed.", response_class=Response,
            responses={200: {"content": {"application/json": {}}}})
def outcomes_json(state: ApiState = Depends(api_state)) -> Response:
    """Per month, service and need: referrals, check-in response rate, outcome distribution
    and median days to help; per month and service: ratings; per month, need and area: unmet
    need. Counts under 5 are null."""
    body = open_export.to_json(open_export.build(state.factory))
    return Response(body, media_type="application/json")


@router.get("/open/outcomes.csv", summary="The outcomes table as CSV.",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def outcomes_csv(state: ApiState = Depends(api_state)) -> Response:
    """One line per row and outcome code; a suppressed value is an empty cell."""
    return _csv(state, "outcomes", "outcomes.csv")


@router.get("/open/ratings.csv", summary="Ratings per month and service as CSV.",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def ratings_csv(state: ApiState = Depends(api_state)) -> Response:
    """One line per month and service: number of ratings and mean stars (empty under 5)."""
    return _csv(state, "ratings", "ratings.csv")


@router.get("/open/unmet_need.csv", summary="Searches that found no eligible service, as CSV.",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def unmet_need_csv(state: ApiState = Depends(api_state)) -> Response:
    """One line per month, need and area: searches and searches with no eligible service."""
    return _csv(state, "unmet_need", "unmet_need.csv")


@router.get("/open/hsds_extension.json", summary="Service feedback and outcomes as HSDS "
            "profile extension properties.", response_class=Response,
            responses={200: {"content": {"application/json": {}}}})
def hsds_extension_json(state: ApiState = Depends(api_state)) -> Response:
    """Per service id: ``service_feedback`` and ``service_outcomes`` objects of the navigator's
    HSDS profile (``docs/hsds_profile/``), from the same suppressed figures as the export."""
    body = json.dumps(hsds_profile.document(state.factory), ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json")
