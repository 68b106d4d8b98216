"""`navigator telegram …` against a fake Bot API over HTTP, and polling mode feeding the
webhook handler."""
from __future__ import annotations

import asyncio
import threading

import pytest
from telegram import Bot

from app.cli import main
from connectors.telegram import admin as telegram_admin
from connectors.telegram.channel import TelegramInput
from tests.connectors.fake_telegram import FakeRequest, FakeTelegram, FakeTelegramServer, text_update
from bot.settings import get_settings
from tests.connectors.sanic_server import LiveServer
from tests.connectors.telegram.test_channel import KEYS, SECRET, TOKEN, ScriptedAgent


@pytest.fixture
def fake_api(monkeypatch):
    with FakeTelegramServer() as server:
        monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
        get_settings.cache_clear()  # the settings are read once per process
        yield server.api
    get_settings.cache_clear()


def test_set_info_delete_webhook(fake_api, capsys):
    assert main(["telegram", "set-webhook", "https://example.org/webhooks/telegram/webhook"]) == 0
    call = fake_api.sent("setWebhook")[0]
    assert call["url"] == "https://example.org/webhooks/telegram/webhook"
    assert call["secret_token"] == SECRET
    assert call["allowed_updates"] == telegram_admin.ALLOWED_UPDATES
    assert main(["telegram", "info"]) == 0
    out = capsys.readouterr().out
    assert "@youth_navigator_bot" in out and "example.org" in out and TOKEN not in out
    assert main(["telegram", "delete-webhook"]) == 0
    assert fake_api.webhook["url"] == ""


def test_set_webhook_refuses_http_and_missing_secret(fake_api, monkeypatch):
    with pytest.raises(SystemExit):
        main(["telegram", "set-webhook", "http://example.org/hook"])
    monkeypatch.delenv("TELEGRAM_SECRET_TOKEN")
    get_settings.cache_clear()
    with pytest.raises(SystemExit):
        main(["telegram", "set-webhook", "https://example.org/hook"])
    assert fake_api.sent("setWebhook") == []


def test_nothing_touches_the_network_at_import_or_parse(fake_api):
    from app.cli import build_parser

    build_parser().parse_args(["telegram", "info"])
    assert fake_api.calls == []


def test_poll_forwards_every_update_once_through_the_webhook(sessions):
    api = FakeTelegram()
    api.webhook["url"] = "https://old.example.org/hook"
    api.updates = [text_update(900, "hello"), text_update(901, "/help"),
                   text_update(902, "hello again")]
    channel = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    agent = ScriptedAgent()
    with LiveServer([channel], agent) as url:
        stop = asyncio.Event()
        bot = Bot(TOKEN, request=FakeRequest(api), get_updates_request=FakeRequest(api))

        async def run() -> int:
            async def stopper():
                while len(api.sent("getUpdates")) < 3:
                    await asyncio.sleep(0.02)
                stop.set()
            asyncio.ensure_future(stopper())
            return await telegram_admin.poll(url + telegram_admin.WEBHOOK_PATH, SECRET, stop,
                                             bot=bot, poll_timeout=0)

        result = {}
        thread = threading.Thread(target=lambda: result.setdefault("n", asyncio.run(run())))
        thread.start()
        thread.join(30)
        assert not thread.is_alive()
        api.wait_for("sendMessage", 3)
    assert api.sent("deleteWebhook") and api.webhook["url"] == ""
    offsets = [c.get("offset") for c in api.sent("getUpdates")]
    assert offsets[0] is None and 903 in offsets  # acknowledged only after forwarding
    # Each update is acknowledged at once and its turn runs in the background, so turns of
    # different updates may finish in any order; each is handled exactly once.
    assert sorted(m.text for m in agent.messages) == ["/bot_capabilities", "hello", "hello again"]
    assert result["n"] >= 3


def test_derived_secret_token_is_valid_for_telegram():
    token = telegram_admin.derived_secret_token("y" * 40)
    TelegramInput(TOKEN, token, keys=KEYS)  # accepted by the channel's own check
    assert len(token) == 64 and token != telegram_admin.derived_secret_token("z" * 40)
