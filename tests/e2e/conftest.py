"""Start the real action server and Rasa server (`navigator serve`) on free ports over a
temporary database, for tests that converse over HTTP."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from app.process import wait_ready
from tests.connectors.fake_telegram import FakeTelegramServer
from app import chat
from tests.rasa.conftest import (API_TOKEN, REST_TOKEN, ROOT, rasa_env,  # noqa: F401
                                 trained_model)

BIN = Path(sys.executable).parent


TG_TOKEN = "7000000001:AAExampleTokenForE2E_abcdefghijklm"
TG_SECRET = "e2e-webhook-secret"
TG_DEPLOYMENT_SECRET = "d" * 48


@pytest.fixture(scope="package")
def telegram_server(tmp_path_factory, trained_model):  # noqa: F811 - pytest fixture injection
    """`navigator serve` with the Telegram channel on, talking to a fake Bot API on a local port
    (``server["api"]``). Shared by the Telegram and the log-privacy tests: each Rasa start costs
    about a minute of the suite, and the log scan then also covers the Telegram tests' lines."""
    with FakeTelegramServer() as fake:
        env = {"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_SECRET_TOKEN": TG_SECRET,
               "TELEGRAM_API_BASE_URL": fake.base_url, "NAVIGATOR_SECRET_KEY": TG_DEPLOYMENT_SECRET,
               "NAVIGATOR_LOG_LEVEL": "INFO"}
        for server in start_servers(tmp_path_factory.mktemp("tg"), trained_model, [["setup"]],
                                    env):
            server["api"] = fake.api
            yield server


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
        wait_ready(f"{url}/status?token={API_TOKEN}", 240, [proc])
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


def send(url: str, sender: str, text: str, **kwargs) -> list:
    """One message over the REST channel with the test servers' REST token."""
    return chat.send(url, sender, text, token=REST_TOKEN, **kwargs)


def texts(replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)
