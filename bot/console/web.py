"""What every area of the console shares: templates, the logged-in worker, CSRF, errors.

* Jinja2 with autoescaping on for every template: user text is never marked safe, so a message
  like ``<script>`` is shown, not run. A strict Content-Security-Policy (scripts only from this
  server, no inline script) is a second wall.
* The session cookie is HttpOnly, SameSite=Strict and Secure; every POST must carry the
  session's CSRF token (login: a double-submit token in its own cookie) and, when the browser
  sends one, an ``Origin`` equal to the console's own.
* Handlers that touch the database are plain ``def``: FastAPI runs them in its thread pool, so
  the event loop (and the outbox worker on it) is never blocked.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.accounts.accounts import SessionInfo, csrf_ok, load_session
from bot.accounts.models import Worker
from bot.channels.clients import forwarded_client
from bot.handoff import casework

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "navigator_console"
LOGIN_CSRF_COOKIE = "navigator_login_csrf"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin: our own form posts carry a real Origin (with no-referrer Chromium sends
    # "Origin: null"), while no URL (they hold conversation ids) leaks to another site.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def make_templates() -> Jinja2Templates:
    """Templates with autoescaping forced on (``.html`` or not) and undefined names errors."""
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda d: d.strftime("%d %b %Y %H:%M") if d else ""
    return Jinja2Templates(env=env)


@dataclass
class ConsoleState:
    """Shared by every request: database, settings, keys, templates and the outbox worker."""

    settings: Any
    sessions: Any
    keys: Any
    templates: Jinja2Templates
    outbox: Any
    tracker_db: str


def state(request: Request) -> ConsoleState:
    """The app's :class:`ConsoleState`."""
    return request.app.state.console


class LoginRequired(Exception):
    """Raised by :func:`current` when there is no live session (→ redirect to /login)."""


def current(request: Request) -> SessionInfo:
    """The logged-in worker (dependency); :class:`LoginRequired` without a live session."""
    info = load_session(state(request).sessions, request.cookies.get(SESSION_COOKIE))
    if info is None:
        raise LoginRequired()
    request.state.session = info
    return info


def require_admin(info: SessionInfo) -> Worker:
    """The worker if an admin, else 403."""
    if info.worker.role != "admin":
        raise HTTPException(status_code=403, detail="Only admins can see this page.")
    return info.worker


def same_origin(request: Request) -> bool:
    """False when the browser says the POST comes from another site."""
    origin = request.headers.get("origin")
    if origin is None:  # not sent by every client; the CSRF token still has to match
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check_csrf(request: Request, info: SessionInfo, token: Optional[str]) -> None:
    """403 unless the form carries this session's CSRF token and comes from this site."""
    if not same_origin(request) or not csrf_ok(info.csrf_token, token):
        logger.warning("console: POST rejected (CSRF token or origin)")
        raise HTTPException(status_code=403, detail="This form has expired or did not come "
                                                    "from the console. Reload and try again.")


@dataclass
class FormPost:
    """A console form post that passed the session and CSRF checks (:func:`form_post`)."""

    request: Request
    info: SessionInfo
    st: ConsoleState

    @property
    def worker(self) -> Worker:
        """The logged-in worker."""
        return self.info.worker

    def audit(self, action: str, handoff_id: Optional[int] = None, detail: str = "") -> None:
        """Record who did what (``audit_entry``)."""
        casework.audit(self.st.sessions, self.info.worker, action, handoff_id, detail)


def form_post(request: Request, csrf_token: Optional[str] = Form(None),
              info: SessionInfo = Depends(current)) -> FormPost:
    """The one preamble of every console POST (a dependency): a live session, the form's CSRF
    token and origin checked, the console's state at hand."""
    check_csrf(request, info, csrf_token)
    return FormPost(request, info, state(request))


def render(request: Request, name: str, context: Dict[str, Any],
           status_code: int = 200) -> HTMLResponse:
    """Render a template with the worker, CSRF token and organisation in its context."""
    info: Optional[SessionInfo] = getattr(request.state, "session", None)
    base = {"me": info.worker if info else None, "csrf": info.csrf_token if info else "",
            "org_name": getattr(request.state, "org_name", "")}
    base.update(context)
    return state(request).templates.TemplateResponse(request, name, base,
                                                     status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """Redirect after a POST (the browser then GETs ``url``)."""
    return RedirectResponse(url, status_code=303)


def client_address(request: Request) -> str:
    """The client's address for login back-off: the direct peer, unless the peer is one of
    ``CONSOLE_TRUSTED_PROXIES`` (the ingress): then the nearest address in X-Forwarded-For
    that is not a trusted proxy. A client's own X-Forwarded-For is never believed."""
    peer = request.client.host if request.client else ""
    trusted = state(request).settings.console_trusted_proxies
    return forwarded_client(peer, request.headers.get("x-forwarded-for", ""), trusted)


