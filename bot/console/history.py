"""History (``/history``): past conversations of the organisation by tag, need and date."""
from __future__ import annotations

from datetime import date
from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from bot.handoff import casework
from bot.accounts.accounts import SessionInfo
from bot.console.web import current, render, state
from bot.handoff.handoff import OUTCOMES, PEER_MENTOR, HandoffError

router = APIRouter()


def _day(value: Optional[str]) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HandoffError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, tag: str = "", need: str = "", since: str = "", until: str = "",
            info: SessionInfo = Depends(current)) -> HTMLResponse:
    """Past and present conversations, filtered by tag, need and date (youth workers and
    admins: a peer mentor sees only the peer chats in their queue)."""
    if info.worker.role == PEER_MENTOR:
        raise HTTPException(status_code=403, detail="Peer mentors see their own chats only.")
    rows = casework.search_history(state(request).sessions, info.worker, tag=tag[:40],
                                   need=need[:40], since=_day(since), until=_day(until))
    return render(request, "history.html", {"rows": rows, "tag": tag, "need": need,
                                            "since": since, "until": until,
                                            "outcomes": OUTCOMES})
