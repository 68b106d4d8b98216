"""The console in real headless Chromium: log in, an urgent (crisis) handoff on top, open it,
reply, the reply reaches the user's channel fake (Telegram; SMS), hand back, the bot answers the
next message; cross-organisation access denied; XSS inert; CSRF-less POST rejected. Takes the
screenshots in docs/screenshots/."""
from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from bot.channels import contacts
from bot.handoff import handoff
from bot.console import create_console_app
from bot.handoff.duty import RESUME_MESSAGE
from bot.handoff.models import Handoff
from bot.safeguarding.helplines import urgent_text
from bot.settings import load_settings
from connectors.common import drain
from connectors.outbox_senders import sms_sender, telegram_sender
from connectors.sms import SMSInput
from connectors.telegram.channel import SECRET_HEADER, TelegramInput
from tests.console.browser_support import ConsoleServer, chromium_missing, launch
from tests.bot.handoff.test_transcript import _write_tracker
from tests.console.conftest import KEYS, PASSWORD
from tests.connectors.fake_telegram import CHAT, FakeRequest, FakeTelegram, text_update
from tests.connectors.fake_twilio import (ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER,
                                          RecordingHttpClient)
from tests.connectors.sanic_server import LiveServer
from tests.connectors.telegram.test_channel import SECRET, TOKEN, ScriptedAgent

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))]

# `make screenshots` refreshes the ones in docs/; a plain test run writes them to a temp dir.
SHOTS = Path(os.environ.get("NAVIGATOR_SCREENSHOTS") or tempfile.mkdtemp(prefix="shots-"))
TG_SENDER = KEYS.pseudonym("telegram", str(CHAT["id"]))
PHONE = "+447700900123"
XSS = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def rig(sessions, db_url, tmp_path, team):
    """Console with Telegram and SMS senders on fakes, plus the Telegram webhook (scripted bot)."""
    api, http = FakeTelegram(), RecordingHttpClient()
    send_tg = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    sms = SMSInput(ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, "https://navigator.example.org",
                   sessions=sessions, keys=KEYS, http_client=http)
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    app = create_console_app(settings, sessions, {"telegram": telegram_sender(send_tg),
                                                  "sms": sms_sender(sms)}, keys=KEYS)
    hook = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    agent = ScriptedAgent()
    live = LiveServer([hook], agent)
    with ConsoleServer(app) as url, live as bot_url:
        client = httpx.Client(base_url=bot_url + "/webhooks/telegram", timeout=30)

        def user_says(update_id: int, text: str) -> None:
            r = client.post("/webhook", content=json.dumps(text_update(update_id, text)),
                            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"})
            assert r.status_code == 200
            live.call(drain())

        yield type("Rig", (), {"url": url, "api": api, "http": http, "agent": agent,
                               "user_says": staticmethod(user_says),
                               "tracker_db": str(tmp_path / "t.db")})
        client.close()


def _log_in(chromium, url, email="jo@example.org"):
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")
    return context, page


def _older(sessions, h, minutes):
    with sessions() as s, s.begin():
        s.execute(update(Handoff).where(Handoff.id == h.id).values(
            created_at=datetime.now(timezone.utc) - timedelta(minutes=minutes)))


def _bot_conversation(tracker_db: str) -> None:
    """What the bot and the young person said before the handoff, in Rasa's own tracker store."""
    import time

    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    t0 = time.time() - 300
    events = [
        UserUttered("my mum kicked me out and i've got nowhere to sleep", timestamp=t0),
        SlotSet("needs", ["housing", "family"], timestamp=t0 + 1),
        BotUttered("Where are you? A town, area or postcode is fine.", timestamp=t0 + 2),
        UserUttered("leeds", timestamp=t0 + 20),
        SlotSet("location", "Leeds", timestamp=t0 + 21), SlotSet("age", 17.0, timestamp=t0 + 21),
        BotUttered("Here's somewhere to stay help near Leeds: 1. Northgate Youth Hub Drop-in ...",
                   timestamp=t0 + 22),
        UserUttered("i can't go on, i want to end it", timestamp=t0 + 60),
        BotUttered(urgent_text("GB", ("suicidal_ideation",)), timestamp=t0 + 61),
    ]
    # Sync Playwright holds an event loop in this thread: Rasa's async store runs in another.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(_write_tracker, tracker_db, TG_SENDER, events).result(60)


def test_telegram_handoff_round_trip_in_the_browser(chromium, rig, sessions):
    rig.user_says(1, "/start leeds_hub")  # deep link: this young person is the hub's
    _bot_conversation(rig.tracker_db)
    contacts.remember_contact(sessions, KEYS, "sms-waiting", "sms", "+447700900999", "leeds_hub")
    waiting = handoff.request_handoff(sessions, "sms-waiting", "sms", "request")
    handoff.record_user_message(sessions, "sms-waiting", "can i talk to someone real")
    _older(sessions, waiting, 25)
    crisis = handoff.request_handoff(sessions, TG_SENDER, "telegram", "crisis",
                                     needs=["housing", "family"])
    paused_before = len(rig.agent.messages)
    rig.user_says(3, "is someone real there?")  # through the webhook: held for the worker
    assert len(rig.agent.messages) == paused_before
    context, page = _log_in(chromium, rig.url)
    try:
        first = page.locator("#queue-rows tr").first
        assert "URGENT" in first.inner_text() and f"Open #{crisis.id}" in first.inner_text()
        assert f"Open #{waiting.id}" in page.locator("#queue-rows tr").nth(1).inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)

        first.locator("a.open").click()
        page.wait_for_url(re.compile(rf".*/handoffs/{crisis.id}$"))
        turns = page.locator("#turns").inner_text()
        assert "i can't go on" in turns and "nowhere to sleep" in turns  # from the tracker
        assert "is someone real there?" in turns  # kept while paused
        assert "16-17" in page.locator(".summary").inner_text()
        page.fill("#reply-text", "Hi, I'm Jo from Leeds Youth Hub. I'm here with you now.")
        page.click("#send-reply")
        page.wait_for_url(re.compile(rf".*/handoffs/{crisis.id}$"))
        sent = rig.api.wait_for("sendMessage", 2)  # 1: greeting after /start, 2: the reply
        assert sent[-1]["chat_id"] == CHAT["id"]
        assert sent[-1]["text"] == "Hi, I'm Jo from Leeds Youth Hub. I'm here with you now."
        page.reload()
        page.wait_for_function("document.querySelector('#turns').scrollTop > 0")
        assert "Jo from Leeds Youth Hub" in page.locator("#turns").inner_text()
        page.screenshot(path=str(SHOTS / "conversation.png"), full_page=True)

        page.click("#hand-back")
        page.wait_for_url(re.compile(rf".*/handoffs/{crisis.id}$"))
        assert "handed back" in page.locator(".status").inner_text()
        sent = rig.api.wait_for("sendMessage", 3)
        assert sent[-1]["text"] == RESUME_MESSAGE
        assert handoff.active_handoff(sessions, TG_SENDER) is None

        before = len(rig.agent.messages)
        rig.user_says(2, "thanks, i also need food")
        assert [m.text for m in rig.agent.messages[before:]] == ["thanks, i also need food"]
        assert rig.api.sent()[-1]["text"] == "You said: thanks, i also need food"
    finally:
        context.close()


def test_sms_reply_reaches_the_twilio_fake(chromium, rig, sessions):
    contacts.remember_contact(sessions, KEYS, "sms-1", "sms", PHONE, "leeds_hub")
    h = handoff.request_handoff(sessions, "sms-1", "sms", "fallback")
    handoff.record_user_message(sessions, "sms-1", "u dont get me")
    context, page = _log_in(chromium, rig.url)
    try:
        page.click(f"text=Open #{h.id}")
        assert "+44" in page.locator(".address").inner_text()
        assert PHONE not in page.content()  # the number is masked
        page.fill("#reply-text", "Hi, it's Jo - a real person. What's going on?")
        page.click("#send-reply")
        page.wait_for_url(re.compile(rf".*/handoffs/{h.id}$"))
        for _ in range(100):
            if rig.http.sent:
                break
            page.wait_for_timeout(50)
        assert [(m["To"], m["Body"]) for m in rig.http.sent] == [
            (PHONE, "Hi, it's Jo - a real person. What's going on?")]
    finally:
        context.close()


def test_other_organisation_is_denied_in_the_browser(chromium, rig, sessions):
    contacts.remember_contact(sessions, KEYS, "tg-x", "telegram", "555", "leeds_hub")
    h = handoff.request_handoff(sessions, "tg-x", "telegram", "request")
    handoff.record_user_message(sessions, "tg-x", "only for leeds eyes")
    context, page = _log_in(chromium, rig.url, "eve@example.org")
    try:
        assert f"Open #{h.id}" not in page.content()
        response = page.goto(f"{rig.url}/handoffs/{h.id}")
        assert response.status == 404 and "No such conversation" in page.content()
        assert "only for leeds eyes" not in page.content()
    finally:
        context.close()


def test_xss_in_a_user_message_does_not_execute(chromium, rig, sessions):
    contacts.remember_contact(sessions, KEYS, "tg-x", "telegram", "555", "leeds_hub")
    h = handoff.request_handoff(sessions, "tg-x", "telegram", "request")
    handoff.record_user_message(sessions, "tg-x", XSS)
    context, page = _log_in(chromium, rig.url)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{rig.url}/handoffs/{h.id}")
        page.wait_for_timeout(300)
        assert page.title() != "pwned" and not dialogs
        assert XSS in page.locator("#turns").inner_text()  # shown as text
        assert page.locator("#turns script").count() == 0
        assert page.locator("#turns img").count() == 0
    finally:
        context.close()


def test_csrf_less_post_is_rejected_in_the_browser(chromium, rig, sessions):
    contacts.remember_contact(sessions, KEYS, "tg-x", "telegram", "555", "leeds_hub")
    h = handoff.request_handoff(sessions, "tg-x", "telegram", "request")
    context, page = _log_in(chromium, rig.url)
    try:
        r = page.request.post(f"{rig.url}/handoffs/{h.id}/reply", form={"text": "forged"})
        assert r.status == 403
        status = page.evaluate("""async (url) => (await fetch(url, {method: 'POST',
            body: new URLSearchParams({text: 'forged too'})})).status""",
                               f"{rig.url}/handoffs/{h.id}/hand-back")
        assert status == 403
        assert handoff.active_handoff(sessions, "tg-x") is not None
        assert not rig.api.sent()
    finally:
        context.close()
