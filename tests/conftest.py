"""Shared fixtures: a temporary, migrated database per test (flaskr style)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# Nothing a test makes is written into the checkout: trained models, the crisis detector's cache,
# Rasa's training cache, logs and reports go here instead (one folder per checkout, kept between
# runs so Rasa skips retraining when data and config are unchanged). NAVIGATOR_TEST_CACHE moves it.
CACHE = (Path(os.environ.get("NAVIGATOR_TEST_CACHE") or Path.home() / ".cache" / "navigator-tests")
         / hashlib.sha256(str(ROOT).encode()).hexdigest()[:12])

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The defaults these would take are inside the checkout (models/, var/, .rasa/).
for _name, _value in {"MODEL_DIR": CACHE / "models", "RASA_CACHE_DIRECTORY": CACHE / ".rasa",
                      "TRACKER_DB": CACHE / "var" / "tracker.db",
                      "NAVIGATOR_SECRET_KEY_FILE": CACHE / "var" / "secret.key",
                      "DATABASE_URL": f"sqlite:///{CACHE / 'var' / 'navigator.db'}"}.items():
    os.environ.setdefault(_name, str(_value))
try:  # hypothesis (schemathesis) keeps its example database and caches here, not in ./.hypothesis
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(CACHE / "hypothesis"))
except ImportError:  # a runtime-only install: the property tests are not collected then
    pass


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
    from bot.directory import navigator as nav_mod
    from bot.settings import load_settings

    settings = load_settings({"DATABASE_URL": db_url})
    nav = nav_mod.Navigator(settings, sample_sessions)
    monkeypatch.setattr(nav_mod, "get_navigator", lambda: nav)
    for mod in ("actions.search", "actions.safety", "actions.handoff", "actions.pathway",
                "actions.checkin", "actions.feedback"):
        module = __import__(mod, fromlist=["get_navigator"])
        monkeypatch.setattr(module, "get_navigator", lambda: nav)
    return nav
