"""Turn latency over HTTP (REST channel), one client, sequential turns.

Measures the navigator (Rasa server + action server + SQLite directory) and, in the same run,
a bare `rasa init` bot (no custom actions) as a baseline.

    .venv/bin/python bench/turn_latency.py --turns 200

Results: printed as a Markdown table and saved to bench/out/turn_latency.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.chat import send  # noqa: E402
from bot.process import wait_ready  # noqa: E402

BIN = Path(sys.executable).parent
NAV_SCRIPT = ["hi", "my dad threw me out, where do i go tonight", "Leeds", "19", "show me more",
              "tell me more about the second one", "starving and got no money for food",
              "thanks"]
BARE_SCRIPT = ["hi", "I am sad", "yes", "bye"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict:
    e = dict(os.environ)
    e.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
              "PYTHONWARNINGS": "ignore"})
    return e


def measure(url: str, script: list, turns: int) -> list:
    """Send ``turns`` messages, cycling through ``script`` in fresh conversations."""
    lat = []
    sender = None
    for i in range(turns):
        step = i % len(script)
        if step == 0:
            sender = f"bench-{uuid.uuid4().hex[:10]}"
        t0 = time.perf_counter()
        send(url, sender, script[step], timeout=60)
        lat.append((time.perf_counter() - t0) * 1000)
    return lat


def summary(lat: list) -> dict:
    s = sorted(lat)
    return {"turns": len(s), "median_ms": round(statistics.median(s), 1),
            "p95_ms": round(s[int(0.95 * (len(s) - 1))], 1), "mean_ms": round(statistics.mean(s), 1),
            "max_ms": round(s[-1], 1)}


def start_navigator(tmp: Path):
    e = env()
    e.update({"DATABASE_URL": f"sqlite:///{tmp / 'app.db'}", "TRACKER_DB": str(tmp / 't.db'),
              "RASA_PORT": str(free_port()), "ACTION_SERVER_PORT": str(free_port())})
    subprocess.run([str(BIN / "navigator"), "setup"], cwd=ROOT, env=e, check=True,
                   capture_output=True)
    proc = subprocess.Popen([str(BIN / "navigator"), "serve"], cwd=ROOT, env=e,
                            stdout=open(tmp / "nav.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{e['RASA_PORT']}"
    if not wait_ready(f"{url}/status", 300, [proc]):
        raise SystemExit("navigator did not start; see " + str(tmp / "nav.log"))
    return proc, url


def start_bare(tmp: Path):
    bare = tmp / "bare"
    bare.mkdir()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(bare)],
                   cwd=tmp, env=env(), check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p",
                             str(port)], cwd=bare, env=env(),
                            stdout=open(tmp / "bare.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not wait_ready(f"{url}/status", 300, [proc]):
        raise SystemExit("bare bot did not start; see " + str(tmp / "bare.log"))
    return proc, url


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=8)
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, starter, script in (("navigator", start_navigator, NAV_SCRIPT),
                                      ("bare rasa init", start_bare, BARE_SCRIPT)):
            proc, url = starter(tmp)
            try:
                measure(url, script, args.warmup)
                results[name] = summary(measure(url, script, args.turns))
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    out = {"results": results, "machine": f"{platform.node()} {platform.machine()}, "
           f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "turn_latency.json").write_text(json.dumps(out, indent=2))
    print("| bot | turns | median ms | p95 ms | mean ms | max ms |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['turns']} | {r['median_ms']} | {r['p95_ms']} | {r['mean_ms']} | "
              f"{r['max_ms']} |")
    print(out["machine"], out["when"])


if __name__ == "__main__":
    main()
