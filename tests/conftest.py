"""Shared fixtures: a temporary, migrated database per test (flaskr style)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def db_url(tmp_path) -> str:
    """A fresh SQLite database, migrated to head."""
    from bot.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'navigator.db'}"
    upgrade(url)
    return url


@pytest.fixture
def sessions(db_url):
    """A sessionmaker on the fresh database."""
    from bot.db import make_engine
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(db_url)
    yield sessionmaker(bind=engine, future=True, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def sample_sessions(sessions):
    """The fresh database with the bundled sample directory loaded."""
    from bot.directory.loader import load_file, sample_directory_path

    report = load_file(sessions, sample_directory_path())
    assert report.loaded >= 60 and not report.skipped
    return sessions


@pytest.fixture
def navigator(sample_sessions, monkeypatch, db_url):
    """A Navigator over the sample directory, installed as the process-wide one."""
    from bot import navigator as nav_mod
    from bot.settings import load_settings

    settings = load_settings({"DATABASE_URL": db_url})
    nav = nav_mod.Navigator(settings, sample_sessions)
    monkeypatch.setattr(nav_mod, "get_navigator", lambda: nav)
    for mod in ("actions.search", "actions.safety", "actions.handoff", "actions.pathway",
                "actions.checkin", "actions.feedback"):
        module = __import__(mod, fromlist=["get_navigator"])
        monkeypatch.setattr(module, "get_navigator", lambda: nav)
    return nav
