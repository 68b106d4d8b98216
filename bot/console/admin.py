"""The audit log (``/admin/audit``): who opened which transcript when; admins only."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bot.handoff import casework
from bot.accounts.accounts import SessionInfo
from bot.console.web import current, render, require_admin, state

router = APIRouter()


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, action: str = "",
               info: SessionInfo = Depends(current)) -> HTMLResponse:
    """Who opened which transcript when (admins only)."""
    admin = require_admin(info)
    rows = casework.audit_log(state(request).sessions, admin,
                              action=action if action in casework.AUDIT_ACTIONS else None)
    return render(request, "audit.html", {"rows": rows, "action": action,
                                          "actions": casework.AUDIT_ACTIONS})
