"""Turn latency over HTTP (REST channel), one client, sequential turns.

Measures the navigator (Rasa server + action server + SQLite directory) and, in the same run,
a bare `rasa init` bot (no custom actions) as a baseline.

    .venv/bin/python bench/turn_latency.py --turns 200
    .venv/bin/python bench/turn_latency.py --turns 200 --ref f13c396   # + the navigator at a
                                                                         # git commit, same run

With ``--ref`` the commit is checked out in a temporary git worktree, its Rasa model trained
there, and its navigator started from it (``PYTHONPATH`` points at the worktree) and measured
with the same script in the same run.

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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from app import chat  # noqa: E402
from app.process import wait_ready  # noqa: E402

BIN = Path(sys.executable).parent
NAV_SCRIPT = ["hi", "my dad threw me out, where do i go tonight", "Leeds", "19", "show me more",
              "tell me more about the second one", "starving and got no money for food",
              "thanks"]
# The same conversation with a second message that every version so far treats as a housing
# need: since issue 15 "where do i go tonight" after being thrown out is urgent (crisis support,
# an urgent handoff, then the search), a different path, so comparing a turn's cost across that
# change needs this script too (--same-path).
NAV_SCRIPT_SAME_PATH = [NAV_SCRIPT[0], "got nowhere to live, can you help me find a place",
                        *NAV_SCRIPT[2:]]
BARE_SCRIPT = ["hi", "I am sad", "yes", "bye"]
# Crisis support's own speed (--crisis): a conversation that opens with a greeting, then says
# it; every turn of it starts a fresh conversation, so each crisis is a first one.
CRISIS_SCRIPT = ["hi", "i want to kill myself"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


API_TOKEN = "bench-" + uuid.uuid4().hex  # Rasa's HTTP API is on only with a token
REST_TOKEN = "bench-rest-" + uuid.uuid4().hex  # and the REST channel answers only with one


def send(url: str, sender: str, text: str, **kwargs: Any) -> list:
    """One message over the REST channel with the servers' REST token."""
    return chat.send(url, sender, text, token=REST_TOKEN, **kwargs)


def env() -> dict:
    e = dict(os.environ)
    e.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
              "PYTHONWARNINGS": "ignore", "NAVIGATOR_RASA_API_TOKEN": API_TOKEN,
              "NAVIGATOR_REST_TOKEN": REST_TOKEN})
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


def by_step(lat: list, script: list) -> dict:
    """Median latency of each message of the script (turn ``i`` is step ``i % len(script)``)."""
    steps: dict = {}
    for i, ms in enumerate(lat):
        steps.setdefault(script[i % len(script)], []).append(ms)
    return {text: round(statistics.median(v), 1) for text, v in steps.items()}


def summary(lat: list) -> dict:
    s = sorted(lat)
    return {"turns": len(s), "median_ms": round(statistics.median(s), 1),
            "p95_ms": round(s[int(0.95 * (len(s) - 1))], 1), "mean_ms": round(statistics.mean(s), 1),
            "max_ms": round(s[-1], 1)}


def navigator_cmd(root: Path) -> list:
    """The `navigator` command of the checkout at ``root``: its CLI module moved from bot/ to
    app/ in issue 18, and the venv's console script knows only the current one."""
    module = "app.cli" if (root / "app" / "cli.py").exists() else "bot.cli"
    return [sys.executable, "-m", module]


def start_navigator(tmp: Path, root: Path = ROOT, name: str = "nav"):
    e = env()
    e.update({"DATABASE_URL": f"sqlite:///{tmp / (name + '.db')}",
              "TRACKER_DB": str(tmp / f"{name}-t.db"),
              "RASA_PORT": str(free_port()), "ACTION_SERVER_PORT": str(free_port())})
    if root != ROOT:  # another checkout: its own code and its own trained model
        e.update({"PYTHONPATH": str(root), "MODEL_DIR": str(root / "models")})
        subprocess.run([*navigator_cmd(root), "train"], cwd=root, env=e, check=True,
                       capture_output=True)
    subprocess.run([*navigator_cmd(root), "setup"], cwd=root, env=e, check=True,
                   capture_output=True)
    proc = subprocess.Popen([*navigator_cmd(root), "serve"], cwd=root, env=e,
                            stdout=open(tmp / f"{name}.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{e['RASA_PORT']}"
    if not wait_ready(f"{url}/status?token={API_TOKEN}", 300, [proc]):
        raise SystemExit("navigator did not start; see " + str(tmp / f"{name}.log"))
    return proc, url


def start_ref(tmp: Path, ref: str):
    """The navigator at git ``ref``, from a temporary worktree."""
    tree = tmp / "ref"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True,
                   capture_output=True)
    return start_navigator(tmp, tree, "ref")


def start_bare(tmp: Path, endpoints: str = ""):
    """A bot made by ``rasa init`` (trained there), served by ``rasa run``; ``endpoints``:
    the text of its endpoints.yml (default: as ``rasa init`` writes it, in-memory stores)."""
    bare = tmp / "bare"
    bare.mkdir()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(bare)],
                   cwd=tmp, env=env(), check=True, capture_output=True)
    if endpoints:
        (bare / "endpoints.yml").write_text(endpoints)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p",
                             str(port)], cwd=bare, env=env(),
                            stdout=open(tmp / "bare.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not wait_ready(f"{url}/status?token={API_TOKEN}", 300, [proc]):
        raise SystemExit("bare bot did not start; see " + str(tmp / "bare.log"))
    return proc, url


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--ref", help="also measure the navigator at this git commit")
    ap.add_argument("--same-path", action="store_true",
                    help="a second message that every version treats as a need (see above)")
    ap.add_argument("--crisis", action="store_true",
                    help="the navigator's script is CRISIS_SCRIPT; no bare bot")
    args = ap.parse_args()
    nav_script = NAV_SCRIPT_SAME_PATH if args.same_path else NAV_SCRIPT
    nav_script = CRISIS_SCRIPT if args.crisis else nav_script
    results = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bots = [("navigator", start_navigator, nav_script)]
        if args.ref:
            bots.append((f"navigator at {args.ref}", lambda t: start_ref(t, args.ref),
                         nav_script))
        if not args.crisis:
            bots.append(("bare rasa init", start_bare, BARE_SCRIPT))
        try:
            for name, starter, script in bots:
                proc, url = starter(tmp)
                try:
                    measure(url, script, args.warmup)
                    lat = measure(url, script, args.turns)
                    results[name] = {**summary(lat), "by_step": by_step(lat, script)}
                finally:
                    proc.terminate()
                    proc.wait(timeout=60)
        finally:
            if args.ref:
                subprocess.run(["git", "worktree", "remove", "--force", str(tmp / "ref")],
                               cwd=ROOT, capture_output=True)
    out = {"results": results, "script": nav_script, "machine": f"{platform.node()} {platform.machine()}, "
           f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "out" / "turn_latency.json").write_text(json.dumps(out, indent=2))
    print("| bot | turns | median ms | p95 ms | mean ms | max ms |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['turns']} | {r['median_ms']} | {r['p95_ms']} | {r['mean_ms']} | "
              f"{r['max_ms']} |")
    for name, r in results.items():
        print(f"\n{name}, median ms by message:")
        for text, ms in r["by_step"].items():
            print(f"  {ms:7.1f}  {text}")
    print(out["machine"], out["when"])


if __name__ == "__main__":
    main()
