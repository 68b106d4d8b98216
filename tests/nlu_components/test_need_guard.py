"""NeedGuard on real Rasa Message objects: a stated need is never lost or left too broad."""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.need_guard import NeedGuard


def guard(text, ranking):
    m = Message(data={TEXT: text})
    m.set(INTENT, dict(ranking[0]))
    m.set(INTENT_RANKING_KEY, [dict(r) for r in ranking])
    return NeedGuard(NeedGuard.get_default_config()).process([m])[0]


def test_a_named_sub_need_narrows_its_broader_need():
    m = guard("do i go to my gp or a clinic for a chlamydia test",
              [{"name": "need_health", "confidence": 0.8},
               {"name": "need_sexual_health", "confidence": 0.1},
               {"name": "need_legal", "confidence": 0.1}])
    assert m.get(INTENT) == {"name": "need_sexual_health", "confidence": 0.8}
    assert [r["name"] for r in m.get(INTENT_RANKING_KEY)] == [
        "need_sexual_health", "need_health", "need_legal"]
    m = guard("need an immigration solicitor", [{"name": "need_legal", "confidence": 0.9}])
    assert m.get(INTENT)["name"] == "need_immigration"


def test_an_eating_problem_read_as_food_is_an_eating_problem():
    m = guard("i skip meals to stay thin and feel guilty when i eat, 18, leeds",
              [{"name": "need_food", "confidence": 0.6},
               {"name": "need_eating", "confidence": 0.3}])
    assert m.get(INTENT)["name"] == "need_eating"
    m = guard("skint, no food till friday, any food banks", [{"name": "need_food",
                                                             "confidence": 0.9}])
    assert m.get(INTENT)["name"] == "need_food"


def test_a_sub_need_of_another_need_or_two_of_them_change_nothing():
    # "visa" is a sub-need of legal, not of health: the model's reading stands.
    m = guard("need a doctor for my visa medical", [{"name": "need_health", "confidence": 0.9}])
    assert m.get(INTENT)["name"] == "need_health"
    # Two sub-needs of family named ("foster carers": carers and care leavers): not guessed.
    m = guard("staying put with my foster carers", [{"name": "need_family", "confidence": 0.7}])
    assert m.get(INTENT)["name"] == "need_family"


def test_out_of_scope_naming_a_need_gets_it():
    m = guard("is there help for betting in grimsby",
              [{"name": "out_of_scope", "confidence": 0.6}])
    assert m.get(INTENT)["name"] == "need_gambling"


def test_a_barely_guessed_need_gives_way_to_one_the_message_names():
    m = guard("25, grimsby. been taking pregabalin off the street, want to come off it safely",
              [{"name": "need_loneliness", "confidence": 0.24},
               {"name": "out_of_scope", "confidence": 0.2}])
    assert m.get(INTENT)["name"] == "need_substance_use"
    # Sure enough of its own reading: kept.
    m = guard("so lonely since i stopped drinking", [{"name": "need_loneliness", "confidence": 0.8}])
    assert m.get(INTENT)["name"] == "need_loneliness"
