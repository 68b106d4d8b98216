"""``GET /open/outcomes.json`` and ``/open/outcomes.csv``: the open outcomes export
(:mod:`bot.open_export`, ``docs/open_outcomes.md``), computed on request."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from bot import open_export
from bot.api.common import ApiState, api_state

router = APIRouter(tags=["open data"])


@router.get("/open/outcomes.json", summary="Referral outcomes, aggregated and suppressed.",
            response_class=Response,
            responses={200: {"content": {"application/json": {}}}})
def outcomes_json(state: ApiState = Depends(api_state)) -> Response:
    """Per month, service and need: referrals, check-in response rate, outcome distribution
    and median days to help; counts under 5 are null."""
    body = open_export.to_json(open_export.build(state.factory))
    return Response(body, media_type="application/json")


@router.get("/open/outcomes.csv", summary="The same export as CSV.",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def outcomes_csv(state: ApiState = Depends(api_state)) -> Response:
    """One line per row and outcome code; a suppressed value is an empty cell."""
    body = open_export.to_csv(open_export.build(state.factory))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="outcomes.csv"'})
