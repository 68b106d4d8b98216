"""Issue 4, acceptance 1-3 over the real servers: `navigator serve` with the Telegram channel
on, talking to a fake Telegram Bot API on a local port. /start → a need → shared location →
age → results with inline buttons → a button press → the detail view."""
from __future__ import annotations

import json

import httpx
import pytest

from bot.keys import Keys
from tests.connectors.fake_telegram import (CHAT, USER, callback_update, location_update,
                                            text_update)
from tests.e2e.conftest import TG_DEPLOYMENT_SECRET, TG_SECRET, TG_TOKEN
from tests.rasa.conftest import API_TOKEN

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]
TOKEN, SECRET = TG_TOKEN, TG_SECRET
SENDER = Keys(TG_DEPLOYMENT_SECRET).pseudonym("telegram", str(USER["id"]))


@pytest.fixture
def tg(telegram_server):
    """The shared Telegram deployment (tests/e2e/conftest.py)."""
    return telegram_server


def post(tg, update, secret=SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return httpx.post(tg["url"] + "/webhooks/telegram/webhook", json=update, headers=headers,
                      timeout=10)


def say(tg, update, replies=1):
    """Post an update; wait for ``replies`` more sendMessage calls; return the new ones."""
    before = len(tg["api"].sent())
    assert post(tg, update).status_code == 200
    sent = tg["api"].wait_for("sendMessage", before + replies, timeout=60)
    assert len(sent) >= before + replies, f"no reply to {update}"
    return sent[before:]


def user_events(tg):
    tracker = httpx.get(f"{tg['url']}/conversations/{SENDER}/tracker",
                        params={"token": API_TOKEN}, timeout=10).json()
    return [e for e in tracker.get("events", []) if e["event"] == "user"]


def test_start_search_with_shared_location_and_detail(tg):
    greeting = say(tg, text_update(1001, "/start youthhub_leeds"), replies=2)
    assert greeting[0]["text"].startswith("Before we start")  # the first-contact notice
    assert "help you find support" in greeting[1]["text"]
    assert greeting[-1]["chat_id"] == CHAT["id"]
    asked = say(tg, text_update(1002, "i need somewhere to stay tonight"))
    assert "Where are you?" in asked[-1]["text"]
    keyboard = asked[-1]["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    age_q = say(tg, location_update(1003, 53.7997, -1.5492))  # Leeds city centre
    assert "How old are you?" in age_q[-1]["text"]
    results = say(tg, text_update(1004, "19"))
    body = results[0]["text"]
    assert "somewhere to stay help" in body and "1. " in body and "miles away" in body
    buttons = [b for row in results[0]["reply_markup"]["inline_keyboard"] for b in row]
    second = next(b for b in buttons if b["text"] == "More about 2")
    assert len(second["callback_data"].encode()) <= 64
    detail = say(tg, callback_update(1005, second["callback_data"], body))
    assert "Phone:" in detail[0]["text"] and "Hours:" in detail[0]["text"]
    assert tg["api"].sent("answerCallbackQuery")[-1]["callback_query_id"] == "cbq1005"


def test_replay_gives_one_user_event_and_one_reply(tg):
    before_events, before_sent = len(user_events(tg)), len(tg["api"].sent())
    update = text_update(1101, "thanks")
    for _ in range(3):
        assert post(tg, update).status_code == 200
    tg["api"].wait_for("sendMessage", before_sent + 2, timeout=15)
    assert len(user_events(tg)) == before_events + 1
    assert len(tg["api"].sent()) == before_sent + 1


@pytest.mark.parametrize("secret", [None, "wrong", SECRET.upper()])
def test_forged_requests_rejected_without_tracker_events(tg, secret):
    before_events, before_calls = len(user_events(tg)), len(tg["api"].calls)
    reply = post(tg, text_update(1200, "/start forged"), secret=secret)
    assert reply.status_code == 403
    assert len(user_events(tg)) == before_events and len(tg["api"].calls) == before_calls


def test_no_token_or_user_id_in_server_logs(tg):
    log = tg["log"].read_text(errors="replace")
    assert "telegram" in log.lower()  # the channel was on
    for secret in (TOKEN, SECRET, str(USER["id"]), USER["username"]):
        assert secret not in log
    assert json.dumps(USER["first_name"]) not in log


def test_rasas_http_api_refuses_a_call_without_its_token(tg):
    """Issue 17, item 2: `--enable-api` ran without a token, so any caller could read a
    tracker, trigger intents or replace the model."""
    for token in (None, "wrong-token-wrong-token-wrong"):
        params = {"token": token} if token else {}
        got = httpx.get(f"{tg['url']}/conversations/{SENDER}/tracker", params=params, timeout=10)
        assert got.status_code == 401
        put = httpx.put(f"{tg['url']}/model", params=params, json={}, timeout=10)
        assert put.status_code == 401
    ok = httpx.get(f"{tg['url']}/conversations/{SENDER}/tracker", params={"token": API_TOKEN},
                   timeout=10)
    assert ok.status_code == 200
