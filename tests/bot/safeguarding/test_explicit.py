"""Nothing cancels an explicit statement (issue 15): every one is urgent, whatever else the
message says; phrases that are not a statement about the writer now are left to the detector."""
from pathlib import Path

import pytest
import yaml

from bot.safeguarding import assess
from bot.safeguarding.lexicon import explicit
from bot.safeguarding.normalise import normalise

LIST = yaml.safe_load((Path(__file__).parents[2] / "data" / "crisis_explicit.yml")
                      .read_text("utf-8"))


def test_the_list_has_the_issue_phrases_and_thirty_variants():
    assert {"i could kill myself tonight", "I'd kill myself before going back there",
            "he will kill me if he finds me", "theyre gonna kill me if they find me"} <= set(
        LIST["urgent"])
    assert len(LIST["urgent"]) >= 34


@pytest.mark.parametrize("text", LIST["urgent"])
def test_explicit_statements_are_urgent(text):
    verdict = assess(text)
    assert verdict.crisis and verdict.explicit, (text, verdict)
    assert verdict.kinds


@pytest.mark.parametrize("text", LIST["not_explicit"])
def test_idioms_negations_and_the_past_are_not_explicit(text):
    assert not any(explicit(form) for form in normalise(text)), text


@pytest.mark.parametrize("text,kind", [
    ("he will kill me if he finds me", {"danger_from_others", "partner_violence",
                                        "abuse_at_home"}),
    ("i could kill myself tonight", {"suicidal_ideation", "suicide_plan"}),
    ("been cutting myself again", {"self_harm"}),
])
def test_an_explicit_statement_keeps_the_kind_in_its_family(text, kind):
    assert assess(text).kinds[0] in kind
