"""CrisisGuard on real Rasa Message objects: the detector's tier sets the intent."""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.crisis_guard import CrisisGuard


def message(text, ranking):
    m = Message(data={TEXT: text})
    m.set(INTENT, dict(ranking[0]))
    m.set(INTENT_RANKING_KEY, ranking)
    return m


def guard(m):
    return CrisisGuard({"model_threshold": 0.8}).process([m])[0]


def test_urgent_overrides_the_model_and_leaves_no_ambiguity():
    m = guard(message("kicked out last week and i just want to die",
                      [{"name": "need_housing", "confidence": 0.99},
                       {"name": "crisis", "confidence": 0.01}]))
    assert m.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    ranking = m.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "crisis" and ranking[1]["confidence"] <= 0.1
    assert ranking[1]["name"] == "need_housing"  # the need is still there, scaled down


def test_explicit_statement_is_never_vetoed():
    m = guard(message("i could kill myself tonight", [{"name": "out_of_scope", "confidence": 0.9},
                                                      {"name": "crisis", "confidence": 0.1}]))
    assert m.get(INTENT)["name"] == "crisis"


def test_concern_sets_the_concern_intent():
    m = guard(message("sometimes i think about not being here but im safe right now",
                      [{"name": "need_mental_health", "confidence": 0.9}]))
    assert m.get(INTENT)["name"] in ("concern", "crisis")
    m = guard(message("my bf checks my phone and gets angry when i see friends, im ok atm",
                      [{"name": "need_family", "confidence": 0.9}]))
    assert m.get(INTENT)["name"] == "concern"


def test_exaggeration_vetoes_model_crisis():
    m = guard(message("my feet are killing me", [{"name": "crisis", "confidence": 0.7},
                                                  {"name": "out_of_scope", "confidence": 0.3}]))
    assert m.get(INTENT)["name"] == "out_of_scope"


def test_a_confident_model_crisis_is_kept_as_a_concern():
    m = guard(message("qwerty zxcv", [{"name": "crisis", "confidence": 0.93},
                                       {"name": "out_of_scope", "confidence": 0.05}]))
    assert m.get(INTENT)["name"] == "concern"


def test_everyday_messages_keep_the_models_intent():
    m = guard(message("need food in leeds", [{"name": "need_food", "confidence": 0.97}]))
    assert m.get(INTENT)["name"] == "need_food"


def test_button_payloads_are_left_alone():
    m = guard(message("/need_food", [{"name": "need_food", "confidence": 1.0}]))
    assert m.get(INTENT)["name"] == "need_food"
