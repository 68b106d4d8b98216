"""End to end over the web chat: `navigator serve` with the web chat on, a session issued by the
server, a search with the bot's buttons, a crisis, and the channel refusing a forged session."""
from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import start_servers, texts
from tests.rasa.conftest import trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]


def test_a_web_chat_conversation_over_the_real_servers(tmp_path, trained_model):  # noqa: F811
    servers = start_servers(tmp_path, trained_model, [["setup"]],
                            {"NAVIGATOR_WEBCHAT_ORIGINS": "https://charity.example.org"})
    server = next(servers)
    base = server["url"] + "/webhooks/webchat"
    try:
        page = httpx.get(base + "/chat")
        assert "frame-ancestors https://charity.example.org" in page.headers[
            "content-security-policy"]
        token = httpx.post(base + "/session").json()["session"]
        auth = {"Authorization": f"Bearer {token}"}

        def say(text: str) -> list:
            r = httpx.post(base + "/message", json={"message": text}, headers=auth, timeout=60)
            assert r.status_code == 200, r.text
            return r.json()["messages"]

        first = say("hi")
        assert "Before we start" in texts(first)  # the privacy notice, as on every channel
        assert any(b["title"] == "Food" for m in first for b in m.get("buttons", []))
        assert "Where are you?" in texts(say("/need_food"))
        assert "How old are you?" in texts(say("Leeds"))
        results = say("19")
        assert "Leeds" in texts(results) and any(m.get("buttons") for m in results)
        crisis = texts(say("i want to kill myself"))
        assert "999" in crisis and "Samaritans" in crisis
        forged = httpx.post(base + "/message", json={"message": "hi"},
                            headers={"Authorization": "Bearer web-" + "0" * 32 + ".9999999999."
                                     + "A" * 43})
        assert forged.status_code == 401
    finally:
        servers.close()
