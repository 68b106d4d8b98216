"""Splitting long messages on natural boundaries."""
import pytest

from bot.channels.textsplit import split_text

TEXT = ("Here's somewhere to stay help near Leeds:\n\n1. Shelter One\nA hostel. Beds tonight.\n\n"
        "2. Shelter Two\nAdvice and help. Call first!")


@pytest.mark.parametrize("limit", [8, 15, 30, 60, 4096])
def test_parts_fit_and_keep_every_word(limit):
    parts = split_text(TEXT, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(TEXT.split())  # nothing lost


def test_prefers_paragraphs_then_sentences():
    assert split_text(TEXT, 60)[0] == "Here's somewhere to stay help near Leeds:"
    assert split_text("One two. Three four.", 10) == ["One two.", "Three", "four."]
    assert split_text("", 10) == [] and split_text("short", 10) == ["short"]


def test_custom_measure_and_long_words():
    parts = split_text("x" * 25, 10)
    assert parts == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("ab cd", 4, measure=lambda s: 2 * len(s)) == ["ab", "cd"]
    with pytest.raises(ValueError):
        split_text("x", 0)
