import os

import pytest

from app import cli
from bot.migrate import current_revision, upgrade
from bot.settings import SettingsError, load_settings


def test_defaults():
    s = load_settings({})
    assert s.region == "GB" and s.rasa_port == 5005 and s.database_url.startswith("sqlite:///")
    assert s.action_endpoint_url == "http://127.0.0.1:5055/webhook"


@pytest.mark.parametrize("env,msg", [
    ({"RASA_PORT": "abc"}, "integer"), ({"RASA_PORT": "70000"}, "between"),
    ({"NAVIGATOR_REGION": "England"}, "two-letter"), ({"NAVIGATOR_TIMEZONE": "Mars/Base"}, "time zone"),
    ({"NAVIGATOR_LOG_LEVEL": "LOUD"}, "LOG_LEVEL")])
def test_bad_settings_are_clear_errors(env, msg):
    with pytest.raises(SettingsError, match=msg):
        load_settings(env)


def test_migrations_are_repeatable(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert current_revision(url) is None
    upgrade(url)
    upgrade(url)
    from alembic.script import ScriptDirectory
    from bot.migrate import alembic_config

    assert current_revision(url) == ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def test_cli_setup_and_import(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    cli.get_settings.cache_clear()
    from bot import db
    db.get_engine.cache_clear()
    try:
        assert cli.main(["setup"]) == 0
        assert "services loaded" in capsys.readouterr().out
        assert cli.main(["setup"]) == 0
        assert "not loading the sample" in capsys.readouterr().out
        bad = tmp_path / "bad.json"
        bad.write_text("{oops")
        assert cli.main(["import", str(bad)]) == 2
        assert "invalid JSON" in capsys.readouterr().err
    finally:
        cli.get_settings.cache_clear()
        db.get_engine.cache_clear()


def test_cli_rejects_bad_config(monkeypatch, capsys):
    monkeypatch.setenv("RASA_PORT", "nope")
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["setup"]) == 2
        assert "configuration error" in capsys.readouterr().err
    finally:
        cli.get_settings.cache_clear()


def test_parser_has_every_command():
    p = cli.build_parser()
    for argv in (["db", "upgrade"], ["load-sample"], ["import", "f.json"], ["setup"], ["train"],
                 ["serve"], ["chat"], ["run"]):
        assert p.parse_args(argv).func


def test_run_with_chat_stops_children_on_interrupt(monkeypatch):
    """Ctrl-C in the chat (or a broken pipe) must stop every child process."""
    from app import chat as chat_mod, process

    events = []

    class FakeProcs:
        def __init__(self, settings, *a, **k):
            events.append(settings.rest_token)

        def start(self):
            events.append("start")

        def wait_ready(self):
            return True

        def stop(self):
            events.append("stop")

    def broken_chat(url, token=""):
        events.append(token)
        raise KeyboardInterrupt

    monkeypatch.setattr(process, "Processes", FakeProcs)
    monkeypatch.setattr(chat_mod, "chat", broken_chat)
    # the crisis detector's cache goes to the tests' cache, not the checkout's models/
    assert process.run_with_chat(load_settings({"MODEL_DIR": os.environ["MODEL_DIR"]})) == 0
    # No NAVIGATOR_REST_TOKEN: this run makes one, and gives it to the servers and the chat.
    made, started, used, stopped = events
    assert len(made) >= 32 and used == made and (started, stopped) == ("start", "stop")
