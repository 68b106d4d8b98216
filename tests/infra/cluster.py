"""A production-mode deployment on one machine: one action server and two Rasa replicas
(`navigator serve --only rasa`) over PostgreSQL, the Redis lock store and RabbitMQ."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import httpx
import pytest

from app.process import wait_ready
from tests.e2e.conftest import free_port
from tests.rasa.conftest import API_TOKEN, REST_TOKEN, ROOT, rasa_env

BIN = Path(sys.executable).parent
TROUBLE = "having trouble"


class Cluster:
    def __init__(self, tmp: Path, model: Path, app_db: str, tracker_db: str, redis: str,
                 rabbitmq: str) -> None:
        self.tmp = tmp
        self.prefix = "t" + uuid.uuid4().hex[:10]
        self.queue = f"navtest_{self.prefix}"
        self.env = rasa_env()
        self.env.update({
            "DATABASE_URL": app_db, "TRACKER_DB_URL": tracker_db, "REDIS_URL": redis,
            "REDIS_KEY_PREFIX": self.prefix, "RABBITMQ_URL": rabbitmq,
            "RABBITMQ_QUEUE": self.queue, "NAVIGATOR_SECRET_KEY": "s" * 48,
            "MODEL_DIR": str(model.parent), "ACTION_SERVER_PORT": str(free_port()),
            "NAVIGATOR_SECRET_KEY_FILE": str(tmp / "secret.key")})
        self.action_port = int(self.env["ACTION_SERVER_PORT"])
        self.rasa: List[Dict] = []
        self.actions: Optional[subprocess.Popen] = None
        self._logs: List = []

    def _log(self, name: str):
        fh = open(self.tmp / f"{name}.log", "ab")
        self._logs.append(fh)
        return fh

    def setup(self) -> None:
        done = subprocess.run([str(BIN / "navigator"), "setup"], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    def start_actions(self) -> None:
        self.actions = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p",
             str(self.action_port)], cwd=ROOT, env={**self.env, "SANIC_HOST": "127.0.0.1"},
            stdout=self._log("actions"), stderr=subprocess.STDOUT, start_new_session=True)

    def actions_ready(self, timeout: float = 120) -> bool:
        return wait_ready(f"http://127.0.0.1:{self.action_port}/health", timeout, [self.actions])

    def kill_actions(self) -> None:
        if self.actions and self.actions.poll() is None:
            os.killpg(self.actions.pid, signal.SIGKILL)
            self.actions.wait()

    def start_rasa(self, n: int = 2) -> None:
        for i in range(n):
            port = free_port()
            env = {**self.env, "RASA_PORT": str(port),
                   "TRACKER_DB": str(self.tmp / f"r{i}" / "t.db")}
            proc = subprocess.Popen([str(BIN / "navigator"), "serve", "--only", "rasa"], cwd=ROOT,
                                    env=env, stdout=self._log(f"rasa{i}"),
                                    stderr=subprocess.STDOUT)
            self.rasa.append({"url": f"http://127.0.0.1:{port}", "proc": proc,
                              "log": self.tmp / f"rasa{i}.log"})
        for r in self.rasa:
            if not wait_ready(f"{r['url']}/", 300, [r["proc"]]):
                self.stop()
                pytest.fail("a Rasa replica did not start:\n" + r["log"].read_text()[-4000:])

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob("*.log")))

    def alive(self) -> bool:
        return all(r["proc"].poll() is None for r in self.rasa)

    def stop(self) -> None:
        for r in self.rasa:
            if r["proc"].poll() is None:
                r["proc"].send_signal(signal.SIGTERM)
        for r in self.rasa:
            try:
                r["proc"].wait(20)
            except subprocess.TimeoutExpired:
                r["proc"].kill()
        self.kill_actions()
        for fh in self._logs:
            fh.close()


async def say(client: httpx.AsyncClient, url: str, sender: str, text: str) -> List[Dict]:
    resp = await client.post(f"{url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=60,
                             headers={"Authorization": f"Bearer {REST_TOKEN}"})
    resp.raise_for_status()
    return resp.json()


def joined(replies: List[Dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


async def user_texts(client: httpx.AsyncClient, url: str, sender: str) -> List[str]:
    resp = await client.get(f"{url}/conversations/{sender}/tracker",
                            params={"token": API_TOKEN}, timeout=30)
    resp.raise_for_status()
    return [e.get("text") for e in resp.json()["events"] if e["event"] == "user"]


async def drain_events(url: str, queue: str, idle: float = 2.0) -> List[Dict]:
    """Every event Rasa streamed to ``queue`` so far (the queue is deleted afterwards)."""
    import json

    import aio_pika

    connection = await aio_pika.connect_robust(url)
    events: List[Dict] = []
    async with connection:
        channel = await connection.channel()
        q = await channel.declare_queue(queue, passive=True)
        quiet = 0.0
        while quiet < idle:
            message = await q.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.2)
                quiet += 0.2
                continue
            quiet = 0.0
            events.append(json.loads(message.body))
        await q.delete(if_unused=False, if_empty=False)
    return events
