"""Plan and feedback commands are recognised by pattern, and nothing else is."""
from __future__ import annotations

import pytest

from bot.pathway.commands import (CHOOSE, MY_PLAN, PEER, PLAN_EDIT, RATE, TIP, PlanEdit,
                                   chosen_number, command, plan_edit)


@pytest.mark.parametrize("text,intent", [
    ("my plan", MY_PLAN), ("Show me my plan", MY_PLAN), ("what's on my plan?", MY_PLAN),
    ("PLAN", MY_PLAN), ("done 2", PLAN_EDIT), ("2 done", PLAN_EDIT),
    ("mark 2 as done", PLAN_EDIT), ("drop 3", PLAN_EDIT), ("remove step 1", PLAN_EDIT),
    ("undo 2", PLAN_EDIT), ("change 1 to call them Tuesday", PLAN_EDIT),
    ("add step go to the food bank Tue 10am", PLAN_EDIT),
    ("I'll try this one", CHOOSE), ("I'll try 2", CHOOSE), ("i will try that one", CHOOSE),
    ("choose 2", CHOOSE), ("add it to my plan", CHOOSE), ("try 3", CHOOSE),
    ("I want to review where I went", RATE), ("review", RATE), ("leave a review", RATE),
    ("leave a tip", TIP), ("I have a tip", TIP),
    ("can I talk to a peer mentor", PEER), ("talk to someone who's been through it", PEER),
])
def test_commands_are_recognised(text, intent):
    assert command(text) == intent


@pytest.mark.parametrize("text", [
    "I need somewhere to stay", "I'm done with everything", "i want to die", "done", "2",
    "the plan is to kill myself", "my plan is to end it all", "leeds", "delete my data",
    "I'll try anything", "/choose_service", "", "LS1 4AP", "I've got no plan",
    "I'm 19", "review my benefits claim with me",
])
def test_everything_else_is_left_to_the_model(text):
    assert command(text) is None


@pytest.mark.parametrize("text,edit", [
    ("done 2", PlanEdit("done", 2)), ("tick off 1", PlanEdit("done", 1)),
    ("drop 3", PlanEdit("drop", 3)), ("delete step 2", PlanEdit("drop", 2)),
    ("undo 1", PlanEdit("undo", 1)),
    ("change 2 to ring them on Monday", PlanEdit("change", 2, "ring them on Monday")),
    ("add step: take ID to the jobcentre", PlanEdit("add", None, "take ID to the jobcentre")),
])
def test_plan_edits_say_what_to_change(text, edit):
    assert plan_edit(text) == edit


def test_the_chosen_number():
    assert chosen_number("I'll try 2") == 2
    assert chosen_number("I'll go with the first one") == 1
    assert chosen_number("I'll try this one") is None


def test_a_stated_need_is_not_a_request_for_a_peer_mentor():
    from bot.pathway.commands import PEER, command

    assert command("can i talk to someone who gets it") == PEER
    assert command("left an abusive relationship, want to talk to someone who gets it") is None
