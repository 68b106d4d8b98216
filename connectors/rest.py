"""Rasa's REST channel (``POST /webhooks/rest/webhook``) for trusted clients only: the terminal
chat, benchmarks and tests. It is never routed publicly (deploy/k8s/ingress.yaml).

* Every request carries ``Authorization: Bearer <NAVIGATOR_REST_TOKEN>``; without that setting
  the channel is off (403), a wrong or missing token gets 401.
* The client names the conversation (``sender``), but never another channel's: ids shaped like
  a Telegram, SMS or other channel's pseudonym are refused, so a REST caller cannot read or
  delete someone else's data. ``input_channel`` and ``metadata`` from the client are ignored:
  the message is always a REST message (a worker's reply can never be routed to a chat app).
* Bodies over :data:`MAX_BODY` get 413; the server as a whole refuses bodies over
  :data:`SERVER_MAX_BODY` before reading them (Sanic's ``REQUEST_MAX_SIZE``, 100 MB by default).
* Every turn is guarded (a safe reply instead of silence, connectors/resilience.py) and passes
  the same gate as the other channels (connectors/gate.py), per-sender rate limit included.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.keys import bearer_ok
from bot.settings import get_settings
from connectors import reminders
from connectors.common import ChannelState
from connectors.gate import deliver
from connectors.resilience import (apply_action_timeout, cache_action_response_schema,
                                   fail_closed_tracker_store, guarded)

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a message is at most a few KB; the gate assesses up to 10,000 characters
# The whole server (every channel): bodies over this are refused before they are read. Rasa's own
# HTTP API (model uploads) keeps Sanic's default when it is on (NAVIGATOR_RASA_API_TOKEN).
SERVER_MAX_BODY = 1024 * 1024
SENDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,79}")
PSEUDONYM = re.compile(r"([a-z]{1,8})-[0-9a-f]{32}")  # bot.privacy.Keys.pseudonym


def check_request(request: Request, token: str) -> Optional[HTTPResponse]:
    """None when the request may go on; else the error response (see the module doc)."""
    if request.method != "POST":
        return None
    if not token:
        return response.json({"error": "the REST channel is off: set NAVIGATOR_REST_TOKEN and "
                                       "send it as 'Authorization: Bearer <token>'"}, status=403)
    if not bearer_ok(request.headers.get("authorization"), token):
        logger.warning("rest webhook: refused a request without the right token")
        return response.json({"error": "unauthorised"}, status=401,
                             headers={"WWW-Authenticate": "Bearer"})
    if len(request.body or b"") > MAX_BODY:
        return response.json({"error": f"body over {MAX_BODY} bytes"}, status=413)
    return _check_body(request)


def _check_body(request: Request) -> Optional[HTTPResponse]:
    try:
        data = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own InvalidUsage for bad JSON
        data = None
    if not isinstance(data, dict):
        return response.json({"error": "the body must be a JSON object"}, status=400)
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        return response.json({"error": "'sender' must be 1-80 letters, digits or _.:@- "
                                       "(starting with a letter or digit)"}, status=400)
    shaped = PSEUDONYM.fullmatch(sender)
    if shaped and shaped.group(1) != "rest":
        return response.json({"error": "'sender' may not be another channel's id"}, status=400)
    if not isinstance(message, str):
        return response.json({"error": "'message' must be a string"}, status=400)
    return None


class ResilientRestInput(ChannelState, RestInput):
    """The REST channel, same name and URL as Rasa's, for holders of the REST token."""

    _app: Any = None

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ResilientRestInput":
        # The REST channel is always loaded (off without its token): these apply server-wide.
        apply_action_timeout()
        cache_action_response_schema()
        return cls()

    def _extract_input_channel(self, req: Request) -> Text:
        """Always "rest": a client cannot pass its message off as Telegram's or SMS's."""
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """None: client metadata is never trusted."""
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def gated(message: UserMessage) -> bool:
            # Privacy requests, the first-contact notice and under-13s are handled here as on
            # every other channel; the bot keeps answering during a handoff (see deliver).
            return await deliver(message, on_new_message, self.sessions, self._app,
                                 pause_for_worker=False)

        hook = super().blueprint(guarded(gated, sessions=lambda: self.sessions))
        reminders.install(hook, lambda: self.sessions)

        @hook.middleware("request")
        async def authorised(request: Request) -> Optional[HTTPResponse]:
            return check_request(request, get_settings().rest_token)

        @hook.listener("before_server_start")
        async def cap_bodies(app: Any, _loop: Any) -> None:
            if not get_settings().rasa_api_token:  # no model uploads: nothing needs more
                app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, SERVER_MAX_BODY)

        @hook.listener("after_server_start")
        async def fail_closed(app: Any, _loop: Any) -> None:
            # Server-wide: every channel's turns then fail closed on a database outage.
            fail_closed_tracker_store(app)
            self._app = app

        return hook
