"""Where the servers' CPU time goes under load, from py-spy's sampled stacks.

``bench/load.py --profile DIR`` records each server process of the deployment with py-spy
(sampling the running processes, ``--nonblocking``, only stacks that are on the CPU) for every
measured cell and writes one raw file per process. This reads them and prints, per process:

* the share of samples under each stage (a sample counts for a stage when any frame of its
  stack matches the stage; stages can overlap, so the column does not add up to 100 %);
* the functions with the most samples of their own (self time).

    .venv/bin/python bench/profile_summary.py DIR [--top 25]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

# (stage, regular expression over one frame "function (path:line)"); first match names it.
STAGES: List[Tuple[str, str]] = [
    ("NLU pipeline (rasa/nlu, featurizers, DIET)", r"rasa/nlu/"),
    ("dialogue policies (TED, rules, memoization)", r"rasa/core/policies/"),
    ("TensorFlow / Keras inside NLU or policies", r"tensorflow/|keras/"),
    ("our NLU components (crisis guard, commands)", r"nlu_components/"),
    ("tracker store (SQL, events to/from JSON)", r"rasa/core/tracker_store\.py"),
    ("tracker (events replayed, slots)", r"rasa/shared/core/trackers\.py"),
    ("lock store (Redis)", r"rasa/core/lock_store\.py|redis/"),
    ("Rasa calling the action server (aiohttp, JSON schema)",
     r"rasa/core/actions/action\.py|jsonschema/"),
    ("our channel code (gate, reminders, Telegram, SMS)", r"/connectors/"),
    ("rasa_sdk (action server framework)", r"rasa_sdk/"),
    ("our actions", r"/actions/[a-z_]+\.py"),
    ("our domain code (bot/)", r"/bot/"),
    ("SQLAlchemy (both servers)", r"sqlalchemy/"),
    ("PostgreSQL driver", r"psycopg2/"),
    ("HTTP servers and clients (Sanic, aiohttp, httpx)", r"sanic/|aiohttp/|httpx/|httpcore/"),
    ("logging", r"logging/__init__\.py|structlog/"),
]
_FRAME = re.compile(r"^(?P<fn>.*) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")


def read_raw(path: Path) -> Iterable[Tuple[List[str], int]]:
    """(frames root first, sample count) for each line of a py-spy ``--format raw`` file."""
    for line in path.read_text("utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield stack.split(";"), int(count)


def summarise(path: Path, top: int = 25) -> str:
    """The stage shares and top self-time functions of one recording, as text."""
    total, stages, own = 0, Counter(), Counter()
    compiled = [(name, re.compile(rx)) for name, rx in STAGES]
    for frames, count in read_raw(path):
        total += count
        for name, rx in compiled:
            if any(rx.search(f) for f in frames):
                stages[name] += count
        leaf = _FRAME.match(frames[-1])
        where = f"{leaf['fn']} ({_short(leaf['path'])})" if leaf else frames[-1]
        own[where] += count
    if not total:
        return f"{path.name}: no samples\n"
    out = [f"{path.name}: {total} samples on the CPU", "", "| stage | share of samples |",
           "|---|---|"]
    out += [f"| {name} | {100 * stages[name] / total:.1f} % |" for name, _ in STAGES
            if stages[name]]
    out += ["", "| function (self time) | share |", "|---|---|"]
    out += [f"| `{fn}` | {100 * n / total:.1f} % |" for fn, n in own.most_common(top)]
    return "\n".join(out) + "\n"


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/", "lib/python3.10/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("folder")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    files = sorted(Path(args.folder).glob("*.txt"))
    if not files:
        print(f"no py-spy recordings in {args.folder}", file=sys.stderr)
        return 1
    for f in files:
        print(summarise(f, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
