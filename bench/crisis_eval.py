"""Crisis detector (``bot.safety.assess``) measured on the crisis evaluation sets (issue 7).

Sets:
  eval     ``tests/data/crisis_eval.yml`` — the issue-2 set. The lexicon was tuned on it, so it is
           a regression set only, not an unbiased estimate.
  heldout  ``tests/data/crisis_heldout.yml`` — the fresh set written for issue 7. Split
           deterministically: within each top-level category (in file order) items at even
           positions are DEV, odd positions are TEST. The lexicon may be improved on DEV (and on
           ``eval``); TEST is measured once at the end.

    .venv/bin/python bench/crisis_eval.py --set heldout --half test
    .venv/bin/python bench/crisis_eval.py --set heldout --half dev --misses   # development only
    .venv/bin/python bench/crisis_eval.py --set all                           # every set, speed
    .venv/bin/python bench/crisis_eval.py --set heldout --half test --pipeline  # NLU model + guard

Prints recall per crisis category, false-positive rate per near-miss category, the SHA-256 of
``bot/safety.py`` and of the set file, and the mean time of ``assess`` per message. Writes
``bench/out/crisis_eval_<set>_<half>.json``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safety import assess  # noqa: E402

SETS = {"eval": ROOT / "tests" / "data" / "crisis_eval.yml",
        "heldout": ROOT / "tests" / "data" / "crisis_heldout.yml"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split_half(items: List[dict], half: str) -> List[dict]:
    """Deterministic split: even position within its category is dev, odd is test."""
    if half == "all":
        return list(items)
    seen: Dict[str, int] = defaultdict(int)
    out = []
    for item in items:
        pos = seen[item["category"]]
        seen[item["category"]] += 1
        if (pos % 2 == 0) == (half == "dev"):
            out.append(item)
    return out


def load(name: str, half: str = "all") -> Tuple[List[dict], List[dict]]:
    data = yaml.safe_load(SETS[name].read_text("utf-8"))
    crisis = data["crisis"]
    near = [dict(n, category=n.get("category", "near_miss")) for n in data["near_miss"]]
    if name == "eval":  # the issue-2 set is not split: it is all regression data
        return crisis, near
    return split_half(crisis, half), split_half(near, half)


def evaluate(crisis: List[dict], near: List[dict]) -> dict:
    per_cat: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    per_near: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    missed, false_pos = [], []
    u18 = [0, 0]
    for item in crisis:
        hit = assess(item["text"]).crisis
        per_cat[item["category"]][0] += hit
        per_cat[item["category"]][1] += 1
        if item.get("under_18"):
            u18[0] += hit
            u18[1] += 1
        if not hit:
            missed.append(f'{item["category"]}: {item["text"]}')
    for item in near:
        res = assess(item["text"])
        per_near[item["category"]][0] += res.crisis
        per_near[item["category"]][1] += 1
        if res.crisis:
            false_pos.append(f'{item["category"]}: {item["text"]} -> {res.categories}')
    tp = sum(v[0] for v in per_cat.values())
    fp = sum(v[0] for v in per_near.values())
    return {
        "n_crisis": len(crisis), "n_near_miss": len(near),
        "recall": tp / len(crisis) if crisis else None,
        "false_positive_rate": fp / len(near) if near else None,
        "detected": tp, "false_positives": fp,
        "recall_per_category": {k: {"hit": v[0], "n": v[1], "recall": v[0] / v[1]}
                                for k, v in sorted(per_cat.items())},
        "under_18": {"hit": u18[0], "n": u18[1]},
        "fp_per_category": {k: {"fp": v[0], "n": v[1]} for k, v in sorted(per_near.items())},
        "missed": missed, "false_positive_texts": false_pos,
    }


def pipeline_eval(crisis: List[dict], near: List[dict], model: str) -> dict:
    """The running bot's NLU (model + CrisisGuard + lexicon): intent ``crisis`` counts as a hit."""
    import asyncio
    import logging

    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(model)

    async def run() -> dict:
        hits = added = fp = 0
        for item in crisis:
            hit = (await agent.parse_message(item["text"]))["intent"]["name"] == "crisis"
            hits += hit
            added += hit and not assess(item["text"]).crisis
        for item in near:
            fp += (await agent.parse_message(item["text"]))["intent"]["name"] == "crisis"
        return {"model": model, "recall": hits / len(crisis), "detected": hits,
                "added_by_model": added, "false_positives": fp,
                "false_positive_rate": fp / len(near)}

    return asyncio.run(run())


def speed(texts: List[str], repeat: int = 20) -> float:
    """Mean microseconds per ``assess`` call over ``texts`` (best of ``repeat`` passes)."""
    for t in texts:
        assess(t)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for t in texts:
            assess(t)
        best = min(best, time.perf_counter() - t0)
    return best / len(texts) * 1e6


def report(name: str, half: str, res: dict, show_misses: bool) -> None:
    print(f"\n## {name} / {half}: recall {res['detected']}/{res['n_crisis']} = "
          f"{res['recall']:.3f}; false positives {res['false_positives']}/{res['n_near_miss']} = "
          f"{100 * res['false_positive_rate']:.1f} %")
    print("| crisis category | detected | recall |\n|---|---|---|")
    for cat, v in res["recall_per_category"].items():
        print(f"| {cat} | {v['hit']}/{v['n']} | {v['recall']:.3f} |")
    if res["under_18"]["n"]:
        print(f"| (under-18 stated) | {res['under_18']['hit']}/{res['under_18']['n']} | "
              f"{res['under_18']['hit'] / res['under_18']['n']:.3f} |")
    print("| near-miss category | false positives |\n|---|---|")
    for cat, v in res["fp_per_category"].items():
        print(f"| {cat} | {v['fp']}/{v['n']} |")
    if show_misses:
        for m in res["missed"]:
            print("MISSED   ", m)
        for f in res["false_positive_texts"]:
            print("FALSE POS", f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["eval", "heldout", "all"], default="all")
    ap.add_argument("--half", choices=["dev", "test", "all"], default="all",
                    help="half of the held-out set (ignored for eval)")
    ap.add_argument("--misses", action="store_true",
                    help="list missed crisis messages and false positives (development only)")
    ap.add_argument("--pipeline", nargs="?", const="latest", default=None, metavar="MODEL",
                    help="also run the trained Rasa NLU (default: newest models/*.tar.gz)")
    ap.add_argument("--repeat", type=int, default=20, help="timing passes (best is kept)")
    args = ap.parse_args()

    names = ["eval", "heldout"] if args.set == "all" else [args.set]
    safety_sha = sha256(ROOT / "bot" / "safety.py")
    print(f"bot/safety.py sha256 {safety_sha}")
    all_texts: List[str] = []
    results = {}
    for name in names:
        half = "all" if name == "eval" else args.half
        crisis, near = load(name, half)
        res = evaluate(crisis, near)
        res["set_sha256"] = sha256(SETS[name])
        res["half"] = half
        results[name] = res
        print(f"{SETS[name].relative_to(ROOT)} sha256 {res['set_sha256']}")
        report(name, half, res, args.misses)
        if args.pipeline:
            model = args.pipeline
            if model == "latest":
                model = str(sorted((ROOT / "models").glob("*.tar.gz"))[-1])
            pipe = res["pipeline"] = pipeline_eval(crisis, near, model)
            print(f"pipeline ({Path(model).name}): recall {pipe['detected']}/{len(crisis)} = "
                  f"{pipe['recall']:.3f} ({pipe['added_by_model']} added by the model); false "
                  f"positives {pipe['false_positives']}/{len(near)} = "
                  f"{100 * pipe['false_positive_rate']:.1f} %")
        all_texts += [i["text"] for i in crisis + near]
    us = speed(all_texts, args.repeat)
    print(f"\nassess(): {us:.1f} µs/message (mean over {len(all_texts)} messages, best of "
          f"{args.repeat} passes; {platform.python_version()}, {platform.machine()})")
    out = ROOT / "bench" / "out" / f"crisis_eval_{args.set}_{args.half}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"safety_sha256": safety_sha, "us_per_message": us,
                               "n_messages_timed": len(all_texts), "sets": results},
                              indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
