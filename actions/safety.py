"""Crisis support: helplines first, an urgent flag for a human, then a gentle next step."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, slot_age
from actions.handoff import open_handoff
from bot.navigator import get_navigator
from bot.parsing import parse_age
from bot.safety import assess


class ActionCrisisSupport(Action):
    """Reply to a message that signals risk to life or abuse."""

    def name(self) -> Text:
        return "action_crisis_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        nav = get_navigator()
        categories = assess(latest_text(tracker)).categories
        age = slot_age(tracker)
        if age is None:  # "I'm 15 and my dad hits me": the age said in the message itself
            age = parse_age(latest_text(tracker))
        under_18 = age is not None and age < 18
        dispatcher.utter_message(text="I'm really glad you told me. You deserve to be safe and "
                                      "to get support right now.")
        dispatcher.utter_message(text=nav.crisis_text(categories, under_18=under_18))
        flags = tuple(categories or ("model",))
        if under_18 and "abuse" in flags:  # a child disclosing abuse: a safeguarding concern
            flags += ("under_18",)
        nav.raise_alert(tracker.sender_id, flags)
        # An urgent handoff: first in the youth workers' queue; the notice says who and when.
        notice = await open_handoff(tracker, "crisis", urgent=True)
        dispatcher.utter_message(text=notice or "I've flagged this so a youth worker sees it as "
                                                "a priority.")
        # Close any open question: the conversation continues gently, without a form.
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
