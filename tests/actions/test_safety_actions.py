"""The two tiers in the action server (actions/safety.py): urgent support worded for the kind,
and the concern tier's safety check that resumes where the person was."""
from sqlalchemy import select

from actions.safety import (ActionAskSafeNow, ActionCrisisSupport, ActionSafetyAnswer,
                            ActionSafetyCheck, ValidateSafetyCheckForm)
from bot.privacy import consent
from bot.handoff.models import Handoff
from bot.safeguarding.models import SafeguardingAlert
from bot.safeguarding import check
from tests.actions.helpers import DOMAIN, run, slots_of, tracker

CONCERN = "my bf checks my phone and gets angry when i see friends, im ok atm"


def _events(events, kind):
    return [e for e in events if e.get("event") == kind]


def test_urgent_support_fits_the_kind_and_does_not_repeat_helplines(navigator, sample_sessions,
                                                                    monkeypatch):
    monkeypatch.setenv("NAVIGATOR_DUTY_HOURS", "never")
    from bot.settings import get_settings
    get_settings.cache_clear()
    try:
        trk = tracker("they took my passport and say im getting married in pakistan next month",
                      "crisis", sender="fm1")
        events, msgs = run(ActionCrisisSupport(), trk)
    finally:
        get_settings.cache_clear()
    texts = [m["text"] for m in msgs]
    assert "Forced Marriage Unit" in texts[1] and "taken abroad" in texts[1]
    assert "thoughts" not in " ".join(texts)
    assert sum(t.count("0800 028 3550") for t in texts) == 1  # the notice does not repeat it
    assert "numbers above" in texts[2]
    with sample_sessions() as s:
        h = s.execute(select(Handoff)).scalar_one()
        alert = s.execute(select(SafeguardingAlert)).scalar_one()
    assert h.urgent and h.risk == "forced_marriage" and alert.categories == "forced_marriage"


def test_urgent_unsafe_homelessness_goes_on_to_find_a_bed(navigator):
    events, msgs = run(ActionCrisisSupport(), tracker(
        "kicked out tonight and sleeping in a stairwell, im scared", "crisis"))
    assert "somewhere safe tonight" in msgs[0]["text"]
    assert slots_of(events)["needs"] == ["housing"]
    assert {"event": "followup", "name": "search_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events]


def test_urgent_bed_search_keeps_the_place_and_age_the_message_gave(navigator):
    events, _ = run(ActionCrisisSupport(), tracker(
        "Age 25. Nowhere to sleep tonight in Nottingham, the night shelter was full", "crisis"))
    slots = slots_of(events)
    assert slots["location"] == "Nottingham" and slots["age"] == 25
    assert slots["needs"] == ["housing"]


def test_urgent_eating_disorder_goes_on_to_find_support(navigator):
    events, msgs = run(ActionCrisisSupport(), tracker(
        "i havent eaten in 4 days and i fainted at work, im 19 in leeds", "crisis"))
    assert "Beat" in " ".join(m["text"] for m in msgs)
    slots = slots_of(events)
    assert slots["needs"] == ["eating"] and slots["location"] == "Leeds"
    assert "search_form" in [e.get("name") for e in events if e["event"] == "followup"]


def test_a_child_disclosing_abuse_is_flagged_under_18(navigator, sample_sessions):
    run(ActionCrisisSupport(), tracker("im 15 and my stepdad hits me when mum is at work",
                                       "crisis", sender="kid1"))
    with sample_sessions() as s:
        alert = s.execute(select(SafeguardingAlert)).scalar_one()
    assert "under_18" in alert.categories.split(",")
    assert "abuse_at_home" in alert.categories


def test_concern_records_the_check_and_a_concern_alert_not_a_handoff(navigator, sample_sessions):
    trk = tracker(CONCERN, "concern", sender="c1", ranking=[
        {"name": "concern", "confidence": 1.0}, {"name": "need_family", "confidence": 0.08}])
    events, msgs = run(ActionSafetyCheck(), trk)
    slots = slots_of(events)
    assert slots["concern_kinds"] == ["partner_violence"] and slots["safe_now"] is None
    assert consent.state(sample_sessions, "c1").safety_check.kinds == ("partner_violence",)
    with sample_sessions() as s:
        alert = s.execute(select(SafeguardingAlert)).scalar_one()
        assert s.execute(select(Handoff)).first() is None  # never an urgent handoff by itself
    assert alert.urgency == "concern" and msgs == []


def test_concern_inside_a_form_remembers_the_form(navigator):
    events, _ = run(ActionSafetyCheck(), tracker(CONCERN, "concern", active_loop="search_form"))
    assert slots_of(events)["resume_form"] == "search_form"


def test_concern_with_a_need_resumes_into_the_search(navigator):
    trk = tracker("kicked out and scared, need a bed, i think im ok for now", "concern",
                  ranking=[{"name": "concern", "confidence": 1.0},
                           {"name": "need_housing", "confidence": 0.09}])
    slots = slots_of(run(ActionSafetyCheck(), trk)[0])
    assert slots["needs"][0] == "housing" and slots["resume_form"] == "search_form"


def test_the_question_has_one_fitting_line_and_buttons(navigator):
    _, msgs = run(ActionAskSafeNow(), tracker(CONCERN, "concern",
                                              slots={"concern_kinds": ["eating_disorder"]}))
    assert "Are you safe right now?" in msgs[0]["text"] and "Beat" in msgs[0]["text"]
    assert [b["title"] for b in msgs[0]["buttons"]] == ["Yes, I'm safe", "No, I'm not safe"]
    _, sms = run(ActionAskSafeNow(), tracker(CONCERN, "concern", channel="sms",
                                             slots={"concern_kinds": ["eating_disorder"]}))
    assert "Reply YES or NO" in sms[0]["text"] and not sms[0].get("buttons")


def _extract(text, intent="out_of_scope"):
    import asyncio
    from rasa_sdk.executor import CollectingDispatcher

    trk = tracker(text, intent, slots={"requested_slot": "safe_now"},
                  active_loop="safety_check_form")
    return asyncio.run(ValidateSafetyCheckForm().extract_safe_now(
        CollectingDispatcher(), trk, DOMAIN))


def test_the_answer_is_read_whatever_the_intent():
    assert _extract("Yes, I'm safe", "concern") == {"safe_now": "safe"}  # the button
    assert _extract("No, I'm not safe", "concern") == {"safe_now": "unsafe"}
    assert _extract("idk") == {"safe_now": "unsafe"}
    assert _extract("he's back and shouting again i dont know", "concern") == {
        "safe_now": "unsafe"}
    assert _extract("need food in leeds", "need_food") == {"safe_now": "other"}
    assert _extract("i want to die", "crisis") == {}  # rejected: the urgent rule runs


def _answer(answer, sender="a1", **slots):
    return run(ActionSafetyAnswer(), tracker(
        slots.pop("text", "x"), slots.pop("intent", "out_of_scope"), sender=sender,
        slots={"safe_now": answer, "concern_kinds": ["suicidal_ideation"], **slots}))


def test_not_safe_gets_urgent_support(navigator, sample_sessions):
    check.ask(sample_sessions, "a1", "rest", ["suicidal_ideation"])
    events, msgs = _answer("unsafe")
    assert "call 999" in msgs[1]["text"] and "116 123" in msgs[1]["text"]
    with sample_sessions() as s:
        assert s.execute(select(Handoff)).scalar_one().urgent
    assert consent.state(sample_sessions, "a1").safety_check is None


def test_safe_resumes_the_form(navigator, sample_sessions):
    check.ask(sample_sessions, "a2", "rest", ["suicidal_ideation"])
    events, msgs = _answer("safe", sender="a2", resume_form="checkin_form")
    assert msgs[0]["text"].startswith("Thank you for letting me know")
    assert {"event": "followup", "name": "checkin_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events]
    assert consent.state(sample_sessions, "a2").safety_check is None
    with sample_sessions() as s:
        assert s.execute(select(Handoff)).first() is None


def test_safe_without_a_form_offers_the_next_step(navigator):
    _, msgs = _answer("safe", sender="a3")
    assert [b["title"] for b in msgs[1]["buttons"]] == ["Find support near me",
                                                         "Talk to a youth worker"]


def test_another_message_is_handled_as_what_it_is(navigator):
    events, msgs = _answer("other", sender="a4", text="need food in leeds", intent="need_food",
                           resume_form=None)
    assert slots_of(events)["needs"] == ["food"]
    events, msgs = _answer("other", sender="a5", text="can i talk to a real person",
                           intent="request_human")
    assert {"event": "followup", "name": "action_request_handoff"} in [
        {"event": e["event"], "name": e.get("name")} for e in events]
