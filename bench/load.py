"""Load benchmark: realistic multi-turn conversations against a production-mode deployment.

Starts one action server and N Rasa replicas (`navigator serve --only rasa`) over fresh
PostgreSQL databases (tracker store and app DB) with the Redis lock store, as in
tests/infra/cluster.py, then drives C concurrent virtual users over each channel asked for:

* ``rest``: ``POST /webhooks/rest/webhook``; the turn is the HTTP call (the replies come back in
  its body);
* ``telegram``: a real Update JSON with the ``X-Telegram-Bot-Api-Secret-Token`` header; the replies
  go to a fake Bot API (``sendMessage``);
* ``sms``: a form signed as Twilio signs it (``X-Twilio-Signature`` over ``SMS_PUBLIC_URL`` and
  the parameters); the replies go to a fake Twilio REST API (``Messages.json``).

Each user runs whole conversations (SCRIPT) with a fresh identity; every turn goes to the next
replica (a load balancer without sticky sessions, the hardest case for locking). A turn is an
error on an HTTP failure, no (complete) reply within the deadline, or the safe "having trouble"
reply. Webhook latency ends at the turn's last reply received by the fake: see
bench/load_channels.py for how a turn is known to be complete.

    NAVIGATOR_TEST_POSTGRES_URL=postgresql://root@localhost:5432/postgres \\
    NAVIGATOR_TEST_REDIS_URL=redis://localhost:6379/0 \\
    .venv/bin/python bench/load.py --channel rest telegram sms --replicas 1 2 \\
        --concurrency 1 10 50 --seconds 30
    .venv/bin/python bench/load.py --channel rest --replicas 1 --concurrency 10 --soak 600

Results: a Markdown table on stdout and bench/out/load.json (soak: RSS every 10 s);
``--logs DIR`` keeps the servers' logs (errors are explained there); ``--profile DIR`` samples
every server process with py-spy during each measured cell (bench/profile_summary.py reads it).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load_channels import (WEBHOOK_CHANNELS, Fakes, calibrate,  # noqa: E402
                                 drive_webhooks)
from tests.infra.cluster import TROUBLE, Cluster  # noqa: E402
from tests.rasa.conftest import REST_TOKEN  # noqa: E402 - the cluster's (rasa_env)
from tests.infra.services import fresh_database  # noqa: E402

# Since issue 15, "my dad threw me out, where do i go tonight" is urgent: crisis support and an
# urgent handoff, after which a webhook channel's conversation waits for a youth worker (REST's
# does not). A load script must be a conversation the bot carries on its own, so the second
# message is a housing need without that risk (as bench/turn_latency.py's --same-path).
SCRIPT = ["hi", "got nowhere to live, can you help me find a place", "Leeds", "19",
          "show me more", "tell me more about the second one",
          "starving and got no money for food", "thanks"]
CHANNELS = ("rest",) + WEBHOOK_CHANNELS


def pct(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: List[float], q: float) -> Optional[int]:
    return round(pct(values, q) * 1000) if values else None


def summary(lat: List[float], errors: List[str], turns: int, took: float,
            ack: Optional[List[float]] = None) -> Dict:
    """One row: turns/s counts turns answered without error; latency is over those turns."""
    row = {"turns": turns, "seconds": round(took, 1),
           "turns_per_s": round((turns - len(errors)) / took, 1),
           "p50_ms": ms(lat, 0.50), "p95_ms": ms(lat, 0.95), "p99_ms": ms(lat, 0.99),
           "mean_ms": round(statistics.fmean(lat) * 1000) if lat else None,
           "errors": len(errors), "error_kinds": sorted(set(errors)),
           "error_rate": round(len(errors) / max(1, turns), 4)}
    if ack is not None:
        row.update({"ack_p50_ms": ms(ack, 0.50), "ack_p95_ms": ms(ack, 0.95)})
    return row


async def user(client: httpx.AsyncClient, urls: List[str], stop: float, lat: List[float],
               errors: List[str], counter: List[int], script: List[str] = SCRIPT,
               token: str = REST_TOKEN) -> None:
    """One virtual user over the REST channel: whole conversations of ``script``, each with
    a fresh sender, every turn to the next of ``urls``, until ``stop``."""
    while time.monotonic() < stop:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        for text in script:
            if time.monotonic() >= stop:
                return
            url = urls[counter[0] % len(urls)]
            counter[0] += 1
            started = time.monotonic()
            try:
                resp = await client.post(f"{url}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text}, timeout=60,
                                         headers={"Authorization": f"Bearer {token}"})
                resp.raise_for_status()
                body = " ".join(m.get("text") or "" for m in resp.json())
                if not body or TROUBLE in body:
                    errors.append("safe reply" if body else "empty reply")
            except Exception as exc:  # noqa: BLE001 - counted, never stops the run
                errors.append(type(exc).__name__)
            lat.append(time.monotonic() - started)


async def drive_rest(urls: List[str], concurrency: int, seconds: float) -> Dict:
    lat: List[float] = []
    errors: List[str] = []
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        stop = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(user(client, urls, stop, lat, errors, [i])
                               for i in range(concurrency)))
        took = time.monotonic() - started
    return summary(lat, errors, len(lat), took)


async def drive(channel: str, urls: List[str], concurrency: int, seconds: float,
                fakes: Optional[Fakes] = None, expected: Optional[List[int]] = None) -> Dict:
    """One measurement of ``channel`` (``expected``: replies per turn, webhooks only)."""
    if channel == "rest":
        return await drive_rest(urls, concurrency, seconds)
    stats = await drive_webhooks(fakes, channel, urls, SCRIPT, expected, concurrency, seconds)
    return summary(stats.lat, stats.errors, stats.turns, stats.took, stats.ack)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (Linux /proc), in MB."""
    children: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


async def soak(cluster: Cluster, run, seconds: float) -> Dict:
    """``run`` (a drive coroutine) with the deployment's RSS sampled every 10 s."""
    samples = []
    task = asyncio.ensure_future(run)
    started = time.monotonic()
    while not task.done():
        samples.append({"t": round(time.monotonic() - started),
                        "rasa_mb": [tree_rss_mb(r["proc"].pid) for r in cluster.rasa],
                        "actions_mb": tree_rss_mb(cluster.actions.pid)})
        await asyncio.wait([task], timeout=10)
    result = await task
    warm = [s for s in samples if s["t"] >= min(120, seconds / 5)]
    first, last = warm[0], warm[-1]
    total = lambda s: sum(s["rasa_mb"]) + s["actions_mb"]  # noqa: E731
    result.update({"rss_samples": samples, "rss_after_warmup_mb": total(first),
                   "rss_end_mb": total(last),
                   "rss_growth_pct": round(100 * (total(last) - total(first)) / total(first), 1)})
    return result


def measure(n: int, args: argparse.Namespace, model: Path, redis: str,
            fakes: Optional[Fakes]) -> List[Dict]:
    """Every row for ``n`` replicas: one deployment over fresh databases."""
    rows: List[Dict] = []
    with fresh_database("benchapp") as app_db, fresh_database("benchtracker") as tracker, \
            tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp), model, app_db, tracker, redis, "")
        cluster.env.pop("RABBITMQ_URL")
        if fakes is not None:
            cluster.env.update(fakes.env())  # Telegram and SMS on, pointed at the fakes
        cluster.setup()
        cluster.start_actions()
        try:
            cluster.start_rasa(n)
            assert cluster.actions_ready()
            urls = [r["url"] for r in cluster.rasa]
            asyncio.run(drive_rest(urls, 2, 5))  # warm-up
            for channel in args.channel:
                expected = None
                if channel != "rest":  # also this channel's warm-up
                    expected = asyncio.run(calibrate_all(fakes, channel, urls))
                    print(json.dumps({"channel": channel, "replicas": n,
                                      "replies_per_turn": expected}), flush=True)
                base = {"channel": channel, "replicas": n}
                if args.soak:
                    c = args.concurrency[0]
                    res = asyncio.run(soak(cluster, drive(channel, urls, c, args.soak, fakes,
                                                          expected), args.soak))
                    rows.append({**base, "concurrency": c, **res})
                    continue
                for c in args.concurrency:
                    spies = profile(cluster, args, f"{channel}-r{n}-c{c}")
                    res = asyncio.run(drive(channel, urls, c, args.seconds, fakes, expected))
                    for spy in spies:
                        spy.wait(timeout=60)
                    rows.append({**base, "concurrency": c, **res})
                    if expected:
                        rows[-1]["replies_per_turn"] = expected
                    print(json.dumps(rows[-1]), flush=True)
        finally:
            cluster.stop()
            if args.logs:  # the servers' logs, for a run with errors
                logs = Path(args.logs) / f"replicas-{n}"
                logs.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    shutil.copy(log, logs / log.name)
    return rows


def profile(cluster: Cluster, args: argparse.Namespace, cell: str) -> List[subprocess.Popen]:
    """py-spy recorders for every server process of ``cluster`` for one cell (none without
    ``--profile``): on-CPU stacks only (py-spy pauses a process for each sample: a little overhead)."""
    if not args.profile:
        return []
    folder = Path(args.profile)
    folder.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).parent / "py-spy"
    targets = [(f"rasa{i}", r["proc"].pid) for i, r in enumerate(cluster.rasa)]
    targets.append(("actions", cluster.actions.pid))
    return [subprocess.Popen([str(spy), "record", "--pid", str(pid), "--subprocesses",
                              "--rate", "50", "--format", "raw",
                              "--duration", str(int(args.seconds)),
                              "--output", str(folder / f"{cell}-{name}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in targets]


async def calibrate_all(fakes: Fakes, channel: str, urls: List[str]) -> List[int]:
    """Replies per turn, learnt on every replica; they must agree."""
    async with httpx.AsyncClient() as client:
        found = [await calibrate(client, fakes, channel, url, SCRIPT) for url in urls]
    if any(f != found[0] for f in found):
        raise RuntimeError(f"{channel}: replicas disagree on replies per turn: {found}")
    return found[0]


def table(rows: List[Dict]) -> str:
    lines = ["| channel | replicas | concurrent | turns/s | p50 ms | p95 ms | p99 ms | "
             "webhook 200 p50/p95 ms | errors |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ack = f"{r['ack_p50_ms']} / {r['ack_p95_ms']}" if "ack_p50_ms" in r else "-"
        lines.append(f"| {r['channel']} | {r['replicas']} | {r['concurrency']} | "
                     f"{r['turns_per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                     f"{ack} | {r['errors']} ({r['error_rate']:.2%}) |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--channel", nargs="+", choices=CHANNELS, default=["rest"])
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--soak", type=float, default=0,
                    help="one soak run of this many seconds per channel (first concurrency)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "load.json"))
    ap.add_argument("--logs", help="copy the servers' logs into this folder")
    ap.add_argument("--profile", help="record the servers with py-spy into this folder")
    args = ap.parse_args()
    args.channel = list(dict.fromkeys(args.channel))
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no model: run `navigator train` first")
    os.environ.setdefault("NAVIGATOR_TEST_POSTGRES_URL",
                          "postgresql://root@localhost:5432/postgres")
    redis = os.environ.get("NAVIGATOR_TEST_REDIS_URL", "redis://localhost:6379/0")
    machine = f"{platform.node()} {os.cpu_count()} CPUs, {platform.platform()}"
    fakes = Fakes() if any(c in WEBHOOK_CHANNELS for c in args.channel) else None
    rows: List[Dict] = []
    try:
        for n in sorted(set(args.replicas)):
            rows += measure(n, args, models[-1], redis, fakes)
    finally:
        if fakes is not None:
            fakes.close()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": machine, "argv": sys.argv[1:],
                                          "rows": rows}, indent=1))
    print(f"\nmachine: {machine}\n\n{table(rows)}")
    for r in rows if args.soak else []:
        print(f"\nsoak {args.soak:.0f} s, {r['channel']}: RSS after warm-up "
              f"{r['rss_after_warmup_mb']} MB, end {r['rss_end_mb']} MB, "
              f"growth {r['rss_growth_pct']} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
