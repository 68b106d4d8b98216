"""My pathway (bot.pathway.pathway): goals, steps and referrals, ownership, outcomes under the open
framework, "My plan" as text (two SMS segments at most) and due check-ins."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.pathway import outcomes, pathway
from bot.pathway.models import PathwayGoal, ReferralOutcome
from bot.channels.smstext import is_gsm, segments

ME, YOU = "rest-me", "rest-you"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
LONG_NAMES = [
    "Centrepoint Youth Housing Advice and Homelessness Prevention Service (Leeds City Centre)",
    "Leeds North and West Foodbank – St Edmund’s Church Hall Emergency Food Distribution Centre",
    "Jobcentre Plus Leeds City Youth Employment Hub and Kickstart Apprenticeship Advice Service",
]


def test_one_active_goal_per_need_with_a_default_title(sessions):
    goal = pathway.goal_for(sessions, ME, "housing")
    assert goal.title == "Somewhere stable to live" and goal.status == "active"
    assert pathway.goal_for(sessions, ME, "housing").id == goal.id
    assert pathway.goal_for(sessions, YOU, "housing").id != goal.id
    assert pathway.goal_for(sessions, ME, "work").title == "A job"
    with sessions() as s, s.begin():  # a finished goal: the next step starts a new one
        s.get(PathwayGoal, goal.id).status = "done"
    assert pathway.goal_for(sessions, ME, "housing").id != goal.id
    with pytest.raises(pathway.PathwayError, match="unknown need"):
        pathway.goal_for(sessions, ME, "unicorns")


def test_steps_lifecycle_done_changed_dropped(sessions):
    step = pathway.add_step(sessions, ME, "food", "  go to the food bank\n Tue 10am ",
                            due_at=T0)
    assert (step.kind, step.text, step.status, step.need) == (
        "step", "go to the food bank Tue 10am", "todo", "food")
    assert step.due_at == T0 and step.checkin_at is None
    assert pathway.set_status(sessions, step.id, ME, "done").status == "done"
    assert pathway.rename_step(sessions, step.id, ME, "food bank Wed 11am").text == \
        "food bank Wed 11am"
    other = pathway.add_step(sessions, ME, "food", "ask about the pantry")
    pathway.set_status(sessions, other.id, ME, "dropped")
    plan = pathway.plan(sessions, ME)
    assert [s.id for s in plan.steps] == [step.id]  # dropped steps are not shown
    assert plan.step(1).id == step.id and plan.step(2) is None and plan.step(0) is None
    with pytest.raises(pathway.PathwayError, match="status must be"):
        pathway.set_status(sessions, step.id, ME, "finished")
    with pytest.raises(pathway.PathwayError, match="needs some text"):
        pathway.rename_step(sessions, step.id, ME, "   ")
    long = pathway.add_step(sessions, ME, "food", "x" * 500)
    assert len(long.text) == pathway.TEXT_MAX


def test_only_the_owner_can_change_a_step(sessions):
    mine = pathway.add_step(sessions, ME, "money", "apply for Universal Credit")
    for call in (lambda: pathway.set_status(sessions, mine.id, YOU, "done"),
                 lambda: pathway.rename_step(sessions, mine.id, YOU, "hacked"),
                 lambda: pathway.record_outcome(sessions, YOU, mine.id, "got_help"),
                 lambda: pathway.set_status(sessions, 9999, ME, "done")):
        with pytest.raises(pathway.StepNotFound):
            call()
    assert pathway.plan(sessions, ME).steps[0].text == "apply for Universal Credit"
    assert pathway.plan(sessions, YOU).goals == ()


def test_referrals_are_idempotent_for_the_same_active_service(sessions):
    ref = pathway.add_referral(sessions, ME, "housing", "svc-1", "Leeds Nightstop",
                               timedelta(days=3), now=T0)
    assert (ref.kind, ref.text, ref.service_id) == ("referral", "Contact Leeds Nightstop", "svc-1")
    assert ref.checkin_at == T0 + timedelta(days=3)
    again = pathway.add_referral(sessions, ME, "housing", "svc-1", "Leeds Nightstop",
                                 timedelta(days=5))
    assert again == ref
    assert pathway.add_referral(sessions, YOU, "housing", "svc-1", "Leeds Nightstop",
                                timedelta(days=3)).id != ref.id
    pathway.set_status(sessions, ref.id, ME, "dropped")  # chosen again after dropping: new one
    new = pathway.add_referral(sessions, ME, "housing", "svc-1", "Leeds Nightstop",
                               timedelta(days=3))
    assert new.id != ref.id
    assert [s.id for s in pathway.plan(sessions, ME).steps] == [new.id]


def test_outcomes_are_validated_and_carry_the_framework_version(sessions):
    ref = pathway.add_referral(sessions, ME, "housing", "svc-1", "Leeds Nightstop",
                               timedelta(days=3))
    out = pathway.record_outcome(sessions, ME, ref.id, "turned_away", "full")
    assert (out.need, out.code, out.reason) == ("housing", "turned_away", "full")
    assert out.framework_version == outcomes.framework_version() == "1.0.0"
    assert pathway.plan(sessions, ME).steps[0].status == "todo"  # turned away: still to do
    pathway.record_outcome(sessions, ME, ref.id, "secured_emergency_accommodation")
    for code, reason, match in (("made_up", None, "not a check-in answer"),
                                ("received_emergency_food", None, "housing outcome"),
                                ("got_help", "full", "reason goes only with"),
                                ("turned_away", "rude", "not a reason code")):
        with pytest.raises(pathway.PathwayError, match=match):
            pathway.record_outcome(sessions, ME, ref.id, code, reason)
    pathway.record_outcome(sessions, ME, ref.id, "got_help")
    assert pathway.plan(sessions, ME).steps[0].status == "done"  # got help: step done
    with sessions() as s:
        rows = list(s.execute(select(ReferralOutcome).order_by(ReferralOutcome.id)).scalars())
    assert [(r.code, r.service_id, r.sender_id, r.framework_version) for r in rows] == [
        ("turned_away", "svc-1", ME, "1.0.0"),
        ("secured_emergency_accommodation", "svc-1", ME, "1.0.0"),
        ("got_help", "svc-1", ME, "1.0.0")]


def _three_steps(sessions, names=LONG_NAMES, done_first=True):
    a = pathway.add_referral(sessions, ME, "housing", "svc-a", names[0], timedelta(days=3))
    pathway.add_referral(sessions, ME, "food", "svc-b", names[1], timedelta(days=3))
    pathway.add_step(sessions, ME, "work", "Take my CV, passport and bank statement to the "
                     "Jobcentre Plus youth hub appointment on Wednesday at 10.30am", due_at=T0)
    if done_first:
        pathway.set_status(sessions, a.id, ME, "done")
    return pathway.plan(sessions, ME)


def test_plan_text_on_sms_fits_two_gsm_segments_for_three_steps(sessions):
    plan = _three_steps(sessions)
    sms = pathway.plan_text(plan, "sms")
    assert is_gsm(sms) and segments(sms) <= 2, sms
    lines = sms.splitlines()
    assert lines[0] == "Your plan:"
    assert [line[:7] for line in lines if line[:1].isdigit()] == ["1. [x] ", "2. [ ] ", "3. [ ] "]
    assert "Centrepoint" in sms and "Leeds North" in sms and "Jobcentre" in sms
    assert "more" not in sms  # all three steps shown
    full = pathway.plan_text(plan, "telegram")
    assert LONG_NAMES[0] in full and "Somewhere stable to live" in full and "by Tue 1 Dec" in full
    assert segments(full) > 2  # the chat version is not cut down


def test_plan_text_on_sms_with_extreme_names_still_fits(sessions):
    names = ["Ŵelsh Ýouth Ädvice " * 12, "Emoji 🏠 Housing " * 20, "Supercalifragilistic" * 20]
    plan = _three_steps(sessions, names, done_first=False)
    for i in range(7):  # and a long plan: the tail is counted, never cut mid-segment
        pathway.add_step(sessions, ME, "money", f"Step number {i} " + "words " * 30)
    for p in (plan, pathway.plan(sessions, ME)):
        sms = pathway.plan_text(p, "sms")
        assert is_gsm(sms) and segments(sms) <= 2, sms
    assert "more" in pathway.plan_text(pathway.plan(sessions, ME), "sms")


def test_empty_plan_text(sessions):
    for channel in ("sms", "telegram"):
        assert "don't have a plan" in pathway.plan_text(pathway.plan(sessions, ME), channel)


def test_pending_check_ins(sessions):
    from bot.pathway import checkin
    a = pathway.add_referral(sessions, ME, "housing", "svc-a", "Nightstop", timedelta(days=3),
                             now=T0)
    b = pathway.add_referral(sessions, YOU, "food", "svc-b", "Food Bank", timedelta(days=2),
                             now=T0)
    c = pathway.add_referral(sessions, ME, "work", "svc-c", "Jobs Hub", timedelta(days=3),
                             now=T0)
    pathway.add_step(sessions, ME, "work", "write my CV", due_at=T0)  # not a referral
    pending = checkin.pending(sessions)
    assert [(p.step_id, p.sender_id, p.need, p.service_id) for p in pending] == [
        (b.id, YOU, "food", "svc-b"), (a.id, ME, "housing", "svc-a"),
        (c.id, ME, "work", "svc-c")]
    assert pending[0].checkin_at == T0 + timedelta(days=2)
    pathway.record_outcome(sessions, YOU, b.id, "still_waiting")  # still open
    assert [p.step_id for p in checkin.pending(sessions)] == [b.id, a.id, c.id]
    pathway.record_outcome(sessions, YOU, b.id, "did_not_go")  # answered: not asked again
    pathway.set_status(sessions, c.id, ME, "dropped")  # dropped: not asked
    assert [p.step_id for p in checkin.pending(sessions)] == [a.id]
