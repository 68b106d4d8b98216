"""Local web chat (REST channel): a youth worker's reply reaches `navigator chat` through the
console's message fetch, over real HTTP."""
from __future__ import annotations

import io

import httpx

from bot.handoff import handoff
from app.chat import chat, worker_messages
from bot.console import create_console_app
from bot.console.limits import MAX_BODY
from bot.settings import load_settings
from tests.console.browser_support import ConsoleServer


TOKEN = "local-rest-token-0123456789abcdef"


def test_terminal_chat_shows_the_workers_reply(sessions, db_url, team, tmp_path):
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db"),
                              "NAVIGATOR_REST_TOKEN": TOKEN})
    app = create_console_app(settings, sessions, {})
    h = handoff.request_handoff(sessions, "local-abc", "rest", "request", org="leeds_hub")
    handoff.worker_reply(sessions, h.id, team.workers["jo"], "Hi, it's Jo <b>from</b> the hub")
    with ConsoleServer(app) as url:
        # Issue 17, item 1: a sender id alone is not a key to a worker's replies.
        assert worker_messages(url, "local-abc") == []
        assert worker_messages(url, "local-abc", token="wrong-" + TOKEN) == []
        refused = httpx.get(f"{url}/chat/local-abc/messages")
        assert refused.status_code == 401
        out = io.StringIO()
        # The user presses Enter (nothing sent to Rasa), then quits: the reply is shown once.
        assert chat("http://127.0.0.1:9", sender="local-abc", inp=io.StringIO("\n/quit\n"),
                    out=out, console_url=url, token=TOKEN) == 0
        assert out.getvalue().count("Youth worker: Hi, it's Jo <b>from</b> the hub") == 1
        assert worker_messages(url, "local-abc", token=TOKEN) == []
    assert worker_messages("http://127.0.0.1:9", "local-abc") == []  # console not running


def test_chat_fetch_is_off_without_a_rest_token(sessions, db_url, tmp_path):
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    with ConsoleServer(create_console_app(settings, sessions, {})) as url:
        resp = httpx.get(f"{url}/chat/local-abc/messages", headers={"Authorization": "Bearer anything"})
        assert resp.status_code == 401


def test_console_refuses_oversized_bodies(sessions, db_url, tmp_path):
    """Issue 17, item 1: body caps; the console's forms are a few KB."""
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    with ConsoleServer(create_console_app(settings, sessions, {})) as url:
        big = httpx.post(f"{url}/login", content=b"a" * (MAX_BODY + 1),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert big.status_code == 413

        def chunks():  # no Content-Length: refused once the streamed body passes the cap
            for _ in range(MAX_BODY // 65536 + 2):
                yield b"a" * 65536

        streamed = httpx.post(f"{url}/login", content=chunks(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert streamed.status_code == 413
        small = httpx.post(f"{url}/login", data={"email": "x@example.org", "password": "y"})
        assert small.status_code in (200, 401, 403, 429)  # an answer, not a refusal of size
