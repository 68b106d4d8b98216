"""The web chat (connectors/webchat) over real HTTP: server-issued sessions only (forged or
expired: 401, nothing stored), the REST impersonation attacks of issue 17 failing against it,
limits per address, the chat page's policy, and a youth worker's reply reaching the chat."""
from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels import websession
from bot.channels.models import ChannelContact
from bot.handoff import handoff
from bot.handoff.models import Handoff
from bot.keys import Keys
from bot.safeguarding.models import SafeguardingAlert
from bot.settings import get_settings
from connectors.webchat import channel as webchat
from tests.connectors.sanic_server import LiveServer

KEYS = Keys("w" * 40)
SITE = "https://charity.example.org"


class Agent:
    """Answers every message, with buttons; records what reached the dialogue."""

    def __init__(self) -> None:
        self.got = []

    async def handle_message(self, message):
        self.got.append((message.sender_id, message.input_channel, message.metadata,
                         message.text))
        await message.output_channel.send_text_with_buttons(
            message.sender_id, f"bot: {message.text}", [{"title": "Food", "payload": "/need_food"}])
        await message.output_channel.send_custom_json(message.sender_id, {"secret": 1})


@pytest.fixture
def chat(sessions, monkeypatch):
    monkeypatch.setenv("NAVIGATOR_DUTY_HOURS", "always")
    monkeypatch.setenv("NAVIGATOR_WEBCHAT_ORIGINS", SITE)
    get_settings.cache_clear()
    agent = Agent()
    server = LiveServer([webchat.WebChatInput(sessions=sessions, keys=KEYS)], agent)
    with server as url:
        yield url + "/webhooks/webchat", agent
    get_settings.cache_clear()


def session(url: str) -> str:
    r = httpx.post(url + "/session")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    return r.json()["session"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def say(url: str, token: str, text: str, **extra) -> httpx.Response:
    return httpx.post(url + "/message", json={"message": text, **extra}, headers=auth(token),
                      timeout=30)


def stored(sessions) -> tuple:
    with sessions() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar()
                     for t in (ChannelContact, Handoff, SafeguardingAlert))


def test_a_session_is_issued_by_the_server_and_a_turn_answers(chat, sessions):
    url, agent = chat
    token = session(url)
    r = say(url, token, "need food")
    assert r.status_code == 200
    messages = r.json()["messages"]
    assert messages[-1] == {"text": "bot: need food",
                            "buttons": [{"title": "Food", "payload": "/need_food"}]}
    assert all(set(m) <= {"text", "buttons"} for m in messages)  # no custom payloads
    sender, channel, metadata, text = agent.got[0]
    assert sender.startswith("web-") and channel == "webchat" and metadata is None
    assert websession.verify(KEYS.session_key, token) == sender


@pytest.mark.parametrize("forge", ["missing", "made up", "altered", "expired", "other key"])
def test_forged_or_expired_sessions_get_401_and_nothing_is_stored(chat, sessions, forge):
    url, agent = chat
    real = session(url)
    token = {"missing": "", "made up": "web-" + "0" * 32 + ".9999999999." + "A" * 43,
             "altered": real[:-1] + ("A" if real[-1] != "A" else "B"),
             "expired": websession.issue(KEYS.session_key, 60, now=time.time() - 120).token,
             "other key": websession.issue(Keys("x" * 40).session_key, 3600).token}[forge]
    for _ in range(3):
        r = say(url, token, "i want to kill myself")
        assert r.status_code == 401
        assert httpx.get(url + "/messages", headers=auth(token)).status_code == 401
    assert agent.got == [] and stored(sessions) == (0, 0, 0)


def test_the_client_never_names_the_sender_channel_or_metadata(chat, sessions):
    """The REST impersonation attacks (issue 17, item 1) against the web chat."""
    url, agent = chat
    victim = "tg-" + "0123456789abcdef" * 2
    handoff.request_handoff(sessions, victim, "telegram", "crisis", urgent=True)
    token = session(url)
    r = say(url, token, "send me my data", sender=victim, input_channel="telegram",
            metadata={"location": {"latitude": 51.5, "longitude": -0.1}})
    assert r.status_code == 200
    assert all(victim != got[0] and got[1] == "webchat" and got[2] is None
               for got in agent.got)
    assert victim not in r.text
    assert handoff.active_handoff(sessions, victim) is not None  # untouched


def test_new_sessions_and_requests_are_limited_per_address(chat, monkeypatch):
    url, _ = chat
    monkeypatch.setattr(webchat, "SESSIONS_PER_HOUR", 3)
    codes = [httpx.post(url + "/session").status_code for _ in range(5)]
    assert codes[:3] == [200] * 3 and codes[3:] == [429, 429]
    monkeypatch.setattr(webchat, "REQUESTS_PER_MINUTE", 2)
    r = httpx.post(url + "/session")
    assert r.status_code == 429 and r.headers["retry-after"]


def test_bad_bodies_get_clear_errors(chat):
    url, agent = chat
    token = session(url)
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.post(url + "/message", content=b"{not json", headers=auth).status_code == 400
    assert httpx.post(url + "/message", json={"message": ""}, headers=auth).status_code == 400
    assert httpx.post(url + "/message", json={"text": "hi"}, headers=auth).status_code == 400
    big = httpx.post(url + "/message", json={"message": "x" * (webchat.MAX_BODY + 1)},
                     headers=auth)
    assert big.status_code == 413
    assert agent.got == []


def test_the_chat_page_may_be_framed_only_by_the_allowed_sites(chat):
    url, _ = chat
    page = httpx.get(url + "/chat")
    policy = page.headers["content-security-policy"]
    assert f"frame-ancestors {SITE}" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert page.headers["cache-control"] == "no-store"
    assert 'id="exit"' in page.text and "Leave this site quickly" in page.text
    for name, kind in (("chat.js", "javascript"), ("chat.css", "css"), ("widget.js", "javascript")):
        r = httpx.get(f"{url}/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"]
    assert httpx.get(url + "/secrets.py").status_code == 404


def test_a_youth_workers_reply_reaches_the_chat(chat, sessions):
    """While a worker has the conversation, messages go to them; their reply waits for the
    chat's next poll, once."""
    from bot.accounts import accounts

    url, agent = chat
    token = session(url)
    say(url, token, "hello")
    sender = agent.got[0][0]
    h = handoff.request_handoff(sessions, sender, "webchat", "request", default_org="default")
    assert say(url, token, "is anyone there?").json()["messages"] == []  # held for the worker
    assert len(agent.got) == 1
    jo = accounts.add_worker(sessions, "jo@example.org", "correct horse battery staple",
                             "default", display_name="Jo")
    handoff.claim(sessions, h.id, jo)
    handoff.worker_reply(sessions, h.id, jo, "Hi, it's Jo.")
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url + "/messages", headers=auth).json()["messages"] == [
        {"text": "Hi, it's Jo.", "from": "worker"}]
    assert httpx.get(url + "/messages", headers=auth).json()["messages"] == []
    other = session(url)  # someone else's session sees nothing of it
    assert httpx.get(url + "/messages", headers={"Authorization": f"Bearer {other}"}
                     ).json()["messages"] == []
