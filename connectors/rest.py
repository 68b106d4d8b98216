"""Rasa's REST channel (``POST /webhooks/rest/webhook``) with every turn guarded: a safe reply
instead of silence or an error when the assistant cannot answer (connectors/resilience.py),
and every message through the same gate as the other channels (connectors/gate.py)."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from connectors import reminders
from connectors.common import ChannelState
from connectors.gate import deliver
from connectors.resilience import (apply_action_timeout, cache_action_response_schema,
                                   fail_closed_tracker_store, guarded)


class ResilientRestInput(ChannelState, RestInput):
    """The REST channel, same name and URL as Rasa's, with guarded turns that pass the gate."""

    _app: Any = None

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ResilientRestInput":
        # The REST channel is always on: both apply server-wide.
        apply_action_timeout()
        cache_action_response_schema()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def gated(message: UserMessage) -> bool:
            # Privacy requests, the first-contact notice and under-13s are handled here as on
            # every other channel; the bot keeps answering during a handoff (see deliver).
            return await deliver(message, on_new_message, self.sessions, self._app,
                                 pause_for_worker=False)

        hook = super().blueprint(guarded(gated, sessions=lambda: self.sessions))
        reminders.install(hook, lambda: self.sessions)

        @hook.listener("after_server_start")
        async def fail_closed(app: Any, _loop: Any) -> None:
            # Server-wide: every channel's turns then fail closed on a database outage.
            fail_closed_tracker_store(app)
            self._app = app

        return hook
