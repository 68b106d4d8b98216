import pytest

from bot.parsing import parse_age, pick_result


@pytest.mark.parametrize("text,whole,age", [
    ("19", True, 19), ("im 17", False, 17), ("I'm 22 yrs old", False, 22), ("age 18", False, 18),
    ("nineteen", True, 19), ("twenty one", True, 21), ("19yo", False, 19),
    ("19", False, None), ("i have 20 quid", False, None), ("im 3", True, None),
    ("150", True, None), ("no idea", True, None), ("i'm 19 and homeless in Miami", False, 19)])
def test_parse_age(text, whole, age):
    assert parse_age(text, whole_message_is_answer=whole) == age


NAMES = ["Northgate Youth Hub", "Kirkgate Pantry", "Don Valley Housing"]


@pytest.mark.parametrize("text,entity,index", [
    ("2", None, 1), ("tell me more about the second one", None, 1), ("the last one", None, 2),
    ("/ask_detail", "1", 0), ("what about the pantry", None, 1), ("number 9", None, None),
    ("more about don valley", None, 2)])
def test_pick_result(text, entity, index):
    assert pick_result(text, NAMES, entity) == index


def test_pick_result_no_names():
    assert pick_result("1", []) is None
