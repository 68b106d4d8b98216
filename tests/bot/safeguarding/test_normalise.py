"""Normalisation for detection: invisible characters, look-alikes, leetspeak, SMS-speak."""
import pytest

from bot.safeguarding.normalise import MAX_CHARS, normalise


@pytest.mark.parametrize("raw,expected", [
    ("i want to d\u200bie", "i want to die"),  # zero-width space
    ("i want to d\u200die", "i want to die"),  # zero-width joiner
    ("i\u00adwant to die", "iwant to die"),  # soft hyphen
    ("ｋｉｌｌ myself", "kill myself"),  # full-width letters (NFKC)
    ("sооicide", "suicide"),  # Cyrillic о
    ("suïcide", "suicide"),  # accents
    ("I W4NT TO K!LL MYSELF", "i want to kill myself"),
    ("su1c1de", "suicide"),
    ("k i l l myself", "kill myself"),
    ("kms", "kill myself"),
    ("ctb tonight", "suicide tonight"),
    ("unalive myself", "kill myself"),
    ("neck myself", "kill myself"),
    ("i wnt 2 die 2nite", "i want to die tonight"),
    ("r u ok", "are you ok"),
    ("it’s", "it's"),
])
def test_first_form(raw, expected):
    assert normalise(raw)[0] == expected


def test_repeated_letters_give_two_forms():
    assert normalise("i wanna diiiie") == ("i wanna diie", "i wanna die")
    assert normalise("killl myself")[0] == "kill myself"
    assert len(normalise("need food in leeds")) == 1


@pytest.mark.parametrize("text", ["21st birthday at 10pm", "im 19", "took 2 of them",
                                  "5mg twice a day", "call 0800 1111"])
def test_numbers_that_are_numbers_stay(text):
    assert normalise(text)[0] == text


@pytest.mark.parametrize("raw,expected", [
    ("i relapsed on sh", "self harm"), ("urges to sh again", "self harm"),
    ("took an od last night", "overdose"), ("od'd on my meds", "overdosed"),
])
def test_sh_and_od_expand_only_where_they_mean_it(raw, expected):
    assert expected in normalise(raw)[0]


@pytest.mark.parametrize("text", ["thats od funny", "sh be quiet", "shh"])
def test_sh_and_od_as_other_slang_stay(text):
    form = normalise(text)[0]
    assert "overdose" not in form and "self harm" not in form


def test_kmsl_is_laughing():
    assert "kill" not in normalise("kmsl that video")[0]


def test_bounded():
    assert len(normalise("x " * 50000)[0]) <= MAX_CHARS
    assert normalise("") == ("",)
