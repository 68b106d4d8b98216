"""Crisis detection: clear crisis phrases trigger, everyday exaggerations do not."""
from pathlib import Path

import pytest
import yaml

from bot.safety import assess, crisis_message, region_help

EVAL = yaml.safe_load((Path(__file__).parent.parent / "data" / "crisis_eval.yml").read_text())

ISSUE_CRISIS = ["i want to die", "been self harming",
                "scared of my partner, he threatens me"]
ISSUE_NEAR_MISS = ["my feet are killing me", "dying for a coffee lol"]


@pytest.mark.parametrize("text", ISSUE_CRISIS + [c["text"] for c in EVAL["crisis"]])
def test_crisis_phrases_are_detected(text):
    assert assess(text).crisis, text


@pytest.mark.parametrize("text", ISSUE_NEAR_MISS + [n["text"] for n in EVAL["near_miss"]])
def test_near_misses_are_not_crisis(text):
    assert not assess(text).crisis, (text, assess(text).categories)


def test_categories():
    assert "abuse" in assess("my stepdad hits me").categories
    assert "overdose" in assess("took 20 paracetamol").categories
    assert "self_harm" in assess("i cut myself again").categories
    assert "danger" in assess("someone is outside my door with a knife").categories


def test_benign_flag_only_when_nothing_risky_remains():
    assert assess("this queue is killing me").benign_only
    mixed = assess("my feet are killing me and i want to die")
    assert mixed.crisis and not mixed.benign_only


def test_empty_and_huge_input():
    assert not assess("").crisis
    assert assess("x " * 10000 + "i want to die").crisis is False  # beyond 5,000 chars: cut
    assert assess("i want to die " + "x " * 10000).crisis


@pytest.mark.parametrize("region,emergency,line", [
    ("GB", "999", "116 123"), ("US", "911", "988"), ("SG", "995", "1767")])
def test_helplines_per_region(region, emergency, line):
    text = crisis_message(region, ("suicide",))
    assert text.splitlines()[0].endswith(f"call {region_help(region).emergency}.")
    assert emergency in text and line in text


def test_uk_helplines_from_issue():
    text = crisis_message("GB", ("suicide",), under_18=True)
    for needle in ("999", "116 123", "85258", "0800 1111"):
        assert needle in text


def test_abuse_puts_abuse_line_first():
    lines = crisis_message("GB", ("abuse",)).splitlines()
    assert "Domestic Abuse" in lines[1] or "Samaritans" in lines[1]
    assert any("0808 2000 247" in line for line in lines)


def test_unknown_region_falls_back_to_gb():
    assert region_help("ZZ").region == "GB"
