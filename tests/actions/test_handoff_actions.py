"""Handoff triggers in the conversation: asking for a person, two misunderstandings in a row,
crisis (urgent). Each opens one handoff and tells the user who, roughly when, and what to do
out of hours."""
from __future__ import annotations

import pytest

from actions.handoff import ActionFallback, ActionRequestHandoff
from actions.safety import ActionCrisisSupport
from bot import handoff
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


def test_sms_fallback_is_compact(navigator):
    trk = tracker("??", "nlu_fallback", sender="sms-1", channel="sms")
    trk.events = _fallback_events(1, "sms")
    _, msgs = run(ActionFallback(), trk)
    assert len(msgs[0]["buttons"]) == 4 and "own words" in msgs[0]["text"]
    assert handoff.active_handoff(navigator.sessions, "sms-1") is None
