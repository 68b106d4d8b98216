"""The moderation queue (``/moderation``): rating comments and peer tips wait here until a youth
worker approves or rejects them (:mod:`bot.feedback.reviews`). Youth workers and admins only; a peer
mentor (or any other role) gets 403. Each worker sees and decides only what young people of
their own organisation wrote (another organisation's item answers 404 like a missing one).
Each POST checks the CSRF token and redirects back."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bot.feedback import reviews
from bot.accounts.accounts import SessionInfo
from bot.console.web import FormPost, current, form_post, render, see_other, state

router = APIRouter(prefix="/moderation")
DECISIONS = {"approve": True, "reject": False}


def _moderator(info: SessionInfo) -> None:
    if info.worker.role not in reviews.MODERATOR_ROLES:
        raise HTTPException(status_code=403, detail="Only youth workers and admins can check "
                                                    "comments and tips.")


def _age(since: Optional[datetime], now: datetime) -> str:
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes >= 48 * 60:
        return f"{minutes // (24 * 60)} days"
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


@router.get("", response_class=HTMLResponse)
def moderation_page(request: Request, info: SessionInfo = Depends(current)) -> HTMLResponse:
    """Pending comments and tips, oldest first, each with Approve / Reject."""
    _moderator(info)
    sessions = state(request).sessions
    org = state(request).settings.default_org
    items = reviews.pending(sessions, org_id=info.worker.org_id, default_org=org)
    now = datetime.now(timezone.utc)
    return render(request, "moderation.html", {
        "items": items, "ages": {(i.kind, i.id): _age(i.created_at, now) for i in items},
        "moderation_count": reviews.pending_count(sessions, info.worker.org_id, org)})


@router.post("/{kind}/{item_id}")
def decide(kind: str, item_id: int, decision: str = Form(""), seen: Optional[str] = Form(None),
           post: FormPost = Depends(form_post)) -> Response:
    """Approve or reject one comment or tip (written to the audit log)."""
    request, info = post.request, post.info
    _moderator(info)
    if kind not in reviews.KINDS:
        return render(request, "error.html", {"message": "No such comment or tip."}, 404)
    if decision not in DECISIONS:
        return render(request, "error.html",
                      {"message": "Choose approve or reject."}, 400)
    try:
        reviews.moderate(state(request).sessions, kind, item_id, DECISIONS[decision],
                         info.worker.id, seen=seen or None,
                         default_org=state(request).settings.default_org)
    except reviews.ReviewNotFound:
        return render(request, "error.html", {"message": "No such comment or tip."}, 404)
    except reviews.NotAllowed as exc:
        return render(request, "error.html", {"message": str(exc).capitalize() + "."}, 403)
    except reviews.ReviewError as exc:  # already checked by someone else, or changed since
        return render(request, "error.html", {"message": str(exc).capitalize() + "."}, 409)
    return see_other("/moderation")
