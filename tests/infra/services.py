"""The real PostgreSQL, Redis and RabbitMQ the infra tests use, from the environment.

``NAVIGATOR_TEST_POSTGRES_URL`` (an admin URL: databases are created and dropped per run),
``NAVIGATOR_TEST_REDIS_URL`` and ``NAVIGATOR_TEST_RABBITMQ_URL``. A test needing one that is
unset or unreachable is skipped with the reason, unless ``NAVIGATOR_TEST_REQUIRE_SERVICES=1``
(``.ci/run`` sets it): then it fails, so CI never skips silently. Tests that stop or restart a
service also need ``NAVIGATOR_TEST_FAULTS=1`` (``.ci/run`` sets it), never run by accident
against a developer's own services.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = {"postgres": "NAVIGATOR_TEST_POSTGRES_URL", "redis": "NAVIGATOR_TEST_REDIS_URL",
       "rabbitmq": "NAVIGATOR_TEST_RABBITMQ_URL"}


def required() -> bool:
    return os.environ.get("NAVIGATOR_TEST_REQUIRE_SERVICES") == "1"


def _unavailable(reason: str) -> None:
    if required():
        pytest.fail(f"{reason} (NAVIGATOR_TEST_REQUIRE_SERVICES=1: CI must not skip)")
    pytest.skip(reason)


def reachable(url: str, timeout: float = 2.0) -> bool:
    parts = urlsplit(url)
    default = {"postgresql": 5432, "redis": 6379, "amqp": 5672}.get(parts.scheme.split("+")[0])
    try:
        with socket.create_connection((parts.hostname or "localhost", parts.port or default),
                                      timeout):
            return True
    except OSError:
        return False


def service_url(name: str) -> str:
    """The URL of service ``name``; skip (or fail under CI) when unset or unreachable."""
    var = ENV[name]
    url = os.environ.get(var, "")
    if not url:
        _unavailable(f"{name} not configured: set {var} (.ci/run sets it)")
    if not reachable(url):
        _unavailable(f"{name} unreachable at {urlsplit(url).hostname}:{urlsplit(url).port}")
    return url


def faults_allowed() -> None:
    if os.environ.get("NAVIGATOR_TEST_FAULTS") != "1":
        _unavailable("fault injection stops and restarts the local services: "
                     "set NAVIGATOR_TEST_FAULTS=1 (.ci/run does)")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@contextlib.contextmanager
def fresh_database(prefix: str = "navtest") -> Iterator[str]:
    """A new, empty PostgreSQL database for this run (dropped afterwards); its URL."""
    import sqlalchemy as sa

    admin = service_url("postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin.replace("postgresql://", "postgresql+psycopg2://", 1),
                              isolation_level="AUTOCOMMIT", future=True,
                              pool_pre_ping=True)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin, name)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def _wait(url: str, up: bool, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reachable(url, 1.0) == up:
            return
        time.sleep(0.2)
    raise AssertionError(f"{urlsplit(url).hostname}:{urlsplit(url).port} did not "
                         f"{'come up' if up else 'go down'} in {timeout:.0f} s")


def restart_postgres(url: str) -> None:
    """Restart the local cluster (Debian's pg_ctlcluster)."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True, timeout=120)
    _wait(url, True)


def stop_redis(url: str) -> None:
    subprocess.run(["redis-cli", "-p", str(urlsplit(url).port or 6379), "shutdown", "nosave"],
                   capture_output=True, timeout=30)
    _wait(url, False)


def start_redis(url: str) -> None:
    if reachable(url, 1.0):
        return
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
                    "--port", str(urlsplit(url).port or 6379), "--save", "", "--appendonly",
                    "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"],
                   check=True, capture_output=True, timeout=30)
    _wait(url, True)
