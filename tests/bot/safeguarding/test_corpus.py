"""The detector's corpus (issue 15): enough of it, balanced across kinds, several writers, and
nothing shared with the held-out test set."""
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from bot.safeguarding import model as M
from bot.safeguarding.kinds import MODEL_KINDS

HELDOUT = Path(__file__).parents[2] / "data" / "crisis_fresh"
NEAR_KINDS = {"hyperbole", "media", "past_resolved", "information", "bodily", "work_school",
              "practical", "slang"}


def _norm(text):
    return re.sub(r"\s+", " ", text.replace("’", "'").lower()).strip()


def test_size_writers_and_balance():
    writers = [e for e in M.load_corpus() if e.writer.startswith("writer_")]
    crisis = [e for e in writers if e.label == "crisis"]
    near = [e for e in writers if e.label == "near_miss"]
    assert len(crisis) >= 1500 and len(near) >= 1500
    assert len({e.writer for e in writers}) >= 5
    per_kind = Counter(e.kind for e in crisis)
    assert set(per_kind) == set(MODEL_KINDS)
    assert min(per_kind.values()) >= 0.8 * max(per_kind.values())
    per_near = Counter(e.kind for e in near)
    assert set(per_near) == NEAR_KINDS
    assert min(per_near.values()) >= 0.8 * max(per_near.values())
    tiers = Counter(e.tier for e in crisis)
    assert tiers["urgent"] > 0 and tiers["concern"] > 0 and not tiers[""]


def test_no_duplicates_and_no_overlap_with_the_held_out_set():
    corpus = Counter(_norm(e.text) for e in M.load_corpus())
    held = {_norm(json.loads(line)["text"]) for f in HELDOUT.glob("*.jsonl")
            for line in f.read_text("utf-8").splitlines() if line.strip()}
    shared = held & set(corpus)
    assert not shared, f"{len(shared)} held-out texts are in the corpus"  # never print them
    writers = Counter(_norm(e.text) for e in M.load_corpus() if e.writer.startswith("writer_"))
    assert max(writers.values()) == 1


def test_held_out_set_is_frozen():
    """Written before any tuning by two writers who never saw the corpus (docs/safety.md)."""
    digests = {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
               for f in sorted(HELDOUT.glob("*.jsonl"))}
    assert digests == {
        "heldout_h1.jsonl": "e30ed7611d2780a10b34e4e52a92ad60cd5c2e0156796435e37313cfde98c536",
        "heldout_h2.jsonl": "a6593d4b46db5023d583b4c0c1f2d5808a17e24061d1f774ef2531add77e0872"}
