"""TextIntentClassifier: TF-IDF word and character n-grams plus lookup-table features,
classified by logistic regression (scikit-learn).

Why not DIET: on this data (≈2,600 short, slang-heavy messages, 21 intents) DIET trained for
80 epochs took 3-13 minutes on 2 cores and scored 0.70 macro-F1 on the held-out split, while
this linear model trains in seconds and generalises better. Character n-grams (1-4, inside word
boundaries) absorb typos and SMS-speak; the lookup tables in ``data/nlu/lookups.yml`` give one
feature per need vocabulary, so an unseen drug, benefit or clinic name still points to the right
need. See docs/benchmarks.md for the measured figures.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)
MODEL_FILE = "text_intent_classifier.joblib"


def _lookup_patterns(training_data: TrainingData) -> List[re.Pattern]:
    patterns = []
    for table in training_data.lookup_tables or []:
        terms = sorted({str(t).strip().lower() for t in table.get("elements", []) if str(t).strip()},
                       key=len, reverse=True)
        if terms:
            patterns.append(re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\b"))
    return patterns


class _Model:
    """Vectorisers, lookup patterns and classifier, persisted together."""

    def __init__(self, config: Dict[Text, Any], lookups: List[re.Pattern]) -> None:
        self.words = TfidfVectorizer(sublinear_tf=True, lowercase=True,
                                     ngram_range=(1, config["word_max_ngram"]))
        self.chars = TfidfVectorizer(sublinear_tf=True, lowercase=True, analyzer="char_wb",
                                     ngram_range=(config["char_min_ngram"],
                                                  config["char_max_ngram"]))
        self.lookups = lookups
        self.lookup_weight = float(config["lookup_weight"])
        # "balanced": each intent weighs the same however many examples it has, so the big
        # need intents (with their long first messages) do not swallow the small ones.
        self.clf = LogisticRegression(C=float(config["C"]), max_iter=int(config["max_iter"]),
                                      random_state=int(config["random_seed"]),
                                      class_weight=config.get("class_weight") or None)

    def _lookup_matrix(self, texts: List[str]) -> csr_matrix:
        rows = [[self.lookup_weight if p.search(t.lower()) else 0.0 for p in self.lookups]
                for t in texts]
        return csr_matrix(np.array(rows, dtype=float).reshape(len(texts), len(self.lookups)))

    def features(self, texts: List[str], fit: bool = False):
        if fit:
            parts = [self.words.fit_transform(texts), self.chars.fit_transform(texts)]
        else:
            parts = [self.words.transform(texts), self.chars.transform(texts)]
        if self.lookups:
            parts.append(self._lookup_matrix(texts))
        return hstack(parts).tocsr()

    def fit(self, texts: List[str], labels: List[str]) -> None:
        self.clf.fit(self.features(texts, fit=True), labels)
        self.for_prediction()

    def for_prediction(self) -> "_Model":
        """Keep the weights column-major: scikit-learn multiplies a message's sparse features by
        ``coef_.T``, and scipy copies that whole (features × intents) matrix on every call
        unless it is already contiguous that way (2.5 ms of a 4 ms prediction)."""
        self.clf.coef_ = np.asfortranarray(self.clf.coef_)
        return self

    def rank(self, text: str) -> List[Dict[str, Any]]:
        probs = self.clf.predict_proba(self.features([text]))[0]
        order = np.argsort(probs)[::-1]
        return [{"name": str(self.clf.classes_[i]), "confidence": float(probs[i])} for i in order]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TextIntentClassifier(GraphComponent, IntentClassifier):
    """Intent classification from raw text with scikit-learn."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "max_iter": 5000, "word_max_ngram": 2, "char_min_ngram": 1,
                "char_max_ngram": 4, "lookup_weight": 1.0, "random_seed": 42,
                "class_weight": None,
                "ranking_length": 10}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[_Model] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("fewer than two intents: TextIntentClassifier not trained")
            return self._resource
        model = _Model(self.config, _lookup_patterns(training_data))
        model.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        self.model = model
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TextIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE).for_prediction()
        except (ValueError, FileNotFoundError):
            logger.warning("no trained TextIntentClassifier found; intents will be empty")
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not self.model or not text:
                continue
            ranking = self.model.rank(text)[: int(self.config["ranking_length"])]
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
