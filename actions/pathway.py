"""My pathway in the conversation: choosing a service adds a referral to the plan and schedules
a check-in; "my plan" shows it; "done 2", "drop 2", "change 2 to ...", "add step ..." edit it.

Check-ins are Rasa reminders (``ReminderScheduled``, kept in the tracker store). Rasa forgets
its scheduled jobs on restart and drops a reminder whose event is not in the current session, so
``action_session_start`` repeats the reminders of check-ins still to ask in every new session, and
``connectors/reminders.py`` re-arms them when Rasa starts. When one fires, ``action_checkin``
asks how it went (inside the check-in hours, not after an SMS opt-out, not while a youth worker
has the conversation), and ``checkin_form`` reads the answer (``actions/checkin.py``).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (ActionExecuted, ReminderCancelled, ReminderScheduled,
                             SessionStarted, SlotSet)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import button, latest_text, on_sms, channel_of, slot_point
from bot.pathway import checkin, pathway
from bot.pathway.commands import chosen_number, plan_edit
from bot.directory.navigator import get_navigator

logger = logging.getLogger(__name__)
PLAN_HINT = "Say \"done 1\", \"drop 2\", \"change 1 to ...\" or \"add step ...\" to update it."


def reminder(step_id: int, when: datetime) -> Dict[Text, Any]:
    """The check-in reminder for one referral (its name is unique across senders)."""
    return ReminderScheduled(checkin.EXTERNAL_INTENT, when,
                             entities=[{"entity": "checkin_step", "value": str(step_id)}],
                             name=f"{checkin.REMINDER_PREFIX}{step_id}",
                             kill_on_user_message=False)


def first_allowed(when: datetime) -> datetime:
    """``when``, or the start of the next check-in window if it falls outside it."""
    s = get_navigator().settings
    return checkin.next_allowed(when, s.checkin_hours, s.timezone)


def _tz() -> ZoneInfo:
    return ZoneInfo(get_navigator().settings.timezone)


def day_label(when: datetime) -> str:
    """"Thursday 3 December" in the local time zone."""
    local = when.astimezone(_tz())
    return f"{local:%A} {local.day} {local:%B}"


def _number_from(tracker: Tracker) -> Optional[int]:
    entity = next(tracker.get_latest_entity_values("result_number"), None)
    if entity is not None:
        try:
            return int(str(entity))
        except ValueError:
            return None
    return chosen_number(latest_text(tracker))


class ActionChooseService(Action):
    """"I'll try this one" / "I'll try 2": the service becomes a referral in the plan."""

    def name(self) -> Text:
        return "action_choose_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        ids = list(tracker.get_slot("result_ids") or [])
        number = _number_from(tracker)
        if number == -1 and ids:
            number = len(ids)
        if number is not None and 1 <= number <= len(ids):
            service_id = ids[number - 1]
        elif number is None and tracker.get_slot("last_detail"):
            service_id = tracker.get_slot("last_detail")
        elif number is None and len(ids) == 1:
            service_id = ids[0]
        else:
            if not ids:
                dispatcher.utter_message(text="Search for a service first, then tell me which "
                                              "one you'll try and I'll add it to your plan.")
                return []
            dispatcher.utter_message(
                text="Which one will you try?",
                buttons=[button(str(i + 1), f'/choose_service{{"result_number":"{i + 1}"}}')
                         for i in range(len(ids))])
            return []
        return await choose(dispatcher, tracker, service_id)


async def choose(dispatcher: CollectingDispatcher, tracker: Tracker,
                 service_id: str) -> List[Dict[Text, Any]]:
    """Add the referral and schedule its check-in; the events to return."""
    nav = get_navigator()
    lat, lon = slot_point(tracker)
    service = await asyncio.to_thread(nav.service, service_id, lat, lon)
    need = tracker.get_slot("current_need")
    if service is None or not need:
        dispatcher.utter_message(text="Sorry, I can't find that service any more. "
                                      "Try another search?")
        return []
    after = timedelta(days=nav.settings.checkin_days)
    step = await asyncio.to_thread(pathway.add_referral, nav.sessions, tracker.sender_id,
                                   need, service_id, service.name, after)
    when = first_allowed(step.checkin_at or datetime.now(timezone.utc) + after)
    if on_sms(tracker):
        text = f"Added to your plan: {step.text}. I'll check how it went on {day_label(when)}. " \
               f"Text PLAN to see your plan."
    else:
        text = (f"Good choice. I've added \"{step.text}\" to your plan. I'll check in on "
                f"{day_label(when)} to see how it went. Say \"my plan\" any time to see it.")
    dispatcher.utter_message(text=text, buttons=[button("My plan", "/my_plan")])
    return [SlotSet("last_detail", service_id),
            reminder(step.id, when)]


def _plan_text(tracker: Tracker) -> str:
    nav = get_navigator()
    current = pathway.plan(nav.sessions, tracker.sender_id)
    text = pathway.plan_text(current, "sms" if on_sms(tracker) else channel_of(tracker), _tz())
    if current.steps and not on_sms(tracker):
        text += "\n\n" + PLAN_HINT
    return text


class ActionMyPlan(Action):
    """"My plan": the goals and steps, concise (two SMS segments at most on SMS)."""

    def name(self) -> Text:
        return "action_my_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=await asyncio.to_thread(_plan_text, tracker))
        return []


class ActionPlanEdit(Action):
    """Mark a step done, drop it, undo, change its words, or add a step of one's own."""

    def name(self) -> Text:
        return "action_plan_edit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        edit = plan_edit(latest_text(tracker))
        if edit is None:
            dispatcher.utter_message(text=PLAN_HINT)
            return []
        try:
            return await asyncio.to_thread(self._apply, dispatcher, tracker, edit)
        except pathway.PathwayError as exc:
            dispatcher.utter_message(text=f"Sorry, I couldn't do that: {exc}.")
            return []

    @staticmethod
    def _apply(dispatcher: CollectingDispatcher, tracker: Tracker, edit) -> List[Dict]:
        nav = get_navigator()
        sender = tracker.sender_id
        current = pathway.plan(nav.sessions, sender)
        events: List[Dict[Text, Any]] = []
        if edit.action == "add":
            need = tracker.get_slot("current_need") or (
                current.goals[0].need if current.goals else None)
            if need is None:
                dispatcher.utter_message(text="Tell me what you need help with first, then "
                                              "add steps to that goal.")
                return []
            pathway.add_step(nav.sessions, sender, need, edit.text)
        else:
            number = len(current.steps) if edit.number == -1 else edit.number
            step = current.step(number or 0)
            if step is None:
                count = len(current.steps)
                dispatcher.utter_message(
                    text=f"There's no step {edit.number} in your plan"
                         f"{f' (it has {count})' if count else ''}.")
                return []
            if edit.action == "change":
                pathway.rename_step(nav.sessions, step.id, sender, edit.text)
            else:
                status = {"done": "done", "drop": "dropped", "undo": "todo"}[edit.action]
                pathway.set_status(nav.sessions, step.id, sender, status)
                if status != "todo" and step.kind == "referral":
                    events.append(ReminderCancelled(name=f"{checkin.REMINDER_PREFIX}{step.id}"))
        dispatcher.utter_message(text="Done. " + _plan_text(tracker))
        return events


class ActionSessionStart(Action):
    """A new session: carry the slots over and repeat the reminders of check-ins still to ask
    (Rasa only fires a reminder whose event is in the current session)."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        config = (domain or {}).get("session_config") or {}
        if config.get("carry_over_slots_to_new_session", True):
            skip = ("requested_slot", "session_started_metadata")
            events += [SlotSet(k, v) for k, v in tracker.slots.items()
                       if v is not None and k not in skip]
        try:
            items = await asyncio.to_thread(checkin.pending, get_navigator().sessions,
                                            tracker.sender_id)
        except Exception as exc:  # noqa: BLE001 - a database outage must not stop the conversation
            logger.error("could not read pending check-ins: %s", type(exc).__name__)
            items = []
        # The original time: one already past is not run again by the scheduler (only a
        # reminder firing now needs its event in this session to go ahead).
        events += [reminder(i.step_id, first_allowed(i.checkin_at))
                   for i in items]
        events.append(ActionExecuted("action_listen"))
        return events
