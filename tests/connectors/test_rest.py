"""The REST channel (connectors/rest.py) over real HTTP: the attacks of issue 17, item 1. It
answers only holders of NAVIGATOR_REST_TOKEN, never lets a client pass a message off as another
channel's or name another channel's conversation, and refuses oversized bodies."""
from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from bot.handoff import handoff
from bot.handoff.models import Handoff
from bot.safeguarding.models import SafeguardingAlert
from bot.settings import get_settings
from connectors.rest import MAX_BODY, SERVER_MAX_BODY, ResilientRestInput
from tests.connectors.sanic_server import LiveServer

TOKEN = "rest-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TELEGRAM_USER = "tg-" + "0123456789abcdef" * 2  # the shape of bot.privacy pseudonyms


class Agent:
    """Records what reached the dialogue; answers every message."""

    def __init__(self) -> None:
        self.got = []

    async def handle_message(self, message):
        self.got.append((message.sender_id, message.input_channel, message.metadata,
                         message.text))
        await message.output_channel.send_text_message(message.sender_id, f"bot: {message.text}")


@pytest.fixture
def rest(sessions, monkeypatch):
    def start(token: str = TOKEN):
        monkeypatch.setenv("NAVIGATOR_DUTY_HOURS", "always")
        monkeypatch.setenv("NAVIGATOR_REST_TOKEN", token) if token else \
            monkeypatch.delenv("NAVIGATOR_REST_TOKEN", raising=False)
        get_settings.cache_clear()
        channel = ResilientRestInput()
        channel._sessions = sessions
        agent = Agent()
        server = LiveServer([channel], agent)
        return server, agent

    yield start
    get_settings.cache_clear()


def post(url: str, body, headers=None) -> httpx.Response:
    return httpx.post(f"{url}/webhooks/rest/webhook", json=body, headers=headers, timeout=30)


def counts(sessions):
    with sessions() as s:
        return (s.execute(select(func.count()).select_from(SafeguardingAlert)).scalar(),
                s.execute(select(func.count()).select_from(Handoff)).scalar())


def test_a_stranger_cannot_flood_the_urgent_queue(rest, sessions):
    server, agent = rest()
    with server as url:
        for _ in range(10):
            sender = f"x{uuid.uuid4().hex[:10]}"
            assert post(url, {"sender": sender, "message": "i want to kill myself"}
                        ).status_code == 401
            assert post(url, {"sender": sender, "message": "i want to kill myself"},
                        {"Authorization": "Bearer guessed-" + TOKEN}).status_code == 401
    assert agent.got == [] and counts(sessions) == (0, 0)


def test_the_channel_is_off_without_a_token(rest):
    server, agent = rest(token="")
    with server as url:
        resp = post(url, {"sender": "local-1", "message": "hi"}, {"Authorization": "Bearer x"})
        assert resp.status_code == 403 and "NAVIGATOR_REST_TOKEN" in resp.json()["error"]
        assert httpx.get(f"{url}/webhooks/rest/").status_code == 200  # health stays open
    assert agent.got == []


def test_client_channel_and_metadata_are_ignored(rest):
    """A worker's reply must never be routed to someone's Telegram by a REST caller."""
    server, agent = rest()
    with server as url:
        resp = post(url, {"sender": "local-1", "message": "hello", "input_channel": "telegram",
                          "metadata": {"location": {"latitude": 51.5, "longitude": -0.1},
                                       "chat_id": 42}}, AUTH)
        assert resp.status_code == 200 and resp.json()[-1]["text"] == "bot: hello"
    assert agent.got == [("local-1", "rest", None, "hello")]


def test_another_channels_conversation_cannot_be_named(rest, sessions):
    """With a known pseudonym, "send me my data" / "delete my data" must not reach it."""
    h = handoff.request_handoff(sessions, TELEGRAM_USER, "telegram", "crisis", urgent=True)
    server, agent = rest()
    with server as url:
        for text in ("send me my data", "delete my data", "/forget"):
            resp = post(url, {"sender": TELEGRAM_USER, "message": text}, AUTH)
            assert resp.status_code == 400 and "another channel" in resp.json()["error"]
        assert post(url, {"sender": "sms-" + "ab" * 16, "message": "hi"}, AUTH).status_code == 400
        # ids of our own shape are fine; "rest-" pseudonyms are the REST channel's own
        assert post(url, {"sender": "rest-" + "ab" * 16, "message": "hi"}, AUTH).status_code == 200
        assert post(url, {"sender": "tg-friend", "message": "hi"}, AUTH).status_code == 200
    assert handoff.active_handoff(sessions, TELEGRAM_USER).id == h.id
    assert [g[0] for g in agent.got] == ["rest-" + "ab" * 16, "tg-friend"]


@pytest.mark.parametrize("body, why", [
    ({"message": "hi"}, "'sender'"),  # Rasa would have used the shared id "default"
    ({"sender": "", "message": "hi"}, "'sender'"),
    ({"sender": "a b", "message": "hi"}, "'sender'"),
    ({"sender": "x" * 81, "message": "hi"}, "'sender'"),
    ({"sender": ["local-1"], "message": "hi"}, "'sender'"),
    ({"sender": "local-1"}, "'message'"),
    ({"sender": "local-1", "message": 5}, "'message'"),
    (["local-1", "hi"], "JSON object"),
])
def test_bad_bodies_get_a_clear_error(rest, body, why):
    server, agent = rest()
    with server as url:
        resp = post(url, body, AUTH)
        assert resp.status_code == 400 and why in resp.json()["error"]
        bad_json = httpx.post(f"{url}/webhooks/rest/webhook", content=b"{not json", headers=AUTH)
        assert bad_json.status_code == 400
    assert agent.got == []


def test_oversized_bodies_are_refused(rest):
    server, agent = rest()
    with server as url:
        resp = post(url, {"sender": "local-1", "message": "x" * MAX_BODY}, AUTH)
        assert resp.status_code == 413
        # the whole server: refused by Sanic before the body is read
        huge = httpx.post(f"{url}/webhooks/rest/webhook", content=b"x" * (SERVER_MAX_BODY + 1),
                          headers=AUTH, timeout=30)
        assert huge.status_code == 413
        assert server.app.config.REQUEST_MAX_SIZE == SERVER_MAX_BODY
        ok = post(url, {"sender": "local-1", "message": "x" * 10_000}, AUTH)
        assert ok.status_code == 200
    assert [g[3] for g in agent.got] == ["x" * 10_000]
