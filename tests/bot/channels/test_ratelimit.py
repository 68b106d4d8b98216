"""Fixed-window counters in the database (bot/channels/ratelimit.py)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from sqlalchemy import select

from bot.channels import ratelimit
from bot.channels.models import RateWindow


def test_counts_per_key_and_window_and_stores_no_identifier(sessions):
    assert [ratelimit.hit(sessions, "sender", "tg-abc", now=120.0) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit(sessions, "sender", "tg-other", now=121.0) == 1
    assert ratelimit.hit(sessions, "ip", "tg-abc", now=121.0) == 1  # kinds are separate
    assert ratelimit.hit(sessions, "sender", "tg-abc", now=180.0) == 1  # the next minute
    with sessions() as s:
        keys = s.execute(select(RateWindow.key)).scalars().all()
    assert len(keys) == 3 and not any("tg-" in k for k in keys)


def test_concurrent_hits_are_all_counted(sessions):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: ratelimit.hit(sessions, "sender", "busy", now=60.0), range(40)))
    assert ratelimit.hit(sessions, "sender", "busy", now=60.0) == 41


def test_purge_drops_past_windows_only(sessions):
    ratelimit.hit(sessions, "sender", "old", now=60.0)
    ratelimit.hit(sessions, "sender", "new", now=600.0)
    assert ratelimit.purge(sessions, now=610.0) == 1
    assert ratelimit.stale_before(datetime.fromtimestamp(610.0, timezone.utc)) == 9
    with sessions() as s:
        assert s.execute(select(RateWindow.window)).scalars().all() == [10]
