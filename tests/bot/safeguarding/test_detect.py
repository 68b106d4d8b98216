"""The verdict: two tiers, the kind of risk, and what must never be flagged."""
from pathlib import Path

import pytest

from bot.safeguarding import CONCERN, URGENT, assess, stated_age, model as M

ROOT = Path(__file__).parents[3]


@pytest.mark.parametrize("text,kind", [
    ("took 30 paracetamol an hour ago and feel sick", "medical_emergency"),
    ("kicked out tonight and sleeping in a stairwell, im scared", "unsafe_homelessness"),
    ("they took my passport and say im getting married in pakistan next month",
     "forced_marriage"),
    ("someone has my nudes and says he'll post them unless i pay £200", "sextortion"),
    ("havent eaten in 5 days and i keep fainting at work", "eating_disorder"),
    ("a man at the party had sex with me when i was too drunk to stand, i said no",
     "sexual_assault"),
    ("my stepdad hits me when mum is at work", "abuse_at_home"),
    ("the older lads make me carry packages to other towns and say i owe them", "exploitation"),
])
def test_kinds_the_old_lexicon_missed_are_found_with_their_kind(text, kind):
    verdict = assess(text)
    assert verdict.signal, verdict
    assert verdict.kinds[0] == kind, verdict


@pytest.mark.parametrize("text", [
    "need food in leeds", "hi", "my feet are killing me", "dying for a coffee lol",
    "this exam is killing me", "what time does the jobcentre open", "im 19 and need a hostel",
    "can you help me find a job in manchester", "cutting class tomorrow lol",
    "how do i get the morning after pill", "i'm doing a project on county lines for school",
])
def test_everyday_messages_get_nothing(text):
    assert assess(text).tier is None, assess(text)


def test_service_requests_are_almost_never_flagged():
    """Typed requests for services (the NLU examples as they were when the detector was
    trained: its corpus file service_requests.jsonl; training data, so this is a regression
    guard, not an estimate: bench/crisis_cv.py measures the unseen part). Some are risk under
    the issue-15 kinds ("got kicked out tonight"), and the sub-needs of issue 16 bring requests
    the concern tier is meant to ask about ("been purging after meals for a year and wanna
    stop", "my partner checks my phone constantly is that abuse"): 32 of their 827."""
    texts = [e.text for e in M.load_corpus() if e.writer == "service_requests"]
    flagged = [t for t in texts if assess(t).signal]
    assert len(texts) > 2500
    assert len(flagged) <= 0.025 * len(texts), flagged[:20]
    assert len([t for t in texts if assess(t).crisis]) <= 0.005 * len(texts)


def test_older_project_sets_regression():
    """The issue-2 and issue-7 sets are training data now: a regression guard only."""
    rows = [e for e in M.load_corpus() if e.writer.startswith("project_")]
    crisis = [e for e in rows if e.label == "crisis"]
    near = [e for e in rows if e.label == "near_miss"]
    assert sum(assess(e.text).signal for e in crisis) >= 0.98 * len(crisis)
    assert sum(assess(e.text).signal for e in near) <= 0.05 * len(near)


def test_tiers_and_properties():
    urgent = assess("i want to die")
    assert urgent.tier == URGENT and urgent.crisis and urgent.signal and not urgent.concern
    assert urgent.categories == urgent.kinds
    nothing = assess("need a food bank")
    assert nothing.tier is None and not nothing.signal and nothing.kinds == ()


def test_concern_for_risk_that_is_not_clearly_immediate():
    verdict = assess("i'm not going to do anything but i keep thinking everyone would be "
                     "better off without me")
    assert verdict.signal
    assert any(assess(t).tier == CONCERN for t in (
        "my boyfriend checks my phone and gets angry if i see my friends, im ok at the moment",
        "sometimes i think about not being here but im safe right now",
        "i keep skipping meals to lose weight and feel dizzy sometimes"))


def test_empty_huge_and_odd_input():
    assert assess("").tier is None
    assert assess("   ").tier is None
    assert assess("i want to die " + "x " * 10000).crisis
    assert assess("x " * 10000 + "i want to die").crisis  # the end of a long message too
    assert assess("🙂" * 3000).tier is None


def test_same_verdict_for_the_same_text_is_cached():
    assert assess("i want to die") is assess("i want to die")


def test_stated_age():
    assert stated_age("im 15 and my dad hits me") == 15
    assert stated_age("14yo") == 14
    assert stated_age("im 19") is None
    assert stated_age("im 12 stone") is None


def test_the_end_of_a_long_message_is_read_too():
    """Issue 17, item 13: only the first 5,000 characters were read."""
    from bot.safeguarding.detect import MAX_WINDOWS, windows

    context = "today i went to college and then to work and then home for tea. " * 100
    assert len(context) > 6000
    verdict = assess(context + "and tonight i am going to kill myself")
    assert verdict.crisis
    assert not assess(context).signal
    # Long messages are read in windows to the end, with a cap on how many.
    assert windows("short") == ("short",)
    huge = "word " * 40000
    pieces = windows(huge + "end")
    assert len(pieces) == MAX_WINDOWS and pieces[-1].endswith("end")
