"""The plan in the conversation: choose → referral + check-in reminder; my plan; edits; the
check-in (hours, opt-out, handoff); the answer logged and the next step offered."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from actions.checkin import (ActionAskCheckinAnswer, ActionCheckin, ActionCheckinDone,
                             ValidateCheckinForm)
from actions.pathway import (ActionChooseService, ActionMyPlan, ActionPlanEdit,
                             ActionSessionStart)
from bot.pathway import checkin
from bot.channels import contacts
from bot.handoff import handoff
from bot.pathway import pathway
from bot.measurement.models import SearchLog
from sqlalchemy import select
from tests.actions.helpers import run, slots_of, tracker

LEEDS = {"location": "Leeds", "latitude": 53.7997, "longitude": -1.5492}
SENDER = "tg-pathway"


@pytest.fixture
def nav(navigator, monkeypatch):
    navigator.settings = replace(navigator.settings, checkin_hours="always", checkin_days=3)
    return navigator


def _results(nav):
    page = nav.search(["housing"], LEEDS["latitude"], LEEDS["longitude"], 19)
    assert len(page.results) >= 2
    return [r.id for r in page.results]


def _choose(nav, text="I'll try 2", entities=None, extra=None):
    ids = _results(nav)
    trk = tracker(text, "choose_service", sender=SENDER, entities=entities, slots={
        **LEEDS, "age": 19, "needs": ["housing"], "current_need": "housing", "result_ids": ids,
        **(extra or {})})
    return ids, run(ActionChooseService(), trk)


def _reminders(events):
    return [e for e in events if e.get("event") == "reminder"]


def test_choosing_a_result_adds_a_referral_and_schedules_the_check_in(nav):
    ids, (events, msgs) = _choose(nav)
    plan = pathway.plan(nav.sessions, SENDER)
    [step] = plan.steps
    assert step.kind == "referral" and step.service_id == ids[1] and step.need == "housing"
    assert "added" in msgs[0]["text"] and "check in" in msgs[0]["text"]
    [rem] = _reminders(events)
    assert rem["intent"] == checkin.EXTERNAL_INTENT and rem["name"] == f"checkin_{step.id}"
    assert rem["kill_on_user_msg"] is False
    assert rem["entities"] == [{"entity": "checkin_step", "value": str(step.id)}]
    due = datetime.fromisoformat(rem["date_time"])
    assert timedelta(days=2, hours=23) < due - datetime.now(timezone.utc) <= timedelta(days=3)
    assert slots_of(events)["last_detail"] == ids[1]
    # choosing again is idempotent
    _choose(nav)
    assert len(pathway.plan(nav.sessions, SENDER).steps) == 1


def test_this_one_means_the_service_last_shown_and_a_button_names_the_number(nav):
    ids = _results(nav)
    _choose(nav, "I'll try this one", extra={"last_detail": ids[0]})
    _choose(nav, "/choose_service", entities=[{"entity": "result_number", "value": "2"}])
    assert [s.service_id for s in pathway.plan(nav.sessions, SENDER).steps] == ids[:2]


def test_choosing_without_results_or_with_a_bad_number_asks(nav):
    events, msgs = run(ActionChooseService(), tracker("I'll try 2", "choose_service",
                                                      sender=SENDER))
    assert not events and "Search for a service first" in msgs[0]["text"]
    _, (events, msgs) = _choose(nav, "I'll try 9")
    assert not _reminders(events) and "Which one" in msgs[0]["text"] and msgs[0]["buttons"]


def test_my_plan_and_edits(nav):
    _choose(nav)
    pathway.add_step(nav.sessions, SENDER, "housing", "ring the council")
    _, msgs = run(ActionMyPlan(), tracker("my plan", "my_plan", sender=SENDER))
    assert "1. [ ] Contact" in msgs[0]["text"] and "2. [ ] ring the council" in msgs[0]["text"]
    _, msgs = run(ActionPlanEdit(), tracker("done 2", "plan_edit", sender=SENDER))
    assert "2. [x] ring the council" in msgs[0]["text"]
    _, msgs = run(ActionPlanEdit(), tracker("change 2 to ring the council at 9",
                                            "plan_edit", sender=SENDER))
    assert "ring the council at 9" in msgs[0]["text"]
    events, msgs = run(ActionPlanEdit(), tracker("drop 1", "plan_edit", sender=SENDER))
    assert [e["event"] for e in events] == ["cancel_reminder"]
    assert "Contact" not in msgs[0]["text"]
    _, msgs = run(ActionPlanEdit(), tracker("drop 7", "plan_edit", sender=SENDER))
    assert "no step 7" in msgs[0]["text"]
    run(ActionPlanEdit(), tracker("add step take my ID", "plan_edit", sender=SENDER,
                                  slots={"current_need": "housing"}))
    assert [s.text for s in pathway.plan(nav.sessions, SENDER).steps][-1] == "take my ID"


def test_my_plan_on_sms_fits_two_segments(nav):
    from bot.channels.smstext import segments
    _choose(nav)
    for text in ("go to the food bank Tue 10am", "ring the council housing options team"):
        pathway.add_step(nav.sessions, SENDER, "food", text)
    _, msgs = run(ActionMyPlan(), tracker("plan", "my_plan", sender=SENDER, channel="sms"))
    assert segments(msgs[0]["text"]) <= 2 and "[ ]" in msgs[0]["text"]


def _step(nav):
    _choose(nav)
    return pathway.plan(nav.sessions, SENDER).steps[0]


def _fired(step_id):
    return tracker("", checkin.EXTERNAL_INTENT, sender=SENDER,
                   entities=[{"entity": "checkin_step", "value": str(step_id)}])


def test_the_check_in_asks_once(nav):
    step = _step(nav)
    events, msgs = run(ActionCheckin(), _fired(step.id))
    assert slots_of(events)["checkin_step"] == step.id
    assert events[-1] == {"event": "followup", "name": "checkin_form", "timestamp": None}
    assert checkin.pending_step(nav.sessions, SENDER, step.id).asked
    assert run(ActionCheckin(), _fired(step.id)) == ([], [])  # a repeat fires silently
    _, msgs = run(ActionAskCheckinAnswer(), tracker("", "", sender=SENDER,
                                                    slots={"checkin_step": float(step.id)}))
    assert "How did it go" in msgs[0]["text"]
    assert [b["title"] for b in msgs[0]["buttons"]][2] == "They couldn't help"


def test_quiet_hours_move_the_check_in(nav):
    nav.settings = replace(nav.settings, checkin_hours="never")
    step = _step(nav)
    nav.settings = replace(nav.settings, checkin_hours="Mon-Sun 03:00-03:15",
                           timezone="UTC")
    now = datetime.now(timezone.utc)
    if now.hour == 3 and now.minute < 16:
        pytest.skip("inside the test's check-in window")
    events, msgs = run(ActionCheckin(), _fired(step.id))
    [rem] = _reminders(events)
    when = datetime.fromisoformat(rem["date_time"])
    assert (when.hour, when.minute) == (3, 0) and when > now and not msgs
    assert not checkin.pending_step(nav.sessions, SENDER, step.id).asked


def test_no_check_in_after_an_opt_out_or_during_a_handoff(nav):
    step = _step(nav)
    contacts.set_opted_out(nav.sessions, SENDER, "sms", True)
    assert run(ActionCheckin(), _fired(step.id)) == ([], [])
    contacts.set_opted_out(nav.sessions, SENDER, "sms", False)
    handoff.request_handoff(nav.sessions, SENDER, "telegram", "request")
    events, msgs = run(ActionCheckin(), _fired(step.id))
    [rem] = _reminders(events)
    assert datetime.fromisoformat(rem["date_time"]) > datetime.now(timezone.utc) + \
        timedelta(hours=23) and not msgs


def _form(text, intent="inform", **slots):
    return tracker(text, intent, sender=SENDER, active_loop="checkin_form",
                   slots={"requested_slot": "checkin_answer", **slots})


def test_the_form_reads_free_text_answers_and_reasons():
    form = ValidateCheckinForm()
    from rasa_sdk.executor import CollectingDispatcher
    import asyncio
    d = CollectingDispatcher()
    got = asyncio.run(form.extract_checkin_answer(d, _form("they turned me away"), {}))
    assert got == {"checkin_answer": "turned_away"}
    got = asyncio.run(form.extract_checkin_answer(d, _form("they were full"), {}))
    assert got == {"checkin_answer": "turned_away", "checkin_reason": "full"}
    got = asyncio.run(form.extract_checkin_answer(d, _form("I want to die", "crisis"), {}))
    assert got == {}  # rejected: the crisis rule runs
    got = asyncio.run(form.extract_checkin_answer(d, _form("blah"), {}))
    assert got == {"checkin_answer": None} and "didn't get that" in d.messages[-1]["text"]
    slots = asyncio.run(form.required_slots([], d, _form("", checkin_answer="turned_away"), {}))
    assert slots == ["checkin_answer", "checkin_reason"]


def test_turned_away_logs_the_outcome_offers_others_and_asks_for_a_rating(nav):
    step = _step(nav)
    trk = tracker("They were full", "inform", sender=SENDER, slots={
        **LEEDS, "age": 19, "needs": ["housing"], "current_need": "housing",
        "checkin_step": float(step.id), "checkin_answer": "turned_away",
        "checkin_reason": "full"})
    events, msgs = run(ActionCheckinDone(), trk)
    [outcome] = pathway.export(nav.sessions, SENDER)["referral_outcomes"]
    assert (outcome["outcome"], outcome["reason"]) == ("turned_away", "full")
    assert outcome["framework_version"] == "1.0.0"
    assert "not your fault" in msgs[0]["text"] and "Here's somewhere to stay help" in \
        msgs[1]["text"]
    offered = slots_of(events)["result_ids"]
    assert step.service_id not in offered and offered
    assert slots_of(events)["rating_service"] == step.service_id
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "rating_form"
    with nav.sessions() as s:  # the new search is logged anonymously
        assert s.execute(select(SearchLog.need)).scalars().all() == ["housing"]


def test_session_start_repeats_pending_reminders_and_carries_slots(nav):
    step = _step(nav)
    trk = tracker("", "", sender=SENDER, slots={"location": "Leeds", "age": 19})
    events, _ = run(ActionSessionStart(), trk, {"session_config": {
        "carry_over_slots_to_new_session": True}})
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert slots_of(events) == {"location": "Leeds", "age": 19}
    assert [r["name"] for r in _reminders(events)] == [f"checkin_{step.id}"]
    checkin.mark_asked(nav.sessions, SENDER, step.id)
    events, _ = run(ActionSessionStart(), trk)
    assert not _reminders(events)


def test_still_waiting_schedules_one_more_check_in(nav):
    step = _step(nav)
    checkin.mark_asked(nav.sessions, SENDER, step.id)
    trk = tracker("still waiting", "inform", sender=SENDER, slots={
        "checkin_step": float(step.id), "checkin_answer": "still_waiting"})
    events, msgs = run(ActionCheckinDone(), trk)
    [rem] = _reminders(events)
    assert rem["name"] == f"checkin_{step.id}" and "check in again" in msgs[0]["text"]
    assert datetime.fromisoformat(rem["date_time"]) > datetime.now(timezone.utc) + \
        timedelta(days=2)
    assert not any(e.get("name") == "rating_form" for e in events)
