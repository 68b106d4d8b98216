"""NeedGuard: a message that states a need is read as that need, never as "I didn't get that".

Runs after the intent classifier and CommandClassifier, before CrisisGuard and the
FallbackClassifier:

* two needs close together at the top ("free condoms and contraception": health 0.51, sexual
  health 0.49) are not an unclear message but two readings of one: the first gets their summed
  confidence, so the FallbackClassifier's ambiguity check does not discard it, and the second
  stays in the ranking for the actions (``bot.directory.needs.detect_needs`` keeps it as a second need);
* a broader need whose sub-need the message names in so many words ("chlamydia test" read as
  health) becomes that sub-need, as ``bot.directory.needs.detect_needs`` reads it;
* a message the model reads as out of scope, or below the fallback threshold, that names a need
  in so many words (``bot.directory.needs.keyword_needs``: "gambling", "slots", "care leaver", "visa")
  gets that need's intent.

Anything else is left exactly as the model classified it.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.directory.needs import INTENT_PREFIX, keyword_needs, need_for_intent, parent_of

UNSURE = ("out_of_scope", "nlu_fallback", "inform", "greet")
# A need the model takes for another that shares its words: named in so many words, it wins
# as a sub-need does ("i skip meals to stay thin" read as food is an eating problem).
CONFUSED = {"food": "eating"}
# Needs whose words are specific enough to stand on their own ("work", "my mum" are not).
SPECIFIC = ("housing", "food", "money", "substance_use", "legal", "lgbtq", "sexual_health",
            "eating", "gambling", "carers", "care_leavers", "immigration", "domestic_abuse",
            "loneliness")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NeedGuard(GraphComponent):
    """Keep a stated need from falling back (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.3, "ambiguity": 0.2, "keyword_confidence": 0.9}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config.get("threshold", 0.3))
        self.ambiguity = float(config.get("ambiguity", 0.2))
        self.keyword_confidence = float(config.get("keyword_confidence", 0.9))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NeedGuard":
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def process_training_data(self, training_data):  # noqa: D401 - graph API
        return training_data

    @staticmethod
    def _is_need(name: str) -> bool:
        return name.startswith(INTENT_PREFIX) and need_for_intent(name) is not None

    @staticmethod
    def _named_sub_need(text: str, need: str) -> str:
        """The one sub-need of ``need`` the message names in so many words ("chlamydia test"
        read as health is sexual health; "immigration solicitor" read as legal is
        immigration; "skip meals to stay thin" read as food is an eating problem), else "":
        the search for a sub-need includes its parent's services, so naming it only narrows
        what is meant."""
        subs = [n for n in keyword_needs(text)
                if parent_of(n) == need or CONFUSED.get(need) == n]
        return subs[0] if len(subs) == 1 else ""

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if not text or text.startswith("/"):
            return
        ranking = [dict(r) for r in (message.get(INTENT_RANKING_KEY) or [])]
        top = dict(message.get(INTENT) or {})
        name, conf = str(top.get("name") or ""), float(top.get("confidence") or 0.0)
        if self._is_need(name):
            sub = self._named_sub_need(text, need_for_intent(name))
            if sub:  # the two swap places in the ranking
                parent, name = name, f"{INTENT_PREFIX}{sub}"
                swap = {parent: name, name: parent}
                ranking = [{**r, "name": swap.get(r.get("name"), r.get("name"))}
                           for r in ranking]
                top = {**top, "name": name}
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        if self._is_need(name) and len(ranking) > 1:
            second = ranking[1]
            if self._is_need(str(second.get("name"))) and \
                    conf - float(second.get("confidence") or 0) < self.ambiguity:
                conf = min(1.0, conf + float(second.get("confidence") or 0))
                ranking[0] = {**ranking[0], "confidence": conf}
                message.set(INTENT, {**top, "confidence": conf}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            if conf >= self.threshold:
                return
            # A need the model barely guessed ("pregabalin ... come off it safely": loneliness
            # 0.24) would fall back: a need the message names in so many words is taken instead.
        if name in UNSURE or conf < self.threshold:
            found = [n for n in keyword_needs(text) if n in SPECIFIC]
            if not found:
                return
            intent = f"{INTENT_PREFIX}{found[0]}"
            ranking = [{"name": intent, "confidence": self.keyword_confidence}] + [
                r for r in ranking if r.get("name") != intent]
            message.set(INTENT, {"name": intent, "confidence": self.keyword_confidence},
                        add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
