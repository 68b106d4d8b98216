"""Who a service is for, read from its words (bot/directory/eligibility.py, issue 16)."""
import pytest

from bot.directory.eligibility import (ANIMALS, OLDER_CARERS, PARENTS, PROFESSIONALS, VETERANS,
                                       WOMEN, read, reach)


@pytest.mark.parametrize("text,low,high", [
    ("A youth club for young people aged 11-16", 11, 16),
    ("Support for anyone up to 18", None, 18),
    ("Help until their 20th birthday", None, 19),
    ("Employment support for 18-24 year olds", 18, 24),
    ("A drop-in for under 25s", None, 24),
    ("Lunch club for the over 50s", 50, None),
    ("For those retired but not tired of life! Are you retired or semi-retired?", 50, None),
    ("University of the Third Age: monthly talks", 50, None),
    ("Run by a retired joiner, all welcome", None, None),
    ("Parents of children aged 0-5: stay and play", None, None),  # the children's ages
    ("We support children and young people with autism to thrive in school", None, 18),
    ("Children and young people in school, and adults too", None, None),
    ("Helping children and young people in school and at college", None, None),
])
def test_ages_from_words(text, low, high):
    e = read("Service", text)
    assert (e.minimum_age, e.maximum_age) == (low, high)


@pytest.mark.parametrize("text,audience", [
    ("Training for professionals working with young people", PROFESSIONALS),
    ("Support for veterans and their families", VETERANS),
    ("We rescue and rehome homeless dogs", ANIMALS),
    ("Baby massage for parents of babies", PARENTS),
    ("A women only drop-in", WOMEN),
    ("Peer support for carers of older relatives", OLDER_CARERS),
])
def test_audiences_from_words(text, audience):
    assert audience in read("Service", text).audiences


def test_young_homeless_people_are_not_animals():
    assert ANIMALS not in read("Nightstop", "Emergency beds for homeless young people").audiences


def test_reach():
    assert reach("A national helpline", False, False) == "national"
    assert reach("Drop in at our hub", True, False) == "local"
    assert reach("Phone support", False, True) == "remote"
    assert reach("Council service", False, False) == "area"


@pytest.mark.parametrize("text,place", [
    ("Foodbank serving the Isle of Axholme. Food top-ups are delivered", "Isle of Axholme"),
    ("Open to people living in Barton-upon-Humber and nearby", "Barton-upon-Humber"),
    ("Food for anyone in crisis who lives in Kirton in Lindsey. Call us", "Kirton in Lindsey"),
    ("Serving the community since 1990", None),
    ("Support for people living in poverty", None),
    ("A drop-in for anyone", None),
])
def test_the_place_a_service_says_it_serves(text, place):
    from bot.directory.eligibility import served_place

    assert served_place(text) == place
