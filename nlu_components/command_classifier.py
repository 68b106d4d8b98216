"""CommandClassifier: short plan and feedback commands ("my plan", "done 2", "I'll try this
one", "review where I went", "leave a tip", "talk to a peer mentor") get their intent from the
patterns in ``bot.pathway.commands``, whatever the model guessed; and no typed message gets an
``EXTERNAL_`` intent (reminders trigger those).

Runs after the intent classifier and before CrisisGuard, so a crisis still wins. Anything that
is not a command is left exactly as the model classified it (the held-out NLU figures in
docs/benchmarks.md are unchanged by this component).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.pathway.commands import command

EXTERNAL = "EXTERNAL_"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CommandClassifier(GraphComponent):
    """Set the intent of a recognised command with full confidence."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CommandClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._classify(message)
        return messages

    def process_training_data(self, training_data):  # noqa: D401 - graph API
        return training_data

    @staticmethod
    def _classify(message: Message) -> None:
        text = message.get(TEXT) or ""
        name = command(text)
        if name is None:
            _no_external(message)
            return
        ranking = [{"name": name, "confidence": 1.0}] + [
            {**r, "confidence": float(r.get("confidence") or 0) * 0.1}
            for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != name]
        message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _no_external(message: Message) -> None:
    """A typed message never takes an ``EXTERNAL_`` intent (those come from reminders)."""
    intent = message.get(INTENT) or {}
    if not str(intent.get("name") or "").startswith(EXTERNAL):
        return
    rest = [r for r in (message.get(INTENT_RANKING_KEY) or [])
            if not str(r.get("name") or "").startswith(EXTERNAL)]
    if rest:
        message.set(INTENT, dict(rest[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
