"""Duty hours, accounts (argon2, back-off, sessions) and the outbox's delivery rules."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.accounts import accounts
from bot.handoff import handoff, outbox
from bot.accounts.accounts import AccountError
from bot.handoff.duty import handoff_notice, on_duty
from bot.weekly import DutyHoursError, parse_duty_hours
from bot.accounts.models import LoginThrottle, Worker
from bot.handoff.models import OutboxItem
from bot.settings import SettingsError, load_settings

PASSWORD = "correct horse battery"
MONDAY_10_UTC = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)  # a Monday, GMT


# -- duty hours ---------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, when, expected", [
    ("Mon-Fri 09:00-17:00", MONDAY_10_UTC, True),
    ("Mon-Fri 09:00-17:00", MONDAY_10_UTC + timedelta(days=6), False),  # Sunday
    ("Mon-Fri 09:00-17:00", MONDAY_10_UTC + timedelta(hours=8), False),  # 18:00
    ("Sun 20:00-02:00", MONDAY_10_UTC - timedelta(hours=9), True),  # Monday 01:00
    ("Fri-Mon 10:00-11:00", MONDAY_10_UTC + timedelta(minutes=30), True),
    ("always", MONDAY_10_UTC, True),
    ("never", MONDAY_10_UTC, False),
])
def test_duty_hours(spec, when, expected):
    assert parse_duty_hours(spec).on_duty(when) is expected


@pytest.mark.parametrize("spec", ["Mon-Fri", "Funday 09:00-17:00", "Mon 25:00-26:00", "9 to 5"])
def test_bad_duty_hours_are_a_settings_error(spec):
    with pytest.raises(DutyHoursError):
        parse_duty_hours(spec)
    with pytest.raises(SettingsError, match="NAVIGATOR_DUTY_HOURS"):
        load_settings({"NAVIGATOR_DUTY_HOURS": spec})


def test_handoff_notice_in_and_out_of_hours():
    settings = load_settings({"NAVIGATOR_DUTY_HOURS": "Mon-Fri 09:00-17:00"})
    assert on_duty(MONDAY_10_UTC, settings)
    inside = handoff_notice(settings, "Leeds Youth Hub", MONDAY_10_UTC)
    assert "youth worker at Leeds Youth Hub" in inside and "30 minutes" in inside
    outside = handoff_notice(settings, "Leeds Youth Hub", MONDAY_10_UTC + timedelta(days=6))
    assert "aren't on duty" in outside and "999" in outside and "Samaritans" in outside
    assert "Mon-Fri 09:00-17:00" in outside


def test_settings_validate_default_org_and_cookie_flag():
    with pytest.raises(SettingsError):
        load_settings({"NAVIGATOR_DEFAULT_ORG": "not a slug!"})
    with pytest.raises(SettingsError):
        load_settings({"CONSOLE_SECURE_COOKIES": "maybe"})
    assert load_settings({"CONSOLE_SECURE_COOKIES": "0"}).console_secure_cookies is False


# -- accounts -----------------------------------------------------------------------------------
@pytest.fixture
def worker(sessions):
    accounts.add_org(sessions, "hub", "The Hub")
    return accounts.add_worker(sessions, "Jo@Example.org", PASSWORD, "hub", "worker")


def test_worker_password_is_argon2_and_login_works(sessions, worker):
    with sessions() as s:
        stored = s.get(Worker, worker.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.authenticate(sessions, "jo@example.org", PASSWORD, "1.2.3.4").worker.id \
        == worker.id
    assert accounts.authenticate(sessions, "jo@example.org", "wrong password!", "").worker is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(email="not-an-email"), "e-mail"),
    (dict(password="short"), "at least"),
    (dict(org_slug="nope"), "no organisation"),
    (dict(role="boss"), "role"),
    (dict(email="jo@example.org"), "exists"),
])
def test_add_worker_validation(sessions, worker, kwargs, message):
    args = dict(email="new@example.org", password=PASSWORD, org_slug="hub", role="worker")
    args.update(kwargs)
    with pytest.raises(AccountError, match=message):
        accounts.add_worker(sessions, **args)


def test_add_org_validation(sessions):
    with pytest.raises(AccountError):
        accounts.add_org(sessions, "bad slug", "x")
    accounts.add_org(sessions, "ok", "OK")
    with pytest.raises(AccountError, match="exists"):
        accounts.add_org(sessions, "ok", "again")


def _time_passes(sessions) -> None:
    with sessions() as s, s.begin():
        s.execute(update(LoginThrottle).values(blocked_until=None))


def test_login_back_off_and_lockout(sessions, worker):
    for _ in range(accounts.FREE_FAILURES):
        r = accounts.authenticate(sessions, "jo@example.org", "nope nope nope", "9.9.9.9")
        assert r.worker is None and r.retry_after == 0
    r = accounts.authenticate(sessions, "jo@example.org", "nope nope nope", "9.9.9.9")
    assert r.worker is None and r.retry_after >= 2
    # Even the right password is refused while backing off, from that address; a new e-mail
    # from the same address is throttled too (the address is).
    assert accounts.authenticate(sessions, "jo@example.org", PASSWORD, "9.9.9.9").retry_after > 0
    assert accounts.authenticate(sessions, "someone@example.org", "x" * 12,
                                 "9.9.9.9").retry_after > 0
    with sessions() as s:
        keys = s.execute(select(LoginThrottle.key)).scalars().all()
    assert all("example.org" not in k and "9.9.9.9" not in k for k in keys)  # hashed keys
    _time_passes(sessions)
    assert accounts.authenticate(sessions, "jo@example.org", PASSWORD, "7.7.7.7").worker
    for _ in range(accounts.LOCK_FAILURES):
        _time_passes(sessions)
        accounts.authenticate(sessions, "jo@example.org", "nope nope nope", "6.6.6.6")
    stranger = accounts.authenticate(sessions, "jo@example.org", PASSWORD, "6.6.6.6").retry_after
    assert stranger > 14 * 60  # that address is locked out of this account for 15 minutes


def test_a_stranger_cannot_lock_a_worker_out(sessions, worker):
    """Issue 17, item 4: failures keyed on the account alone (and never cleared on success)
    let anyone lock a worker out; behind a proxy every client shared one address."""
    for _ in range(accounts.LOCK_FAILURES + 5):
        _time_passes(sessions)
        accounts.authenticate(sessions, "jo@example.org", "guess guess guess", "6.6.6.6")
    wait = accounts.authenticate(sessions, "jo@example.org", PASSWORD, "7.7.7.7").retry_after
    assert wait <= accounts.ACCOUNT_MAX_DELAY.total_seconds() + 1  # slowed, never locked
    _time_passes(sessions)
    assert accounts.authenticate(sessions, "jo@example.org", PASSWORD, "7.7.7.7").worker


def test_the_client_address_behind_a_trusted_proxy():
    from bot.channels.clients import forwarded_client

    ingress = ("10.0.0.0/8",)
    # Through the ingress: the nearest untrusted hop; a client's own header is not believed.
    assert forwarded_client("10.1.2.3", "203.0.113.9", ingress) == "203.0.113.9"
    assert forwarded_client("10.1.2.3", "1.1.1.1, 203.0.113.9, 10.0.0.7", ingress) \
        == "203.0.113.9"
    assert forwarded_client("203.0.113.9", "1.1.1.1", ingress) == "203.0.113.9"
    assert forwarded_client("10.1.2.3", "", ingress) == "10.1.2.3"
    assert forwarded_client("10.1.2.3", "1.1.1.1", ()) == "10.1.2.3"  # no proxy configured
    with pytest.raises(SettingsError):
        load_settings({"CONSOLE_TRUSTED_PROXIES": "not-a-network"})
    assert load_settings({"CONSOLE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.5"}
                         ).console_trusted_proxies == ("10.0.0.0/8", "192.168.1.5/32")


def test_sessions_are_stored_hashed_and_end_on_logout(sessions, worker):
    token = accounts.start_session(sessions, worker.id)
    info = accounts.load_session(sessions, token)
    assert info.worker.id == worker.id and len(info.csrf_token) >= 32
    assert accounts.load_session(sessions, token + "x") is None
    assert accounts.load_session(sessions, None) is None
    accounts.end_session(sessions, token)
    assert accounts.load_session(sessions, token) is None
    expired = accounts.start_session(sessions, worker.id, ttl=timedelta(seconds=-1))
    assert accounts.load_session(sessions, expired) is None
    assert accounts.csrf_ok("abc", "abc") and not accounts.csrf_ok("abc", "") \
        and not accounts.csrf_ok("abc", None)


# -- outbox -------------------------------------------------------------------------------------
def _reply(sessions, worker, channel, sender="s-1", text="hello"):
    h = handoff.request_handoff(sessions, sender, channel, "request", org="hub")
    return handoff.worker_reply(sessions, h.id, worker, text)


def _status(sessions):
    with sessions() as s:
        return s.execute(select(OutboxItem.status, OutboxItem.attempts)
                         .order_by(OutboxItem.id)).all()


def test_outbox_delivers_through_the_channel_sender(sessions, worker):
    _reply(sessions, worker, "telegram", "tg-1", "one")
    _reply(sessions, worker, "sms", "sms-1", "two")
    _reply(sessions, worker, "rest", "rest-1", "three")
    got = []

    async def tg(sender_id, text):
        got.append(("telegram", sender_id, text))
        return True

    async def sms(sender_id, text):
        got.append(("sms", sender_id, text))
        return False  # e.g. opted out: never retried

    n = asyncio.run(outbox.deliver_due(sessions, {"telegram": tg, "sms": sms}))
    assert n == 1 and sorted(got) == [("sms", "sms-1", "two"), ("telegram", "tg-1", "one")]
    assert _status(sessions) == [("sent", 1), ("failed", 1), ("pending", 0)]
    assert asyncio.run(outbox.deliver_due(sessions, {"telegram": tg})) == 0  # nothing twice
    assert outbox.fetch_for_chat(sessions, "tg-1") == []  # pushed channels are never fetched
    assert outbox.fetch_for_chat(sessions, "rest-1") == [{"text": "three", "from": "worker"}]
    assert outbox.fetch_for_chat(sessions, "rest-1") == []


def test_outbox_retries_errors_then_gives_up(sessions, worker):
    _reply(sessions, worker, "telegram", "tg-1", "one")

    async def broken(sender_id, text):
        raise ConnectionError("down")

    for _ in range(outbox.MAX_ATTEMPTS):
        with sessions() as s, s.begin():
            s.execute(update(OutboxItem).values(next_attempt_at=datetime.now(timezone.utc)))
        asyncio.run(outbox.deliver_due(sessions, {"telegram": broken}))
    assert _status(sessions) == [("failed", outbox.MAX_ATTEMPTS)]


def test_outbox_worker_runs_on_the_loop_and_wakes(sessions, worker):
    sent = []

    async def tg(sender_id, text):
        sent.append(text)
        return True

    async def scenario():
        w = outbox.OutboxWorker(sessions, {"telegram": tg}, interval=30)
        w.start()
        await asyncio.sleep(0.2)
        await asyncio.get_running_loop().run_in_executor(
            None, lambda: _reply(sessions, worker, "telegram", "tg-9", "woken"))
        w.wake()
        for _ in range(100):
            if sent:
                break
            await asyncio.sleep(0.05)
        await w.stop()

    asyncio.run(scenario())
    assert sent == ["woken"]


def test_parallel_logins_run_few_password_checks_at_once(sessions, worker, monkeypatch):
    """Issue 17, item 5: each argon2 check takes 64 MiB; ten parallel logins ran ten at once
    (over the console pod's 512 Mi)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    running, most = [0], [0]
    lock = threading.Lock()
    real_verify = accounts._HASHER.verify  # noqa: F841 - kept by the closure below

    def counted(*args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        try:
            return real_verify(*args)
        finally:
            with lock:
                running[0] -= 1

    real = accounts._HASHER
    monkeypatch.setattr(accounts, "_HASHER", type("Counting", (), {
        "verify": staticmethod(counted), "hash": staticmethod(real.hash),
        "check_needs_rehash": staticmethod(real.check_needs_rehash)})())
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda i: accounts.authenticate(
            sessions, "jo@example.org", PASSWORD, f"10.0.0.{i}"), range(12)))
    assert all(r.worker for r in results)
    assert most[0] <= accounts.HASH_SLOTS
