"""Under 13, answered to the form's age question: signposted, the app data forgotten at once,
the tracker once Rasa has stored the turn (rows deleted during the turn would be written back
by Rasa's SQL tracker store), and the search stays silent."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace

from sqlalchemy import create_engine, insert

import actions.privacy as privacy_mod
from actions.privacy import wait_pending
from actions.search import ActionSearchServices, ValidateSearchForm
from bot import consent, contacts
from bot.privacy import Keys
from bot.transcript import EVENTS
from rasa_sdk.executor import CollectingDispatcher
from tests.actions.helpers import DOMAIN, run, tracker
from tests.bot.test_forget import _tracker, find_traces

SENDER = "rest-child"


def test_a_bare_12_to_the_age_question_starts_minimal_mode(navigator, tmp_path, monkeypatch,
                                                           db_url):
    path = tmp_path / "tracker.db"
    _tracker(path, SENDER, ["my name is Jordan Smith", "need a bed in Leeds"])
    monkeypatch.setattr(navigator, "settings", replace(navigator.settings, tracker_db=str(path)))
    monkeypatch.setattr(privacy_mod, "get_navigator", lambda: navigator)
    contacts.remember_contact(navigator.sessions, Keys("k" * 40), SENDER, "sms", "+447700900123")
    url = f"sqlite:///{path}"
    trk = tracker("12", "inform", slots={"requested_slot": "age", "location": "Leeds",
                                         "needs": ["housing"], "current_need": "housing"},
                  active_loop="search_form", sender=SENDER, channel="sms")

    async def turn():
        dispatcher = CollectingDispatcher()
        slots = await ValidateSearchForm().extract_age(dispatcher, trk, DOMAIN)
        assert slots == {"age": 12}
        assert consent.state(navigator.sessions, SENDER).child  # at once
        assert find_traces(url, [SENDER])  # the tracker waits for the turn to be stored
        engine = create_engine(url)  # Rasa stores the turn (the whole tracker again)
        with engine.begin() as conn:
            conn.execute(insert(EVENTS).values(
                sender_id=SENDER, type_name="action", timestamp=1.0,
                data=json.dumps({"event": "action", "name": "search_form"})))
        engine.dispose()
        await wait_pending()
        return dispatcher.messages

    msgs = asyncio.run(turn())
    assert "Childline" in msgs[0]["text"] and "won't keep" in msgs[0]["text"]
    assert find_traces(url, [SENDER, "Jordan", "Leeds"]) == []
    # only the under-13 flag is left: no number, no referral, nothing typed
    assert find_traces(db_url, ["+447700900123", "Jordan"]) == []
    events, said = run(ActionSearchServices(), tracker(
        "12", "inform", slots={"age": 12, "location": "Leeds", "needs": ["housing"],
                               "current_need": "housing"}, sender=SENDER))
    assert events == [] and said == []  # no directory list for a child


def test_13_and_over_is_an_ordinary_age(navigator):
    trk = tracker("13", "inform", slots={"requested_slot": "age", "location": "Leeds"},
                  active_loop="search_form", sender="teen")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ValidateSearchForm().extract_age(dispatcher, trk, DOMAIN)) == {"age": 13}
    assert dispatcher.messages == [] and not consent.state(navigator.sessions, "teen").child
