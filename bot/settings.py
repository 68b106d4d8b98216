"""Typed configuration, built once from the environment.

Every setting has a default that works on a laptop; `.env.example` documents them all.
Secrets are read from the environment only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """Raised when an environment variable holds a value that cannot be used."""


def _int(env: Mapping[str, str], name: str, default: int, lo: int = 1, hi: int = 65535) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """All runtime configuration of the navigator."""

    database_url: str
    region: str = "GB"
    country_code: str = "GB"
    timezone: str = "Europe/London"
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    tracker_db: str = "var/tracker.db"
    model_dir: str = "models"
    results_per_page: int = 3
    search_radius_km: int = 40
    log_level: str = "INFO"
    secret_key: str = ""
    secret_key_file: str = "var/secret.key"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def action_endpoint_url(self) -> str:
        """URL the Rasa server uses to call the action server."""
        return f"http://{self.action_host}:{self.action_port}/webhook"

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa HTTP server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"


def default_database_url() -> str:
    """SQLite file in ./var, the embedded default."""
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'navigator.db'}"


def load_settings(env: Optional[Mapping[str, str]] = None) -> Settings:
    """Build settings from ``env`` (default: ``os.environ``), validating every value."""
    env = os.environ if env is None else env
    region = env.get("NAVIGATOR_REGION", "GB").strip().upper()
    if not (len(region) == 2 and region.isalpha()):
        raise SettingsError(f"NAVIGATOR_REGION must be a two-letter country code, got {region!r}")
    tz = env.get("NAVIGATOR_TIMEZONE", "Europe/London")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(tz)
    except Exception as exc:  # zoneinfo raises several types for bad keys
        raise SettingsError(f"NAVIGATOR_TIMEZONE is not a known time zone: {tz!r}") from exc
    level = env.get("NAVIGATOR_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"NAVIGATOR_LOG_LEVEL must be DEBUG/INFO/WARNING/ERROR, got {level!r}")
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        region=region,
        country_code=env.get("NAVIGATOR_COUNTRY", region).strip().upper(),
        timezone=tz,
        rasa_host=env.get("RASA_HOST", "127.0.0.1"),
        rasa_port=_int(env, "RASA_PORT", 5005),
        action_host=env.get("ACTION_SERVER_HOST", "127.0.0.1"),
        action_port=_int(env, "ACTION_SERVER_PORT", 5055),
        tracker_db=env.get("TRACKER_DB", str(PROJECT_ROOT / "var" / "tracker.db")),
        model_dir=env.get("MODEL_DIR", str(PROJECT_ROOT / "models")),
        results_per_page=_int(env, "NAVIGATOR_RESULTS_PER_PAGE", 3, 1, 10),
        search_radius_km=_int(env, "NAVIGATOR_SEARCH_RADIUS_KM", 40, 1, 1000),
        log_level=level,
        secret_key=_secret(env),
        secret_key_file=env.get("NAVIGATOR_SECRET_KEY_FILE", str(PROJECT_ROOT / "var" / "secret.key")),
    )


def _secret(env: Mapping[str, str]) -> str:
    value = env.get("NAVIGATOR_SECRET_KEY", "")
    if value and len(value) < 32:
        raise SettingsError("NAVIGATOR_SECRET_KEY must be at least 32 characters "
                            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import time)."""
    return load_settings()
