"""Telegram, SMS and WhatsApp webhook load for ``bench/load.py``.

The fake Telegram Bot API and the fake Twilio REST API (``tests/connectors/fake_telegram.py``,
``fake_twilio.py``: the real wire formats and answers) run in a child process, so the load
generator's event loop never serves them. Each ``sendMessage`` / ``Messages.json`` the Rasa
replicas make is stamped there on arrival (``time.monotonic``: one clock for every process on
Linux) and passed back through a pipe; a reader thread files it under its chat id or phone
number and wakes the conversation waiting for it.

A turn is complete when its deterministic number of replies has arrived. That number is learnt
once per channel and deployment by a calibration conversation (fresh identity, one turn at a
time, a turn's replies taken as complete after ``QUIET`` s without another one): the same script
with a fresh identity always gets the same replies (channel-specific responses, the same seeded
services). Latency = webhook POST sent → the turn's last reply received by the fake, with no
quiet window in it. After a run every finished conversation is checked for replies beyond the
count ("extra replies": counts were wrong and latencies misattributed).
"""
from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import random
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import httpx

PUBLIC_URL = "https://navigator.example.org"
SMS_PATH = "/webhooks/sms/webhook"
WHATSAPP_PATH = "/webhooks/whatsapp/webhook"
WHATSAPP_NUMBER = "whatsapp:+14155238886"
TELEGRAM_PATH = "/webhooks/telegram/webhook"
TELEGRAM_TOKEN = "7000000001:AAExampleTokenForLoadBench_abcdefgh"
TELEGRAM_SECRET = "load-bench-webhook-secret"
TURN_DEADLINE = 15.0  # no complete reply by then: an error
QUIET = 2.0  # calibration only: a turn's replies are complete after this long without one
FAILED = ("having trouble", "something went wrong on my side")
WEBHOOK_CHANNELS = ("telegram", "sms", "whatsapp")

Reply = Tuple[float, str]  # (monotonic arrival time at the fake, text)


def _serve(events: Any) -> None:
    """Child process: both fakes on local ports; every reply sent down ``events``."""
    from tests.connectors.fake_telegram import FakeTelegram, FakeTelegramServer
    from tests.connectors.fake_twilio import FakeTwilioServer

    lock = threading.Lock()

    def emit(kind: str, key: Any, text: str) -> None:
        stamp = time.monotonic()
        with lock:
            events.send((stamp, f"{kind}:{key}", text))

    class TappedTelegram(FakeTelegram):
        def answer(self, method: str, params: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
            status, body = super().answer(method, params)
            with self.lock:
                self.calls.clear()  # a load run keeps no history in the fake
            if method == "sendMessage" and status == 200:
                emit("telegram", int(params["chat_id"]), str(params.get("text") or ""))
            return status, body

    class Tap(list):
        def append(self, form: Dict[str, str]) -> None:  # FakeTwilioServer records a create
            kind = "whatsapp" if form["To"].startswith("whatsapp:") else "sms"
            emit(kind, form["To"], form.get("Body", ""))

    telegram = FakeTelegramServer(TappedTelegram())
    twilio = FakeTwilioServer()
    twilio.messages = Tap()
    for server in (telegram.httpd, twilio.server):  # keep-alive, as the real APIs do (both
        server.RequestHandlerClass.protocol_version = "HTTP/1.1"  # fakes send Content-Length)
        server.daemon_threads = True
    telegram.__enter__()
    events.send(("ready", telegram.base_url, twilio.url))
    threading.Event().wait()  # until the parent terminates us


class Fakes:
    """The fakes' child process, and the replies it has seen, by ``kind:chat-or-phone``."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._events, child_end = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_serve, args=(child_end,), daemon=True)
        self.proc.start()
        child_end.close()
        try:
            if not self._events.poll(60):
                raise EOFError
            _, self.telegram_url, self.twilio_url = self._events.recv()
        except (EOFError, OSError):
            self.close()
            raise RuntimeError("the fake Telegram/Twilio servers did not start") from None
        self._lock = threading.Lock()
        self.inbox: Dict[str, List[Reply]] = {}
        self._waiters: Dict[str, Tuple[asyncio.AbstractEventLoop, Any]] = {}
        threading.Thread(target=self._read, name="fake-replies", daemon=True).start()

    def env(self) -> Dict[str, str]:
        """What turns both channels on in ``navigator serve``, pointed at the fakes."""
        from tests.connectors.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER

        return {"TELEGRAM_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
                "TELEGRAM_API_BASE_URL": self.telegram_url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_NUMBER": TWILIO_NUMBER,
                "SMS_PUBLIC_URL": PUBLIC_URL, "TWILIO_API_BASE": self.twilio_url,
                "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER}

    def _read(self) -> None:
        while True:
            try:
                stamp, key, text = self._events.recv()
            except (EOFError, OSError):
                return
            with self._lock:
                self.inbox.setdefault(key, []).append((stamp, text))
                waiter = self._waiters.get(key)
            if waiter is not None:
                try:
                    waiter[0].call_soon_threadsafe(waiter[1])
                except RuntimeError:  # that run's loop is closed
                    pass

    def replies(self, key: str) -> List[Reply]:
        with self._lock:
            return list(self.inbox.get(key, ()))

    async def wait(self, key: str, count: int, until: float, seen: int = 0,
                   quiet: Optional[float] = None) -> List[Reply]:
        """The replies to ``key`` once there are ``count`` (or ``quiet`` s passed without one
        after the first new one), a failure reply came, or monotonic time ``until`` passed."""
        event = asyncio.Event()
        with self._lock:
            self._waiters[key] = (asyncio.get_running_loop(), event.set)
        try:
            while True:
                event.clear()
                got = self.replies(key)
                new = got[seen:]
                if len(got) >= count or any(f in t for _, t in new for f in FAILED):
                    return got
                now = time.monotonic()
                if quiet is not None and new and now - new[-1][0] >= quiet:
                    return got
                left = until - now
                if quiet is not None and new:
                    left = min(left, new[-1][0] + quiet - now)
                if left <= 0:
                    return got
                try:
                    await asyncio.wait_for(event.wait(), left)
                except asyncio.TimeoutError:
                    pass
        finally:
            with self._lock:
                self._waiters.pop(key, None)

    def forget(self, keys: List[str]) -> None:
        with self._lock:
            for key in keys:
                self.inbox.pop(key, None)

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(10)


class Identity:
    """One virtual user's fresh Telegram account or phone number, and its webhook requests."""

    _ids = itertools.count(random.randrange(10 ** 6, 10 ** 7) * 100)
    _updates = itertools.count(random.randrange(10 ** 8, 10 ** 9))

    def __init__(self, channel: str) -> None:
        if channel not in WEBHOOK_CHANNELS:
            raise ValueError(f"not a webhook channel: {channel!r}")
        self.channel, self.number = channel, next(self._ids)
        # Telegram: the user and chat id; SMS: a UK mobile number (+447 and nine digits).
        phone = f"+447{self.number % 10 ** 9:09d}"
        self.address: Any = (self.number if channel == "telegram" else
                             f"whatsapp:{phone}" if channel == "whatsapp" else phone)
        self.key = f"{channel}:{self.address}"

    def request(self, text: str) -> Tuple[str, Dict[str, Any]]:
        """Path and httpx arguments of the webhook the platform would send for ``text``."""
        if self.channel == "telegram":
            from connectors.telegram.admin import SECRET_HEADER
            from tests.connectors.fake_telegram import text_update

            user = {"id": self.number, "is_bot": False, "first_name": "Load",
                    "language_code": "en"}
            chat = {"id": self.number, "first_name": "Load", "type": "private"}
            update = text_update(next(self._updates), text, user=user, chat=chat)
            return TELEGRAM_PATH, {"json": update, "headers": {SECRET_HEADER: TELEGRAM_SECRET}}
        from tests.connectors.fake_twilio import inbound, new_sid, signed

        path, to = ((WHATSAPP_PATH, WHATSAPP_NUMBER) if self.channel == "whatsapp" else
                    (SMS_PATH, None))
        params = inbound(From=self.address, Body=text, MessageSid=new_sid())
        if to:
            params["To"] = to
        body, headers = signed(PUBLIC_URL + path, params)
        return path, {"content": body.encode(), "headers": headers}


class Stats:
    """What one run measured."""

    def __init__(self) -> None:
        self.lat: List[float] = []  # complete turns: POST sent → last reply at the fake
        self.ack: List[float] = []  # webhook POST → its 200
        self.errors: List[str] = []
        self.turns = 0
        self.took = 0.0  # seconds, until the last turn ended
        self.finished: List[Tuple[str, int]] = []  # (key, replies expected) of clean endings
        self.abandoned: List[str] = []


async def calibrate(client: httpx.AsyncClient, fakes: Fakes, channel: str, url: str,
                    script: List[str]) -> List[int]:
    """Replies per turn of ``script`` for a fresh identity (see the module docstring)."""
    ident, counts, seen = Identity(channel), [], 0
    for text in script:
        path, kwargs = ident.request(text)
        resp = await client.post(url + path, timeout=TURN_DEADLINE, **kwargs)
        if resp.status_code != 200:
            raise RuntimeError(f"{channel} calibration: webhook answered {resp.status_code}")
        got = await fakes.wait(ident.key, 10 ** 6, time.monotonic() + 2 * TURN_DEADLINE,
                               seen=seen, quiet=QUIET)
        new = [t for _, t in got[seen:]]
        if not new or any(f in t for t in new for f in FAILED):
            raise RuntimeError(f"{channel} calibration: turn {len(counts) + 1} got "
                               f"{'no reply' if not new else 'the safe failure reply'}")
        counts.append(len(new))
        seen = len(got)
    fakes.forget([ident.key])
    return counts


async def webhook_user(client: httpx.AsyncClient, fakes: Fakes, channel: str, urls: List[str],
                       script: List[str], expected: List[int], stop: float, stats: Stats,
                       counter: List[int]) -> None:
    """One virtual user: whole conversations with a fresh identity until ``stop``. A failed
    turn ends its conversation (its late replies must not count for the next turn)."""
    while time.monotonic() < stop:
        ident, seen, clean = Identity(channel), 0, True
        for text, count in zip(script, expected):
            if time.monotonic() >= stop:
                break
            url = urls[counter[0] % len(urls)]
            counter[0] += 1
            path, kwargs = ident.request(text)
            stats.turns += 1
            started = time.monotonic()
            try:
                resp = await client.post(url + path, timeout=TURN_DEADLINE, **kwargs)
            except Exception as exc:  # noqa: BLE001 - counted, never stops the run
                stats.errors.append(type(exc).__name__)
                clean = False
                break
            stats.ack.append(time.monotonic() - started)
            if resp.status_code != 200:
                stats.errors.append(f"HTTP {resp.status_code}")
                clean = False
                break
            got = await fakes.wait(ident.key, seen + count, started + TURN_DEADLINE, seen=seen)
            new = [t for _, t in got[seen:]]
            if any(f in t for t in new for f in FAILED):
                stats.errors.append("safe reply")
            elif len(got) < seen + count:
                stats.errors.append("no reply in time" if not new else "reply incomplete in time")
            else:
                seen += count
                stats.lat.append(got[seen - 1][0] - started)
                continue
            clean = False
            break
        if clean:
            stats.finished.append((ident.key, seen))
        else:
            stats.abandoned.append(ident.key)


async def drive_webhooks(fakes: Fakes, channel: str, urls: List[str], script: List[str],
                         expected: List[int], concurrency: int, seconds: float) -> Stats:
    """``concurrency`` users for ``seconds``; then the check for extra replies."""
    stats = Stats()
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.monotonic()
        stop = started + seconds
        await asyncio.gather(*(webhook_user(client, fakes, channel, urls, script, expected, stop,
                                            stats, [i]) for i in range(concurrency)))
        stats.took = time.monotonic() - started
    await asyncio.sleep(QUIET)  # anything still coming for a finished conversation
    for key, count in stats.finished:
        if len(fakes.replies(key)) > count:
            stats.errors.append("extra replies")
    fakes.forget([k for k, _ in stats.finished] + stats.abandoned)
    return stats
