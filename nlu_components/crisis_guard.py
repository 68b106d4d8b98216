"""CrisisGuard: makes crisis detection win over every other NLU result.

Runs after the intent classifier. If the maintained lexicon (``bot.safety``) finds risk to life,
self-harm, overdose, abuse or immediate danger, the message's intent becomes ``crisis`` with
full confidence, whatever the model said. If the model said ``crisis`` but the lexicon found
only an everyday exaggeration ("my feet are killing me"), or the model is unsure
(confidence below ``model_threshold``) and the lexicon found nothing, the next intent is used.
Otherwise the model's ``crisis`` stands. The lexicon carries recall (measured in
docs/benchmarks.md); the model adds phrasings the lexicon does not know yet.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety import assess


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisGuard(GraphComponent):
    """Override or veto the ``crisis`` intent using the crisis lexicon."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"crisis_intent": "crisis", "model_threshold": 0.8}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = config.get("crisis_intent", "crisis")
        self.model_threshold = float(config.get("model_threshold", 0.8))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def process_training_data(self, training_data):  # noqa: D401 - graph API
        return training_data

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/"):
            return  # button payloads name their intent explicitly
        result = assess(text)
        intent = message.get(INTENT) or {}
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        if result.crisis:
            # Other intents are scaled down so that no later component (FallbackClassifier's
            # ambiguity check) can read this as an unclear message.
            ranking = [{"name": self.intent, "confidence": 1.0}] + [
                {**r, "confidence": float(r.get("confidence") or 0) * 0.1}
                for r in ranking if r.get("name") != self.intent]
            message.set(INTENT, {"name": self.intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        elif intent.get("name") == self.intent and (
                result.benign_only or float(intent.get("confidence") or 0) < self.model_threshold):
            rest = [r for r in ranking if r.get("name") != self.intent]
            if rest:
                message.set(INTENT, dict(rest[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
