"""Privacy: "delete my data" on any channel, after a yes.

Not in the domain yet: the intents and rules that lead here (``forget_me`` → confirm →
``affirm``) are pending an NLU macro-F1 fix (docs/safety.md, "Forget me everywhere"); the
response ``utter_forgotten`` must be added to the domain with them."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Set, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher

from bot import forget
from bot.navigator import get_navigator

logger = logging.getLogger(__name__)
_PENDING: Set["asyncio.Task"] = set()
NAME = "action_forget_me"


class ActionForgetMe(Action):
    """The user confirmed: delete the app data now, the tracker once this turn is stored."""

    def name(self) -> Text:
        return NAME

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        nav = get_navigator()
        url = forget.tracker_store_url(nav.settings)
        sender = tracker.sender_id
        before = await asyncio.to_thread(forget.marker_count, url, sender, NAME)
        await asyncio.to_thread(forget.forget_app_data, nav.sessions, sender)
        task = asyncio.ensure_future(asyncio.to_thread(
            forget.forget_tracker_when_stored, url, sender, NAME, before))
        _PENDING.add(task)
        task.add_done_callback(_done)
        dispatcher.utter_message(response="utter_forgotten")
        return [AllSlotsReset()]


def _done(task: "asyncio.Task") -> None:
    _PENDING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("forgetting a tracker failed: %s", type(task.exception()).__name__)


async def wait_pending() -> None:
    """Wait for tracker deletions still running (tests, shutdown)."""
    if _PENDING:
        await asyncio.wait(list(_PENDING))
