"""Start the real action server and Rasa server (`navigator serve`) on free ports over a
temporary database, for tests that converse over HTTP."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from bot.process import wait_ready
from tests.rasa.conftest import ROOT, rasa_env, trained_model  # noqa: F401 - fixture

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_servers(tmp: Path, model: Path, setup: List[List[str]],
                  extra_env: Optional[Dict[str, str]] = None) -> Iterator[dict]:
    """Run each `navigator` setup command, then `navigator serve`; yield its url, process and
    log; kill it afterwards if the test did not stop it."""
    env = rasa_env()
    env.update({"DATABASE_URL": f"sqlite:///{tmp / 'app.db'}", "TRACKER_DB": str(tmp / 't.db'),
                "RASA_PORT": str(free_port()), "ACTION_SERVER_PORT": str(free_port()),
                "MODEL_DIR": str(model.parent)})
    env.update(extra_env or {})
    for args in setup:
        done = subprocess.run([str(BIN / "navigator"), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    log = open(tmp / "serve.log", "wb")
    proc = subprocess.Popen([str(BIN / "navigator"), "serve"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['RASA_PORT']}"
    ready = wait_ready(f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/health", 240, [proc]) and \
        wait_ready(f"{url}/status", 240, [proc])
    if not ready:
        stop_servers(proc)
        pytest.fail("servers did not start:\n" + (tmp / "serve.log").read_text()[-4000:])
    try:
        yield {"url": url, "proc": proc, "log": tmp / "serve.log", "env": env}
    finally:
        stop_servers(proc)
        log.close()


def stop_servers(proc: subprocess.Popen) -> None:
    """SIGTERM first: `navigator serve` then stops its Rasa and action server children (they run
    in their own sessions, so killing only the parent would leave them running)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)
