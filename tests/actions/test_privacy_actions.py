"""Under 13, answered to the form's age question: asked whether that is right before anything
is deleted (the answer goes through the gate, tests/connectors/test_gate.py); the search stays
silent meanwhile, and asks the age again if the person went on without confirming it."""
from __future__ import annotations

import asyncio

import actions.privacy as privacy_mod
import actions.search as search_mod
from actions.search import ValidateSearchForm
from bot.privacy import consent
from bot.channels import contacts
from bot.keys import Keys
from rasa_sdk.executor import CollectingDispatcher
from tests.actions.helpers import DOMAIN, results, slots_of, tracker
from tests.bot.privacy.test_forget import find_traces

SENDER = "rest-child"


def test_a_bare_12_to_the_age_question_is_checked_before_anything_is_deleted(
        navigator, monkeypatch, db_url):
    monkeypatch.setattr(privacy_mod, "get_navigator", lambda: navigator)
    contacts.remember_contact(navigator.sessions, Keys("k" * 40), SENDER, "sms", "+447700900123")
    trk = tracker("12", "inform", slots={"requested_slot": "age", "location": "Leeds",
                                         "needs": ["housing"], "current_need": "housing"},
                  active_loop="search_form", sender=SENDER, channel="sms")
    dispatcher = CollectingDispatcher()
    slots = asyncio.run(ValidateSearchForm().extract_age(dispatcher, trk, DOMAIN))
    assert slots == {"age": 12}
    assert "are you 12?" in dispatcher.messages[0]["text"]
    st = consent.state(navigator.sessions, SENDER)
    assert st.child_check and not st.child
    assert find_traces(db_url, ["rest-child"])  # nothing deleted on one reading
    child = {"age": 12, "location": "Leeds", "needs": ["housing"], "current_need": "housing"}
    events, said = results(tracker("12", "inform", slots=child,
                                                       sender=SENDER))
    assert events == [] and said == []  # no directory list while asked (or for a child)
    # They went on without confirming: the age is unknown, so it is asked again.
    consent.ask_child_check(navigator.sessions, SENDER, "sms", False)
    monkeypatch.setattr(search_mod, "get_navigator", lambda: navigator)
    events, said = results(tracker("what", "inform", slots=child,
                                                       sender=SENDER))
    assert slots_of(events) == {"age": None} and said[0]["text"].startswith("How old are you?")


def test_someone_elses_age_in_a_first_message_is_not_taken(navigator):
    trk = tracker("me and my sister aged 11 got kicked out, need somewhere in leeds",
                  "need_housing", slots={"requested_slot": "location"},
                  active_loop="search_form", sender="sis")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ValidateSearchForm().extract_age(dispatcher, trk, DOMAIN)) == {}
    assert dispatcher.messages == [] and not consent.state(navigator.sessions, "sis").child_check
    trk = tracker("me and my sister aged 11 got kicked out, need somewhere in leeds, im 19",
                  "need_housing", slots={"requested_slot": "location"},
                  active_loop="search_form", sender="sis")
    assert asyncio.run(ValidateSearchForm().extract_age(dispatcher, trk, DOMAIN)) == {"age": 19}
    assert dispatcher.messages == []


def test_13_and_over_is_an_ordinary_age(navigator):
    trk = tracker("13", "inform", slots={"requested_slot": "age", "location": "Leeds"},
                  active_loop="search_form", sender="teen")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(ValidateSearchForm().extract_age(dispatcher, trk, DOMAIN)) == {"age": 13}
    assert dispatcher.messages == [] and not consent.state(navigator.sessions, "teen").child
