"""Build real rasa_sdk Trackers for action tests."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(text: str = "", intent: str = "", slots: Optional[Dict[str, Any]] = None,
            ranking: Optional[List[Dict[str, Any]]] = None, entities=None, metadata=None,
            active_loop: Optional[str] = None, sender: str = "test-user",
            channel: Optional[str] = None) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent`` (received on
    ``channel``, if given)."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
              "entities": entities or [], "metadata": metadata or {}}
    events = [{"event": "user", "text": text, "input_channel": channel}] if channel else []
    return Tracker(sender, dict(slots or {}), latest, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, trk: Tracker, domain: Optional[dict] = None):
    """Run an action; (events, dispatched messages)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, trk, domain or DOMAIN))
    return events, dispatcher.messages


def results(trk: Tracker):
    """The search results for the tracker's slots, as the search form shows them when it is
    complete (actions.search.show_results); (events, dispatched messages)."""
    from actions.search import show_results

    dispatcher = CollectingDispatcher()
    events = show_results(dispatcher, trk)
    return events, dispatcher.messages


def slots_of(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


DOMAIN = {
    "slots": {name: {"type": "any", "mappings": [{"type": "custom"}]} for name in
              ("needs", "current_need", "location", "latitude", "longitude", "age",
               "result_ids", "result_offset", "result_number", "requested_slot")},
    "forms": {"search_form": {"required_slots": ["location", "age"]}},
}
