import pytest

from bot.directory.parsing import parse_age, pick_result


@pytest.mark.parametrize("text,whole,age", [
    ("19", True, 19), ("im 17", False, 17), ("I'm 22 yrs old", False, 22), ("age 18", False, 18),
    ("nineteen", True, 19), ("twenty one", True, 21), ("19yo", False, 19),
    ("19", False, None), ("i have 20 quid", False, None), ("im 3", True, None),
    ("150", True, None), ("no idea", True, None), ("i'm 19 and homeless in Miami", False, 19)])
def test_parse_age(text, whole, age):
    assert parse_age(text, whole_message_is_answer=whole) == age


@pytest.mark.parametrize("text,age", [
    ("21f from york. been on the housing list 2 years", 21),  # "2 years" is no age
    ("no food till friday. 23 hull", 23), ("got my status, 20, in bedford. what now", 20),
    ("18 wigan, need a job", 18), ("young carer here (18) in chatham", 18),
    ("any support near gloucester? 19", 19), ("sixteen, stockport, i cry all the time", 16),
    ("moved out. 17 and in hackney", 17),
    ("overthinking everything and can't sleep. 18, york. what support is there", 18),  # not "yo"
    ("lgbtq+ support in belfast for someone 20?", 20), ("25 & gay, just moved here", 25),
    # not ages
    ("we are 20, people keep staring", None), ("there are 15 of us", None),
    ("meet at 10. 30 people came", None), ("open 24/7?", None), ("since 2019. help", None),
    ("owe him 20. 15 quid left", None), ("my mum is 45, shes ill", None)])
def test_an_age_said_on_its_own_in_a_longer_message(text, age):
    assert parse_age(text) == age


NAMES = ["Northgate Youth Hub", "Kirkgate Pantry", "Don Valley Housing"]


@pytest.mark.parametrize("text,entity,index", [
    ("2", None, 1), ("tell me more about the second one", None, 1), ("the last one", None, 2),
    ("/ask_detail", "1", 0), ("what about the pantry", None, 1), ("number 9", None, None),
    ("more about don valley", None, 2)])
def test_pick_result(text, entity, index):
    assert pick_result(text, NAMES, entity) == index


def test_pick_result_no_names():
    assert pick_result("1", []) is None
