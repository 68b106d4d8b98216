"""Local web chat (REST channel): a youth worker's reply reaches `navigator chat` through the
console's message fetch, over real HTTP."""
from __future__ import annotations

import io

from bot import handoff
from bot.chat import chat, worker_messages
from bot.console import create_console_app
from bot.settings import load_settings
from tests.console.browser_support import ConsoleServer


def test_terminal_chat_shows_the_workers_reply(sessions, db_url, team, tmp_path):
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    app = create_console_app(settings, sessions, {})
    h = handoff.request_handoff(sessions, "local-abc", "rest", "request", org="leeds_hub")
    handoff.worker_reply(sessions, h.id, team.workers["jo"], "Hi, it's Jo <b>from</b> the hub")
    with ConsoleServer(app) as url:
        out = io.StringIO()
        # The user presses Enter (nothing sent to Rasa), then quits: the reply is shown once.
        assert chat("http://127.0.0.1:9", sender="local-abc", inp=io.StringIO("\n/quit\n"),
                    out=out, console_url=url) == 0
        assert out.getvalue().count("Youth worker: Hi, it's Jo <b>from</b> the hub") == 1
        assert worker_messages(url, "local-abc") == []
    assert worker_messages("http://127.0.0.1:9", "local-abc") == []  # console not running
