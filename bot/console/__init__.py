"""The youth-worker console: a server-rendered FastAPI app (Jinja2), one area per module.

    auth.py           /login, /logout
    queue.py          /            the queue (urgent first, then longest waiting)
    conversations.py  /handoffs/{id}  transcript, reply, notes, tags, claim, hand back, resolve
    history.py        /history     search past conversations
    admin.py          /admin/audit the audit log (admins)
    moderation.py     /moderation  rating comments and peer tips to approve or reject
    dashboard.py      /dashboard   charts of needs, outcomes, check-ins, unmet need, ratings
    chat.py           /chat/{sender_id}/messages  worker replies for the local web chat

Security design: see web.py and README "Youth-worker console".
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Mapping, Optional

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import sessionmaker

    from bot.handoff.outbox import Sender
    from bot.keys import Keys
    from bot.settings import Settings

logger = logging.getLogger(__name__)


def create_console_app(settings: "Settings", sessions: "sessionmaker",
                       senders: Optional[Mapping[str, "Sender"]] = None,
                       keys: Optional["Keys"] = None,
                       tracker_db: Optional[str] = None) -> "FastAPI":
    """Build the console. ``senders`` (channel → async sender) deliver worker replies from a
    background task on the app's own loop; without them replies wait in the outbox."""
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    from bot.console import (admin, auth, chat, conversations, dashboard, history,
                             moderation, queue)
    from bot.console.limits import BodyLimit
    from bot.console.web import (HERE, SECURITY_HEADERS, ConsoleState, LoginRequired,
                                 make_templates, render)
    from bot.handoff.handoff import HandoffError, HandoffNotFound
    from bot.handoff.outbox import OutboxWorker
    from bot.keys import get_keys

    outbox = OutboxWorker(sessions, senders or {})

    @asynccontextmanager
    async def lifespan(_app: Any):
        outbox.start()
        yield
        await outbox.stop()

    app = FastAPI(title="Youth worker console", docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan)
    app.state.console = ConsoleState(settings, sessions, keys or get_keys(), make_templates(),
                                     outbox, tracker_db or settings.tracker_db)

    app.add_middleware(BodyLimit)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired):
        if request.method == "GET" and not request.url.path.endswith(("/rows", "/turns")):
            return RedirectResponse("/login", status_code=303)
        return render(request, "error.html", {"message": "Please log in again."}, 401)

    @app.exception_handler(HandoffNotFound)
    async def not_found(request: Request, _exc: HandoffNotFound):
        return render(request, "error.html", {"message": "No such conversation."}, 404)

    @app.exception_handler(HandoffError)
    async def bad_request(request: Request, exc: HandoffError):
        return render(request, "error.html", {"message": str(exc)}, 400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "That did not work."
        if exc.status_code == 404:
            message = "No such page."
        return render(request, "error.html", {"message": message}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError):
        return render(request, "error.html", {"message": "Some of what was sent is not valid."},
                      422)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, queue, conversations, history, admin, chat, moderation, dashboard):
        app.include_router(module.router)
    return app
