"""How a webhook turn's replies reach the user (issue 9): Telegram replies wait until the turn
is over (so Rasa has released the conversation's lock before the user can answer), a reply
that times out on Telegram is retried, and a turn that fails on Telegram or SMS gets the safe
reply (helplines first for a crisis) instead of silence."""
from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest
from rasa.core.lock_store import LockError
from telegram.error import TimedOut

from connectors.common import drain
from connectors.telegram.channel import SECRET_HEADER, TelegramInput
from tests.connectors.fake_telegram import FakeRequest, FakeTelegram, text_update
from tests.connectors.sanic_server import LiveServer
from tests.connectors.sms_harness import run, running
from tests.connectors.telegram.test_channel import KEYS, SECRET, TOKEN

PHONE = "+447700900456"


class TimingOutRequest(FakeRequest):
    """Fails the next ``failures`` calls of a method the way PTB's HTTPX transport does when
    no pooled connection frees up in time (the request never reaches Telegram)."""

    def __init__(self, api: FakeTelegram) -> None:
        super().__init__(api)
        self.failures = {}

    async def do_request(self, url, method, request_data=None, **kwargs):
        name = url.rsplit("/", 1)[-1]
        if self.failures.get(name):
            self.failures[name] -= 1
            raise TimedOut("Pool timeout: All connections in the connection pool are occupied.")
        return await super().do_request(url, method, request_data, **kwargs)


class Agent:
    """Answers twice per turn and records how many replies Telegram had while the turn ran;
    raises ``error`` instead when set (a store or the lock store failing)."""

    def __init__(self, api: FakeTelegram) -> None:
        self.api, self.seen_during_turn, self.error = api, [], None

    async def handle_message(self, message):
        if self.error is not None:
            raise self.error
        out, sid = message.output_channel, message.sender_id
        await out.send_response(sid, {"text": f"first: {message.text}"})
        await asyncio.sleep(0.05)
        await out.send_response(sid, {"text": "second", "buttons": [
            {"title": "More", "payload": "/more"}]})
        self.seen_during_turn.append(len(self.api.sent()))


@pytest.fixture
def tg(sessions):
    api = FakeTelegram()
    request = TimingOutRequest(api)
    channel = TelegramInput(TOKEN, SECRET, request=request, sessions=sessions, keys=KEYS)
    agent = Agent(api)
    server = LiveServer([channel], agent)
    with server as url, httpx.Client(base_url=url + "/webhooks/telegram", timeout=30) as client:
        def post(update):
            reply = client.post("/webhook", content=json.dumps(update), headers={
                SECRET_HEADER: SECRET, "Content-Type": "application/json"})
            server.call(drain())
            return reply

        yield type("TG", (), {"api": api, "agent": agent, "post": staticmethod(post),
                              "request": request, "sessions": sessions})


def texts(api: FakeTelegram):
    return [p["text"] for p in api.sent()]


def test_telegram_replies_go_out_after_the_turn_in_order(tg):
    tg.post(text_update(1, "/start"))  # first contact: the privacy notice comes first
    before = len(tg.api.sent())
    tg.post(text_update(2, "need food"))
    assert tg.agent.seen_during_turn[-1] == before  # nothing was sent while the turn ran
    assert texts(tg.api)[before:] == ["first: need food", "second"]
    assert tg.api.sent()[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "More"


def test_a_timed_out_telegram_reply_is_retried_and_arrives_once(tg, caplog):
    tg.post(text_update(1, "hello"))
    count = len(tg.api.sent())
    tg.request.failures["sendMessage"] = 2
    with caplog.at_level(logging.WARNING):
        tg.post(text_update(2, "again"))
    assert texts(tg.api)[count:] == ["first: again", "second"]
    assert caplog.text.count("telegram send failed (TimedOut); retrying") == 2
    assert "again" not in caplog.text and "first:" not in caplog.text


def test_telegram_gives_up_after_three_attempts_and_keeps_serving(tg, caplog):
    tg.post(text_update(1, "hello"))
    count = len(tg.api.sent())
    tg.request.failures["sendMessage"] = 3
    with caplog.at_level(logging.ERROR):
        tg.post(text_update(2, "lost"))
    assert "telegram send failed after 3 attempts: TimedOut" in caplog.text
    # The rest of that turn is not sent out of order after a gap; the next turn is answered.
    assert texts(tg.api)[count:] == []
    tg.post(text_update(3, "still there?"))
    assert texts(tg.api)[count:] == ["first: still there?", "second"]


@pytest.mark.parametrize("error", [LockError("Could not acquire lock"), RuntimeError("db")])
def test_a_failed_telegram_turn_gets_the_safe_reply(tg, error):
    tg.post(text_update(1, "hello"))
    tg.agent.error = error
    tg.post(text_update(2, "need somewhere to stay"))
    assert "having trouble" in texts(tg.api)[-1] and "999" in texts(tg.api)[-1]
    tg.post(text_update(3, "i want to kill myself"))
    assert "Samaritans" in texts(tg.api)[-1] and "having trouble" in texts(tg.api)[-1]
    # ... and the same flags as a crisis the bot answers: an alert and an urgent handoff.
    from sqlalchemy import select

    from bot.handoff.models import Handoff
    from bot.safeguarding.models import SafeguardingAlert

    with tg.sessions() as s:
        alerts = s.execute(select(SafeguardingAlert.urgency)).scalars().all()
        urgent = s.execute(select(Handoff.urgent, Handoff.reason)).all()
    assert alerts == ["urgent"] and urgent == [(True, "crisis")]


def test_a_failed_sms_turn_gets_the_safe_reply_with_helplines_for_a_crisis(sessions):
    class Failing:
        async def handle_message(self, message):
            raise LockError("Could not acquire lock")

    async def scenario():
        async with running(sessions, agent=Failing()) as h:
            assert (await h.text(PHONE, "need food")).status_code == 200
            first = h.sent_to(PHONE)
            assert any("having trouble" in r and "999" in r for r in first)
            assert (await h.text(PHONE, "i want to end my life")).status_code == 200
            crisis = "\n".join(h.sent_to(PHONE)[len(first):])  # packed into single SMS
            assert "116 123" in crisis and "having trouble" in crisis
            assert crisis.index("116 123") < crisis.index("having trouble")

    run(scenario())


def test_a_silent_sms_turn_gets_the_safe_reply(sessions):
    async def scenario():
        async with running(sessions, reply=lambda m: []) as h:
            await h.text(PHONE, "hello")
            assert any("having trouble" in r for r in h.sent_to(PHONE))

    run(scenario())
