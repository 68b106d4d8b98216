"""The trained detector: the fast scorer computes what scikit-learn computes; the corpus is
validated; the cache is keyed, atomic and survives a damaged file."""
import json

import numpy as np
import pytest
from scipy.sparse import hstack

from bot.safeguarding import model as M


@pytest.fixture(scope="module")
def small():
    """A detector trained on a slice of the corpus (fast), with the sklearn models beside it."""
    from sklearn.linear_model import LogisticRegression

    examples = [e for e in M.load_corpus() if e.writer in ("writer_a", "writer_b", "project_issue7")]
    detector = M.train(examples, "test")
    texts = [M.features(e.text) for e in examples]
    vecs = [M._vectorizer("char"), M._vectorizer("word")]
    x = hstack([v.fit_transform(texts) for v in vecs]).tocsr()
    kind = LogisticRegression(C=M.KIND_C, solver="liblinear", class_weight="balanced").fit(
        x, [e.kind for e in examples])
    return detector, vecs, kind, examples


def test_fast_scorer_equals_sklearn(small):
    detector, vecs, kind, examples = small
    sample = [M.features(e.text) for e in examples[::25]] + ["", "zzzz qqqq", "ok"]
    x = hstack([v.transform(sample) for v in vecs]).tocsr()
    expected = kind.predict_proba(x)
    for text, row in zip(sample, expected):
        prob = detector.raw(text)[0]
        assert np.allclose(prob, row, atol=1e-9), text
    assert list(detector.classes) == list(kind.classes_)


def test_scores_are_probabilities(small):
    detector = small[0]
    s = detector.score(M.features("i want to die"))
    assert 0 <= s.crisis <= 1 and 0 <= s.urgent <= 1
    assert set(s.kinds) <= set(M.MODEL_KINDS)
    assert abs(sum(detector.raw("anything")[0]) - 1) < 1e-9


def test_corpus_lines_are_validated(tmp_path):
    bad = tmp_path / "writer_x.jsonl"
    bad.write_text(json.dumps({"text": "hi", "label": "maybe", "kind": "x"}) + "\n")
    with pytest.raises(M.CorpusError, match="writer_x.jsonl:1"):
        M.load_corpus([bad])
    bad.write_text("{not json\n")
    with pytest.raises(M.CorpusError):
        M.load_corpus([bad])
    bad.write_text(json.dumps({"text": "x", "label": "crisis", "kind": "nope"}) + "\n")
    with pytest.raises(M.CorpusError, match="unknown crisis kind"):
        M.load_corpus([bad])


def test_cache_round_trip_and_damaged_file(tmp_path, monkeypatch, small):
    detector = small[0]
    trained = []
    monkeypatch.setattr(M, "train", lambda ex, key="": trained.append(key) or
                        M.Detector(detector.blocks, detector.classes, detector.kind_coef,
                                   detector.kind_intercept, detector.tier_coef,
                                   detector.tier_intercept, key))
    monkeypatch.setattr(M, "load_corpus", lambda files=None: [])
    first = M.build(str(tmp_path))
    path = M.cache_path(str(tmp_path), M.corpus_key())
    assert path.exists() and trained == [M.corpus_key()]
    again = M.build(str(tmp_path))
    assert len(trained) == 1 and again.key == first.key  # loaded, not trained
    assert again.score("i want to die") == first.score("i want to die")
    path.write_bytes(b"not a joblib file")
    M.build(str(tmp_path))
    assert len(trained) == 2  # damaged: trained again, and cached again
    assert not list(path.parent.glob("*.tmp"))


def test_unwritable_model_dir_keeps_the_detector_in_memory(tmp_path, monkeypatch, small):
    target = tmp_path / "file"
    target.write_text("a file where a directory should be")
    monkeypatch.setattr(M, "train", lambda ex, key="": small[0])
    monkeypatch.setattr(M, "load_corpus", lambda files=None: [])
    assert M.build(str(target)) is small[0]


def test_key_changes_with_the_corpus(tmp_path):
    extra = tmp_path / "writer_z.jsonl"
    extra.write_text(json.dumps({"text": "x", "label": "near_miss", "kind": "slang"}) + "\n")
    assert M.corpus_key() != M.corpus_key(M.corpus_files() + [extra])
