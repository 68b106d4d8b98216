"""The navigator and a bare `rasa init` bot side by side: same machine, same run, same load.

Each mode starts the navigator and, in the same way, a bare bot made by ``rasa init`` (Rasa's
own example: DIET, TED, rules, no custom actions), then drives each with C concurrent virtual
users for S seconds over the REST channel, in turns (``--rounds``: the bots alternate, so a
shared machine's drifting speed weighs on both alike). Every user runs whole conversations with a fresh
sender: the navigator's conversation is bench/load.py's SCRIPT (a need, place, age, more
results, a detail, a second need, thanks); the bare bot's is what it was made to answer.

* ``embedded``: the default run, ``navigator serve`` (SQLite app database and tracker store,
  in-memory locks) against ``rasa run`` as ``rasa init`` leaves it (in-memory tracker store).
* ``production``: the navigator as tests/infra/cluster.py deploys it (one action server, one
  Rasa replica, PostgreSQL tracker store and app database, the Redis lock store) against the
  bare bot with Rasa's SQL tracker store on PostgreSQL and its Redis lock store.

``--ref COMMIT`` adds the navigator at a git commit (embedded mode, from a temporary worktree
with its own trained model), e.g. the commit before a change, to compare RSS and speed.

    .venv/bin/python bench/versus_rasa.py --mode embedded production --concurrency 1 10 \\
        --seconds 30 [--ref 8ee2d98]

Printed: a Markdown table per mode with turns/s, p50, p95, errors and the largest RSS of the
bot's processes during the run, and the navigator / bare ratios. Saved: bench/out/versus_rasa.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import turn_latency as tl  # noqa: E402
from bench.load import SCRIPT, summary, tree_rss_mb, user  # noqa: E402

BARE_SCRIPT = tl.BARE_SCRIPT
Started = Tuple[List[int], str, Callable[[], None]]  # (pids to measure, url, stop)


async def drive(url: str, token: str, script: List[str], concurrency: int, seconds: float,
                pids: List[int]) -> Dict:
    """C users for ``seconds``: their latencies (s), errors, the time taken and the largest
    RSS of ``pids`` (with their children) sampled every 5 s."""
    lat: List[float] = []
    errors: List[str] = []
    rss: List[float] = []
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        stop = time.monotonic() + seconds
        started = time.monotonic()
        users = asyncio.gather(*(user(client, [url], stop, lat, errors, [0], script, token)
                                 for _ in range(concurrency)))
        while not users.done():
            rss.append(sum(tree_rss_mb(p) for p in pids))
            await asyncio.wait([users], timeout=5)
        await users
        took = time.monotonic() - started
    return {"lat": lat, "errors": errors, "took": took, "rss_mb": max(rss)}


def pooled(parts: List[Dict]) -> Dict:
    """One row (bench/load.py's summary) over several measured rounds."""
    lat = [x for p in parts for x in p["lat"]]
    errors = [e for p in parts for e in p["errors"]]
    row = summary(lat, errors, len(lat), sum(p["took"] for p in parts))
    return {**row, "rounds": len(parts), "rss_mb": max(p["rss_mb"] for p in parts)}


def _stop(proc: subprocess.Popen) -> Callable[[], None]:
    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return stop


def navigator_embedded(tmp: Path, stack: ExitStack, root: Path = ROOT,
                       name: str = "nav") -> Started:
    proc, url = tl.start_navigator(tmp, root, name)
    return [proc.pid], url, _stop(proc)


def bare_embedded(tmp: Path, stack: ExitStack) -> Started:
    proc, url = tl.start_bare(tmp)
    return [proc.pid], url, _stop(proc)


def navigator_production(tmp: Path, stack: ExitStack) -> Started:
    from tests.infra.cluster import Cluster
    from tests.infra.services import fresh_database

    app_db = stack.enter_context(fresh_database("vsapp"))
    tracker = stack.enter_context(fresh_database("vstracker"))
    cluster = Cluster(tmp, tl_model(), app_db, tracker, redis_url(), "")
    cluster.env.pop("RABBITMQ_URL")
    cluster.setup()
    cluster.start_actions()
    cluster.start_rasa(1)
    assert cluster.actions_ready(), "the action server did not start"
    return [cluster.rasa[0]["proc"].pid, cluster.actions.pid], cluster.rasa[0]["url"], cluster.stop


def bare_production(tmp: Path, stack: ExitStack) -> Started:
    """``rasa init``'s bot with Rasa's SQL tracker store on PostgreSQL and Redis locks."""
    from urllib.parse import urlsplit

    from tests.infra.services import fresh_database

    tracker = urlsplit(stack.enter_context(fresh_database("vsbare")))
    redis = urlsplit(redis_url())
    endpoints = {"tracker_store": {"type": "SQL", "dialect": "postgresql",
                                   "url": tracker.hostname, "port": tracker.port or 5432,
                                   "db": tracker.path.lstrip("/"),
                                   "username": tracker.username or "root"},
                 "lock_store": {"type": "redis", "url": redis.hostname,
                                "port": redis.port or 6379, "db": int(redis.path.lstrip("/") or 0),
                                "key_prefix": "vs" + uuid.uuid4().hex[:8]}}
    if tracker.password:
        endpoints["tracker_store"]["password"] = tracker.password
    proc, url = tl.start_bare(tmp, endpoints=yaml.safe_dump(endpoints))
    return [proc.pid], url, _stop(proc)


def tl_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no model: run `navigator train` first")
    return models[-1]


def redis_url() -> str:
    return os.environ.get("NAVIGATOR_TEST_REDIS_URL", "redis://localhost:6379/0")


def run_mode(bots: List[Tuple[str, Callable[[Path, ExitStack], Started], List[str], str]],
             args: argparse.Namespace) -> List[Dict]:
    """Start every bot of one mode, then for each concurrency measure them in turns: ``rounds``
    rounds of ``seconds / rounds`` each, the bots one after another in every round, so a
    machine that slows down or speeds up during the run (a shared VM does) weighs on each bot
    alike. A bot waits idle while another is measured. One row per bot and concurrency, over
    all its rounds."""
    rows = []
    with tempfile.TemporaryDirectory() as d, ExitStack() as stack:
        running = []
        for name, starter, script, token in bots:
            tmp = Path(d) / f"bot{len(running)}"
            tmp.mkdir()
            pids, url, stop = starter(tmp, stack)
            stack.callback(stop)
            asyncio.run(drive(url, token, script, 2, args.warmup, pids))
            running.append((name, pids, url, script, token))
        for c in args.concurrency:
            parts: Dict[str, List[Dict]] = {name: [] for name, *_ in running}
            for _ in range(args.rounds):
                for name, pids, url, script, token in running:
                    parts[name].append(asyncio.run(
                        drive(url, token, script, c, args.seconds / args.rounds, pids)))
            for name, _, _, _, _ in running:
                rows.append({"bot": name, "concurrency": c, **pooled(parts[name])})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if a and b else "-"


def table(mode: str, rows: List[Dict]) -> str:
    out = [f"### {mode}", "", "| bot | concurrent | turns/s | p50 ms | p95 ms | errors | "
           "largest RSS MB |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['bot']} | {r['concurrency']} | {r['turns_per_s']} | {r['p50_ms']} | "
                   f"{r['p95_ms']} | {r['errors']} | {r['rss_mb']} |")
    bare = {r["concurrency"]: r for r in rows if r["bot"] == "bare rasa init"}
    out += ["", "| navigator / bare | concurrent | turns/s | p50 | p95 |", "|---|---|---|---|---|"]
    for r in rows:
        b = bare.get(r["concurrency"])
        if r["bot"] != "bare rasa init" and b:
            out.append(f"| {r['bot']} | {r['concurrency']} | "
                       f"{ratio(r['turns_per_s'], b['turns_per_s'])} | "
                       f"{ratio(r['p50_ms'], b['p50_ms'])} | {ratio(r['p95_ms'], b['p95_ms'])} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mode", nargs="+", choices=("embedded", "production"),
                    default=["embedded", "production"])
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3,
                    help="measure the bots in turns, this many rounds (see run_mode)")
    ap.add_argument("--ref", help="also the navigator at this git commit (embedded mode)")
    args = ap.parse_args()
    tl_model()
    os.environ.setdefault("NAVIGATOR_TEST_POSTGRES_URL",
                          "postgresql://root@localhost:5432/postgres")
    from tests.rasa.conftest import REST_TOKEN as CLUSTER_TOKEN  # the cluster's (rasa_env)

    result: Dict[str, List[Dict]] = {}
    for mode in args.mode:
        if mode == "embedded":
            bots = [("navigator", navigator_embedded, SCRIPT, tl.REST_TOKEN)]
            if args.ref:
                bots.append((f"navigator at {args.ref}", ref_starter(args.ref), SCRIPT,
                             tl.REST_TOKEN))
            bots.append(("bare rasa init", bare_embedded, BARE_SCRIPT, tl.REST_TOKEN))
        else:
            bots = [("navigator", navigator_production, SCRIPT, CLUSTER_TOKEN),
                    ("bare rasa init", bare_production, BARE_SCRIPT, CLUSTER_TOKEN)]
        result[mode] = run_mode(bots, args)
    machine = (f"{platform.node()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
               f", Python {platform.python_version()}")
    out = {"machine": machine, "argv": sys.argv[1:],
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "modes": result}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "versus_rasa.json").write_text(json.dumps(out, indent=1))
    print(f"\nmachine: {machine}, {out['when']}\n")
    for mode, rows in result.items():
        print(table(mode, rows) + "\n")
    return 0


def ref_starter(ref: str) -> Callable[[Path, ExitStack], Started]:
    """The navigator at git ``ref`` from a temporary worktree (removed afterwards)."""
    def start(tmp: Path, stack: ExitStack) -> Started:
        tree = tmp / "ref"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT,
                       check=True, capture_output=True)
        stack.callback(subprocess.run, ["git", "worktree", "remove", "--force", str(tree)],
                       cwd=ROOT, capture_output=True)
        return navigator_embedded(tmp, stack, tree, "ref")
    return start


if __name__ == "__main__":
    raise SystemExit(main())
