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
