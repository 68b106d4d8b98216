"""Where the servers' CPU time goes under load, from py-spy's sampled stacks.

``bench/load.py --profile DIR`` records each server process of the deployment with py-spy
(sampling the running processes, ``--nonblocking``, only stacks that are on the CPU) for every
measured cell and writes one raw file per process. This reads them and prints, per process:

* per stage, the share of samples it owns (each sample once, to the first stage in ``STAGES``
  its stack passes through: the column adds up to 100 %) and the share it is under (stages
  overlap), and given the cell's turn count, the CPU milliseconds per turn it owns;
* the functions with the most samples of their own (self time).

Samples of threads that only wait (a thread-pool worker waiting for work, the event loop in
``select``, ``navigator serve`` waiting for its children) are counted apart, not in the shares.

    .venv/bin/python bench/profile_summary.py DIR [--top 25] [--turns N] [--rate 50]
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable, List, Tuple

# (stage, regular expression over one frame "function (path:line)"). A sample belongs to the
# FIRST stage in this order that any frame of its stack matches (so the "own" column adds up to
# 100 %: SQL under the tracker store is the tracker store's, SQL under an action the action's);
# the "under" column counts every stage a stack passes through.
STAGES: List[Tuple[str, str]] = [
    ("Rasa NLU pipeline (tokenizer, featurizers)", r"rasa/nlu/"),
    ("our NLU components (intent classifier, crisis guard, commands)",
     r"(?<![a-z/])nlu_components/"),
    ("dialogue policies (TED on TensorFlow, rules, memoization)", r"rasa/core/policies/"),
    ("tracker store (SQL, events to and from JSON)", r"rasa/core/tracker_store\.py"),
    ("tracker (events replayed, slots)", r"rasa/shared/core/trackers\.py"),
    ("lock store (Redis)", r"rasa/core/lock_store\.py|connectors/lockstore\.py|redis/"),
    ("Rasa calling the action server (aiohttp, JSON schema)",
     r"rasa/core/actions/action\.py|jsonschema/"),
    ("our actions", r"(?<![a-z/])actions/[a-z_]+\.py"),  # not rasa/core/actions
    ("our domain code (bot/)", r"(?<![a-z/])bot/[a-z_/]+\.py"),
    ("rest of Rasa's turn (processor, graph runner, events)", r"rasa/"),
    ("our channel code (gate, reminders, Telegram, SMS)", r"(?<![a-z/])connectors/"),
    ("rasa_sdk (action server framework)", r"rasa_sdk/"),
    ("SQLAlchemy", r"sqlalchemy/"),
    ("PostgreSQL driver", r"psycopg2/"),
    ("HTTP servers and clients (Sanic, aiohttp, httpx)", r"sanic/|aiohttp/|httpx/|httpcore/"),
    ("logging", r"logging/__init__\.py|structlog/"),
    ("TensorFlow outside the policies", r"tensorflow/|keras/"),
]
OTHER = "other (interpreter, asyncio, libraries)"
# A stack whose innermost frame is one of these is a thread waiting, not working.
IDLE = re.compile(r"^(_worker \(.*concurrent/futures/thread\.py|serve \(.*sanic/server/runners\.py"
                  r"|first_exit \(.*bot/process\.py|run_forever \(|_run_once \(|select \()")
_FRAME = re.compile(r"^(?P<fn>.*) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")


def read_raw(path: Path) -> Iterable[Tuple[List[str], int]]:
    """(frames root first, sample count) for each line of a py-spy ``--format raw`` file."""
    for line in path.read_text("utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield stack.split(";"), int(count)


def summarise(path: Path, top: int = 25, turns: int = 0, rate: int = 50) -> str:
    """The stage breakdown and top self-time functions of one recording, as text."""
    total, idle, under, own, leaves = 0, 0, Counter(), Counter(), Counter()
    compiled = [(name, re.compile(rx)) for name, rx in STAGES]
    for frames, count in read_raw(path):
        if IDLE.match(frames[-1]):
            idle += count
            continue
        total += count
        owner = None
        for name, rx in compiled:
            if any(rx.search(f) for f in frames):
                under[name] += count
                owner = owner or name
        own[owner or OTHER] += count
        leaf = _FRAME.match(frames[-1])
        leaves[f"{leaf['fn']} ({_short(leaf['path'])})" if leaf else frames[-1]] += count
    if not total:
        return f"{path.name}: no samples\n"
    ms = (lambda n: f" {1000 * n / rate / turns:.1f} |") if turns else (lambda n: "")
    out = [f"{path.name}: {total} samples working ({total / rate:.1f} CPU-s"
           + (f", {1000 * total / rate / turns:.1f} ms per turn" if turns else "")
           + f"), {idle} waiting", "",
           "| stage | own | under |" + (" own CPU ms per turn |" if turns else ""),
           "|---|---|---|" + ("---|" if turns else "")]
    for name in [n for n, _ in STAGES] + [OTHER]:
        if own[name] or under[name]:
            out.append(f"| {name} | {100 * own[name] / total:.1f} % | "
                       f"{100 * under[name] / total:.1f} % |{ms(own[name])}")
    out += ["", "| function (self time) | share |", "|---|---|"]
    out += [f"| `{fn}` | {100 * n / total:.1f} % |" for fn, n in leaves.most_common(top)]
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
    ap.add_argument("--turns", type=int, default=0, help="turns in the recorded cell")
    ap.add_argument("--rate", type=int, default=50, help="py-spy samples per second")
    args = ap.parse_args(argv)
    files = sorted(Path(args.folder).glob("*.txt"))
    if not files:
        print(f"no py-spy recordings in {args.folder}", file=sys.stderr)
        return 1
    for f in files:
        print(summarise(f, args.top, args.turns, args.rate))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
