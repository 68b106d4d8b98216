"""Helpers shared by the action modules: reading slots and building buttons."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

SKIPPED = "skipped"
# Intents that signal risk (urgent, concern): every form lets these go to the safety rules.
RISK_INTENTS = ("crisis", "concern")


def slot_age(tracker: Tracker) -> Optional[int]:
    """The remembered age, or None if unknown or skipped."""
    value = tracker.get_slot("age")
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def slot_point(tracker: Tracker) -> tuple:
    """(latitude, longitude) from slots, or (None, None)."""
    lat, lon = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    if lat is None or lon is None:
        return None, None
    return float(lat), float(lon)


def new_search(needs: List[str], text: str) -> List[Dict[str, Any]]:
    """The slots that start a new search for ``needs`` (most urgent first), asked in ``text``."""
    return [SlotSet("needs", list(needs)), SlotSet("current_need", needs[0]),
            SlotSet("result_offset", 0.0), SlotSet("result_ids", []),
            SlotSet("need_text", (text or "")[:500])]


def place_slots(place: Any) -> List[Dict[str, Any]]:
    """The slots of a resolved place (bot.directory.places.Place): its name and point."""
    return [SlotSet("location", place.name), SlotSet("latitude", place.latitude),
            SlotSet("longitude", place.longitude)]


def place_label(tracker: Tracker) -> Optional[str]:
    """The place name to show in result headers."""
    loc = tracker.get_slot("location")
    return None if loc in (None, SKIPPED) else str(loc)


def latest_text(tracker: Tracker) -> str:
    """The latest user message text ('' for none)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    """The latest user intent name ('' for none)."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def on_sms(tracker: Tracker) -> bool:
    """Whether the user writes by SMS (compact replies: every segment costs money)."""
    return tracker.get_latest_input_channel() == "sms"


def channel_of(tracker: Tracker) -> str:
    """The channel of the latest message ("rest" when unknown)."""
    return tracker.get_latest_input_channel() or "rest"


def service_name(service_id: Optional[str], fallback: str = "that service") -> str:
    """A directory service's name (blocking: run it off the event loop), or ``fallback``."""
    from bot.directory.navigator import get_navigator

    service = get_navigator().service(service_id) if service_id else None
    return service.name if service else fallback


def button(title: str, payload: str) -> Dict[str, Any]:
    """A Rasa button."""
    return {"title": title, "payload": payload}


def detail_buttons(count: int, start: int = 0) -> List[Dict[str, Any]]:
    """Buttons for "tell me more" about each shown result."""
    return [button(f"More about {start + i + 1}",
                   f'/ask_detail{{"result_number":"{start + i + 1}"}}') for i in range(count)]
