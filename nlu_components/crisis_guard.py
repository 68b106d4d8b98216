"""CrisisGuard: the crisis detector's verdict wins over every other NLU result.

Runs after the intent classifiers. ``bot.safeguarding.assess`` judges every typed message:

* **urgent** (explicit statement, or the trained detector is sure): the intent becomes
  ``crisis`` with full confidence;
* **concern**: the intent becomes ``concern`` (the dialogue asks "are you safe right now?");
* **nothing**: the NLU model's own ``crisis`` guess is kept only as a concern, and only when it
  is confident (``model_threshold``); otherwise the next intent is used. The detector, trained
  on several thousand messages, decides what is urgent; the intent model has a few dozen crisis
  examples.

The other intents are scaled down (``OTHER_INTENT_SCALE``), so no later component (the
FallbackClassifier's ambiguity check) reads a risk message as unclear; actions divide by the
same factor to recover the need inside a concern message.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safeguarding import assess
from bot.safeguarding.detect import OTHER_INTENT_SCALE
from bot.safeguarding.model import get_detector


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisGuard(GraphComponent):
    """Set the ``crisis`` or ``concern`` intent from the crisis detector."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"crisis_intent": "crisis", "concern_intent": "concern", "model_threshold": 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = config.get("crisis_intent", "crisis")
        self.concern = config.get("concern_intent", "concern")
        self.model_threshold = float(config.get("model_threshold", 0.8))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisGuard":
        get_detector()  # load (or train) it while the model loads, not on the first message
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def process_training_data(self, training_data):  # noqa: D401 - graph API
        return training_data

    @staticmethod
    def _set(message: Message, name: str, ranking: List[Dict[str, Any]]) -> None:
        ranking = [{"name": name, "confidence": 1.0}] + [
            {**r, "confidence": float(r.get("confidence") or 0) * OTHER_INTENT_SCALE}
            for r in ranking if r.get("name") != name]
        message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/"):
            return  # button payloads name their intent explicitly
        result = assess(text)
        intent = message.get(INTENT) or {}
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or [])
                   if r.get("name") not in (self.intent, self.concern)]
        if result.crisis:
            self._set(message, self.intent, ranking)
        elif result.concern:
            self._set(message, self.concern, ranking)
        elif intent.get("name") in (self.intent, self.concern):
            if float(intent.get("confidence") or 0) >= self.model_threshold:
                self._set(message, self.concern, ranking)
            elif ranking:
                message.set(INTENT, dict(ranking[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
