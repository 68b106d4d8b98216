"""Handing the conversation to a youth worker: on request, after two misunderstandings in a
row, and (urgent) after crisis support. The bot tells the user who, roughly when, and out of
hours which helplines to use; the connectors then keep the user's messages for the worker.

Peer mentors (opt-in): ``action_offer_peer_mentor`` says who they are and asks; on
``/confirm_peer_mentor`` ``action_connect_peer_mentor`` opens a ``peer_mentor`` handoff, routed
to the organisation's peer mentors through the console (no direct contact, no phone numbers)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import button, on_sms
from actions.search import guessed_search
from bot.handoff import handoff
from bot.handoff.duty import handoff_notice
from bot.directory.navigator import get_navigator
from bot.safeguarding.helplines import region_help
from bot.settings import get_settings
from bot.channels.smstext import menu_text, number_buttons, segments, to_gsm

logger = logging.getLogger(__name__)
FALLBACK_MENU = [button("Somewhere to stay", "/need_housing"), button("Food", "/need_food"),
                 button("Money", "/need_money"), button("Feeling low", "/need_mental_health"),
                 button("What can you do?", "/bot_capabilities")]


def _channel(tracker: Tracker) -> str:
    channel = tracker.get_latest_input_channel() or "rest"
    return channel if channel in handoff.CHANNELS else "rest"


def peer_wording(notice: str) -> str:
    """``handoff_notice`` speaks of youth workers; a peer chat goes to a peer mentor."""
    return notice.replace("youth workers", "peer mentors").replace("a youth worker",
                                                                    "a peer mentor")


async def open_handoff(tracker: Tracker, reason: str, urgent: bool = False,
                       kind: str = "worker", risk: Sequence[str] = (),
                       helplines_given: bool = False) -> Optional[str]:
    """Open (or join) the conversation's handoff of ``kind``; the notice to send (it names who
    really has it: an open worker handoff stays one), None if it failed. ``risk``: the kinds of
    risk (the queue shows them); ``helplines_given``: the reply has just listed helplines, so
    the out-of-hours notice does not repeat them."""
    settings = get_settings()
    sessions = get_navigator().sessions
    needs = tracker.get_slot("needs") or ()

    def _open() -> Tuple[str, str]:
        h = handoff.request_handoff(sessions, tracker.sender_id, _channel(tracker), reason,
                                    urgent=urgent, needs=needs, kind=kind, risk=risk)
        return handoff.organisation_name(sessions, h.org_id), h.kind

    try:
        org_name, got = await asyncio.to_thread(_open)
    except handoff.HandoffError:
        logger.exception("could not open a handoff")
        return None
    if org_name == settings.default_org:  # created on the fly, never given a real name
        org_name = ""
    notice = handoff_notice(settings, org_name, urgent=urgent, helplines_given=helplines_given)
    return peer_wording(notice) if got == handoff.PEER_MENTOR else notice


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
            if not tracker.get_slot("current_need"):
                guessed = guessed_search(dispatcher, tracker)  # a long message about something
                if guessed:
                    return guessed
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


# -- peer mentors ------------------------------------------------------------------------------
PEER_BUTTONS = [button("Yes, connect me", "/confirm_peer_mentor"), button("Not now", "/skip")]


def peer_offer_text(region: str, sms: bool = False) -> str:
    """Who peer mentors are, what they are not (a crisis service: the region's numbers), and
    the question. ``sms``: short and GSM-7 (with its menu, at most 2 segments)."""
    help_ = region_help(region)
    first = help_.helplines[0] if help_.helplines else None
    line = f", or {first.name}: {first.contact}" if first else ""
    if sms:
        for extra in (line, ""):  # the helpline only if it fits in 2 segments with the menu
            text = to_gsm(f"Peer mentors are trained young people a bit older than you who've "
                          f"been through similar things. They never see your number. Not a "
                          f"crisis service: in danger call {help_.emergency}{extra}. "
                          f"Connect you to one?")
            if segments(text + "\n" + menu_text(number_buttons(PEER_BUTTONS))) <= 2:
                break
        return text
    return ("Peer mentors are young people a bit older than you who have been through similar "
            "things. They're trained and supervised by our youth workers.\n"
            "You chat with them here, through me: they never see your phone number, and you "
            "never see theirs.\n"
            f"They're not a crisis service: if you're in danger, call {help_.emergency}{line}.\n"
            "Would you like me to connect you with a peer mentor?")


class ActionOfferPeerMentor(Action):
    """Explain peer mentors in plain words and ask before connecting."""

    def name(self) -> Text:
        return "action_offer_peer_mentor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = peer_offer_text(get_settings().region, sms=on_sms(tracker))
        dispatcher.utter_message(text=text, buttons=PEER_BUTTONS)
        return []


class ActionConnectPeerMentor(Action):
    """The young person said yes: a peer mentor handoff and the notice (duty hours apply)."""

    def name(self) -> Text:
        return "action_connect_peer_mentor"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        notice = await open_handoff(tracker, "peer", kind=handoff.PEER_MENTOR)
        dispatcher.utter_message(text=notice or (
            "Sorry, I couldn't reach a peer mentor just now. Please try again in a minute. "
            f"If you're in danger, call {region_help(get_settings().region).emergency}."))
        return [ActiveLoop(None), SlotSet("requested_slot", None)]
