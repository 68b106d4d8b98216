"""Ratings and peer tips in the conversation.

``rating_form`` asks for 1-5 stars and an optional short comment about ``rating_service`` (after
a check-in, or on request: "I want to review where I went"); ``tip_form`` takes a short tip for
others about a service. Comments and tips wait for a youth worker's moderation (``bot.feedback.reviews``)
before anyone else sees them; stars count at once.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import RISK_INTENTS, SKIPPED, button, latest_intent, latest_text, on_sms, service_name
from bot.pathway import pathway
from bot.feedback import reviews
from bot.directory.navigator import get_navigator

logger = logging.getLogger(__name__)
RATING_SLOTS = ("rating_service", "rating_stars", "rating_comment")
TIP_SLOTS = ("tip_service", "tip_text")


def _recent_service(tracker: Tracker) -> Optional[str]:
    """The service being talked about: the one last shown or chosen, else the newest referral."""
    if tracker.get_slot("last_detail"):
        return tracker.get_slot("last_detail")
    steps = [s for s in pathway.plan(get_navigator().sessions, tracker.sender_id).steps
             if s.kind == "referral" and s.service_id]
    return steps[-1].service_id if steps else None


class ActionRateService(Action):
    """"I want to review where I went": rate the service last talked about."""

    def name(self) -> Text:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        service_id = await asyncio.to_thread(_recent_service, tracker)
        if service_id is None:
            dispatcher.utter_message(text="Which service? Find it with a search first (or pick "
                                          "one for your plan), then say \"review\".")
            return []
        return [SlotSet("rating_service", service_id), SlotSet("rating_stars", None),
                SlotSet("rating_comment", None), FollowupAction("rating_form")]


class ActionAskRatingStars(Action):
    """Stars, 1 to 5."""

    def name(self) -> Text:
        return "action_ask_rating_stars"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        name = await asyncio.to_thread(service_name, tracker.get_slot("rating_service"))
        dispatcher.utter_message(
            text=f"Would you rate {name} for other young people? 1 (bad) to 5 (really good).",
            buttons=[button(str(n), str(n)) for n in range(1, 6)] + [button("Skip", "/skip")])
        return []


class ActionAskRatingComment(Action):
    """An optional comment, moderated before anyone sees it."""

    def name(self) -> Text:
        return "action_ask_rating_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        if on_sms(tracker):
            text = "Anything to tell others about it? A youth worker checks it first. Or SKIP."
        else:
            text = ("Anything you'd tell other young people about it? A youth worker reads "
                    "comments before anyone else sees them, and your name is never shown. "
                    "Or say skip.")
        dispatcher.utter_message(text=text, buttons=[button("Skip", "/skip")])
        return []


class ValidateRatingForm(FormValidationAction):
    """Stars from "4", "four", "4/5", "★★★★"; any other text as the comment."""

    def name(self) -> Text:
        return "validate_rating_form"

    async def extract_rating_stars(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "rating_stars" or \
                latest_intent(tracker) in RISK_INTENTS:
            return {}
        if latest_intent(tracker) == "skip":
            return {"rating_stars": SKIPPED, "rating_comment": SKIPPED}
        stars = reviews.parse_stars(latest_text(tracker))
        if stars is None:
            if latest_intent(tracker).startswith("need_"):
                return {}
            dispatcher.utter_message(text="Just a number from 1 to 5 is fine, or say skip.")
            return {"rating_stars": None}
        return {"rating_stars": float(stars)}

    async def extract_rating_comment(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "rating_comment" or \
                latest_intent(tracker) in RISK_INTENTS:
            return {}
        text = latest_text(tracker).strip()
        if latest_intent(tracker) == "skip" or not text or text.startswith("/"):
            return {"rating_comment": SKIPPED}
        return {"rating_comment": text[:reviews.COMMENT_MAX]}


class ActionRatingDone(Action):
    """Save the rating (the comment waits for moderation)."""

    def name(self) -> Text:
        return "action_rating_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        clear = [SlotSet(s, None) for s in RATING_SLOTS]
        service_id, stars = tracker.get_slot("rating_service"), tracker.get_slot("rating_stars")
        comment = tracker.get_slot("rating_comment")
        if not service_id or stars in (None, SKIPPED):
            dispatcher.utter_message(text="No problem.")
            return clear
        comment = None if comment in (None, SKIPPED) else comment
        try:
            nav = get_navigator()
            await asyncio.to_thread(reviews.rate, nav.sessions, tracker.sender_id, service_id,
                                    int(float(stars)), comment,
                                    region=nav.settings.country_code)
        except reviews.ReviewError:
            logger.exception("rating not saved")
            dispatcher.utter_message(text="Sorry, I couldn't save that rating.")
            return clear
        extra = " Your comment will show once a youth worker has checked it." if comment else ""
        dispatcher.utter_message(text=f"Thank you - that helps other young people choose.{extra}")
        return clear


class ActionLeaveTip(Action):
    """"Leave a tip": a short tip for others about the service last talked about."""

    def name(self) -> Text:
        return "action_leave_tip"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        service_id = await asyncio.to_thread(_recent_service, tracker)
        if service_id is None:
            dispatcher.utter_message(text="Which service is it about? Find it with a search "
                                          "first, then say \"leave a tip\".")
            return []
        return [SlotSet("tip_service", service_id), SlotSet("tip_text", None),
                FollowupAction("tip_form")]


class ActionAskTipText(Action):
    """Ask for the tip."""

    def name(self) -> Text:
        return "action_ask_tip_text"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        name = await asyncio.to_thread(service_name, tracker.get_slot("tip_service"))
        dispatcher.utter_message(
            text=f"What's your tip for others going to {name}? (Like \"ask for the youth "
                 f"worker at the desk\".) A youth worker checks tips before they're shown, "
                 f"and never with your name.", buttons=[button("Skip", "/skip")])
        return []


class ValidateTipForm(FormValidationAction):
    """Any text is the tip; skip leaves it."""

    def name(self) -> Text:
        return "validate_tip_form"

    async def extract_tip_text(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "tip_text" or latest_intent(tracker) in RISK_INTENTS:
            return {}
        text = latest_text(tracker).strip()
        if latest_intent(tracker) == "skip" or not text or text.startswith("/"):
            return {"tip_text": SKIPPED}
        return {"tip_text": text[:reviews.TIP_MAX]}


class ActionTipDone(Action):
    """Save the tip for moderation."""

    def name(self) -> Text:
        return "action_tip_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        clear = [SlotSet(s, None) for s in TIP_SLOTS]
        service_id, text = tracker.get_slot("tip_service"), tracker.get_slot("tip_text")
        if not service_id or text in (None, SKIPPED):
            dispatcher.utter_message(text="No problem.")
            return clear
        try:
            nav = get_navigator()
            await asyncio.to_thread(reviews.add_tip, nav.sessions, tracker.sender_id,
                                    service_id, text, region=nav.settings.country_code)
        except reviews.ReviewError as exc:
            dispatcher.utter_message(text=f"Sorry, I couldn't save that tip: {exc}.")
            return clear
        dispatcher.utter_message(text="Thanks! A youth worker will check it, then others "
                                      "looking at this service will see it.")
        return clear
