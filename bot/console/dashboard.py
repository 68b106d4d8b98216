"""The dashboard (``/dashboard``): five charts a funder or manager would rather look at than
read — needs raised over time, outcomes by need, check-in response rate, unmet need by area and
ratings — drawn on the server as inline SVG (:mod:`bot.console.charts`), each with its numbers
as a table. Counts only: no sender ids, no comment text, areas no finer than ``search_log``
holds. Figures are for the whole navigator (those tables carry no organisation).

Every console role may look, peer mentors included: nothing on it is personal. Nothing is
cached between requests; ``?months=`` picks the window (1 to 36 calendar months, 422 else).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from bot.measurement import dashboard
from bot.accounts.accounts import SessionInfo
from bot.console import charts
from bot.console.web import current, render, state

logger = logging.getLogger(__name__)

router = APIRouter()
DASHBOARD_ROLES = ("worker", "admin", "peer_mentor")
MONTH_CHOICES = (3, 6, 12, 24, 36)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request,
                   months: int = Query(dashboard.DEFAULT_MONTHS, ge=1, le=dashboard.MAX_MONTHS),
                   info: SessionInfo = Depends(current)) -> HTMLResponse:
    """The five charts for the last ``months`` calendar months (this one included)."""
    if info.worker.role not in DASHBOARD_ROLES:
        raise HTTPException(status_code=403, detail="You cannot see the dashboard.")
    today = datetime.now(timezone.utc).date()
    board = dashboard.summary(state(request).sessions, months, today)
    items = [charts.needs_chart(board.needs), charts.outcomes_chart(board.outcomes),
             charts.checkin_chart(board.checkins), charts.unmet_chart(board.unmet),
             charts.ratings_chart(board.ratings)]
    choices = sorted(set(MONTH_CHOICES) | {months})
    return render(request, "dashboard.html", {
        "charts": items, "months": months, "choices": choices, "since": board.since,
        "today": today})
