"""The trained crisis detector: scikit-learn on character and word n-grams.

Trained on ``corpus/`` (young people's messages written by several independent writers,
labelled crisis or near miss, with the kind and, for crisis, the tier; provenance in
``corpus/README.md``). Two linear models share one feature space (TF-IDF of character n-grams
within words, 1-5, and words, 1-2, over the normalised text):

* a one-vs-rest logistic regression over every kind (12 crisis kinds, 8 near-miss kinds and
  ordinary service requests): P(crisis) is the share of the crisis kinds, and the most likely
  crisis kind chooses the helplines;
* a logistic regression, on crisis messages only, for the tier: P(urgent | crisis).

Chosen by leave-one-writer-out cross-validation over the training writers (bench/crisis_cv.py,
docs/safety.md): the kind-level model beat a binary one, an averaged ensemble and a classifier
on MiniLM sentence embeddings, and it scores a message in well under a millisecond.

scikit-learn fits the models. Scoring one message through scikit-learn's ``transform`` and
``predict_proba`` costs about 1 ms of input validation and sparse-matrix building, so
:class:`Detector` keeps the fitted vocabularies, IDF weights and coefficients and computes the
same numbers directly (checked against scikit-learn in tests/bot/safeguarding/test_model.py).

Training takes a few seconds, so the fitted detector is cached under the model directory,
keyed by a hash of the corpus, this code and the scikit-learn version (``navigator setup`` and
``navigator train`` build it ahead of time).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.safeguarding.kinds import MODEL_KINDS
from bot.safeguarding.normalise import normalise

logger = logging.getLogger(__name__)
CHAR_NGRAMS = (1, 5)
WORD_NGRAMS = (1, 2)
MIN_DF = 2
KIND_C = 10.0
TIER_C = 10.0
SERVICE_WEIGHT = 1.0  # ordinary service requests (data/nlu) weigh like any message
LABELS = ("crisis", "near_miss")
TIERS = ("urgent", "concern", "")
WORD_TOKENS = r"(?u)\b\w[\w']*\b"


@dataclass(frozen=True)
class Example:
    """One corpus message."""

    text: str
    label: str  # crisis | near_miss
    kind: str
    tier: str  # urgent | concern | "" (near misses, and older sets without a tier)
    writer: str  # the corpus file it came from


class CorpusError(ValueError):
    """A corpus line that cannot be used (the message says which file and line)."""


def corpus_files() -> List[Path]:
    """The corpus files shipped with the package, in name order."""
    root = resources.files("bot.safeguarding") / "corpus"
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".jsonl"))


def load_corpus(files: Optional[Sequence[Path]] = None) -> List[Example]:
    """Every example of the corpus files; :class:`CorpusError` on a malformed line."""
    out: List[Example] = []
    for path in files if files is not None else corpus_files():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, label, kind = str(row["text"]), row["label"], str(row["kind"])
                tier = str(row.get("tier") or "")
            except (ValueError, KeyError, TypeError) as exc:
                raise CorpusError(f"{path.name}:{number}: {exc}") from None
            if label not in LABELS or tier not in TIERS or not text.strip() or not kind:
                raise CorpusError(f"{path.name}:{number}: bad label, tier, kind or text")
            if label == "crisis" and kind not in MODEL_KINDS:
                raise CorpusError(f"{path.name}:{number}: unknown crisis kind {kind!r}")
            out.append(Example(text, label, kind, tier, path.stem))
    return out


def features(text: str) -> str:
    """What the models read: the first normalised form of ``text``."""
    return normalise(text)[0]


class _Block:
    """One fitted TF-IDF vectorizer as plain data: vocabulary, IDF and its analyzer."""

    def __init__(self, name: str, vectorizer, offset: int) -> None:
        self.name = name
        self.analyzer = vectorizer.build_analyzer()
        self.vocab: Dict[str, int] = {t: i + offset for t, i in vectorizer.vocabulary_.items()}
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.offset = offset

    def __getstate__(self):  # the analyzer is a closure: rebuilt from the settings on load
        state = dict(self.__dict__)
        state.pop("analyzer")
        return state

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        self.analyzer = _vectorizer(self.name).build_analyzer()

    def rows(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """Feature indices and L2-normalised sublinear TF-IDF values of ``text``."""
        counts = Counter(self.analyzer(text))
        idx, tf = [], []
        for term, n in counts.items():
            i = self.vocab.get(term)
            if i is not None:
                idx.append(i)
                tf.append(1.0 + math.log(n))
        if not idx:
            return np.empty(0, dtype=np.int64), np.empty(0)
        ids = np.asarray(idx, dtype=np.int64)
        vals = np.asarray(tf) * self.idf[ids - self.offset]
        return ids, vals / math.sqrt(float(vals @ vals))


def _vectorizer(name: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if name == "char":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                               min_df=MIN_DF, dtype=np.float64)
    return TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True,
                           min_df=MIN_DF, token_pattern=WORD_TOKENS, dtype=np.float64)


@dataclass(frozen=True)
class Scores:
    """What the detector reads in one message."""

    crisis: float  # P(crisis): the share of the crisis kinds
    urgent: float  # P(urgent | crisis)
    kinds: Dict[str, float]  # P(kind) for each crisis kind
    binary: float = 0.0  # P(crisis) from the crisis-or-not model


class Detector:
    """The fitted models as arrays; :meth:`score` is pure and thread-safe."""

    def __init__(self, blocks: List[_Block], classes: Sequence[str], kind_coef: np.ndarray,
                 kind_intercept: np.ndarray, tier_coef: np.ndarray, tier_intercept: float,
                 key: str, crisis_coef: Optional[np.ndarray] = None,
                 crisis_intercept: float = 0.0) -> None:
        self.blocks = blocks
        self.classes = tuple(classes)
        self.crisis_cols = np.array([i for i, c in enumerate(self.classes) if c in MODEL_KINDS])
        self.kind_coef = kind_coef  # (n_features, n_classes)
        self.kind_intercept = kind_intercept
        self.tier_coef = tier_coef  # (n_features,)
        self.tier_intercept = tier_intercept
        self.crisis_coef = crisis_coef if crisis_coef is not None else np.zeros(len(tier_coef))
        self.crisis_intercept = crisis_intercept
        self.key = key

    def raw(self, text: str) -> Tuple[np.ndarray, float, float]:
        """(OvR-normalised class probabilities, P(urgent), binary P(crisis)) of normalised
        ``text``."""
        decision = self.kind_intercept.copy()
        tier, binary = self.tier_intercept, self.crisis_intercept
        for block in self.blocks:
            ids, vals = block.rows(text)
            if len(ids):
                decision += vals @ self.kind_coef[ids]
                tier += float(vals @ self.tier_coef[ids])
                binary += float(vals @ self.crisis_coef[ids])
        prob = 1.0 / (1.0 + np.exp(-decision))
        total = prob.sum()
        return ((prob / total if total > 0 else prob), 1.0 / (1.0 + math.exp(-tier)),
                1.0 / (1.0 + math.exp(-binary)))

    def score(self, text: str) -> Scores:
        """Scores of normalised ``text``."""
        prob, urgent, binary = self.raw(text)
        crisis = prob[self.crisis_cols]
        return Scores(float(crisis.sum()), urgent,
                      {self.classes[i]: float(prob[i]) for i in self.crisis_cols}, binary)


def train(examples: Sequence[Example], key: str = "") -> Detector:
    """Fit the kind and tier models on ``examples`` (deterministic)."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression

    texts = [features(e.text) for e in examples]
    vectorizers = [_vectorizer("char"), _vectorizer("word")]
    matrices = [v.fit_transform(texts) for v in vectorizers]
    x = hstack(matrices).tocsr()
    weights = np.array([SERVICE_WEIGHT if e.kind == "service_request" else 1.0 for e in examples])
    kind_model = LogisticRegression(C=KIND_C, solver="liblinear", class_weight="balanced")
    kind_model.fit(x, [e.kind for e in examples], sample_weight=weights)
    tiered = [i for i, e in enumerate(examples) if e.label == "crisis" and e.tier]
    tier_model = LogisticRegression(C=TIER_C, solver="liblinear", class_weight="balanced")
    tier_model.fit(x[tiered], [examples[i].tier == "urgent" for i in tiered])
    crisis_model = LogisticRegression(C=KIND_C, solver="liblinear", class_weight="balanced")
    crisis_model.fit(x, [e.label == "crisis" for e in examples], sample_weight=weights)
    blocks, offset = [], 0
    for name, vectorizer, matrix in zip(("char", "word"), vectorizers, matrices):
        blocks.append(_Block(name, vectorizer, offset))
        offset += matrix.shape[1]
    return Detector(blocks, [str(c) for c in kind_model.classes_],
                    np.ascontiguousarray(kind_model.coef_.T), kind_model.intercept_.copy(),
                    tier_model.coef_[0].copy(), float(tier_model.intercept_[0]), key,
                    crisis_model.coef_[0].copy(), float(crisis_model.intercept_[0]))


def corpus_key(files: Optional[Sequence[Path]] = None) -> str:
    """A hash of what the detector is made from: corpus, this code, normalisation, sklearn."""
    import sklearn

    h = hashlib.sha256(sklearn.__version__.encode())
    here = Path(__file__).parent
    for path in [here / "model.py", here / "normalise.py", *(files or corpus_files())]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_path(model_dir: str, key: str) -> Path:
    """Where the fitted detector for ``key`` is cached."""
    return Path(model_dir) / "safeguarding" / f"detector-{key}.joblib"


def build(model_dir: Optional[str]) -> Detector:
    """The detector from the cache in ``model_dir`` if it is current, else trained (and cached
    when ``model_dir`` is writable)."""
    import joblib

    key = corpus_key()
    path = cache_path(model_dir, key) if model_dir else None
    if path is not None and path.exists():
        try:
            detector = joblib.load(path)
            if isinstance(detector, Detector) and detector.key == key:
                return detector
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign file: train again
            logger.warning("crisis detector cache unreadable (%s): training again",
                           type(exc).__name__)
    detector = train(load_corpus(), key)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            os.close(fd)
            joblib.dump(detector, tmp)
            os.replace(tmp, path)  # atomic: another process never reads half a file
        except OSError as exc:
            logger.warning("crisis detector not cached (%s): it stays in memory",
                           type(exc).__name__)
    return detector


_LOCK = threading.Lock()
_DETECTOR: Dict[str, Detector] = {}


def get_detector() -> Detector:
    """The process-wide detector (built or loaded on first use, never at import)."""
    detector = _DETECTOR.get("current")
    if detector is not None:
        return detector
    with _LOCK:
        if "current" not in _DETECTOR:
            from bot.settings import get_settings

            _DETECTOR["current"] = build(get_settings().model_dir)
        return _DETECTOR["current"]
