"""Issue 7: no personal data in the logs. A conversation over REST and Telegram with a name, a
phone number, an email and a Telegram identity in it; then every line the servers logged (Rasa,
the action server, `navigator serve`) is scanned for them."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.e2e.conftest import send
from tests.connectors.fake_telegram import text_update
from tests.e2e.conftest import TG_SECRET, TG_TOKEN

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]
NAME, PHONE, EMAIL = "Jordan Smithers", "07700 900123", "jordan.smithers@example.com"
# Its own Telegram identity: the deployment is shared with tests/e2e/test_telegram_e2e.py.
USER = {"id": 5550001234, "is_bot": False, "first_name": "Jordan", "last_name": "Smithers",
        "username": "jordansmithers_logscan", "language_code": "en"}
CHAT = {"id": 5550001234, "first_name": "Jordan", "last_name": "Smithers",
        "username": "jordansmithers_logscan", "type": "private"}
MESSAGES = [
    f"hi, my name is {NAME}",
    f"my number is {PHONE} and my email is {EMAIL}, i need somewhere to stay in Leeds",
    "19",
    f"call me on +44 7700 900123 please, it's {NAME}",
    "i want to kill myself",
]


@pytest.fixture(scope="module")
def logged(telegram_server):
    server, api = telegram_server, telegram_server["api"]
    sid = f"log-{uuid.uuid4().hex[:8]}"
    for text in MESSAGES:
        assert send(server["url"], sid, text), text  # the bot answered
    for i, text in enumerate(MESSAGES):
        before = len(api.sent())
        httpx.post(server["url"] + "/webhooks/telegram/webhook",
                   json=text_update(5000 + i, text, user=USER, chat=CHAT),
                   headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, timeout=10)
        assert len(api.wait_for("sendMessage", before + 1, timeout=60)) > before
    return server["log"].read_text(errors="replace")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_no_personal_data_in_any_log_line(logged):
    assert "rasa" in logged.lower() and len(logged.splitlines()) > 20  # the log is real
    lowered = logged.lower()
    for needle in (NAME.lower(), "smithers", EMAIL, USER["username"], str(USER["id"]), TG_TOKEN,
                   TG_SECRET, "somewhere to stay in leeds", "kill myself"):
        assert needle.lower() not in lowered, needle
    # The phone number in any formatting: look at the digits of every line.
    for line in logged.splitlines():
        assert "7700900123" not in _digits(line), line
