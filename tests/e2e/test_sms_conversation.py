"""End to end over SMS: `navigator serve` with the Twilio channel on, Twilio's webhooks signed
as Twilio signs them, replies sent to a fake Twilio REST API; a search-and-detail conversation
with numbered menus, and a menu chosen after the servers restarted."""
from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request
from typing import List

import pytest

from bot.channels.smstext import is_gsm, segments
from tests.connectors.fake_twilio import (ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER,
                                          FakeTwilioServer, inbound, new_sid, signed)
from tests.e2e.conftest import start_servers
from tests.rasa.conftest import trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]
PUBLIC = "https://navigator.example.org"
PATH = "/webhooks/sms/webhook"
PHONE = "+447700900321"


class Phone:
    """A young person's phone: texts the navigator and reads what comes back."""

    def __init__(self, server: dict, twilio: FakeTwilioServer, number: str = PHONE) -> None:
        self.url, self.twilio, self.number = server["url"], twilio, number

    def post(self, params: dict, sign_url: str = PUBLIC + PATH, path: str = PATH) -> int:
        body, headers = signed(sign_url, params)
        req = urllib.request.Request(self.url + path, data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def text(self, body: str, quiet: float = 1.5, timeout: float = 60,
             **fields: str) -> List[str]:
        """Send ``body``; the messages that came back (once no more arrive for ``quiet`` s)."""
        before = len(self.twilio.bodies(self.number))
        assert self.post(inbound(From=self.number, Body=body, MessageSid=new_sid(),
                                 **fields)) == 200
        deadline, last, count = time.monotonic() + timeout, time.monotonic(), before
        while time.monotonic() < deadline:
            now = len(self.twilio.bodies(self.number))
            if now != count:
                count, last = now, time.monotonic()
            elif count > before and time.monotonic() - last > quiet:
                break
            time.sleep(0.1)
        return self.twilio.bodies(self.number)[before:]


@pytest.fixture(scope="module")
def twilio():
    fake = FakeTwilioServer()
    yield fake
    fake.close()


def _env(twilio: FakeTwilioServer) -> dict:
    return {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_NUMBER": TWILIO_NUMBER, "SMS_PUBLIC_URL": PUBLIC,
            "TWILIO_API_BASE": twilio.url, "NAVIGATOR_SECRET_KEY": "e2e-secret-" + "x" * 32}


def test_search_and_detail_over_sms_with_numbered_menus_across_a_restart(
        tmp_path, trained_model, twilio):  # noqa: F811 - pytest fixture injection
    servers = start_servers(tmp_path, trained_model, [["setup"]], _env(twilio))
    server = next(servers)
    phone = Phone(server, twilio)

    forged = inbound(From=PHONE, Body="hi", MessageSid=new_sid())
    assert phone.post(forged, sign_url="http://127.0.0.1/webhooks/sms/webhook") == 403

    greet = "\n".join(phone.text("hi"))
    assert "Reply:\n1 Somewhere to stay\n2 Food" in greet
    ask_place = "\n".join(phone.text("1"))  # the menu's first option: somewhere to stay
    assert "Where are you?" in ask_place and "Reply 1 for Skip" in ask_place
    assert "How old are you?" in "\n".join(phone.text("Leeds"))
    results = phone.text("19")
    joined = "\n".join(results)
    assert "Somewhere to stay help near Leeds:" in joined and "3. " in joined
    assert "1-3 Details" in joined and "4 Show more" in joined
    detail = "\n".join(phone.text("2"))
    assert "Call " in detail and "Hours:" in detail

    results = "\n".join(phone.text("need somewhere to stay tonight"))
    assert "4 Show more" in results
    everything = list(twilio.bodies(PHONE))
    assert all(is_gsm(b) and segments(b) == 1 for b in everything)

    # Restart both servers (SIGTERM), same databases: the menu sent before still holds.
    server["proc"].send_signal(signal.SIGTERM)
    assert server["proc"].wait(timeout=60) == 0
    servers.close()
    servers = start_servers(tmp_path, trained_model, [], _env(twilio))
    server = next(servers)
    phone = Phone(server, twilio)
    more = "\n".join(phone.text("4"))
    assert "More somewhere to stay help" in more and "4. " in more
    servers.close()
