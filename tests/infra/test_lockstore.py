"""connectors/lockstore.py on the real Redis: Rasa's RedisLockStore loses tickets and locks when
two replicas update one conversation's lock at once (RasaHQ/rasa#9213); AtomicRedisLockStore
does not."""
from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from typing import Callable, List, Optional
from urllib.parse import unquote, urlsplit

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from connectors.lockstore import KEY_TTL_MARGIN_S, AtomicRedisLockStore
from tests.infra import services

pytestmark = [pytest.mark.infra]

TYPE = "connectors.lockstore.AtomicRedisLockStore"


class PausedStock(RedisLockStore):
    """Stock store that runs ``after_read`` once, between reading the lock and writing it."""

    after_read: Optional[Callable[[], None]] = None

    def get_lock(self, conversation_id):
        lock = super().get_lock(conversation_id)
        hook, self.after_read = self.after_read, None
        if hook:
            hook()
        return lock


class PausedAtomic(AtomicRedisLockStore):
    """The same pause inside the transaction: after the WATCHed read, before MULTI/EXEC."""

    after_read: Optional[Callable[[], None]] = None

    def _decode(self, raw):
        lock = super()._decode(raw)
        hook, self.after_read = self.after_read, None
        if hook:
            hook()
        return lock


@pytest.fixture(scope="module")
def redis_url():
    return services.service_url("redis")


@pytest.fixture
def prefix(redis_url):
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = "t" + uuid.uuid4().hex[:12]
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def _kwargs(url: str, prefix: str) -> dict:
    parts = urlsplit(url)
    return {"host": parts.hostname or "localhost", "port": parts.port or 6379,
            "db": int(parts.path.lstrip("/") or 0),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_ssl": parts.scheme == "rediss", "key_prefix": prefix}


def make(cls, url: str, prefix: str):
    """One 'replica': a store with its own connection pool."""
    return cls(**_kwargs(url, prefix))


def numbers(store, cid: str) -> List[int]:
    lock = store.get_lock(cid)
    return [t.number for t in lock.tickets] if lock else []


@pytest.mark.parametrize("cls,lost", [(PausedStock, True), (PausedAtomic, False)])
def test_a_ticket_issued_between_read_and_write_is_kept(redis_url, prefix, cls, lost):
    """Replica B issues a ticket while replica A is between reading and writing the lock."""
    a, b = make(cls, redis_url, prefix), make(cls, redis_url, prefix)
    issued = []
    a.after_read = lambda: issued.append(b.issue_ticket("c1", 30))
    issued.append(a.issue_ticket("c1", 30))
    if lost:  # A's SET overwrote B's ticket: both hold ticket 0, both would be served at once
        assert issued == [0, 0] and numbers(b, "c1") == [0]
    else:  # A's EXEC failed, A retried on the lock with B's ticket in it
        assert issued == [0, 1] and numbers(b, "c1") == [0, 1]


@pytest.mark.parametrize("cls,lost", [(PausedStock, True), (PausedAtomic, False)])
def test_cleanup_never_deletes_a_lock_someone_waits_on(redis_url, prefix, cls, lost):
    """A finishes while B issues a ticket: stock A deletes the lock, B raises LockError (the
    production symptom); atomic A keeps it and B is served."""
    a, b = make(cls, redis_url, prefix), make(cls, redis_url, prefix)
    mine = a.issue_ticket("c1", 30)
    theirs = []
    a.after_read = lambda: theirs.append(b.issue_ticket("c1", 30))
    a.cleanup("c1", mine)
    acquire = b._acquire_lock("c1", theirs[0], wait_time_in_seconds=0.01)
    if lost:
        assert b.get_lock("c1") is None
        with pytest.raises(LockError, match="Could not acquire lock"):
            asyncio.run(acquire)
    else:
        assert numbers(b, "c1") == [1]
        assert asyncio.run(acquire).now_serving == theirs[0]
        b.cleanup("c1", theirs[0])
        assert b.get_lock("c1") is None


@pytest.mark.parametrize("cls,lost", [(RedisLockStore, True), (AtomicRedisLockStore, False)])
def test_replicas_issuing_tickets_at_once(redis_url, prefix, cls, lost):
    """8 replicas (threads, a store each) issue 40 tickets each on one conversation at once."""
    replicas, per_replica = 8, 40
    stores = [make(cls, redis_url, prefix) for _ in range(replicas)]
    start = threading.Barrier(replicas)
    issued: List[List[int]] = [[] for _ in stores]

    def replica(i: int) -> None:
        start.wait()
        for _ in range(per_replica):
            issued[i].append(stores[i].issue_ticket("c1", 60))

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(replicas)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    all_issued = [n for got in issued for n in got]
    assert len(all_issued) == replicas * per_replica
    stored = numbers(stores[0], "c1")
    missing = Counter(all_issued) - Counter(stored)  # issued tickets not (or not all) in the lock
    if lost:
        assert sum(missing.values()) > 0, "the stock store kept every ticket this time"
    else:
        assert not missing and sorted(all_issued) == list(range(replicas * per_replica))
        assert stored == sorted(stored)


def test_two_replicas_serve_each_conversation_one_turn_at_a_time(redis_url, prefix):
    """Two replicas (a thread and an event loop each), 20 conversations, 3 turns per
    conversation on each replica: no LockError, no lost increment, no overlap."""
    cids = [f"conv{i}" for i in range(20)]
    counter = {cid: 0 for cid in cids}
    inside = {cid: 0 for cid in cids}
    overlaps: List[str] = []
    guard = threading.Lock()
    errors: List[BaseException] = []

    async def turn(store, cid):
        async with store.lock(cid, lock_lifetime=30, wait_time_in_seconds=0.01):
            with guard:
                if inside[cid]:
                    overlaps.append(cid)
                inside[cid] += 1
            value = counter[cid]
            await asyncio.sleep(0)
            counter[cid] = value + 1
            with guard:
                inside[cid] -= 1

    def replica() -> None:
        store = make(AtomicRedisLockStore, redis_url, prefix)

        async def main():
            return await asyncio.gather(*(turn(store, c) for c in cids for _ in range(3)),
                                        return_exceptions=True)

        errors.extend(r for r in asyncio.run(main()) if isinstance(r, BaseException))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert not overlaps
    assert counter == {cid: 6 for cid in cids}
    assert not list(redis.Redis.from_url(redis_url).scan_iter(f"{prefix}:*"))  # all cleaned up


def test_cleanup_deletes_only_when_nobody_waits_and_keys_expire(redis_url, prefix):
    a, b = make(AtomicRedisLockStore, redis_url, prefix), make(AtomicRedisLockStore, redis_url,
                                                               prefix)
    key = f"{prefix}:lock:c1"
    first = a.issue_ticket("c1", 30)
    ttl = a.red.pttl(key)
    assert 30_000 < ttl <= (30 + KEY_TTL_MARGIN_S) * 1000
    a.cleanup("c1", first)
    assert not a.red.exists(key)

    first, second = a.issue_ticket("c1", 300), b.issue_ticket("c1", 5)
    assert a.red.pttl(key) > 300_000  # never shorter than the longest live ticket
    a.cleanup("c1", first)
    assert numbers(a, "c1") == [second] and 5_000 < a.red.pttl(key) <= 66_000
    b.cleanup("c1", second)
    assert not a.red.exists(key)

    a.issue_ticket("c1", 0.05)
    b.issue_ticket("c1", 30)
    asyncio.run(asyncio.sleep(0.1))
    a.update_lock("c1")  # the expired ticket is dropped: the next one is served
    assert numbers(a, "c1") == [1]


def test_built_from_the_endpoint_config_like_rasa_does(redis_url, prefix):
    kw = _kwargs(redis_url, prefix)
    config = EndpointConfig.from_dict({"type": TYPE, "url": kw.pop("host"), **kw})
    store = LockStore.create(config)
    assert type(store) is AtomicRedisLockStore and store.key_prefix == f"{prefix}:lock:"
    conn = store.red.connection_pool.connection_kwargs
    assert (conn["host"], conn["port"], conn["db"]) == (urlsplit(redis_url).hostname or
                                                        "localhost", kw["port"], kw["db"])
    ticket = store.issue_ticket("c1", 30)
    # Same key and JSON as Rasa's store: replicas can be upgraded one by one.
    assert numbers(make(RedisLockStore, redis_url, prefix), "c1") == [ticket]
    store.cleanup("c1", ticket)
    assert store.get_lock("c1") is None

    lazy = AtomicRedisLockStore(endpoint_config=EndpointConfig(
        url="redis.internal", type=TYPE, port=6380, db=2, username="nav", password="pw",
        key_prefix="navigator"))  # redis-py connects lazily: nothing is contacted here
    conn = lazy.red.connection_pool.connection_kwargs
    assert (conn["host"], conn["port"], conn["db"], conn["username"], conn["password"]) == \
        ("redis.internal", 6380, 2, "nav", "pw")
    direct = AtomicRedisLockStore(host="redis.internal", db=3, key_prefix="bad:prefix")
    assert direct.red.connection_pool.connection_kwargs["db"] == 3
    assert direct.key_prefix == "lock:"  # Rasa's rule: a non-alphanumeric prefix is ignored
