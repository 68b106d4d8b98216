"""CrisisGuard on real Rasa Message objects."""
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


def test_lexicon_overrides_model_and_leaves_no_ambiguity():
    m = guard(message("kicked out last week and i just want to die",
                      [{"name": "need_housing", "confidence": 0.99},
                       {"name": "crisis", "confidence": 0.01}]))
    assert m.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    ranking = m.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "crisis" and ranking[1]["confidence"] <= 0.1


def test_exaggeration_vetoes_model_crisis():
    m = guard(message("my feet are killing me", [{"name": "crisis", "confidence": 0.95},
                                                  {"name": "out_of_scope", "confidence": 0.05}]))
    assert m.get(INTENT)["name"] == "out_of_scope"


def test_unsure_model_crisis_without_lexicon_support_is_vetoed():
    m = guard(message("i want to end my phone contract", [
        {"name": "crisis", "confidence": 0.7}, {"name": "need_legal", "confidence": 0.2}]))
    assert m.get(INTENT)["name"] == "need_legal"


def test_confident_model_crisis_stands():
    m = guard(message("everything is pointless and i am done", [
        {"name": "crisis", "confidence": 0.93}, {"name": "need_mental_health", "confidence": 0.05}]))
    assert m.get(INTENT)["name"] == "crisis"


def test_button_payloads_are_left_alone():
    m = guard(message("/need_food", [{"name": "need_food", "confidence": 1.0}]))
    assert m.get(INTENT)["name"] == "need_food"
