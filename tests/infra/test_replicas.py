"""Two Rasa replicas, one action server, PostgreSQL, Redis locks and RabbitMQ events: ordering
under concurrency, then faults (Redis down, PostgreSQL restarted, action server killed)."""
from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid

import httpx
import pytest

from tests.infra import services
from tests.infra.cluster import TROUBLE, Cluster, drain_events, joined, say, user_texts
from tests.rasa.conftest import trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.infra, pytest.mark.rasa, pytest.mark.e2e]

SCRIPT = ["hi", "need food", "Leeds", "19"]
CRISIS = "i want to die"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, trained_model):  # noqa: F811 - pytest fixture injection
    redis, rabbitmq = services.service_url("redis"), services.service_url("rabbitmq")
    with services.fresh_database("navapp") as app_db, \
            services.fresh_database("navtracker") as tracker_db:
        c = Cluster(tmp_path_factory.mktemp("cluster"), trained_model, app_db, tracker_db,
                    redis, rabbitmq)
        c.setup()
        c.start_actions()
        try:
            c.start_rasa(2)
            assert c.actions_ready(), c.log_text()[-3000:]
            yield c
        finally:
            c.stop()


def run(coro):
    return asyncio.run(coro)


def test_two_replicas_keep_every_conversation_in_order(cluster):
    """20 conversations at once, each alternating between the replicas: every user message
    stored once, in order, answered, no lock errors; every event streamed to RabbitMQ."""
    urls = [r["url"] for r in cluster.rasa]
    senders = [f"order-{i}-{uuid.uuid4().hex[:6]}" for i in range(20)]

    async def conversation(client, sender, k):
        replies = []
        for turn, text in enumerate(SCRIPT):
            replies.append(await say(client, urls[(k + turn) % 2], sender, text))
        return replies

    async def main():
        async with httpx.AsyncClient() as client:
            got = await asyncio.gather(*(conversation(client, s, k)
                                         for k, s in enumerate(senders)))
            stored = [await user_texts(client, urls[k % 2], s) for k, s in enumerate(senders)]
        return got, stored

    got, stored = run(main())
    for sender, replies, texts in zip(senders, got, stored):
        assert texts == SCRIPT, (sender, texts)
        assert all(r and TROUBLE not in joined(r) for r in replies), (sender, replies)
        assert "Where are you?" in joined(replies[1])
        assert "near Leeds" in joined(replies[3])
    logs = cluster.log_text()
    assert "LockError" not in logs and "Could not acquire lock" not in logs
    events = run(drain_events(services.service_url("rabbitmq"), cluster.queue))
    for sender in senders:
        # Each replica publishes on its own connection, asynchronously: the stream is complete
        # but only ordered per replica. Consumers order a conversation by event timestamp.
        streamed = sorted((e["timestamp"], e.get("text")) for e in events
                          if e.get("sender_id") == sender and e.get("event") == "user")
        assert [text for _, text in streamed] == SCRIPT, (sender, streamed)


def test_redis_down_fails_closed_with_a_safe_reply(cluster):
    services.faults_allowed()
    redis = services.service_url("redis")
    url = cluster.rasa[0]["url"]
    sender = f"redis-{uuid.uuid4().hex[:6]}"

    async def main():
        async with httpx.AsyncClient() as client:
            services.stop_redis(redis)
            try:
                started = time.monotonic()
                plain = joined(await say(client, url, sender, "need food"))
                crisis = joined(await say(client, url, sender, CRISIS))
                took = time.monotonic() - started
            finally:
                services.start_redis(redis)
            after = joined(await say(client, url, sender, "need food"))
        return plain, crisis, took, after

    plain, crisis, took, after = run(main())
    assert TROUBLE in plain and "999" in plain
    assert TROUBLE in crisis and "116 123" in crisis and "call 999" in crisis
    assert took < 20
    assert cluster.alive()
    assert "failed (LockError)" in cluster.log_text()
    assert "Where are you?" in after  # Redis back: served again, no restart needed


def test_postgres_restart_during_traffic_loses_nothing_acknowledged(cluster):
    services.faults_allowed()
    pg = services.service_url("postgres")
    urls = [r["url"] for r in cluster.rasa]
    senders = [f"pg-{i}-{uuid.uuid4().hex[:6]}" for i in range(6)]
    restarted = threading.Event()
    lines = ["need food", "Leeds", "19", "show me more", "hi", "thanks"]

    async def conversation(client, sender, k):
        sent, acked, n, after = [], [], 0, 0
        while after < 4 and n < 200:
            text = f"{lines[n % len(lines)]}"
            n += 1
            sent.append(text)
            try:
                replies = await say(client, urls[n % 2], sender, text)
            except httpx.HTTPError:
                replies = []
            body = joined(replies)
            if replies and TROUBLE not in body:
                acked.append(len(sent) - 1)
                after += restarted.is_set()
            await asyncio.sleep(0.05)
        return sent, acked, after

    async def main():
        async with httpx.AsyncClient() as client:
            restart = asyncio.get_running_loop().run_in_executor(None, _restart)
            got = await asyncio.gather(*(conversation(client, s, k)
                                         for k, s in enumerate(senders)))
            await restart
            stored = [await user_texts(client, urls[0], s) for s in senders]
        return got, stored

    def _restart():
        time.sleep(2)
        try:
            services.restart_postgres(pg)
        finally:
            restarted.set()

    got, stored = run(main())
    for sender, (sent, acked, after), texts in zip(senders, got, stored):
        assert after >= 4, f"{sender} did not recover after the restart"
        # Every acknowledged message is stored, in order; nothing is stored twice.
        pos = 0
        for i in acked:
            while pos < len(texts) and texts[pos] != sent[i]:
                pos += 1
            assert pos < len(texts), (sender, sent[i], i, acked, sent, texts)
            pos += 1
        assert len(texts) <= len(sent)
    assert cluster.alive()


def test_action_server_killed_gets_a_safe_reply_then_recovers(cluster):
    url = cluster.rasa[1]["url"]
    sender = f"kill-{uuid.uuid4().hex[:6]}"
    hung = f"hung-{uuid.uuid4().hex[:6]}"

    async def timed(client, who, text):
        started = time.monotonic()
        body = joined(await say(client, url, who, text))
        return body, time.monotonic() - started

    async def main():
        async with httpx.AsyncClient() as client:
            assert "Where are you?" in joined(await say(client, url, sender, "need food"))
            # A hung action server (no answer at all): the turn deadline answers.
            os.killpg(cluster.actions.pid, signal.SIGSTOP)
            try:
                stalled = await timed(client, hung, CRISIS)
            finally:
                os.killpg(cluster.actions.pid, signal.SIGCONT)
            cluster.kill_actions()
            place = await timed(client, sender, "Leeds")
            crisis = await timed(client, sender, CRISIS)
            cluster.start_actions()
            assert cluster.actions_ready()
            fresh = f"back-{uuid.uuid4().hex[:6]}"
            resumed = [joined(await say(client, url, fresh, t)) for t in ("need food", "Leeds")]
            return stalled, place, crisis, resumed

    stalled, place, crisis, resumed = run(main())
    for body, took in (stalled, place, crisis):
        assert took < 10, (body, took)
        assert TROUBLE in body or "116 123" in body
    assert "116 123" in stalled[0] and "call 999" in stalled[0]
    assert TROUBLE in place[0] and "999" in place[0]
    assert "116 123" in crisis[0] and "call 999" in crisis[0]
    assert "Where are you?" in resumed[0] and "How old are you?" in resumed[1]
    assert cluster.alive()
