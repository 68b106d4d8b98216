"""The Rasa project itself: data validation, training, test stories, held-out NLU evaluation."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import CACHE
from tests.rasa.conftest import RESULTS, ROOT, run_rasa

pytestmark = pytest.mark.rasa


def intent_examples(path) -> set:
    """Lower-cased example texts of every intent in a Rasa NLU YAML file."""
    data = yaml.safe_load(path.read_text())
    return {line.strip()[2:].strip().lower() for item in data.get("nlu", []) if "intent" in item
            for line in item["examples"].splitlines() if line.strip().startswith("- ")}


def test_data_validates_without_warnings():
    proc = run_rasa(["data", "validate", "--fail-on-warnings"],
                    log=RESULTS / "validate.log")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_model_is_trained(trained_model):
    assert trained_model.stat().st_size > 1_000_000


def test_test_stories_all_pass(trained_model):
    out = RESULTS / "core"
    proc = run_rasa(["test", "core", "--model", str(trained_model), "--stories",
                     "tests/test_stories.yml", "--fail-on-prediction-errors", "--out", str(out)],
                    log=RESULTS / "test_core.log")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    report = json.loads((out / "story_report.json").read_text())
    stories = report["conversation_accuracy"]
    assert stories["total"] >= 25
    assert stories["correct"] == stories["total"], stories


def test_nlu_held_out_macro_f1():
    """Train NLU on 80% of the data (fixed seed); evaluate on the 20% it never saw."""
    split = CACHE / "var" / "nlu_split"
    proc = run_rasa(["data", "split", "nlu", "--nlu", "data/nlu", "--training-fraction", "0.8",
                     "--random-seed", "42", "--out", str(split)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    train, test = split / "training_data.yml", split / "test_data.yml"
    train_texts, test_texts = intent_examples(train), intent_examples(test)
    assert len(test_texts) >= 300 and not (test_texts & train_texts), \
        "held-out examples leak into training"
    # The long first messages (data/nlu_long, issue 16) are training data only: the held-out
    # part stays the split of data/nlu it has always been, so figures compare across changes.
    train_dir = CACHE / "var" / "nlu_train"
    shutil.rmtree(train_dir, ignore_errors=True)
    train_dir.mkdir(parents=True)
    shutil.copy(train, train_dir / "training_data.yml")
    for extra in sorted((ROOT / "data" / "nlu_long").glob("*.yml")):
        assert not (intent_examples(extra) & test_texts), f"{extra.name} repeats held-out examples"
        shutil.copy(extra, train_dir / extra.name)
    model_dir = CACHE / "var" / "nlu_eval_model"
    proc = run_rasa(["train", "nlu", "--nlu", str(train_dir), "--config", "config.yml",
                     "--out", str(model_dir), "--fixed-model-name", "nlu-eval"],
                    log=RESULTS / "nlu_train.log")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = RESULTS / "nlu"
    proc = run_rasa(["test", "nlu", "--nlu", str(test), "--model",
                     str(model_dir / "nlu-eval.tar.gz"), "--out", str(out)],
                    log=RESULTS / "nlu_test.log")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    (RESULTS / "nlu_macro_f1.txt").write_text(f"{macro_f1:.4f}\n")
    # The goal is 0.90 (issues 2 and 16). Issue 16's eight sub-need intents (gambling, carers,
    # eating problems, sexual health, care leavers, immigration, domestic abuse, loneliness)
    # brought it to 0.861 on this split; balanced intent weights and more long first messages
    # to 0.869, still under the goal: NOT MET, reported in docs/benchmarks.md. Until it is met
    # this floor guards against falling further.
    assert macro_f1 >= 0.86, f"intent macro-F1 {macro_f1:.3f} < 0.86 (goal 0.90, not met)"
