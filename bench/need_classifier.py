"""Text-only need classification measured on the Miami 211 export (issue 3).

Ground truth: each Miami service's AIRS codes mapped through
``bot/resources/mappings/airs_to_needs.csv`` (a service is in the sample when at least one of its
codes is informative — target-population-only services are left out). The classifier sees only
the service name and its HTML-stripped description, never the codes.

Split: services are grouped by organisation (and groups sharing an identical description are
merged, so copies of one text never sit on both sides), the groups are shuffled with a fixed
seed and dealt into two halves. The lexicon was developed on ``--half dev``; ``--half test`` is
the held-out half, run once for the reported figures.

    .venv/bin/python bench/need_classifier.py --half test
    .venv/bin/python bench/need_classifier.py --half dev --errors 30   # development only

Results: a Markdown table on stdout and ``bench/out/need_classifier_<half>.json``.
Needs ``../shared/datasets/miami-211-hsds-1.1`` beside the project root.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.directory import needs as needs_mod  # noqa: E402
from bot.directory import needmap, textneeds  # noqa: E402
from bot.directory.loader import clean_text  # noqa: E402

MIAMI = ROOT.parent / "shared" / "datasets" / "miami-211-hsds-1.1" / "data"
SEED = 20261201
OUT = ROOT / "bench" / "out"


@dataclass(frozen=True)
class Record:
    """One Miami service: text, codes and its AIRS-derived needs (None = not in the sample)."""

    id: str
    org: str
    name: str
    description: str
    codes: Tuple[str, ...]
    truth: Optional[Tuple[str, ...]]


def truth_for(codes: Sequence[str]) -> Optional[Tuple[str, ...]]:
    """Needs from AIRS codes; None when no code is informative."""
    mapped = [needmap._airs_lookup(c) for c in codes]
    if all(m is None for m in mapped):
        return None
    out: List[str] = []
    for m in mapped:
        out.extend(n for n in (m or ()) if n not in out)
    return tuple(out)


def load_miami(data_dir: Path = MIAMI) -> List[Record]:
    """Every Miami service with its cleaned text and AIRS codes."""
    codes: Dict[str, List[str]] = defaultdict(list)
    with open(data_dir / "services_taxonomy.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            codes[row["service_id"]].append(row["taxonomy_id"].strip())
    out = []
    with open(data_dir / "services.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cs = tuple(codes.get(row["id"], ()))
            out.append(Record(row["id"], row["organization_id"] or f"svc{row['id']}",
                              clean_text(row["name"]) or "", clean_text(row["description"]) or "",
                              cs, truth_for(cs) if cs else None))
    return out


def split(records: Sequence[Record], seed: int = SEED) -> Tuple[List[Record], List[Record]]:
    """(dev, test): organisation groups, merged where they share a description, dealt by seed."""
    parent: Dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_org_for_text: Dict[str, str] = {}
    for r in records:
        key = r.description.strip().lower()
        if key:
            other = first_org_for_text.setdefault(key, r.org)
            parent[find(r.org)] = find(other)
        else:
            find(r.org)
    groups: Dict[str, List[Record]] = defaultdict(list)
    for r in records:
        groups[find(r.org)].append(r)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    dev: List[Record] = []
    test: List[Record] = []
    for k in keys:  # greedy dealing keeps the halves within one group of each other in size
        (dev if len(dev) <= len(test) else test).extend(groups[k])
    return dev, test


def evaluate(records: Sequence[Record],
             classify: Callable[[str, str], List[str]]) -> Dict[str, object]:
    """Per-need binary precision/recall/F1 over the labelled records, plus macro averages.

    Over the twelve needs of issue 3. Sub-needs (issue 16: "gambling", "young carers"...) are
    refinements the classifier adds after the needs, never in their place
    (``textneeds.classify_text``); the AIRS truth has none, so they are left out of both."""
    sample = [r for r in records if r.truth is not None]
    codes = [c for c in needs_mod.need_codes() if not needs_mod.parent_of(c)]

    def coarse(found) -> set:
        return {c for c in found if not needs_mod.parent_of(c)}
    tp = dict.fromkeys(codes, 0)
    fp = dict.fromkeys(codes, 0)
    fn = dict.fromkeys(codes, 0)
    exact = 0
    predictions = {}
    for r in sample:
        pred = coarse(classify(r.name, r.description))
        gold = coarse(r.truth or ())
        predictions[r.id] = sorted(pred)
        exact += pred == gold
        for c in codes:
            tp[c] += c in pred and c in gold
            fp[c] += c in pred and c not in gold
            fn[c] += c not in pred and c in gold
    per_need = {}
    for c in codes:
        p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        r_ = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        f = 2 * p * r_ / (p + r_) if p + r_ else 0.0
        per_need[c] = {"precision": p, "recall": r_, "f1": f, "support": tp[c] + fn[c],
                       "predicted": tp[c] + fp[c]}
    scored = [c for c in codes if per_need[c]["support"]]
    macro = {k: sum(per_need[c][k] for c in scored) / max(1, len(scored))
             for k in ("precision", "recall", "f1")}
    return {"records": len(sample), "no_need": sum(1 for r in sample if not r.truth),
            "exact_match": exact / max(1, len(sample)), "per_need": per_need, "macro": macro,
            "predictions": predictions}


def markdown(result: Dict[str, object]) -> str:
    """The per-need table."""
    lines = ["| need | precision | recall | F1 | support | predicted |",
             "|---|---|---|---|---|---|"]
    per_need: Dict[str, Dict[str, float]] = result["per_need"]  # type: ignore[assignment]
    for c, m in per_need.items():
        lines.append(f"| {c} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{m['support']} | {m['predicted']} |")
    mac: Dict[str, float] = result["macro"]  # type: ignore[assignment]
    lines.append(f"| **macro** | **{mac['precision']:.3f}** | **{mac['recall']:.3f}** | "
                 f"**{mac['f1']:.3f}** | {result['records']} services | |")
    return "\n".join(lines)


def show_errors(records: Sequence[Record], limit: int, need: Optional[str]) -> None:
    """Print misclassified development records with the lexicon terms that fired."""
    shown = 0
    for r in records:
        if r.truth is None:
            continue
        pred = textneeds.classify_text(r.name, r.description)
        if set(pred) == set(r.truth) or (need and need not in set(pred) ^ set(r.truth)):
            continue
        scores = {k: round(v, 1) for k, v in textneeds.score_text(r.name, r.description).items()}
        print(f"--- {r.id} {r.name!r}\n truth={list(r.truth)} pred={pred}\n scores={scores}"
              f"\n fired={textneeds.explain_text(r.name, r.description)}"
              f"\n codes={list(r.codes)}\n {r.description[:700]!r}")
        shown += 1
        if shown >= limit:
            break


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--half", choices=("dev", "test", "all"), default="test")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--errors", type=int, default=0, help="print N errors (dev half only)")
    ap.add_argument("--need", help="with --errors: only errors involving this need")
    args = ap.parse_args(argv)
    if not MIAMI.exists():
        print(f"skipped: {MIAMI} not found (needs ../shared beside the project)")
        return 0
    t0 = time.perf_counter()
    records = load_miami()
    dev, test = split(records, args.seed)
    chosen = {"dev": dev, "test": test, "all": records}[args.half]
    t1 = time.perf_counter()
    textneeds.lexicon()
    result = evaluate(chosen, textneeds.classify_text)
    t2 = time.perf_counter()
    cov = needmap.coverage({r.id: r.codes for r in records if r.codes})
    print(f"Miami services: {len(records)}; with AIRS codes: {int(cov['records'])}; "
          f"≥1 need: {cov['with_need']:.1%}; informative codes: {cov['decided']:.1%}")
    print(f"half={args.half} seed={args.seed}: {len(chosen)} services, "
          f"{result['records']} labelled ({result['no_need']} with no need); "
          f"exact-match {result['exact_match']:.3f}")
    print(markdown(result))
    print(f"load {t1 - t0:.2f}s, classify+score {t2 - t1:.2f}s "
          f"({1000 * (t2 - t1) / max(1, result['records']):.2f} ms/service); "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {k: v for k, v in result.items() if k != "predictions"}
    summary.update({"half": args.half, "seed": args.seed, "coverage": cov,
                    "seconds_classify": t2 - t1, "cpus": os.cpu_count()})
    (OUT / f"need_classifier_{args.half}.json").write_text(json.dumps(summary, indent=2))
    if args.errors:
        if args.half != "dev":
            print("--errors is for the development half only")
            return 2
        show_errors(dev, args.errors, args.need)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
