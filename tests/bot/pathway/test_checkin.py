"""Check-in answers from free text, the check-in hours, and the asked-once mark."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.pathway import checkin, pathway


@pytest.mark.parametrize("text,code", [
    ("they turned me away", "turned_away"), ("They couldn't help me", "turned_away"),
    ("I went but they were full", "turned_away"), ("no one answered", "turned_away"),
    ("I got help", "got_help"), ("it went well thanks", "got_help"), ("i got a bed", "got_help"),
    ("got through to them", "reached"), ("I spoke to them", "reached"),
    ("still waiting", "still_waiting"), ("haven't heard back", "still_waiting"),
    ("didn't go", "did_not_go"), ("I didn't call them", "did_not_go"), ("not yet", "did_not_go"),
    ("They couldn't help", "turned_away"), ("got_help", "got_help"),
])
def test_answers(text, code):
    assert checkin.parse_answer(text) == code


@pytest.mark.parametrize("text", ["", "hello", "what time is it", "leeds"])
def test_no_answer(text):
    assert checkin.parse_answer(text) is None


@pytest.mark.parametrize("text,reason", [
    ("they were full", "full"), ("no beds left", "full"), ("I'm too old for it", "not_eligible"),
    ("it was closed", "closed"), ("nobody picked up", "no_answer"),
    ("something else", "other"), ("They were full", "full"),
])
def test_reasons(text, reason):
    assert checkin.parse_reason(text) == reason


def test_every_framework_answer_has_a_label():
    codes = [c for c, _ in checkin.answer_labels()]
    assert codes == ["reached", "got_help", "turned_away", "still_waiting", "did_not_go"]
    for code, label in checkin.answer_labels():
        assert checkin.parse_answer(label) == code, label  # the buttons read back
    for code, label in checkin.reason_labels():
        assert checkin.parse_reason(label) == code, label


def test_check_in_hours_move_a_night_time_check_in_to_the_morning():
    spec, tz = "Mon-Sun 10:00-20:00", "Europe/London"
    night = datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)  # 23:30 in London
    assert checkin.next_allowed(night, spec, tz) == datetime(2026, 12, 3, 10, 0,
                                                             tzinfo=timezone.utc)
    day = datetime(2026, 12, 2, 12, 7, tzinfo=timezone.utc)
    assert checkin.next_allowed(day, spec, tz) == day
    summer = datetime(2026, 7, 2, 8, 0, tzinfo=timezone.utc)  # 09:00 BST
    assert checkin.next_allowed(summer, spec, tz) == datetime(2026, 7, 2, 9, 0,
                                                              tzinfo=timezone.utc)
    assert checkin.next_allowed(night, "always", tz) == night


def test_pending_check_ins_are_asked_once_and_close_with_an_outcome(sample_sessions):
    s = sample_sessions
    now = datetime.now(timezone.utc)
    a = pathway.add_referral(s, "sender-a", "housing", "svc-1", "Leeds Nightstop",
                             timedelta(days=3), now=now)
    pathway.add_referral(s, "sender-b", "food", "svc-2", "Food bank", timedelta(days=3), now=now)
    assert set(checkin.senders_with_pending(s)) == {"sender-a", "sender-b"}
    item = checkin.pending_step(s, "sender-a", a.id, include_asked=False)
    assert item.reminder_name == f"checkin_{a.id}" and item.need == "housing"
    assert checkin.pending_step(s, "sender-b", a.id) is None  # not theirs
    assert not checkin.mark_asked(s, "sender-b", a.id)
    assert checkin.mark_asked(s, "sender-a", a.id)
    assert checkin.pending_step(s, "sender-a", a.id, include_asked=False) is None
    assert checkin.pending_step(s, "sender-a", a.id).asked
    assert set(checkin.senders_with_pending(s)) == {"sender-b"}
    pathway.record_outcome(s, "sender-a", a.id, "turned_away", "full")
    assert checkin.pending_step(s, "sender-a", a.id) is None


def test_still_waiting_is_asked_again_twice_at_most(sample_sessions):
    s = sample_sessions
    now = datetime.now(timezone.utc)
    step = pathway.add_referral(s, "sender-w", "housing", "svc-1", "Nightstop",
                                timedelta(days=3), now=now)
    assert checkin.ask_again(s, "sender-x", step.id, timedelta(days=3)) is None  # not theirs
    for _ in range(checkin.MAX_WAITS):
        checkin.mark_asked(s, "sender-w", step.id)
        pathway.record_outcome(s, "sender-w", step.id, "still_waiting")
        again = checkin.ask_again(s, "sender-w", step.id, timedelta(days=3), now=now)
        assert again == now + timedelta(days=3)
        item = checkin.pending_step(s, "sender-w", step.id, include_asked=False)
        assert item is not None and item.checkin_at == again  # open again, not asked yet
    checkin.mark_asked(s, "sender-w", step.id)
    pathway.record_outcome(s, "sender-w", step.id, "still_waiting")
    assert checkin.ask_again(s, "sender-w", step.id, timedelta(days=3)) is None
    assert checkin.pending_step(s, "sender-w", step.id) is None  # no more check-ins
