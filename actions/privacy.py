"""Under 13, found inside a Rasa turn (the age question answered "12"): signpost and keep nothing.

"Delete my data", "what do you keep about me" and "send me my data" never reach the dialogue
model: connectors/gate.py answers them on every channel. A stated age ("I'm 12") is caught there
too; only a bare number answering the form's age question arrives here. Then the children's
helpline goes out, the app data is forgotten and the sender is marked under 13 at once, and the
tracker is deleted once Rasa has stored this turn (rows deleted during the turn would be written
back by Rasa's SQL tracker store: ``bot.forget.forget_tracker_when_stored``).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Set

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import consent, forget
from bot.navigator import get_navigator

logger = logging.getLogger(__name__)
_PENDING: Set["asyncio.Task"] = set()
FORM = "search_form"  # the Rasa-side action stored for the turn that asked the age


async def child_mode(dispatcher: CollectingDispatcher, tracker: Tracker, channel: str) -> None:
    """Say where a child can get help; forget the conversation; remember only the flag."""
    nav = get_navigator()
    dispatcher.utter_message(text=consent.child_text(nav.settings.region))
    url = forget.tracker_store_url(nav.settings)
    sender = tracker.sender_id
    before = await asyncio.to_thread(forget.marker_count, url, sender, FORM)
    await asyncio.to_thread(forget.forget_app_data, nav.sessions, sender)
    await asyncio.to_thread(consent.set_child, nav.sessions, sender, channel or "rest", True)
    task = asyncio.ensure_future(asyncio.to_thread(
        forget.forget_tracker_when_stored, url, sender, FORM, before))
    _PENDING.add(task)
    task.add_done_callback(_done)
    logger.info("a conversation moved to under-13 minimal mode")


def _done(task: "asyncio.Task") -> None:
    _PENDING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("forgetting a tracker failed: %s", type(task.exception()).__name__)


async def wait_pending() -> None:
    """Wait for tracker deletions still running (tests, shutdown)."""
    if _PENDING:
        await asyncio.wait(list(_PENDING))
