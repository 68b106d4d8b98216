"""Leave-one-writer-out cross-validation of the crisis detector on its training corpus.

The held-out test set (tests/data/crisis_fresh/) is never read here: this is the tool for
choosing the model and its thresholds. For each writer file ``corpus/writer_*.jsonl`` a
detector is trained on every other corpus file (the other writers, the project's older sets and
the service requests) and the held-out writer's messages are judged with the real decision
rule (``bot.safeguarding.detect.evaluate``), so the figures say how the detector does on a
writer it has never seen.

    .venv/bin/python bench/crisis_cv.py                  # figures at the shipped thresholds
    .venv/bin/python bench/crisis_cv.py --sweep          # recall/near-miss rates per threshold
    .venv/bin/python bench/crisis_cv.py --errors         # list misses and false alarms

Writes bench/out/crisis_cv.json (per-message scores, so thresholds can be studied offline).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safeguarding import detect as A  # noqa: E402
from bot.safeguarding import model as M  # noqa: E402


def folds() -> List[dict]:
    """Every writer's messages judged by a detector trained without that writer; the service
    requests are split into as many parts, each judged by the fold that did not train on it."""
    files = M.corpus_files()
    writers = [f for f in files if f.stem.startswith("writer_")]
    service = [e for e in M.load_corpus(files) if e.writer == "service_requests"]
    rows = []
    for i, held in enumerate(writers):
        part = service[i::len(writers)]
        held_out = {id(e) for e in part}
        train = [e for e in M.load_corpus([f for f in files if f != held])
                 if e.writer != "service_requests"] + [e for e in service if id(e) not in held_out]
        detector = M.train(train, "cv")
        for ex in M.load_corpus([held]) + part:
            forms = A.normalise(ex.text)
            scores = max((detector.score(f) for f in forms), key=lambda s: s.crisis)
            explicit = tuple(c for f in forms for c in A.lexicon.explicit(f))
            verdict = A.evaluate(ex.text, detector)
            rows.append({"writer": held.stem, "text": ex.text, "label": ex.label,
                         "kind": ex.kind, "tier_label": ex.tier, "p": scores.crisis,
                         "q": scores.urgent, "b": scores.binary, "explicit": bool(explicit),
                         "tier": verdict.tier, "kinds": list(verdict.kinds)})
    return rows


def decide(row: dict, concern: float, urgent: float, tier: float, sure: float,
           sure_tier: float = A.SURE_TIER):
    if row["explicit"] or (row["p"] >= sure and row["q"] >= sure_tier) or (
            row["p"] >= urgent and row["q"] >= tier):
        return A.URGENT
    return A.CONCERN if row["p"] >= concern else None


def figures(rows: List[dict], concern=A.CONCERN_SCORE, urgent=A.URGENT_SCORE,
            tier=A.URGENT_TIER, sure=A.SURE_SCORE, sure_tier=A.SURE_TIER) -> Dict[str, object]:
    crisis = [r for r in rows if r["label"] == "crisis"]
    near = [r for r in rows if r["label"] != "crisis" and r["kind"] != "service_request"]
    service = [r for r in rows if r["kind"] == "service_request"]
    t = {id(r): decide(r, concern, urgent, tier, sure, sure_tier) for r in rows}
    per_kind: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for r in crisis:
        per_kind[r["kind"]][0] += t[id(r)] is not None
        per_kind[r["kind"]][1] += 1
    per_near: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0])
    for r in near:
        per_near[r["kind"]][0] += t[id(r)] is not None
        per_near[r["kind"]][1] += t[id(r)] == A.URGENT
        per_near[r["kind"]][2] += 1
    urgent_labelled = [r for r in crisis if r["tier_label"] == "urgent"]
    kind_right = [r for r in crisis if t[id(r)] is not None and r["kinds"]]
    return {
        "recall": sum(t[id(r)] is not None for r in crisis) / len(crisis),
        "near_any": sum(t[id(r)] is not None for r in near) / len(near),
        "near_urgent": sum(t[id(r)] == A.URGENT for r in near) / len(near),
        "urgent_labelled_urgent": sum(t[id(r)] == A.URGENT for r in urgent_labelled)
        / max(1, len(urgent_labelled)),
        "kind_top1": sum(r["kinds"][0] == r["kind"] or (r["kind"] == "exploitation"
                                                        and r["kinds"][0] == "sextortion")
                         for r in kind_right) / max(1, len(kind_right)),
        "per_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(per_kind.items())},
        "per_near": {k: f"any {a}/{c}, urgent {u}/{c}" for k, (a, u, c) in sorted(per_near.items())},
        "n_crisis": len(crisis), "n_near": len(near),
        "service_any": sum(t[id(r)] is not None for r in service) / max(1, len(service)),
        "service_urgent": sum(t[id(r)] == A.URGENT for r in service) / max(1, len(service)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", action="store_true", help="figures for other thresholds")
    ap.add_argument("--errors", action="store_true", help="list misses and false alarms")
    ap.add_argument("--cached", action="store_true", help="reuse bench/out/crisis_cv.json")
    args = ap.parse_args()
    out = ROOT / "bench" / "out" / "crisis_cv.json"
    if args.cached and out.exists():
        rows = json.loads(out.read_text("utf-8"))["rows"]
    else:
        rows = folds()
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps({"corpus_key": M.corpus_key(), "rows": rows}, indent=0,
                                  ensure_ascii=False), "utf-8")
    f = figures(rows)
    print(f"writers: {sorted({r['writer'] for r in rows})}; {f['n_crisis']} crisis, "
          f"{f['n_near']} near misses")
    print(f"shipped thresholds (concern {A.CONCERN_SCORE}, urgent {A.URGENT_SCORE} with tier "
          f"{A.URGENT_TIER}, sure {A.SURE_SCORE} with tier {A.SURE_TIER}):")
    print(f"  recall (urgent or concern) {f['recall']:.3f}; near misses: any helpline "
          f"{f['near_any']:.3f}, urgent {f['near_urgent']:.3f}; urgent-labelled crisis "
          f"judged urgent {f['urgent_labelled_urgent']:.3f}; kind right {f['kind_top1']:.3f}")
    print(f"  service requests (data/nlu, unseen part): any {f['service_any']:.3f}, urgent "
          f"{f['service_urgent']:.3f}")
    print("  recall per kind:", f["per_kind"])
    print("  near misses per kind:", f["per_near"])
    if args.sweep:
        for c in (0.28, 0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.45):
            g = figures(rows, concern=c)
            print(f"  concern {c:.2f}: recall {g['recall']:.3f} near any {g['near_any']:.3f} "
                  f"service any {g['service_any']:.3f}")
        for u in (0.45, 0.5, 0.55, 0.6):
            for q in (0.3, 0.4, 0.5):
                g = figures(rows, urgent=u, tier=q)
                print(f"  urgent {u:.2f} tier {q:.1f}: near urgent {g['near_urgent']:.3f} "
                      f"urgent-labelled urgent {g['urgent_labelled_urgent']:.3f} service urgent "
                      f"{g['service_urgent']:.3f}")
    if args.errors:
        for r in sorted(rows, key=lambda r: r["p"]):
            d = decide(r, A.CONCERN_SCORE, A.URGENT_SCORE, A.URGENT_TIER, A.SURE_SCORE)
            if (r["label"] == "crisis") != (d is not None):
                print(f"{'MISS' if r['label'] == 'crisis' else 'FALSE'} {r['p']:.2f} "
                      f"{r['kind']}: {r['text']}")


if __name__ == "__main__":
    main()
