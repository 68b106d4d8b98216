"""Pseudonyms are stable and keyed; sealed addresses open only under the same secret."""
import os
import stat

import pytest

from bot.keys import Keys, deployment_secret
from bot.masking import mask
from bot.settings import SettingsError, load_settings

SECRET = "s" * 40


def test_pseudonym_is_stable_keyed_and_reveals_nothing():
    a, b = Keys(SECRET), Keys("t" * 40)
    sid = a.pseudonym("telegram", "123456789")
    assert sid == a.pseudonym("telegram", "123456789") and sid.startswith("tg-")
    assert "123456789" not in sid and len(sid) == 35
    assert sid != b.pseudonym("telegram", "123456789")
    assert sid != a.pseudonym("sms", "123456789")


def test_seal_round_trip_and_wrong_key():
    a = Keys(SECRET)
    token = a.seal("+447700900123")
    assert "7700900123" not in token and a.unseal(token) == "+447700900123"
    assert Keys("t" * 40).unseal(token) is None
    assert a.unseal("not a token") is None


def test_short_secret_refused():
    with pytest.raises(ValueError):
        Keys("short")
    with pytest.raises(SettingsError, match="NAVIGATOR_SECRET_KEY"):
        load_settings({"NAVIGATOR_SECRET_KEY": "short"})


def test_instance_secret_created_once_private(tmp_path):
    path = tmp_path / "var" / "secret.key"
    settings = load_settings({"NAVIGATOR_SECRET_KEY_FILE": str(path)})
    first = deployment_secret(settings)
    assert len(first) >= 32 and deployment_secret(settings) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert deployment_secret(load_settings({"NAVIGATOR_SECRET_KEY": SECRET})) == SECRET


def test_mask_never_shows_the_whole_number():
    assert mask("+447700900123") == "+44•••••••123"
    assert "7700900" not in mask("+447700900123")


def test_the_examples_placeholder_key_is_refused():
    """Issue 17, item 14: secret.example.yaml's value was accepted as a real key."""
    with pytest.raises(Exception, match="placeholder"):
        load_settings({"NAVIGATOR_SECRET_KEY": "change-me-openssl-rand-hex-32-xxxxxxxxxxxxxxxx"})


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "secret.key"
    path.write_text("k" * 48 + "\n")
    os.chmod(path, 0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        deployment_secret(load_settings({"NAVIGATOR_SECRET_KEY_FILE": str(path)}))


def test_a_process_that_loses_the_first_start_race_uses_the_winners_key(tmp_path, monkeypatch):
    """Two processes creating the key file at once: the one that finds it created between its
    check and its write uses that key (it crashed), and nothing is left half-written."""
    from pathlib import Path as RealPath

    path = tmp_path / "var" / "secret.key"
    path.parent.mkdir()
    winner = "w" * 48
    path.write_text(winner + "\n")
    os.chmod(path, 0o600)
    real_exists = RealPath.exists
    seen = []

    def exists_once_missing(self):  # the other process created it just after this check
        if self == path and not seen:
            seen.append(self)
            return False
        return real_exists(self)

    monkeypatch.setattr(RealPath, "exists", exists_once_missing)
    assert deployment_secret(load_settings({"NAVIGATOR_SECRET_KEY_FILE": str(path)})) == winner
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # nothing left aside
