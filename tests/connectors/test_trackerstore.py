"""The SQLite tracker store: Rasa's own SQL store (same rows), with a pooled WAL engine."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.core.tracker_store import create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config
from sqlalchemy.pool import NullPool, QueuePool

from bot.settings import PROJECT_ROOT
from connectors.trackerstore import SQLTrackerStore

DOMAIN = Domain.from_yaml("slots:\n  age:\n    type: any\n    mappings:\n    - type: custom\n")


def store_for(path) -> SQLTrackerStore:
    """As Rasa builds it from endpoints.yml (a bad module path would silently give an
    in-memory store: this fails then)."""
    config = EndpointConfig(type="connectors.trackerstore.SQLTrackerStore", dialect="sqlite",
                            db=str(path))
    store = create_tracker_store(config, DOMAIN)
    assert isinstance(getattr(store, "_tracker_store", store), SQLTrackerStore)
    return getattr(store, "_tracker_store", store)


def test_the_endpoints_file_names_this_store(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "t.db"))
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://localhost:5055/webhook")
    config = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "tracker_store")
    store = create_tracker_store(config, DOMAIN)
    assert isinstance(getattr(store, "_tracker_store", store), SQLTrackerStore)


def test_pooled_write_ahead_log_and_the_same_rows_as_rasas_store(tmp_path):
    path = tmp_path / "tracker.db"
    store = store_for(path)
    assert isinstance(store.engine.pool, QueuePool)

    async def converse() -> None:
        tracker = await store.get_or_create_tracker("s1")
        tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("utter_greet"))
        await store.save(tracker)
        again = await store.retrieve("s1")
        again.update(SlotSet("age", 19))
        await store.save(again)

    asyncio.run(converse())
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # Rasa's own store reads what this one wrote, event for event
    rasa_store = RasaSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    assert isinstance(rasa_store.engine.pool, NullPool)  # what Rasa would have used
    tracker = asyncio.run(rasa_store.retrieve("s1"))
    assert [e.type_name for e in tracker.events][-3:] == ["user", "action", "slot"]
    assert tracker.get_slot("age") == 19


@pytest.mark.parametrize("db", [":memory:"])
def test_an_in_memory_database_keeps_rasas_engine(db):
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=db)
    assert not isinstance(store.engine.pool, QueuePool)


def test_events_come_back_as_rasas_store_rebuilds_them(tmp_path):
    """Every kind of event a conversation stores is rebuilt equal to what Rasa's own
    deserialisation gives (this store rebuilds them through a table of event kinds)."""
    from datetime import datetime

    from rasa.shared.core.events import (ActiveLoop, BotUttered, FollowupAction,
                                         ReminderCancelled, ReminderScheduled, SessionStarted,
                                         deserialise_events)

    path = tmp_path / "tracker.db"
    store = store_for(path)
    sent = [ActionExecuted("action_session_start"), SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered("need food", {"name": "need_food", "confidence": 0.9},
                        [{"entity": "place", "value": "Leeds", "start": 0, "end": 5}]),
            ActiveLoop("search_form"), SlotSet("age", 19), BotUttered("Where are you?", {
                "buttons": [{"title": "Skip", "payload": "/skip"}]}),
            FollowupAction("action_search_services"), ActiveLoop(None),
            ReminderScheduled("EXTERNAL_checkin", datetime(2026, 12, 8, 10), name="checkin-1"),
            ReminderCancelled(name="checkin-1")]

    async def save_and_read():
        tracker = await store.get_or_create_tracker("s2")
        for event in sent:
            tracker.update(event)
        await store.save(tracker)
        return tracker, await store.retrieve("s2")

    saved, ours = asyncio.run(save_and_read())
    theirs = asyncio.run(RasaSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
                         .retrieve("s2"))
    assert list(ours.events) == list(theirs.events)
    # the latest session: from SessionStarted on, every kind of event above
    assert {type(e) for e in sent[1:]} <= {type(e) for e in ours.events}
    assert deserialise_events([e.as_dict() for e in ours.events]) == list(ours.events)
    assert ours.active_loop_name is None and ours.get_slot("age") == 19

