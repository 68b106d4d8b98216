"""Load benchmark: realistic multi-turn conversations against a production-mode deployment.

Starts one action server and N Rasa replicas (`navigator serve --only rasa`) over fresh
PostgreSQL databases (tracker store and app DB) with the Redis lock store, as in
tests/infra/cluster.py, then drives C concurrent virtual users over the REST channel. Each user
runs whole conversations (SCRIPT) with a fresh sender id; every turn goes to the next replica
(a load balancer without sticky sessions, the hardest case for locking). A turn is an error
when the HTTP call fails or the reply is the safe "having trouble" reply.

    NAVIGATOR_TEST_POSTGRES_URL=postgresql://root@localhost:5432/postgres \\
    NAVIGATOR_TEST_REDIS_URL=redis://localhost:6379/0 \\
    .venv/bin/python bench/load.py --replicas 1 2 --concurrency 1 10 50 --seconds 30
    .venv/bin/python bench/load.py --replicas 1 --concurrency 10 --soak 600

Results: a Markdown table on stdout and bench/out/load.json (soak: RSS every 10 s).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.infra.cluster import TROUBLE, Cluster  # noqa: E402
from tests.infra.services import fresh_database  # noqa: E402

SCRIPT = ["hi", "my dad threw me out, where do i go tonight", "Leeds", "19", "show me more",
          "tell me more about the second one", "starving and got no money for food", "thanks"]


def pct(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def user(client: httpx.AsyncClient, urls: List[str], stop: float, lat: List[float],
               errors: List[str], counter: List[int]) -> None:
    while time.monotonic() < stop:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        for text in SCRIPT:
            if time.monotonic() >= stop:
                return
            url = urls[counter[0] % len(urls)]
            counter[0] += 1
            started = time.monotonic()
            try:
                resp = await client.post(f"{url}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": text}, timeout=60)
                resp.raise_for_status()
                body = " ".join(m.get("text") or "" for m in resp.json())
                if not body or TROUBLE in body:
                    errors.append("safe reply" if body else "empty reply")
            except Exception as exc:  # counted, never stops the run
                errors.append(type(exc).__name__)
            lat.append(time.monotonic() - started)


async def drive(urls: List[str], concurrency: int, seconds: float) -> Dict:
    lat: List[float] = []
    errors: List[str] = []
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        stop = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(user(client, urls, stop, lat, errors, [i])
                               for i in range(concurrency)))
        took = time.monotonic() - started
    return {"turns": len(lat), "seconds": round(took, 1),
            "turns_per_s": round(len(lat) / took, 1),
            "p50_ms": round(pct(lat, 0.50) * 1000), "p95_ms": round(pct(lat, 0.95) * 1000),
            "p99_ms": round(pct(lat, 0.99) * 1000),
            "mean_ms": round(statistics.fmean(lat) * 1000) if lat else None,
            "errors": len(errors), "error_kinds": sorted(set(errors)),
            "error_rate": round(len(errors) / max(1, len(lat)), 4)}


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


async def soak(cluster: Cluster, urls: List[str], concurrency: int, seconds: float) -> Dict:
    samples = []
    task = asyncio.ensure_future(drive(urls, concurrency, seconds))
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--soak", type=float, default=0, help="one soak run of this many seconds")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "load.json"))
    args = ap.parse_args()
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no model: run `navigator train` first")
    os.environ.setdefault("NAVIGATOR_TEST_POSTGRES_URL", "postgresql://root@localhost:5432/postgres")
    redis = os.environ.get("NAVIGATOR_TEST_REDIS_URL", "redis://localhost:6379/0")
    rows = []
    machine = f"{platform.node()} {os.cpu_count()} CPUs, {platform.platform()}"
    for n in sorted(set(args.replicas)):
        with fresh_database("benchapp") as app_db, fresh_database("benchtracker") as tracker, \
                tempfile.TemporaryDirectory() as tmp:
            cluster = Cluster(Path(tmp), models[-1], app_db, tracker, redis, "")
            cluster.env.pop("RABBITMQ_URL")
            cluster.setup()
            cluster.start_actions()
            try:
                cluster.start_rasa(n)
                assert cluster.actions_ready()
                urls = [r["url"] for r in cluster.rasa]
                asyncio.run(drive(urls, 2, 5))  # warm-up
                if args.soak:
                    res = asyncio.run(soak(cluster, urls, args.concurrency[0], args.soak))
                    rows.append({"replicas": n, "concurrency": args.concurrency[0], **res})
                else:
                    for c in args.concurrency:
                        res = asyncio.run(drive(urls, c, args.seconds))
                        rows.append({"replicas": n, "concurrency": c, **res})
                        print(json.dumps(rows[-1]), flush=True)
            finally:
                cluster.stop()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": machine, "argv": sys.argv[1:],
                                          "rows": rows}, indent=1))
    print(f"\nmachine: {machine}\n")
    print("| replicas | concurrent | turns/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['replicas']} | {r['concurrency']} | {r['turns_per_s']} | {r['p50_ms']} | "
              f"{r['p95_ms']} | {r['p99_ms']} | {r['errors']} ({r['error_rate']:.2%}) |")
    if args.soak:
        r = rows[-1]
        print(f"\nsoak {args.soak:.0f} s: RSS after warm-up {r['rss_after_warmup_mb']} MB, "
              f"end {r['rss_end_mb']} MB, growth {r['rss_growth_pct']} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
