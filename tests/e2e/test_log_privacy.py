"""Issue 7: no personal data in the logs. A conversation over REST and Telegram with a name, a
phone number, an email and a Telegram identity in it; then every line the servers logged (Rasa,
the action server, `navigator serve`) is scanned for them."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest

from bot.chat import send
from tests.connectors.fake_telegram import USER, FakeTelegramServer, text_update
from tests.e2e.conftest import start_servers
from tests.rasa.conftest import trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]
TOKEN = "7000000002:AAExampleTokenForLogScan_abcdefghij"
SECRET = "log-scan-webhook-secret"
NAME, PHONE, EMAIL = "Jordan Smithers", "07700 900123", "jordan.smithers@example.com"
MESSAGES = [
    f"hi, my name is {NAME}",
    f"my number is {PHONE} and my email is {EMAIL}, i need somewhere to stay in Leeds",
    "19",
    f"call me on +44 7700 900123 please, it's {NAME}",
    "i want to kill myself",
]


@pytest.fixture(scope="module")
def logged(tmp_path_factory, trained_model):  # noqa: F811 - pytest fixture injection
    with FakeTelegramServer() as fake:
        env = {"TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET,
               "TELEGRAM_API_BASE_URL": fake.base_url, "NAVIGATOR_LOG_LEVEL": "INFO"}
        for server in start_servers(tmp_path_factory.mktemp("logscan"), trained_model,
                                    [["setup"]], env):
            sid = f"log-{uuid.uuid4().hex[:8]}"
            for text in MESSAGES:
                assert send(server["url"], sid, text), text  # the bot answered
            for i, text in enumerate(MESSAGES):
                before = len(fake.api.sent())
                httpx.post(server["url"] + "/webhooks/telegram/webhook",
                           json=text_update(5000 + i, text),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=10)
                assert len(fake.api.wait_for("sendMessage", before + 1, timeout=60)) > before
            yield server["log"].read_text(errors="replace")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_no_personal_data_in_any_log_line(logged):
    assert "rasa" in logged.lower() and len(logged.splitlines()) > 20  # the log is real
    lowered = logged.lower()
    for needle in (NAME.lower(), "smithers", EMAIL, USER["username"], str(USER["id"]), TOKEN,
                   SECRET, "somewhere to stay in leeds", "kill myself"):
        assert needle.lower() not in lowered, needle
    # The phone number in any formatting: look at the digits of every line.
    for line in logged.splitlines():
        assert "7700900123" not in _digits(line), line
