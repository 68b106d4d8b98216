"""Handing the conversation to a youth worker: on request, after two misunderstandings in a
row, and (urgent) after crisis support. The bot tells the user who, roughly when, and out of
hours which helplines to use; the connectors then keep the user's messages for the worker."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button, on_sms
from bot import handoff
from bot.duty import handoff_notice
from bot.navigator import get_navigator
from bot.safety import region_help
from bot.settings import get_settings

logger = logging.getLogger(__name__)
FALLBACK_MENU = [button("Somewhere to stay", "/need_housing"), button("Food", "/need_food"),
                 button("Money", "/need_money"), button("Feeling low", "/need_mental_health"),
                 button("What can you do?", "/bot_capabilities")]


def _channel(tracker: Tracker) -> str:
    channel = tracker.get_latest_input_channel() or "rest"
    return channel if channel in handoff.CHANNELS else "rest"


async def open_handoff(tracker: Tracker, reason: str, urgent: bool = False) -> Optional[str]:
    """Open (or join) the conversation's handoff; the notice to send, None if it failed."""
    settings = get_settings()
    sessions = get_navigator().sessions
    needs = tracker.get_slot("needs") or ()

    def _open() -> str:
        h = handoff.request_handoff(sessions, tracker.sender_id, _channel(tracker), reason,
                                    urgent=urgent, needs=needs)
        return handoff.organisation_name(sessions, h.org_id)

    try:
        org_name = await asyncio.to_thread(_open)
    except handoff.HandoffError:
        logger.exception("could not open a handoff")
        return None
    if org_name == settings.default_org:  # created on the fly, never given a real name
        org_name = ""
    return handoff_notice(settings, org_name, urgent=urgent)


class ActionRequestHandoff(Action):
    """The user asked for a real person."""

    def name(self) -> Text:
        return "action_request_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        notice = await open_handoff(tracker, "request")
        dispatcher.utter_message(text=notice or (
            "Sorry, I couldn't reach a youth worker just now. Please try again in a minute. "
            f"If you're in danger, call {region_help(get_settings().region).emergency}."))
        return [ActiveLoop(None), SlotSet("requested_slot", None)]


def _fallbacks_in_a_row(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


def _steer_back(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    if on_sms(tracker):
        dispatcher.utter_message(text="Sorry, I didn't get that. Say what's going on in your own "
                                      "words, or pick one.", buttons=FALLBACK_MENU[:4])
    else:
        dispatcher.utter_message(text="Sorry, I didn't get that. You can tell me what's going on "
                                      "in your own words, or pick one of these:",
                                 buttons=FALLBACK_MENU)


class ActionFallback(Action):
    """Didn't understand: steer back; the second time in a row, offer a person."""

    def name(self) -> Text:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if _fallbacks_in_a_row(tracker) < 2:
            _steer_back(dispatcher, tracker)
            return []
        notice = await open_handoff(tracker, "fallback")
        if notice is None:
            _steer_back(dispatcher, tracker)
            return []
        dispatcher.utter_message(text="I'm sorry, I'm not understanding you well. "
                                      "A person will do better than me.")
        dispatcher.utter_message(text=notice)
        return []
