"""The web chat for a charity's own site (``/webhooks/webchat/…``), on when
``NAVIGATOR_WEBCHAT_ORIGINS`` lists the sites that may embed it.

* ``GET widget.js`` — the one line a site adds (``<script src=…/widget.js defer>``): a launcher
  button that opens the chat in an iframe (``GET chat``), with a "Leave this site quickly" exit;
* ``GET chat`` (+ ``chat.js``, ``chat.css``) — the chat page, under a strict Content Security
  Policy whose ``frame-ancestors`` is the allow-list: no other site can frame it;
* ``POST session`` — a new session (``bot.channels.websession``): a signed, expiring token for a
  random pseudonymous sender id; per client address, at most :data:`SESSIONS_PER_HOUR`;
* ``POST message`` (``Authorization: Bearer <session>``, ``{"message": "…"}``) — one turn through
  the gate (crisis first, privacy requests, the per-sender limit, a youth worker's handoff);
  the bot's replies come back in the response; a forged or expired session gets 401 and nothing
  is stored; the client never names a sender, a channel or metadata;
* ``GET messages`` (Bearer) — a youth worker's replies waiting for this chat (polled: no
  WebSockets, so it works on poor connections).

Bodies over :data:`MAX_BODY` get 413; every request counts against its client address
(:data:`REQUESTS_PER_MINUTE`), behind ``CONSOLE_TRUSTED_PROXIES`` as the console does.
"""
from __future__ import annotations

import json
import logging
from importlib import resources
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import ratelimit, websession
from bot.channels.clients import forwarded_client
from bot.handoff.outbox import fetch_for_chat
from bot.settings import get_settings
from connectors.common import ChannelState, in_thread
from connectors.gate import deliver
from connectors.resilience import guarded

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
MAX_BODY = 16 * 1024
MAX_TEXT = 2000
SESSIONS_PER_HOUR = 20  # new chats per client address
REQUESTS_PER_MINUTE = 120  # any web chat request per client address (messages and polls)
_STATIC = {"chat.js": "application/javascript", "chat.css": "text/css",
           "widget.js": "application/javascript"}


def csp(origins: tuple) -> str:
    """The chat page's policy: only its own script, style and API; framed only by ``origins``."""
    ancestors = " ".join(origins) or "'none'"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "img-src 'self'; base-uri 'none'; form-action 'none'; "
            f"frame-ancestors {ancestors}")


def _static(name: str) -> str:
    return resources.files("connectors.webchat").joinpath("static", name).read_text("utf-8")


class WebChatInput(ChannelState, InputChannel):
    """The embeddable web chat as a Rasa input channel (``connectors.webchat.channel``)."""

    _app: Any = None

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls()

    def __init__(self, sessions: Any = None, keys: Any = None) -> None:
        self._sessions, self._keys = sessions, keys

    def _client(self, request: Request) -> str:
        peer = request.ip or ""
        return forwarded_client(peer, request.headers.get("x-forwarded-for", ""),
                                get_settings().console_trusted_proxies)

    async def _over(self, kind: str, request: Request, limit: int, width_s: int) -> bool:
        try:
            count = await in_thread(ratelimit.hit, self.sessions, kind, self._client(request),
                                    width_s)
        except Exception as exc:  # noqa: BLE001 - a counter never blocks a young person
            logger.error("web chat rate not counted: %s", type(exc).__name__)
            return False
        return count > limit

    def _sender(self, request: Request) -> Optional[str]:
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return websession.verify(self.keys.session_key, token.strip())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("webchat", __name__)
        turn = guarded(lambda message: deliver(message, on_new_message, self.sessions,
                                               self._app), sessions=lambda: self.sessions)

        @hook.middleware("request")
        async def limits(request: Request) -> Optional[HTTPResponse]:
            if len(request.body or b"") > MAX_BODY:
                return response.json({"error": "body too large"}, status=413)
            if request.method == "POST" and await self._over("webchat-ip", request,
                                                             REQUESTS_PER_MINUTE, 60):
                return response.json({"error": "too many requests; wait a minute"}, status=429,
                                     headers={"Retry-After": "60"})
            return None

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/chat", methods=["GET"])
        async def chat_page(_: Request) -> HTTPResponse:
            return response.html(_static("chat.html"), headers={
                "Content-Security-Policy": csp(get_settings().webchat.origins),
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store"})

        @hook.route("/<name:(chat\\.js|chat\\.css|widget\\.js)>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            return response.text(_static(name), content_type=_STATIC[name], headers={
                "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300",
                "Cross-Origin-Resource-Policy": "cross-origin"})

        @hook.route("/session", methods=["POST"])
        async def new_session(request: Request) -> HTTPResponse:
            if await self._over("webchat-session-ip", request, SESSIONS_PER_HOUR, 3600):
                return response.json({"error": "too many new chats from here; try later"},
                                     status=429, headers={"Retry-After": "600"})
            hours = get_settings().webchat.session_hours
            issued = websession.issue(self.keys.session_key, hours * 3600)
            return response.json({"session": issued.token, "expires_at": issued.expires_at},
                                 headers={"Cache-Control": "no-store"})

        @hook.route("/message", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            sender = self._sender(request)
            if sender is None:
                return response.json({"error": "no valid chat session: start a new chat"},
                                     status=401, headers={"WWW-Authenticate": "Bearer"})
            try:
                data = json.loads(request.body or b"")
            except ValueError:
                data = None
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text.strip():
                return response.json({"error": "'message' must be a non-empty string"},
                                     status=400)
            self._app = request.app
            out = CollectingOutputChannel()
            await turn(UserMessage(text[:MAX_TEXT], out, sender, input_channel=CHANNEL))
            shown = [m for m in (_public(m) for m in out.messages) if m]
            return response.json({"messages": shown}, headers={"Cache-Control": "no-store"})

        @hook.route("/messages", methods=["GET"])
        async def worker_messages(request: Request) -> HTTPResponse:
            sender = self._sender(request)
            if sender is None:
                return response.json({"error": "no valid chat session"}, status=401,
                                     headers={"WWW-Authenticate": "Bearer"})
            waiting = await in_thread(fetch_for_chat, self.sessions, sender)
            return response.json({"messages": waiting}, headers={"Cache-Control": "no-store"})

        return hook


def _public(message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """What the page shows of a bot message: text and buttons (never custom payloads); None
    when there is nothing to show."""
    out: Dict[str, Any] = {"text": message.get("text") or ""}
    buttons = [{"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
               for b in message.get("buttons") or [] if isinstance(b, dict)]
    if buttons:
        out["buttons"] = buttons
    return out if out["text"] or buttons else None
