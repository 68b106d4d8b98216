"""`navigator org add`, `navigator worker add` (password from stdin, never an argument)."""
from __future__ import annotations

import io

import pytest

from bot.accounts import accounts
from app.cli import build_parser


@pytest.fixture
def cli(sessions, monkeypatch):
    import bot.db

    monkeypatch.setattr(bot.db, "session_factory", lambda url=None: sessions)

    def run(argv, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = build_parser().parse_args(argv)
        return args.func(args)
    return run


def test_org_and_worker_add(cli, sessions, capsys):
    assert cli(["org", "add", "leeds_hub", "Leeds Youth Hub", "--sms-number", "+447700900111"]) == 0
    assert "start=leeds_hub" in capsys.readouterr().out
    assert cli(["worker", "add", "jo@example.org", "--org", "leeds_hub", "--role", "admin"],
               "a long enough password\n") == 0
    assert accounts.authenticate(sessions, "jo@example.org", "a long enough password").worker
    assert cli(["worker", "add", "x@example.org", "--org", "leeds_hub"], "short\n") == 2
    assert "at least 12" in capsys.readouterr().err
    assert cli(["worker", "add", "y@example.org", "--org", "nope"], "a long enough password\n") == 2
    assert cli(["org", "add", "bad slug", "X"]) == 2


def test_password_is_not_an_argument():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["worker", "add", "jo@example.org", "--org", "x",
                                   "--password", "secret"])
