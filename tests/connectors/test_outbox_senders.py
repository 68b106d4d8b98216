"""Full handoff round trips on Telegram and SMS: the user's channel → handoff → a worker's reply
delivered through the connector's output class to the fake platform → hand back → the bot
answers the next message."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.accounts import accounts
from bot.handoff import handoff
from bot.handoff.duty import RESUME_MESSAGE
from bot.handoff.outbox import deliver_due
from connectors.common import drain
from bot.settings import load_settings
from connectors.outbox_senders import build_senders, sms_sender, telegram_sender
from connectors.telegram.channel import SECRET_HEADER, TelegramInput
from tests.connectors.fake_telegram import CHAT, FakeRequest, FakeTelegram, text_update
from tests.connectors.fake_twilio import TWILIO_NUMBER
from tests.connectors.sanic_server import LiveServer
from tests.connectors.sms_harness import KEYS as SMS_KEYS, run, running
from tests.connectors.telegram.test_channel import KEYS, SECRET, SENDER, TOKEN, ScriptedAgent

PASSWORD = "correct horse battery"
PHONE = "+447700900123"


@pytest.fixture
def worker(sessions):
    accounts.add_org(sessions, "leeds_hub", "Leeds Youth Hub", sms_number=TWILIO_NUMBER)
    accounts.add_org(sessions, "default", "Default")
    return accounts.add_worker(sessions, "jo@example.org", PASSWORD, "leeds_hub")


def test_telegram_round_trip(sessions, worker):
    api = FakeTelegram()
    channel = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    agent = ScriptedAgent()
    server = LiveServer([channel], agent)
    with server as url, httpx.Client(base_url=url + "/webhooks/telegram", timeout=30) as client:
        def post(update):
            r = client.post("/webhook", content=json.dumps(update),
                            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"})
            server.call(drain())
            return r

        post(text_update(1, "/start leeds_hub"))  # deep link: routed to the hub
        h = handoff.request_handoff(sessions, SENDER, "telegram", "crisis")
        assert h.urgent and handoff.queue(sessions, worker.org_id)[0].handoff.id == h.id
        assert handoff.record_user_message(sessions, SENDER, "still there?") is not None
        handoff.worker_reply(sessions, h.id, worker, "Hi, I'm Jo <from the hub> & here.")
        send = {"telegram": telegram_sender(channel)}
        assert server.call(deliver_due(sessions, send)) == 1
        last = api.sent()[-1]
        assert last["chat_id"] == CHAT["id"]
        assert last["text"] == "Hi, I'm Jo &lt;from the hub&gt; &amp; here."  # escaped HTML
        handoff.hand_back(sessions, h.id, worker)
        assert server.call(deliver_due(sessions, send)) == 1
        assert api.sent()[-1]["text"] == RESUME_MESSAGE
        before = len(agent.messages)
        post(text_update(2, "need food"))
        assert handoff.active_handoff(sessions, SENDER) is None
        assert agent.messages[before:][0].text == "need food"
        assert api.sent()[-1]["text"] == "You said: need food"  # the bot answers again


def test_telegram_blocked_user_is_not_retried(sessions, worker):
    api = FakeTelegram()
    api.blocked_chats.add(CHAT["id"])
    channel = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    from bot.channels import contacts

    contacts.remember_contact(sessions, KEYS, SENDER, "telegram", str(CHAT["id"]), "leeds_hub")
    h = handoff.request_handoff(sessions, SENDER, "telegram", "request")
    handoff.worker_reply(sessions, h.id, worker, "hello?")
    sender = telegram_sender(channel)
    assert asyncio.run(deliver_due(sessions, {"telegram": sender})) == 0
    assert not contacts.can_send(sessions, SENDER)
    from sqlalchemy import select
    from bot.handoff.models import OutboxItem

    with sessions() as s:
        assert s.execute(select(OutboxItem.status)).scalar() == "failed"


def test_sms_round_trip(sessions, worker):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "need somewhere to stay")
            sender_id = SMS_KEYS.pseudonym("sms", PHONE)
            org = handoff.org_for_number(sessions, TWILIO_NUMBER)
            ho = handoff.request_handoff(sessions, sender_id, "sms", "request", org=org)
            assert ho.org_id == worker.org_id
            handoff.worker_reply(sessions, ho.id, worker, "Hi, it's Jo from Leeds Youth Hub – "
                                                          "can you get to us today?")
            send = {"sms": sms_sender(h.channel)}
            assert await deliver_due(sessions, send) == 1
            assert h.sent_to(PHONE)[-1] == ("Hi, it's Jo from Leeds Youth Hub - can you get to "
                                           "us today?")  # GSM-7: the dash was rewritten
            handoff.hand_back(sessions, ho.id, worker)
            assert await deliver_due(sessions, send) == 1
            assert h.sent_to(PHONE)[-1] == RESUME_MESSAGE
            await h.text(PHONE, "thanks")
            assert h.agent.messages[-1].text == "thanks"
            assert h.sent_to(PHONE)[-1] == "You said thanks"

    run(scenario())


def test_sms_opted_out_user_gets_nothing(sessions, worker):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "STOP")
            sender_id = SMS_KEYS.pseudonym("sms", PHONE)
            ho = handoff.request_handoff(sessions, sender_id, "sms", "request", org="leeds_hub")
            handoff.worker_reply(sessions, ho.id, worker, "hello?")
            count = len(h.sent_to(PHONE))
            assert await deliver_due(sessions, {"sms": sms_sender(h.channel)}) == 0
            assert len(h.sent_to(PHONE)) == count

    run(scenario())


def test_build_senders_from_environment(sessions):
    assert build_senders(sessions, KEYS, load_settings({})) == {}
    env = {"TELEGRAM_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
           "TWILIO_AUTH_TOKEN": "f" * 32, "TWILIO_NUMBER": TWILIO_NUMBER,
           "SMS_PUBLIC_URL": "https://navigator.example.org"}
    assert sorted(build_senders(sessions, KEYS, load_settings(env))) == ["sms", "telegram"]
    env.pop("SMS_PUBLIC_URL")
    assert sorted(build_senders(sessions, KEYS, load_settings(env))) == ["telegram"]


def test_old_twilio_public_url_name_still_works_with_a_warning(sessions, caplog):
    env = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "f" * 32,
           "TWILIO_NUMBER": TWILIO_NUMBER, "TWILIO_PUBLIC_URL": "https://navigator.example.org"}
    with caplog.at_level("WARNING"):
        senders = build_senders(sessions, KEYS, load_settings(env))
    assert sorted(senders) == ["sms"]
    assert "SMS_PUBLIC_URL" in caplog.text
