"""Where a turn's time goes: the Rasa agent in-process under cProfile, the real action server.

    .venv/bin/python bench/profile_turn.py --conversations 15

Starts an action server over a fresh SQLite app DB, loads the newest model into a Rasa Agent
(in-memory tracker store, so only Rasa and the actions are measured), runs bench/load.py's
SCRIPT, and prints the cumulative time of the main stages per turn plus the top functions.
Results: bench/out/profile_turn.txt.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load import SCRIPT  # noqa: E402
from app.process import wait_ready  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=15)
    ap.add_argument("--cached-schema", action="store_true",
                    help="as the server runs it: connectors.resilience.cache_action_response_schema")
    args = ap.parse_args()
    model = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[-1]
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}",
           "NAVIGATOR_SECRET_KEY_FILE": str(tmp / "k"), "RASA_TELEMETRY_ENABLED": "false"}
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "navigator"), "setup"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    port = free_port()
    actions = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p",
                                str(port)], cwd=ROOT, env={**env, "SANIC_HOST": "127.0.0.1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_ready(f"http://127.0.0.1:{port}/health", 120, [actions])
        import logging

        import structlog

        logging.basicConfig(level=logging.WARNING)
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        from rasa.core.agent import Agent

        if args.cached_schema:
            from connectors.resilience import cache_action_response_schema

            cache_action_response_schema()
        from rasa.utils.endpoints import EndpointConfig

        agent = Agent.load(str(model), action_endpoint=EndpointConfig(
            f"http://127.0.0.1:{port}/webhook"))

        async def run_all() -> int:
            turns = 0
            for _ in range(args.conversations):
                sender = uuid.uuid4().hex
                for text in SCRIPT:
                    await agent.handle_text(text, sender_id=sender)
                    turns += 1
            return turns

        asyncio.run(run_all())  # warm-up (first-call costs)
        prof = cProfile.Profile()
        started = time.perf_counter()
        prof.enable()
        turns = asyncio.run(run_all())
        prof.disable()
        took = time.perf_counter() - started
    finally:
        actions.terminate()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    print(f"{turns} turns in {took:.1f} s under cProfile: {1000 * took / turns:.0f} ms/turn "
          "(profiling overhead included)\n", file=out)
    stats.sort_stats("cumulative").print_stats(45)
    text = out.getvalue()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    name = "profile_turn_cached.txt" if args.cached_schema else "profile_turn.txt"
    (ROOT / "bench" / "out" / name).write_text(text)
    print(text[:12000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
