"""CrisisGuard: makes crisis detection win over every other NLU result.

Runs after the intent classifier. If the maintained lexicon (``bot.safety``) finds risk to life,
self-harm, overdose, abuse or immediate danger, the message's intent becomes ``crisis`` with
full confidence, whatever the model said. If the model said ``crisis`` but the lexicon found
only an everyday exaggeration ("my feet are killing me"), the next intent is used instead.
Otherwise the model's ``crisis`` stands: we err on the side of safety.
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
        return {"crisis_intent": "crisis"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = config.get("crisis_intent", "crisis")

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
            ranking = [{"name": self.intent, "confidence": 1.0}] + [
                r for r in ranking if r.get("name") != self.intent]
            message.set(INTENT, {"name": self.intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        elif intent.get("name") == self.intent and result.benign_only:
            rest = [r for r in ranking if r.get("name") != self.intent]
            if rest:
                message.set(INTENT, dict(rest[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
