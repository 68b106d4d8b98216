"""Crisis support in two tiers (``bot.safeguarding``).

* **Urgent** (intent ``crisis``): a warm opening, the emergency number and the helplines that
  fit the kind of risk and the person's age, a safeguarding alert, and an urgent handoff whose
  notice does not repeat the helplines.
* **Concern** (intent ``concern``): ``action_safety_check`` remembers what they were doing,
  then ``safety_check_form`` asks "Are you safe right now?" with the one most fitting helpline.
  ``action_safety_answer``: "no" (or "not sure") gets urgent support; "yes" carries on where
  they were (the form they were in, or the search their message asked for); any other message
  ends the check and is handled as usual. Concern never opens an urgent handoff by itself.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (button, channel_of, latest_intent, latest_text, new_search, on_sms,
                            place_slots, slot_age)
from actions.handoff import open_handoff
from bot.directory.navigator import get_navigator
from bot.directory.needs import detect_needs
from bot.directory.parsing import parse_age
from bot.safeguarding import assess, check, replies
from bot.safeguarding.detect import OTHER_INTENT_SCALE

logger = logging.getLogger(__name__)
FORMS = ("search_form", "checkin_form", "rating_form", "tip_form")
CLEAR = ("concern_kinds", "resume_form", "safe_now")
# Urgent kinds whose help is also a service near them: the search follows the helplines.
SEARCH_AFTER = {"unsafe_homelessness": "housing", "eating_disorder": "eating"}
_FOLLOW = {"request_human": "action_request_handoff", "my_plan": "action_my_plan",
           "request_peer": "action_offer_peer_mentor", "bot_capabilities": "utter_capabilities"}


def _age(tracker: Tracker) -> Optional[int]:
    age = slot_age(tracker)
    if age is None:  # "I'm 15 and my dad hits me": the age said in the message itself
        age = parse_age(latest_text(tracker))
    return age


def _model_ranking(tracker: Tracker) -> List[Dict[str, Any]]:
    """The NLU model's own ranking of the other intents (CrisisGuard scaled them down)."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return [{**r, "confidence": min(1.0, float(r.get("confidence") or 0) / OTHER_INTENT_SCALE)}
            for r in ranking if r.get("name") not in ("crisis", "concern")]


def _needs_of_message(tracker: Tracker) -> List[str]:
    ranking = _model_ranking(tracker)
    top = ranking[0]["name"] if ranking else None
    return detect_needs(latest_text(tracker), top, ranking) if top else []


async def _place_and_age(tracker: Tracker) -> List[EventType]:
    """The place and age the message already gave, so the search does not ask again."""
    text, events = latest_text(tracker), []
    if tracker.get_slot("location") is None:
        place = await get_navigator().aresolve_place(text, False)
        if place:
            events += place_slots(place)
    age = parse_age(text)
    if tracker.get_slot("age") is None and age is not None and age >= 13:
        events.append(SlotSet("age", age))
    return events


async def crisis_support(dispatcher: CollectingDispatcher, tracker: Tracker,
                         kinds: Sequence[str]) -> List[EventType]:
    """Urgent support: helplines that fit ``kinds``, the alert and an urgent handoff."""
    nav = get_navigator()
    age = _age(tracker)
    for text in nav.crisis_reply(kinds, age):
        dispatcher.utter_message(text=text)
    flags = tuple(kinds) or ("model",)
    if age is not None and age < 18 and any(k in flags for k in (
            "abuse_at_home", "sexual_assault", "exploitation", "sextortion", "forced_marriage")):
        flags += ("under_18",)  # a child disclosing abuse: a safeguarding concern
    await nav.araise_alert(tracker.sender_id, flags)
    if tracker.get_slot("concern_kinds") is not None:  # a safety check was asked: it is answered
        try:
            await asyncio.to_thread(check.clear, nav.sessions, tracker.sender_id)
        except Exception as exc:  # noqa: BLE001 - the database must never hold back crisis support
            logger.error("could not clear a safety check: %s", type(exc).__name__)
    notice = await open_handoff(tracker, "crisis", urgent=True, risk=kinds, helplines_given=True)
    dispatcher.utter_message(text=notice or "I've flagged this so a youth worker sees it as "
                                            "a priority.")
    # Close any open question: the conversation continues gently, without a form.
    events = [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(s, None) for s in CLEAR]
    need = SEARCH_AFTER.get(kinds[0]) if kinds else None
    if need:  # a bed tonight, eating-disorder support: the help is a service, so find one
        events += new_search([need], latest_text(tracker))
        # "nowhere to sleep tonight in Nottingham, I'm 25": the search asks nothing again
        events += await _place_and_age(tracker)
        events.append(FollowupAction("search_form"))
    return events


class ActionCrisisSupport(Action):
    """Reply to a message that signals urgent risk to life or abuse."""

    def name(self) -> Text:
        return "action_crisis_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kinds = assess(latest_text(tracker)).kinds or tuple(tracker.get_slot("concern_kinds") or ())
        return await crisis_support(dispatcher, tracker, kinds)


class ActionSafetyCheck(Action):
    """A concern: remember where they were, record the check, then the form asks."""

    def name(self) -> Text:
        return "action_safety_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        nav = get_navigator()
        kinds = list(assess(latest_text(tracker)).kinds)
        active = (tracker.active_loop or {}).get("name")
        resume = active if active in FORMS else None
        events: List[EventType] = [SlotSet("concern_kinds", kinds), SlotSet("safe_now", None)]
        if resume is None:
            needs = _needs_of_message(tracker)
            if needs:  # "kicked out and scared, need a bed tonight": the search waits for "yes"
                events += new_search(needs, latest_text(tracker))
                events += await _place_and_age(tracker)
                resume = "search_form"
        events.append(SlotSet("resume_form", resume))
        try:
            await asyncio.to_thread(check.ask, nav.sessions, tracker.sender_id,
                                    channel_of(tracker), kinds)
        except Exception as exc:  # noqa: BLE001 - the question still goes out
            logger.error("could not record a safety check: %s", type(exc).__name__)
        await nav.araise_alert(tracker.sender_id, tuple(kinds) or ("model",), "concern")
        return events


class ActionAskSafeNow(Action):
    """The question, with the one most fitting helpline."""

    def name(self) -> Text:
        return "action_ask_safe_now"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        region = get_navigator().settings.region
        kinds = tracker.get_slot("concern_kinds") or ()
        if on_sms(tracker):
            dispatcher.utter_message(text=replies.concern_sms(region, kinds, _age(tracker)))
        else:
            dispatcher.utter_message(
                text=replies.concern_reply(region, kinds, _age(tracker)),
                buttons=[button(replies.SAFE_BUTTON, replies.SAFE_BUTTON),
                         button(replies.UNSAFE_BUTTON, replies.UNSAFE_BUTTON)])
        return []


class ValidateSafetyCheckForm(FormValidationAction):
    """Read the answer: safe, not safe, or something else (the check ends)."""

    def name(self) -> Text:
        return "validate_safety_check_form"

    async def extract_safe_now(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "safe_now":
            return {}
        intent = latest_intent(tracker)
        if intent == "crisis":
            return {}  # rejected: urgent support runs (data/rules/crisis.yml)
        answer = check.answer(latest_text(tracker))  # "Yes, I'm safe" reads as a concern too
        if answer is None and intent == "concern":  # another worrying message: not safe
            answer = check.UNSAFE
        return {"safe_now": answer or "other"}

    async def validate_safe_now(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Every extracted value ends the check (``other``: the message was not an answer)."""
        return {"safe_now": value}


class ActionSafetyAnswer(Action):
    """After the check: urgent support, carrying on, or handling the message as usual."""

    def name(self) -> Text:
        return "action_safety_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        answer = tracker.get_slot("safe_now")
        kinds = tuple(tracker.get_slot("concern_kinds") or ())
        if answer == check.UNSAFE:
            return await crisis_support(dispatcher, tracker, kinds)
        nav = get_navigator()
        try:
            await asyncio.to_thread(check.clear, nav.sessions, tracker.sender_id)
        except Exception as exc:  # noqa: BLE001 - logged; the caller carries on
            logger.error("could not clear a safety check: %s", type(exc).__name__)
        resume = tracker.get_slot("resume_form")
        events: List[EventType] = [SlotSet(s, None) for s in CLEAR]
        if answer == check.SAFE:
            dispatcher.utter_message(text=replies.safe_reply())
            if resume in FORMS:
                return events + [FollowupAction(resume)]
            dispatcher.utter_message(
                text="What would help most right now?",
                buttons=[button("Find support near me", "/bot_capabilities"),
                         button("Talk to a youth worker", "/request_human")])
            return events
        # Not an answer: the message is handled as what it is.
        needs = _needs_of_message(tracker) or detect_needs(latest_text(tracker),
                                                           latest_intent(tracker))
        if needs:
            return events + new_search(needs, latest_text(tracker)) + [
                FollowupAction("search_form")]
        follow = _FOLLOW.get(latest_intent(tracker))
        if follow:
            return events + [FollowupAction(follow)]
        dispatcher.utter_message(text=replies.lapsed_reminder(nav.settings.region))
        if resume in FORMS:
            return events + [FollowupAction(resume)]
        return events

