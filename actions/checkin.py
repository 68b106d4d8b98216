"""The check-in: "how did it go with <service>?" a few days after choosing it.

``action_checkin`` runs when the reminder fires (intent ``EXTERNAL_checkin``); ``checkin_form``
asks for the answer (and, if they were turned away, why); ``action_checkin_done`` logs the
outcome under the open outcomes framework and offers the next step: other services for the same
need after being turned away, and a rating of the service they went to.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import RISK_INTENTS, SKIPPED, button, latest_intent, latest_text, on_sms, service_name
from actions.pathway import day_label, first_allowed, reminder
from bot.pathway import checkin
from bot.channels import contacts
from bot.handoff import handoff
from bot.pathway import outcomes, pathway
from bot.directory.navigator import get_navigator
from bot.directory.render import need_phrase

logger = logging.getLogger(__name__)
SLOTS = ("checkin_step", "checkin_answer", "checkin_reason")
RETRY_WHILE_HANDED_OVER = timedelta(days=1)


def _step_id(tracker: Tracker) -> Optional[int]:
    value = next(tracker.get_latest_entity_values("checkin_step"), None)
    if value is None:
        value = tracker.get_slot("checkin_step")
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


class ActionCheckin(Action):
    """The reminder fired: ask how the referral went, if now is a good time to ask."""

    def name(self) -> Text:
        return "action_checkin"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        step_id = _step_id(tracker)
        if step_id is None:
            return []
        nav, sender = get_navigator(), tracker.sender_id
        item = await asyncio.to_thread(checkin.pending_step, nav.sessions, sender, step_id, False)
        if item is None:  # answered, dropped, done, asked already, or the person was forgotten
            return []
        if await asyncio.to_thread(contacts.is_opted_out, nav.sessions, sender):
            logger.info("check-in not sent: the contact opted out")
            return []
        now = datetime.now(timezone.utc)
        if await asyncio.to_thread(handoff.active_handoff, nav.sessions, sender) is not None:
            return [reminder(step_id, first_allowed(
                now + RETRY_WHILE_HANDED_OVER))]
        allowed = first_allowed(now)
        if allowed > now + timedelta(minutes=1):  # quiet hours: ask when the window opens
            return [reminder(step_id, allowed)]
        await asyncio.to_thread(checkin.mark_asked, nav.sessions, sender, step_id)
        return [SlotSet("checkin_step", float(step_id)), SlotSet("checkin_answer", None),
                SlotSet("checkin_reason", None), FollowupAction("checkin_form")]


class ActionAskCheckinAnswer(Action):
    """The check-in question, with the framework's answers as buttons."""

    def name(self) -> Text:
        return "action_ask_checkin_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        item = await asyncio.to_thread(checkin.pending_step, get_navigator().sessions,
                                       tracker.sender_id, _step_id(tracker) or 0)
        name = await asyncio.to_thread(service_name, item.service_id if item else None,
                                       item.text.removeprefix("Contact ") if item
                                       else "the service")
        if on_sms(tracker):
            text = f"Hi, it's the youth navigator. How did it go with {name}?"
        else:
            text = (f"Hi, it's the navigator checking in. A few days ago you chose {name}. "
                    f"How did it go?")
        dispatcher.utter_message(text=text, buttons=[button(label, label) for _, label in
                                                     checkin.answer_labels()])
        return []


class ActionAskCheckinReason(Action):
    """Why they were turned away (optional: "something else" is fine)."""

    def name(self) -> Text:
        return "action_ask_checkin_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text="I'm sorry. What happened?",
                                 buttons=[button(label, label) for _, label in
                                          checkin.reason_labels()])
        return []


class ValidateCheckinForm(FormValidationAction):
    """Read the check-in answer from buttons or free text ("they turned me away")."""

    def name(self) -> Text:
        return "validate_checkin_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("checkin_answer") == outcomes.TURNED_AWAY:
            return ["checkin_answer", "checkin_reason"]
        return ["checkin_answer"]

    async def extract_checkin_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "checkin_answer" or \
                latest_intent(tracker) in RISK_INTENTS:
            return {}
        text = latest_text(tracker)
        if latest_intent(tracker) == "skip":
            return {"checkin_answer": SKIPPED}
        code = checkin.parse_answer(text)
        if code is None:
            if latest_intent(tracker).startswith("need_"):
                return {}  # a new need: the form lets go and a search starts
            dispatcher.utter_message(text="Sorry, I didn't get that. Which is closest? "
                                          "Or say skip.")
            return {"checkin_answer": None}
        found: Dict[Text, Any] = {"checkin_answer": code}
        reason = checkin.parse_reason(text) if code == outcomes.TURNED_AWAY else None
        if reason and reason != "other":
            found["checkin_reason"] = reason
        return found

    async def extract_checkin_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "checkin_reason" or \
                latest_intent(tracker) in RISK_INTENTS:
            return {}
        return {"checkin_reason": checkin.parse_reason(latest_text(tracker)) or "other"}


class ActionCheckinDone(Action):
    """Log the outcome and offer the next step."""

    def name(self) -> Text:
        return "action_checkin_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        from actions.search import show_results  # noqa: PLC0415 - avoids an import cycle

        nav, sender = get_navigator(), tracker.sender_id
        step_id, code = _step_id(tracker), tracker.get_slot("checkin_answer")
        reason = tracker.get_slot("checkin_reason") if code == outcomes.TURNED_AWAY else None
        clear = [SlotSet(s, None) for s in SLOTS]
        item = await asyncio.to_thread(checkin.pending_step, nav.sessions, sender, step_id or 0)
        if item is None or code in (None, SKIPPED):
            dispatcher.utter_message(text="No problem. Say \"my plan\" any time to see it.")
            return clear
        try:
            await asyncio.to_thread(pathway.record_outcome, nav.sessions, sender, item.step_id,
                                    code, reason)
        except pathway.PathwayError:
            logger.exception("check-in answer not logged")
            dispatcher.utter_message(text="Sorry, I couldn't save that. Say \"my plan\" to "
                                          "update it yourself.")
            return clear
        events: List[Dict[Text, Any]] = list(clear)
        if code == outcomes.TURNED_AWAY:
            dispatcher.utter_message(text=f"Thanks for telling me. That's not OK, and it's not "
                                          f"your fault. Here are other places for "
                                          f"{need_phrase(item.need)}:")
            tracker.slots["current_need"] = item.need
            events += [SlotSet("current_need", item.need)]
            events += show_results(dispatcher, tracker, exclude=item.service_id)
        elif code == "got_help":
            dispatcher.utter_message(text="That's really good to hear. I've ticked it off your "
                                          "plan.")
        elif code == "reached":
            dispatcher.utter_message(text="Good, you got through. I hope they can help.")
        elif code == checkin.WAITING:
            again = await asyncio.to_thread(
                checkin.ask_again, nav.sessions, sender, item.step_id,
                timedelta(days=nav.settings.checkin_days))
            if again is not None:
                when = first_allowed(again)
                events.append(reminder(item.step_id, when))
                dispatcher.utter_message(text=f"Waiting is hard. I'll check in again on "
                                              f"{day_label(when)}. If you don't hear back, I can "
                                              f"find you another service: just ask.")
            else:
                dispatcher.utter_message(text="Waiting is hard. If you don't hear back, I can "
                                              "find you another service: just ask.")
        else:
            dispatcher.utter_message(text="That's OK. It's still in your plan if you want to "
                                          "try later, or I can look for something else.",
                                     buttons=[button("My plan", "/my_plan")])
        if code in ("got_help", "turned_away", "reached") and item.service_id:
            events += [SlotSet("rating_service", item.service_id),
                       FollowupAction("rating_form")]
        return events

