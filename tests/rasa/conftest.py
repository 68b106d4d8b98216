"""Fixtures for tests that need Rasa itself: one training per run, reused by every test."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CACHE, ROOT

BIN = Path(sys.executable).parent
RESULTS = CACHE / "results"  # logs and reports of the Rasa tests


API_TOKEN = "test-rasa-api-token-0123456789"  # the servers tests start read trackers with it
REST_TOKEN = "test-rest-channel-token-0123456789"  # and answer the REST channel with it


def rasa_env() -> dict:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore",
                "NAVIGATOR_RASA_API_TOKEN": API_TOKEN, "NAVIGATOR_REST_TOKEN": REST_TOKEN})
    return env


def run_rasa(args, timeout=1200, log: Path = None) -> subprocess.CompletedProcess:
    """Run the venv's ``rasa`` CLI in the project root, capturing output."""
    proc = subprocess.run([str(BIN / "rasa"), *args], cwd=ROOT, env=rasa_env(),
                          capture_output=True, text=True, timeout=timeout)
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(proc.stdout + proc.stderr)
    return proc


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """Train once (Rasa skips it when data and config are unchanged); the newest model. Kept in
    the tests' cache, outside the checkout (tests/conftest.py)."""
    out = CACHE / "models"
    proc = run_rasa(["train", "--out", str(out)], log=RESULTS / "train.log")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    models = sorted(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert models, "no model was produced"
    return models[-1]
