"""The crisis detector on the held-out test set (issue 15), with 95 % confidence intervals.

The set (tests/data/crisis_fresh/) was written before any tuning by two writers who never saw
the training corpus, the lexicon or the model's errors. It is measured once, at the end; the
model and its thresholds are chosen with bench/crisis_cv.py on the training corpus only. This
script prints counts and rates, never the messages, so running it cannot leak the set into
tuning.

    .venv/bin/python bench/crisis_eval.py                     # the detector (bot.safeguarding)
    .venv/bin/python bench/crisis_eval.py --before f13c396    # the lexicon as it was (git)
    .venv/bin/python bench/crisis_eval.py --pipeline          # + the trained Rasa NLU (newest model)
    .venv/bin/python bench/crisis_eval.py --rest http://127.0.0.1:5005  # first messages over REST
                                                   # (NAVIGATOR_REST_TOKEN: that server's)

Counts as a hit: urgent or concern (any helpline); near misses are counted as getting the urgent
tier and as getting any helpline. Also prints the time of one uncached ``assess`` per message
(p50/p95/p99 over the held-out set and the corpus) on this machine. Writes
bench/out/crisis_eval_<mode>.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
import types
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safeguarding import detect  # noqa: E402
from bot.safeguarding import model as M  # noqa: E402

HELDOUT = ROOT / "tests" / "data" / "crisis_fresh"
URGENT, CONCERN = "urgent", "concern"


def wilson(hits: int, n: int, z: float = 1.96) -> Tuple[float, float]:
    """The Wilson score interval of a proportion (95 % by default)."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def load_heldout() -> List[dict]:
    """The held-out messages, in file order, without repeats (two writers can coincide)."""
    seen, out = set(), []
    for path in sorted(HELDOUT.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            key = re.sub(r"\s+", " ", row["text"].lower()).strip()
            if key not in seen:
                seen.add(key)
                out.append(dict(row, writer=path.stem))
    return out


def old_lexicon(commit: str) -> Callable[[str], Optional[str]]:
    """The lexicon as it was at ``commit`` (one tier: a hit got helplines and an urgent flag)."""
    source = subprocess.run(["git", "show", f"{commit}:bot/safety.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("old_safety")
    module.__dict__["__name__"] = "old_safety"
    sys.modules["old_safety"] = module
    exec(compile(source, "old_safety.py", "exec"), module.__dict__)
    return lambda text: URGENT if module.assess(text).crisis else None


def pipeline_judge(model: str) -> Callable[[str], Optional[str]]:
    """The running bot's NLU (intent model, CrisisGuard): the intent decides the tier."""
    import asyncio
    import logging

    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    loop = asyncio.new_event_loop()

    def judge(text: str) -> Optional[str]:
        name = loop.run_until_complete(agent.parse_message(text))["intent"]["name"]
        return {"crisis": URGENT, "concern": CONCERN}.get(name)

    return judge


def rest_judge(url: str, token: str) -> Callable[[str], Optional[str]]:
    """A first message over REST to a running deployment (``token``: its
    NAVIGATOR_REST_TOKEN); the reply decides the tier (the protocol of the issue's own
    measurement: did it get an emergency number or helpline?)."""
    from app.chat import send

    def judge(text: str) -> Optional[str]:
        replies = send(url, f"eval-{uuid.uuid4().hex[:12]}", text, token=token)
        body = " ".join(r.get("text") or "" for r in replies)
        if re.search(r"\bcall (?:999|911)\b", body):
            return URGENT
        return CONCERN if "Are you safe right now?" in body else None

    return judge


def evaluate(rows: List[dict], judge: Callable[[str], Optional[str]]) -> Dict[str, object]:
    tiers = [judge(r["text"]) for r in rows]
    crisis = [(r, t) for r, t in zip(rows, tiers) if r["label"] == "crisis"]
    near = [(r, t) for r, t in zip(rows, tiers) if r["label"] != "crisis"]

    def rate(pairs, test) -> Dict[str, object]:
        hits = sum(1 for r, t in pairs if test(r, t))
        lo, hi = wilson(hits, len(pairs))
        return {"hits": hits, "n": len(pairs), "rate": hits / len(pairs) if pairs else None,
                "ci95": [round(lo, 3), round(hi, 3)]}

    per_kind: Dict[str, list] = defaultdict(list)
    for r, t in crisis:
        per_kind[r["kind"]].append((r, t))
    per_near: Dict[str, list] = defaultdict(list)
    for r, t in near:
        per_near[r["kind"]].append((r, t))
    hit = lambda r, t: t is not None  # noqa: E731
    return {
        "recall": rate(crisis, hit),
        "recall_per_kind": {k: rate(v, hit) for k, v in sorted(per_kind.items())},
        "urgent_labelled_got_urgent": rate([(r, t) for r, t in crisis if r.get("tier") == URGENT],
                                           lambda r, t: t == URGENT),
        "near_urgent": rate(near, lambda r, t: t == URGENT),
        "near_any": rate(near, hit),
        "near_per_kind": {k: {"any": rate(v, hit)["hits"], "urgent": rate(
            v, lambda r, t: t == URGENT)["hits"], "n": len(v)} for k, v in sorted(per_near.items())},
    }


def speed(texts: List[str], repeat: int = 5) -> Dict[str, float]:
    """Milliseconds per uncached ``assess`` (the detector and lexicon, no cache), per message."""
    detector = M.get_detector()
    for t in texts[:50]:
        detect.evaluate(t, detector)
    times = []
    for _ in range(repeat):
        for t in texts:
            t0 = time.perf_counter()
            detect.evaluate(t, detector)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "max_ms": times[-1], "n": len(times)}


def report(name: str, res: Dict[str, object]) -> None:
    def fmt(x) -> str:
        return f"{x['hits']}/{x['n']} = {x['rate']:.3f} (95 % CI {x['ci95'][0]:.3f}-{x['ci95'][1]:.3f})"

    print(f"\n## {name}")
    print(f"recall (urgent or concern): {fmt(res['recall'])}")
    print(f"urgent-labelled messages judged urgent: {fmt(res['urgent_labelled_got_urgent'])}")
    print(f"near misses given the urgent tier: {fmt(res['near_urgent'])}")
    print(f"near misses given any helpline: {fmt(res['near_any'])}")
    print("| kind | recall | 95 % CI |\n|---|---|---|")
    for kind, x in res["recall_per_kind"].items():
        print(f"| {kind} | {x['hits']}/{x['n']} = {x['rate']:.3f} | {x['ci95'][0]:.3f}-{x['ci95'][1]:.3f} |")
    print("| near-miss kind | any helpline | urgent |\n|---|---|---|")
    for kind, x in res["near_per_kind"].items():
        print(f"| {kind} | {x['any']}/{x['n']} | {x['urgent']}/{x['n']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", metavar="COMMIT", help="measure the lexicon at this commit")
    ap.add_argument("--pipeline", nargs="?", const="latest", metavar="MODEL",
                    help="measure through the trained Rasa NLU (default: newest models/*.tar.gz)")
    ap.add_argument("--rest", metavar="URL", help="measure first messages over REST")
    ap.add_argument("--rest-token", default=os.environ.get("NAVIGATOR_REST_TOKEN", ""),
                    help="that deployment's NAVIGATOR_REST_TOKEN (default: the environment's)")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    rows = load_heldout()
    print(f"held-out set: {len(rows)} messages ({sum(r['label'] == 'crisis' for r in rows)} "
          f"crisis) from {sorted({r['writer'] for r in rows})}; corpus key {M.corpus_key()}")
    results: Dict[str, object] = {}
    if args.before:
        name = f"before (bot/safety.py at {args.before})"
        results[name] = evaluate(rows, old_lexicon(args.before))
    elif args.rest:
        name = f"REST first messages ({args.rest})"
        results[name] = evaluate(rows, rest_judge(args.rest, args.rest_token))
    elif args.pipeline:
        model = args.pipeline
        if model == "latest":
            model = str(sorted((ROOT / "models").glob("*.tar.gz"))[-1])
        name = f"NLU pipeline ({Path(model).name})"
        results[name] = evaluate(rows, pipeline_judge(model))
    else:
        name = "detector (bot.safeguarding.assess)"
        detector = M.get_detector()
        results[name] = evaluate(rows, lambda t: detect.evaluate(t, detector).tier)
    report(name, results[name])
    if not args.no_speed and not (args.before or args.rest or args.pipeline):
        texts = [r["text"] for r in rows] + [e.text for e in M.load_corpus()]
        sp = speed(texts)
        results["speed"] = sp
        print(f"\nassess, uncached: p50 {sp['p50_ms']:.3f} ms, p95 {sp['p95_ms']:.3f} ms, p99 "
              f"{sp['p99_ms']:.3f} ms, max {sp['max_ms']:.2f} ms over {sp['n']} calls "
              f"({platform.python_version()}, {platform.machine()}, {platform.processor() or '?'})")
    mode = "before" if args.before else "rest" if args.rest else "pipeline" if args.pipeline \
        else "detector"
    out = ROOT / "bench" / "out" / f"crisis_eval_{mode}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    main()
