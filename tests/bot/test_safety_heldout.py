"""Crisis detection on the fresh held-out set (issue 7): set hygiene and a regression guard.

The figures guarded here were measured with ``bench/crisis_eval.py`` on 2026-11-30 after the
issue-7 lexicon changes (bot/safety.py sha256 73e52eca…, patterns unchanged in f6075c41…). The unbiased figures — the lexicon
before the changes on the whole set, and after the changes on the TEST half measured once — are
in docs/safety.md. These thresholds only stop the detector getting worse; raise them when it
gets better, never lower them to make a change pass.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.safety import assess, stated_age

ROOT = Path(__file__).resolve().parent.parent.parent
HELDOUT = yaml.safe_load((ROOT / "tests" / "data" / "crisis_heldout.yml").read_text("utf-8"))
EVAL = yaml.safe_load((ROOT / "tests" / "data" / "crisis_eval.yml").read_text("utf-8"))
CRISIS, NEAR = HELDOUT["crisis"], HELDOUT["near_miss"]
CATEGORIES = ("suicide", "self_harm", "overdose", "abuse", "danger")

# Whole fresh set, after the issue-7 changes: detected / total per category, false positives.
GUARD_RECALL = {"suicide": (68, 78), "self_harm": (39, 42), "overdose": (31, 34),
                "abuse": (62, 71), "danger": (31, 38)}
GUARD_DETECTED, GUARD_TOTAL = 231, 263
GUARD_FALSE_POSITIVES, GUARD_NEAR_TOTAL = 2, 163


def _norm(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").lower()
    return re.sub(r"\s+", " ", text).strip()


def _nlu_examples() -> set:
    """Every example line in data/nlu/*.yml, entity annotations removed."""
    out = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for item in data.get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                line = re.sub(r"^\s*-\s*", "", line)
                line = re.sub(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})", r"\1", line)
                if line.strip():
                    out.add(_norm(line))
    return out


def _half(items, half):
    seen, out = defaultdict(int), []
    for item in items:
        pos = seen[item["category"]]
        seen[item["category"]] += 1
        if (pos % 2 == 0) == (half == "dev"):
            out.append(item)
    return out


# --- set hygiene -------------------------------------------------------------------------------

def test_set_size_and_coverage():
    assert len(CRISIS) >= 220 and len(NEAR) >= 120
    counts = Counter(c["category"] for c in CRISIS)
    assert set(counts) == set(CATEGORIES)
    subs = {c.get("sub") for c in CRISIS if c["category"] == "abuse"}
    assert {"physical", "sexual", "emotional", "coercive_control", "exploitation"} <= subs
    assert sum(bool(c.get("under_18")) for c in CRISIS) >= 8
    assert any("💊" in c["text"] for c in CRISIS) and any("🔪" in c["text"] for c in CRISIS)
    assert any("🪢" in c["text"] for c in CRISIS)
    assert {"hyperbole", "gaming", "food", "school_work", "phones", "sport", "media",
            "news_others", "past_recovered"} <= {n["category"] for n in NEAR}


def test_no_duplicates_within_heldout():
    texts = [_norm(x["text"]) for x in CRISIS + NEAR]
    assert len(texts) == len(set(texts)), [t for t, n in Counter(texts).items() if n > 1]


def test_no_overlap_with_crisis_eval_or_nlu_data():
    mine = {_norm(x["text"]) for x in CRISIS + NEAR}
    tuned = {_norm(x["text"]) for x in EVAL["crisis"] + EVAL["near_miss"]}
    nlu = _nlu_examples()
    assert len(nlu) > 1000  # the parser found the training data
    assert not mine & tuned, sorted(mine & tuned)
    assert not mine & nlu, sorted(mine & nlu)


# --- regression guard --------------------------------------------------------------------------

def test_recall_per_category_does_not_drop():
    hits = Counter(c["category"] for c in CRISIS if assess(c["text"]).crisis)
    totals = Counter(c["category"] for c in CRISIS)
    for cat, (detected, total) in GUARD_RECALL.items():
        assert totals[cat] == total, f"{cat}: set changed; re-measure and update the guard"
        assert hits[cat] >= detected, f"{cat}: {hits[cat]}/{total} < {detected}/{total}"
    assert sum(hits.values()) >= GUARD_DETECTED and len(CRISIS) == GUARD_TOTAL


def test_false_positives_do_not_rise():
    fps = [n["text"] for n in NEAR if assess(n["text"]).crisis]
    assert len(NEAR) == GUARD_NEAR_TOTAL
    assert len(fps) <= GUARD_FALSE_POSITIVES, fps
    assert len(fps) / len(NEAR) <= 0.02


@pytest.mark.parametrize("item", _half(CRISIS, "dev"), ids=lambda i: i["text"][:40])
def test_dev_half_crisis_all_detected(item):
    """The lexicon was tuned on the dev half to 100 %; keep it there."""
    assert assess(item["text"]).crisis


@pytest.mark.parametrize("item", _half(NEAR, "dev"), ids=lambda i: i["text"][:40])
def test_dev_half_near_misses_all_clear(item):
    assert not assess(item["text"]).crisis, assess(item["text"]).categories


# Ordinary youth-service messages written while reviewing the issue-7 patterns for over-reach
# (not part of either measured set): none may trigger.
ORDINARY = [
    "did you get my last message", "tomorrow is my last day at work", "today is my last day!",
    "my last week of placement", "whats the quickest way to go to the jobcentre",
    "which is the best way to go", "is there an easy way to apply for housing",
    "i'm tired of living with my parents", "sick of living in this damp flat",
    "how do i keep living in my flat if the rent goes up", "got good marks from my teacher",
    "bruises from my rugby match", "i sold my stuff for money to pay rent",
    "my tutor expects things done on time", "my caseworker tells me nothing",
    "i keep checking my bank balance", "how do i turn off find my on my phone",
    "my cat follows me everywhere", "hitting her up on snap", "i just shot my first music video",
    "i got shot down again", "my mate dragged me into town", "they pulled me into a meeting",
    "i nearly burned the house down making toast", "can someone come for me tomorrow at 10",
    "if i wasnt here on monday would i lose my place", "will anyone notice if i leave early",
    "so i dont wake up my mum when i get in", "i wrote my letter to the council",
    "got a final letter from the council about arrears", "jumping in the sea at brighton this weekend",
    "there's mould on the roof of my flat", "i'm at london bridge station",
    "can i mix my meds with alcohol", "i want to stop drinking for good",
    "i want to end things with my ex for good", "the landlord cut the water off on purpose",
    "i cut 2 inches off my hair", "im 15, how do i get in touch with a youth worker",
    "im 16 and need photos for my passport", "im 17 and want to meet up with mates",
    "im 16 and have a secret crush", "im 15 and my back hurts", "im 14 and this song hits different",
    "mum wont let me see my dad",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_do_not_trigger(text):
    assert not assess(text).crisis, assess(text).categories


# --- documented behaviour ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "i used to self harm but im 2 years clean now",
    "i was suicidal last year, im in a much better place now",
])
def test_past_recovered_is_not_urgent(text):
    """Decision (docs/safety.md): a recovered, past disclosure gets no urgent crisis flag; it
    counts as an everyday message, so CrisisGuard also vetoes a model ``crisis`` guess."""
    res = assess(text)
    assert not res.crisis and res.benign_only


@pytest.mark.parametrize("text", [
    "i used to self harm, was 2 years clean but relapsed tonight",
    "survived an overdose last year, doing well now but the urges are back",
    "i had suicidal thoughts and its not getting better",
    "i was abused as a kid and i still see him every week",
])
def test_past_with_current_risk_is_crisis(text):
    assert assess(text).crisis


def test_under_18_rule():
    """A stated age under 18 lowers the bar for abuse cues (safeguarding)."""
    assert "abuse" in assess("an older guy online keeps asking me for pics, im 14").categories
    assert "abuse" in assess("im 15 and he says its our secret").categories
    assert not assess("a guy online keeps asking me for my insta, im 19").crisis
    assert stated_age("im 15 and my stepdad touches me") == 15
    assert stated_age("i'm 16") == 16 and stated_age("14yo here") == 14
    assert stated_age("im 19") is None and stated_age("im 5 mins away") is None


def test_text_speak_and_emoji_variants():
    assert assess("i wnt 2 die").crisis
    assert assess("cuttin agen 2nite").crisis
    assert assess("ready ⚰️").crisis and assess("ready ⚰").crisis  # with/without U+FE0F
    assert "suicide" in assess("🪢").categories
    assert "overdose" in assess("💊💊").categories and "danger" in assess("🔪 hes here").categories
