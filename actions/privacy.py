"""Under 13, found inside a Rasa turn (the age question answered "12"): is that right?

"Delete my data", "what do you keep about me" and "send me my data" never reach the dialogue
model: connectors/gate.py answers them on every channel. A stated age ("I'm 12") is caught there
too; only a bare number answering the form's age question arrives here. Nothing is deleted on
one reading of one message: the person is asked whether they are under 13, and their answer
goes through the gate, which then signposts a children's helpline and forgets the conversation
(keeping, flagged for a worker, an open handoff or alert: ``bot.privacy.forget.forget_child``), or
carries on with the age they correct it to.
"""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.privacy import consent
from bot.directory.navigator import get_navigator

logger = logging.getLogger(__name__)


async def ask_if_child(dispatcher: CollectingDispatcher, tracker: Tracker, channel: str,
                       age: int) -> None:
    """Ask whether the person is really ``age`` (under 13) before anything is deleted."""
    nav = get_navigator()
    await asyncio.to_thread(consent.ask_child_check, nav.sessions, tracker.sender_id,
                            channel or "rest")
    dispatcher.utter_message(text=consent.child_check_text(age, nav.settings.region))
    logger.info("an age under 13 was given: asked to confirm")


def unconfirmed_child_age(tracker: Tracker) -> bool:
    """The age slot says under 13, but the person neither confirmed it nor is being asked
    (they went on to something else): the age is not known."""
    age = tracker.get_slot("age")
    if not isinstance(age, (int, float)) or age >= consent.CHILD_AGE:
        return False
    st = consent.state(get_navigator().sessions, tracker.sender_id)
    return not (st.child or st.child_check)
