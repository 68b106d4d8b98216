"""Handoff triggers in the conversation: asking for a person, two misunderstandings in a row,
crisis (urgent). Each opens one handoff and tells the user who, roughly when, and what to do
out of hours."""
from __future__ import annotations

import pytest

from actions.handoff import (ActionConnectPeerMentor, ActionFallback, ActionOfferPeerMentor,
                             ActionRequestHandoff)
from actions.safety import ActionCrisisSupport
from bot.handoff import handoff
from bot.channels.smstext import is_gsm, menu_text, number_buttons, segments
from tests.actions.helpers import run, tracker


def _fallback_events(n: int, channel: str = "telegram"):
    return [{"event": "user", "text": f"asdf {i}", "input_channel": channel,
             "parse_data": {"intent": {"name": "nlu_fallback"}}} for i in range(n)]


@pytest.fixture
def always_on_duty(monkeypatch):
    from bot import settings as settings_mod
    from dataclasses import replace

    base = settings_mod.get_settings()
    monkeypatch.setattr(settings_mod, "get_settings",
                        lambda: replace(base, duty_hours="always"))
    import actions.handoff as mod
    monkeypatch.setattr(mod, "get_settings", lambda: replace(base, duty_hours="always"))


def test_asking_for_a_person_opens_a_handoff_and_says_what_happens(navigator, always_on_duty):
    trk = tracker("can i talk to a real person", "request_human", active_loop="search_form",
                  sender="tg-abc", channel="telegram")
    events, msgs = run(ActionRequestHandoff(), trk)
    text = msgs[0]["text"]
    assert "youth worker" in text and "real person" in text and "within 30 minutes" in text
    assert "a youth worker at default" not in text  # an unnamed default organisation
    h = handoff.active_handoff(navigator.sessions, "tg-abc")
    assert h.channel == "telegram" and h.reason == "request" and not h.urgent
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"]
    run(ActionRequestHandoff(), trk)  # asking twice: still one handoff
    assert handoff.active_handoff(navigator.sessions, "tg-abc").id == h.id


def test_out_of_hours_notice_gives_helplines(navigator, monkeypatch):
    from dataclasses import replace
    import actions.handoff as mod
    from bot import settings as settings_mod

    base = settings_mod.get_settings()
    monkeypatch.setattr(mod, "get_settings", lambda: replace(base, duty_hours="never"))
    _, msgs = run(ActionRequestHandoff(), tracker("human please", "request_human", sender="x1"))
    assert "aren't on duty" in msgs[0]["text"] and "999" in msgs[0]["text"]


def test_second_fallback_in_a_row_hands_over(navigator, always_on_duty):
    one = tracker("blorp", "nlu_fallback", sender="tg-fb", channel="telegram")
    one.events = _fallback_events(1)
    _, msgs = run(ActionFallback(), one)
    assert msgs[0]["text"].startswith("Sorry, I didn't get that")
    assert handoff.active_handoff(navigator.sessions, "tg-fb") is None
    two = tracker("blorp blorp", "nlu_fallback", sender="tg-fb", channel="telegram")
    two.events = [{"event": "user", "text": "need food", "parse_data":
                   {"intent": {"name": "need_food"}}}] + _fallback_events(2)
    _, msgs = run(ActionFallback(), two)
    assert "A person will do better" in msgs[0]["text"]
    assert handoff.active_handoff(navigator.sessions, "tg-fb").reason == "fallback"


def test_crisis_opens_an_urgent_handoff_first_in_the_queue(navigator, always_on_duty):
    run(ActionRequestHandoff(), tracker("human please", "request_human", sender="calm-1"))
    _, msgs = run(ActionCrisisSupport(), tracker("i want to die", "crisis", sender="urgent-1"))
    assert "999" in " ".join(m["text"] for m in msgs)
    assert "as soon as they can" in msgs[-1]["text"]
    h = handoff.active_handoff(navigator.sessions, "urgent-1")
    assert h.urgent and h.reason == "crisis"
    rows = handoff.queue(navigator.sessions, h.org_id)
    assert [r.handoff.sender_id if hasattr(r, "handoff") else r.sender_id for r in rows][0] \
        == "urgent-1"


def test_a_long_message_not_understood_searches_its_likely_need(navigator):
    """A first message the model could not place at all, that names a need in so many words
    ("need a food bank"), is searched instead of "Sorry, I didn't get that"."""
    text = "honestly i dont know who else to ask, is there a food bank anywhere round here"
    events, msgs = run(ActionFallback(), tracker(text, "nlu_fallback"))
    assert {"event": "slot", "timestamp": None, "name": "current_need", "value": "food"} in events
    assert any(e.get("event") == "followup" and e["name"] == "search_form" for e in events)
    assert "didn't get that" not in msgs[0]["text"]
    # Short and unclear: steered back as before.
    _, msgs = run(ActionFallback(), tracker("blah blah", "nlu_fallback"))
    assert "didn't get that" in msgs[0]["text"]


def test_sms_fallback_is_compact(navigator):
    trk = tracker("??", "nlu_fallback", sender="sms-1", channel="sms")
    trk.events = _fallback_events(1, "sms")
    _, msgs = run(ActionFallback(), trk)
    assert len(msgs[0]["buttons"]) == 4 and "own words" in msgs[0]["text"]
    assert handoff.active_handoff(navigator.sessions, "sms-1") is None


# -- peer mentors ------------------------------------------------------------------------------
def test_peer_mentor_offer_explains_and_asks(navigator):
    _, msgs = run(ActionOfferPeerMentor(), tracker("can i talk to someone my age",
                                                   "request_peer", sender="tg-peer"))
    text = msgs[0]["text"]
    assert "a bit older" in text and "been through similar things" in text
    assert "trained and supervised by our youth workers" in text
    assert "never see your phone number" in text
    assert "not a crisis service" in text and "999" in text and "116 123" in text
    assert msgs[0]["buttons"] == [{"title": "Yes, connect me", "payload": "/confirm_peer_mentor"},
                                  {"title": "Not now", "payload": "/skip"}]
    assert handoff.active_handoff(navigator.sessions, "tg-peer") is None  # only an offer


@pytest.mark.parametrize("region, emergency", [("GB", "999"), ("US", "911"), ("SG", "995")])
def test_peer_mentor_offer_by_sms_is_short(navigator, monkeypatch, region, emergency):
    from dataclasses import replace
    import actions.handoff as mod
    from bot import settings as settings_mod

    base = settings_mod.get_settings()
    monkeypatch.setattr(mod, "get_settings", lambda: replace(base, region=region))
    _, full = run(ActionOfferPeerMentor(), tracker("peer", "request_peer", sender="w-1"))
    _, msgs = run(ActionOfferPeerMentor(), tracker("peer", "request_peer", sender="sms-1",
                                                   channel="sms"))
    text = msgs[0]["text"]
    sent = text + "\n" + menu_text(number_buttons(msgs[0]["buttons"]))  # as the SMS channel does
    assert is_gsm(sent) and segments(sent) <= 2, sent
    assert emergency in text and "never see your number" in text and "crisis" in text
    assert len(text) < len(full[0]["text"]) and msgs[0]["buttons"] == full[0]["buttons"]


def test_connecting_opens_a_peer_mentor_handoff_with_the_notice(navigator, always_on_duty):
    trk = tracker("/confirm_peer_mentor", "confirm_peer_mentor", sender="tg-peer",
                  channel="telegram", slots={"needs": ["housing"]})
    events, msgs = run(ActionConnectPeerMentor(), trk)
    text = msgs[0]["text"]
    assert "peer mentor" in text and "youth worker" not in text and "999" in text
    assert "within 30 minutes" in text
    h = handoff.active_handoff(navigator.sessions, "tg-peer")
    assert (h.kind, h.reason, h.urgent, h.channel, h.needs) == \
        ("peer_mentor", "peer", False, "telegram", "housing")
    assert ("active_loop", None) in [(e["event"], e.get("name")) for e in events]
    run(ActionConnectPeerMentor(), trk)  # twice: still one handoff
    assert handoff.active_handoff(navigator.sessions, "tg-peer").id == h.id
    # REST is not paused: a crisis after connecting goes to the youth workers, urgent
    run(ActionCrisisSupport(), tracker("i want to die", "crisis", sender="tg-peer"))
    now = handoff.active_handoff(navigator.sessions, "tg-peer")
    assert (now.id, now.kind, now.urgent) == (h.id, "worker", True)


def test_connecting_out_of_hours_and_with_a_youth_worker_already(navigator, monkeypatch):
    from dataclasses import replace
    import actions.handoff as mod
    from bot import settings as settings_mod

    base = settings_mod.get_settings()
    monkeypatch.setattr(mod, "get_settings", lambda: replace(base, duty_hours="never"))
    _, msgs = run(ActionConnectPeerMentor(), tracker("yes", "confirm_peer_mentor", sender="p-2"))
    assert "peer mentors aren't on duty" in msgs[0]["text"] and "Samaritans" in msgs[0]["text"]
    run(ActionRequestHandoff(), tracker("human please", "request_human", sender="w-2"))
    _, msgs = run(ActionConnectPeerMentor(), tracker("yes", "confirm_peer_mentor", sender="w-2"))
    assert "youth worker" in msgs[0]["text"] and "peer mentor" not in msgs[0]["text"]
    assert handoff.active_handoff(navigator.sessions, "w-2").kind == "worker"


def test_connecting_says_sorry_when_no_handoff_can_be_opened(navigator, monkeypatch):
    def broken(*args, **kwargs):
        raise handoff.HandoffError("could not open a handoff: try again")

    monkeypatch.setattr(handoff, "request_handoff", broken)
    _, msgs = run(ActionConnectPeerMentor(), tracker("yes", "confirm_peer_mentor", sender="p-3"))
    assert "couldn't reach a peer mentor" in msgs[0]["text"] and "999" in msgs[0]["text"]
