"""Finding services: needs → (form: place, age) → results → more → detail."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (RISK_INTENTS, SKIPPED, button, channel_of, detail_buttons, latest_intent,
                            latest_text, new_search, on_sms, place_label, place_slots, slot_age,
                            slot_point)
from actions.privacy import ask_if_child, unconfirmed_child_age
from bot.privacy import consent
from bot.directory.navigator import get_navigator
from bot.directory.textneeds import likely_need
from bot.directory.needs import detect_needs, is_parent
from bot.directory.parsing import parse_age, pick_result
from bot.directory import render
from bot.feedback import reviews
from bot.measurement import searchlog
from bot.directory.render import need_phrase

logger = logging.getLogger(__name__)

# Intents that mean "this message is my answer to your question".
ANSWER_INTENTS = {"inform", "skip", "nlu_fallback", "out_of_scope", "request_more", "ask_detail"}
MENU = [button("Somewhere to stay", "/need_housing"), button("Food", "/need_food"),
        button("Money", "/need_money"), button("Work", "/need_work"),
        button("Feeling low", "/need_mental_health")]


def _metadata_point(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """Coordinates a channel attached to the latest message (e.g. a shared location)."""
    meta = (tracker.latest_message or {}).get("metadata") or {}
    loc = meta.get("location") if isinstance(meta, dict) else None
    if not isinstance(loc, dict):
        return None
    place = get_navigator().place_from_coordinates(loc.get("latitude"), loc.get("longitude"))
    if not place:
        return None
    return {"location": place.name, "latitude": place.latitude, "longitude": place.longitude}


def guessed_search(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """A long message the model could not place (read as only a place and age, or not
    understood) still said what it is about: search the need it most likely means, saying so,
    rather than asking "What do you need help with?" (``bot.directory.needs.likely_need``). No events
    when nothing is likely."""
    msg = tracker.latest_message or {}
    text = msg.get("text") or ""
    if text.startswith("/"):
        return []
    need = likely_need(text, msg.get("intent_ranking") or [])
    if not need:
        return []
    dispatcher.utter_message(text=f"It sounds like you're looking for help with "
                                  f"{need_phrase(need)}. If I've got that wrong, just tell me "
                                  f"what you need.")
    return new_search([need], text) + [FollowupAction("search_form")]


async def stated_needs(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The events of a new search when the latest message states a need (its intent is one of
    the ``need_*`` intents): which needs it raised, most urgent first, and a place it names or
    shares that differs from the one remembered. No events otherwise, or when this message's
    needs are already set."""
    msg = tracker.latest_message or {}
    intent = latest_intent(tracker)
    if not intent.startswith("need_") or _set_since_message(tracker, "needs"):
        return []
    needs = detect_needs(msg.get("text") or "", intent, msg.get("intent_ranking") or [])
    if not needs:
        return []
    events = new_search(needs, msg.get("text") or "")
    point = _metadata_point(tracker)
    if point:
        events += [SlotSet(k, v) for k, v in point.items()]
    elif tracker.get_slot("location") is not None:
        # "need food in sheffield" after an earlier search in Leeds: the new place counts
        # (a first message's place is read by the form's extract_location)
        place = await get_navigator().aresolve_place(msg.get("text") or "", False)
        if place and place.name != tracker.get_slot("location"):
            events += place_slots(place)
    return events


def _set_since_message(tracker: Tracker, slot: str) -> bool:
    """Whether ``slot`` was set after the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == slot:
            return True
    return False


class ValidateSearchForm(FormValidationAction):
    """Start a search from a stated need, and fill ``location`` and ``age`` from what the user
    says, validating both.

    One call to the action server does what three or four did: the need rule runs the form
    straight away (no separate action to set the needs), this action asks the form's next
    question itself (``next_requested_slot``), so Rasa's form finds no ``action_ask_*`` to
    call, and once every slot is filled it shows the results (no action after the form). Rasa
    calls it when the form starts (and again only if that call returned nothing) and after
    each answer; when it returns no slot for an answer the form is rejected, and its events,
    the question included, are dropped (the message goes to the other rules)."""

    # What each slot's question says, and channel hints (Telegram's location button).
    QUESTIONS: Dict[str, Dict[str, Any]] = {
        "location": {"text": "Where are you? A town, area or postcode is fine.",
                     "json_message": {"request_location": True}},
        "age": {"text": "How old are you? It helps me show services you can use. "
                        "I'll only ask once."},
    }

    def name(self) -> Text:
        return "validate_search_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        started = await stated_needs(tracker)
        mine = {e["name"]: e["value"] for e in started}
        # Seen by the extraction below (a place named with the need is not asked again), but
        # not among the slots rasa_sdk validates: they are this action's own events.
        tracker.slots.update(mine)
        validated = await super().run(dispatcher, tracker, domain)
        # When the form starts, Rasa passes the slots already filled (the place of an earlier
        # search) for validation, and rasa_sdk returns them as they were: a place this
        # message named wins over them.
        events = started + [e for e in validated
                            if not (e.get("event") == "slot" and e.get("name") in mine)]
        tracker.slots.update(mine)
        if any(e.get("name") == REQUESTED_SLOT and e.get("value") is None for e in events):
            # Every slot is filled: the form ends here, with the results (rasa_sdk updated the
            # tracker's slots with this call's values).
            events += show_results(dispatcher, tracker)
        return events

    async def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("location") is not None or latest_intent(tracker) in RISK_INTENTS:
            return {}
        point = _metadata_point(tracker)
        if point:
            return point
        text, intent = latest_text(tracker), latest_intent(tracker)
        asked = tracker.get_slot("requested_slot") == "location"
        if asked and intent == "skip":
            return {"location": SKIPPED}
        if text.startswith("/"):
            return {}
        place = get_navigator().resolve_place(text, whole_message=asked)
        if place:
            return {"location": place.name, "latitude": place.latitude,
                    "longitude": place.longitude}
        if asked and intent in ANSWER_INTENTS:
            dispatcher.utter_message(text="Sorry, I couldn't find that place.")
            return {"location": None}
        return {}

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Optional[Dict[Text, Any]]:
        """The next empty slot (None: the form is done), asked here and now."""
        slot = next((name for name in self.domain_slots(domain)
                     if tracker.slots.get(name) is None), None)
        if slot is not None:
            ask(dispatcher, slot)
        return SlotSet(REQUESTED_SLOT, slot)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[Dict[Text, Any]]:
        """Keep the coordinates found with the place: rasa_sdk drops non-form slots here."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if any(e.get("name") == "location" for e in events):
            events += [SlotSet("latitude", tracker.slots.get("latitude")),
                       SlotSet("longitude", tracker.slots.get("longitude"))]
        return events

    async def validate_age(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        """Ages were parsed and range-checked on extraction; keep them as they are."""
        return {"age": value}

    async def extract_age(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("age") is not None or latest_intent(tracker) in RISK_INTENTS:
            return {}
        text, intent = latest_text(tracker), latest_intent(tracker)
        asked = tracker.get_slot("requested_slot") == "age"
        if asked and intent == "skip":
            return {"age": SKIPPED}
        if text.startswith("/"):
            return {}
        age = parse_age(text, whole_message_is_answer=asked)
        if age is not None and age < consent.CHILD_AGE and not asked:
            # Under 13 only as the writer's own age: "me and my sister aged 11 ... im 19" is 19.
            age = consent.stated_age(text)
        if age is not None and age < consent.CHILD_AGE:
            await ask_if_child(dispatcher, tracker, channel_of(tracker), age)
            return {"age": age}  # the search action then stays silent (see show_results)
        if age is not None:
            return {"age": age}
        if asked and intent in ANSWER_INTENTS:
            dispatcher.utter_message(text="Just your age as a number is fine, like 19 - "
                                          "or say skip.")
            return {"age": None}
        return {}


def ask(dispatcher: CollectingDispatcher, slot: str) -> None:
    """Ask for one of the search form's slots, with a Skip button."""
    question = ValidateSearchForm.QUESTIONS[slot]
    dispatcher.utter_message(text=question["text"], buttons=[button("Skip", "/skip")],
                             json_message=question.get("json_message"))


def _ratings(nav, results, sms: bool) -> Dict[str, str]:
    """Rating labels ("4.2★ from 12 young people") of the results that have enough ratings."""
    try:
        found = reviews.summaries(nav.sessions, [r.id for r in results])
    except Exception as exc:  # noqa: BLE001 - ratings are extra: a search still works without them
        logger.error("ratings not read: %s", type(exc).__name__)
        return {}
    return {sid: summary.label(sms=sms) for sid, summary in found.items()}


def _log_search(nav, need: str, place: Optional[str], found: int) -> None:
    """Anonymous search log for unmet need (no sender, no text); never fails the search."""
    try:
        searchlog.record(nav.sessions, need, searchlog.area_label(place), found)
    except Exception as exc:  # noqa: BLE001 - logged; the caller carries on
        logger.error("search not logged: %s", type(exc).__name__)


def show_results(dispatcher: CollectingDispatcher, tracker: Tracker,
                 exclude: Optional[str] = None) -> List[Dict[Text, Any]]:
    """Run the search for the tracker's needs and present it (leaving out ``exclude``, a
    service that already turned them away); returns slot events."""
    nav = get_navigator()
    needs = list(tracker.get_slot("needs") or [])
    primary = tracker.get_slot("current_need") or (needs[0] if needs else None)
    if not primary:
        dispatcher.utter_message(text="What would you like me to look for?", buttons=MENU)
        return []
    lat, lon = slot_point(tracker)
    age = slot_age(tracker)
    if age is not None and age < consent.CHILD_AGE:
        if unconfirmed_child_age(tracker):  # not confirmed, and they went on: ask again
            ask(dispatcher, "age")
            return [SlotSet("age", None)]
        return []  # under 13 (or being asked): no directory list
    place = place_label(tracker)
    words = _words(tracker)
    page = _without(nav.search([primary], lat, lon, age, **words), exclude)
    _log_search(nav, primary, place, page.total)
    note = ""
    if not page.results and lat is not None:
        page = _without(_wider(nav, primary, lat, lon, age, words), exclude)
        note = "I couldn't find anything close by, so these are further away. "
    if not page.results:
        national = render.national_help(nav.settings.region, primary)
        extra = (f" These national services can help wherever you are:\n{national}"
                 if national else " A youth worker may know more options.")
        dispatcher.utter_message(
            text=f"I'm sorry - I couldn't find {need_phrase(primary)} services"
                 f"{' near ' + place if place else ''} that fit you.{extra}\nYou could also "
                 f"try another area or another kind of help.",
            buttons=MENU)
        return [SlotSet("result_ids", []), SlotSet("result_offset", 0.0)]
    sms = on_sms(tracker)
    results_text = render.results_text_sms if sms else render.results_text
    text = note + results_text(primary, page.results, 0, page.total, place, page.more,
                               ratings=_ratings(nav, page.results, sms))
    buttons = detail_buttons(len(page.results))
    if page.total > len(page.results) or page.more:
        buttons.append(button("Show more", "/request_more"))
    dispatcher.utter_message(text=text, buttons=buttons)
    for other in [n for n in needs if n != primary][:2]:
        extra = nav.search([other], lat, lon, age, limit=1, **words)
        if extra.results:
            secondary = render.secondary_text_sms if sms else render.secondary_text
            dispatcher.utter_message(text=secondary(other, extra.results[0]),
                                     buttons=[button(f"More {need_phrase(other)} help",
                                                     f"/need_{other}")])
    return [SlotSet("result_ids", [r.id for r in page.results]), SlotSet("result_offset", 0.0)]


def _without(page, service_id: Optional[str]):
    """The page without one service (after a check-in said it turned them away)."""
    from dataclasses import replace

    if not service_id or not any(r.id == service_id for r in page.results):
        return page
    return replace(page, results=[r for r in page.results if r.id != service_id],
                   total=max(page.total - 1, 0))


def _words(tracker: Tracker) -> Dict[str, Any]:
    """The person's own words for the search: the message that asked, the place they named,
    and whether they are a parent or expecting."""
    text = tracker.get_slot("need_text") or ""
    text = "" if text.startswith("/") else text  # a button: no words of their own
    return {"text": text, "place": place_label(tracker), "parent": is_parent(text)}


def _wider(nav, need: str, lat: float, lon: float, age: Optional[int],
           words: Optional[Dict[str, Any]] = None):
    """Same search without the radius limit: the nearest services, however far."""
    from dataclasses import replace

    wide = replace(nav, settings=replace(nav.settings, search_radius_km=20000))
    return wide.search([need], lat, lon, age, **(words or {}))


class ActionMoreResults(Action):
    """The next page of results for the current need."""

    def name(self) -> Text:
        return "action_more_results"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        need = tracker.get_slot("current_need")
        shown = list(tracker.get_slot("result_ids") or [])
        if not need:
            dispatcher.utter_message(text="Tell me what you need and I'll find some places.",
                                     buttons=MENU)
            return []
        lat, lon = slot_point(tracker)
        page = get_navigator().search([need], lat, lon, slot_age(tracker), offset=len(shown),
                                      **_words(tracker))
        if not page.results:
            dispatcher.utter_message(
                text=f"That's everything I have for {need_phrase(need)}"
                     f"{' near ' + place_label(tracker) if place_label(tracker) else ''}. "
                     f"You can ask about any of them by number, or ask for something else.",
                buttons=detail_buttons(min(len(shown), 3)))
            return []
        results_text = render.results_text_sms if on_sms(tracker) else render.results_text
        nav = get_navigator()
        ratings = _ratings(nav, page.results, on_sms(tracker))
        text = results_text(need, page.results, len(shown), page.total, place_label(tracker),
                            page.more, ratings=ratings)
        buttons = detail_buttons(len(page.results), start=len(shown))
        if page.total > len(shown) + len(page.results) or page.more:
            buttons.append(button("Show more", "/request_more"))
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("result_ids", shown + [r.id for r in page.results]),
                SlotSet("result_offset", float(len(shown)))]


class ActionServiceDetail(Action):
    """Everything about one of the results the user has seen."""

    def name(self) -> Text:
        return "action_service_detail"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        entity = next(tracker.get_latest_entity_values("result_number"), None)
        shown = show_detail(dispatcher, tracker, latest_text(tracker), entity)
        return [SlotSet("result_number", None)] + (
            [SlotSet("last_detail", shown)] if shown else [])


def show_detail(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                entity: Optional[str] = None) -> Optional[str]:
    """Present the result the user picked (by number, ordinal or name) in full, with what other
    young people say about it; returns its service id (None if nothing was picked)."""
    ids = list(tracker.get_slot("result_ids") or [])
    if not ids:
        dispatcher.utter_message(text="I haven't shown you any services yet. "
                                      "What do you need help with?", buttons=MENU)
        return None
    nav = get_navigator()
    lat, lon = slot_point(tracker)
    # "the second one", "3", "the last one": no names needed; a name: the names, not the
    # services (only the one picked is loaded in full)
    def names() -> List[str]:
        found = nav.service_names(ids)
        return [found.get(sid, "") for sid in ids]

    index = pick_result(text, [""] * len(ids), entity)
    shown: List[str] = []
    if index is None:
        shown = names()
        index = pick_result(text, shown, entity)
    service = nav.service(ids[index], lat, lon) if index is not None else None
    if service is None:
        shown = shown or names()
        listing = "\n".join(f"{i + 1}. {n}" for i, n in enumerate(shown) if n)
        dispatcher.utter_message(text=f"Which one do you mean?\n{listing}",
                                 buttons=detail_buttons(len(ids)))
        return None
    sms = on_sms(tracker)
    detail = render.detail_text_sms if sms else render.detail_text
    text = detail(service) + peer_voice(nav, service.id, sms)
    dispatcher.utter_message(text=text, buttons=[button(
        "I'll try this one", f'/choose_service{{"result_number":"{index + 1}"}}')])
    return service.id


def peer_voice(nav, service_id: str, sms: bool) -> str:
    """The rating and approved comments and tips of other young people, as extra lines."""
    try:
        summary = reviews.summary(nav.sessions, service_id)
        said = [] if sms else reviews.approved_comments(nav.sessions, service_id, limit=2)
        tips = reviews.approved_tips(nav.sessions, service_id, limit=1 if sms else 2)
    except Exception as exc:  # noqa: BLE001 - logged; the caller carries on
        logger.error("reviews not read: %s", type(exc).__name__)
        return ""
    lines = [summary.label(sms=sms)] if summary else []
    lines += [f'"{c}"' for c in said] + [f"Tip: {t}" for t in tips]
    return ("\n" if sms else "\n\n") + "\n".join(lines) if lines else ""


class ActionUpdateSearch(Action):
    """A place or age given outside a question: remember it and refresh the search."""

    def name(self) -> Text:
        return "action_update_search"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        shown = tracker.get_slot("result_ids") or []
        if text.strip().isdigit() and 1 <= int(text.strip()) <= len(shown):
            shown = show_detail(dispatcher, tracker, text)  # "2" after a list: result 2
            return [SlotSet("last_detail", shown)] if shown else []
        events: List[Dict[Text, Any]] = []
        point = _metadata_point(tracker)
        place = None if point else get_navigator().resolve_place(text, whole_message=True)
        if point:
            events += [SlotSet(k, v) for k, v in point.items()]
        elif place:
            events += place_slots(place)
        age = parse_age(text, whole_message_is_answer=not (place or point))
        if age is not None:
            events.append(SlotSet("age", age))
        if not events:
            dispatcher.utter_message(text="Sorry, I didn't catch that. Tell me a town or "
                                          "postcode, or what you need help with.", buttons=MENU)
            return []
        if not tracker.get_slot("current_need"):
            guessed = guessed_search(dispatcher, tracker)
            if guessed:
                return events + guessed
            dispatcher.utter_message(text="Thanks, got it. What do you need help with?",
                                     buttons=MENU)
            return events
        tracker.slots.update({e["name"]: e["value"] for e in events})
        return events + show_results(dispatcher, tracker)
