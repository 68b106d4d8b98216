"""The queue (``/``): open handoffs of the worker's organisation, urgent first, then by how long
they have waited; refreshed every 10 s by ``static/console.js`` from ``/queue/rows``. A peer
mentor's queue holds only peer chats; workers and admins see both kinds, labelled. Each row
names the kinds of risk the bot saw ("suicidal thoughts", "forced marriage or FGM")."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bot.accounts.accounts import SessionInfo
from bot.console.web import current, render, state
from bot.handoff.handoff import queue, visible_kinds
from bot.safeguarding.kinds import labels


router = APIRouter()


def _rows(request: Request, info: SessionInfo) -> dict:
    rows = queue(state(request).sessions, info.worker.org_id, visible_kinds(info.worker))
    now = datetime.now(timezone.utc)
    waits = {}
    for r in rows:
        since = r.waiting_since if r.waiting_since.tzinfo else \
            r.waiting_since.replace(tzinfo=timezone.utc)
        minutes = int((now - since).total_seconds() // 60)
        waits[r.handoff.id] = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 \
            else f"{minutes} min"
    risks = {r.handoff.id: labels(r.handoff.risk) if r.handoff.risk else "" for r in rows}
    return {"rows": rows, "waits": waits, "risks": risks}


@router.get("/", response_class=HTMLResponse)
def queue_page(request: Request, info: SessionInfo = Depends(current)) -> HTMLResponse:
    """The whole queue page."""
    return render(request, "queue.html", _rows(request, info))


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(request: Request, info: SessionInfo = Depends(current)) -> HTMLResponse:
    """Only the table body, for the periodic refresh."""
    return render(request, "_queue_rows.html", _rows(request, info))
