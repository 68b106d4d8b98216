"""The safety check: answers, and the pending state on the contact."""
from datetime import datetime, timedelta, timezone

import pytest

from bot.privacy import consent
from bot.safeguarding import check


@pytest.mark.parametrize("text", ["yes", "Yes, I'm safe", "yeah", "yh", "im fine", "ok",
                                  "safe for now", "i think so", "yes thanks", "YES"])
def test_safe(text):
    assert check.answer(text) == check.SAFE


@pytest.mark.parametrize("text", ["no", "No, I'm not safe", "nope", "not really", "idk",
                                  "not sure", "i dont know", "help", "NO", "nah", "kinda"])
def test_not_safe_errs_on_safety(text):
    assert check.answer(text) == check.UNSAFE


@pytest.mark.parametrize("text", ["need food in leeds", "what", "", "i'm 19",
                                  "yes i need a hostel in leeds tonight please and food too"])
def test_other_messages_are_not_answers(text):
    assert check.answer(text) is None


def test_pending_state_on_the_contact(sessions):
    assert consent.state(sessions, "s1").safety_check is None
    check.ask(sessions, "s1", "rest", ["eating_disorder"])
    pending = consent.state(sessions, "s1").safety_check
    assert pending is not None and pending.kinds == ("eating_disorder",)
    later = datetime.now(timezone.utc) + timedelta(minutes=check.CHECK_MINUTES + 1)
    assert consent.state(sessions, "s1", now=later).safety_check is None  # it lapses
    check.clear(sessions, "s1")
    assert consent.state(sessions, "s1").safety_check is None
    check.clear(sessions, "never-seen")  # nothing to clear: no error
