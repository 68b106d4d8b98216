""""Delete my data" on any channel: the app data goes at once, the tracker once Rasa has stored
the turn (rows deleted during the turn would be written back by Rasa's SQL tracker store)."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from sqlalchemy import create_engine, insert

import actions.privacy as privacy_mod
from actions.privacy import ActionForgetMe, wait_pending
from bot import contacts
from bot.privacy import Keys
from bot.transcript import EVENTS
from rasa_sdk.executor import CollectingDispatcher
from tests.actions.helpers import DOMAIN, tracker
from tests.bot.test_forget import _tracker, find_traces

SENDER = "rest-forget-me"


def test_forget_me_deletes_app_data_now_and_the_tracker_after_the_turn(navigator, tmp_path,
                                                                        monkeypatch, db_url):
    path = tmp_path / "tracker.db"
    _tracker(path, SENDER, ["my name is Jordan Smith", "need a bed in Leeds"])
    monkeypatch.setattr(navigator, "settings", replace(navigator.settings, tracker_db=str(path)))
    monkeypatch.setattr(privacy_mod, "get_navigator", lambda: navigator)
    contacts.remember_contact(navigator.sessions, Keys("k" * 40), SENDER, "rest", "addr-1")
    url = f"sqlite:///{path}"

    async def turn():
        dispatcher = CollectingDispatcher()
        events = await ActionForgetMe().run(dispatcher, tracker("yes", "affirm", sender=SENDER),
                                            DOMAIN)
        assert contacts.get_contact(navigator.sessions, SENDER) is None  # at once
        assert find_traces(url, [SENDER])  # the tracker waits for the turn to be stored
        # Rasa stores the turn (the whole tracker again, as its SQL store does after a delete)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(insert(EVENTS).values(
                sender_id=SENDER, type_name="action", timestamp=1.0,
                data=json.dumps({"event": "action", "name": "action_forget_me"})))
        engine.dispose()
        await wait_pending()
        return events, dispatcher.messages

    events, msgs = asyncio.run(turn())
    assert msgs[0]["response"] == "utter_forgotten"
    assert {"event": "reset_slots"} in [{"event": e["event"]} for e in events]
    assert find_traces(url, [SENDER, "Jordan", "Leeds"]) == []
    assert find_traces(db_url, [SENDER]) == []
