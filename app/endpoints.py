"""The endpoints file Rasa loads, generated from settings: production mode is config only.

``endpoints.yml`` stays the documented source (action server, SQLite tracker store). When
``TRACKER_DB_URL``, ``REDIS_URL`` or ``RABBITMQ_URL`` are set, ``navigator serve`` writes
``endpoints.active.yml`` with an SQL tracker store on that database, a Redis lock store
(``connectors.lockstore``: several Rasa replicas can serve the same conversation) and a Pika
event broker (every event streamed to RabbitMQ for analytics). Passwords are never written:
the file holds ``${NAVIGATOR_..._PASSWORD}`` references and :func:`secret_env` puts the values
in the child processes' environment, where Rasa resolves them. Pure Python: never imports Rasa.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from bot.settings import PROJECT_ROOT, Settings

SOURCE = PROJECT_ROOT / "endpoints.yml"
TRACKER_PASSWORD = "NAVIGATOR_TRACKER_DB_PASSWORD"
REDIS_PASSWORD = "NAVIGATOR_REDIS_PASSWORD"
RABBITMQ_PASSWORD = "NAVIGATOR_RABBITMQ_PASSWORD"
SQLITE_TRACKER_STORE = "connectors.trackerstore.SQLTrackerStore"


def endpoints_path(settings: Settings) -> Path:
    """Where ``serve`` writes the endpoints Rasa actually loads (beside the tracker DB)."""
    return Path(settings.tracker_db).resolve().parent / "endpoints.active.yml"


def _ref(name: str) -> str:
    return "${" + name + "}"


def tracker_store(url: str) -> Dict[str, Any]:
    """Rasa's SQL tracker store settings for a SQLAlchemy URL (postgresql:// or sqlite:///)."""
    parts = urlsplit(url)
    dialect = parts.scheme
    if dialect.startswith("sqlite"):
        # Rasa's store with a pooled, write-ahead-log engine (connectors/trackerstore.py)
        return {"type": SQLITE_TRACKER_STORE, "dialect": "sqlite", "db": url.split("///", 1)[-1]}
    # Rasa calls the host "url" in every endpoint section.
    conf: Dict[str, Any] = {"type": "SQL", "dialect": dialect,
                            "url": parts.hostname or "localhost", "port": parts.port or 5432,
                            "db": unquote(parts.path.lstrip("/"))}
    if not conf["db"]:
        raise ValueError("TRACKER_DB_URL names no database (postgresql://user@host:5432/NAME)")
    if parts.username:
        conf["username"] = unquote(parts.username)
    if parts.password:
        conf["password"] = _ref(TRACKER_PASSWORD)
    query = dict(parse_qsl(parts.query))
    if query:
        conf["query"] = query
    return conf


def lock_store(url: str, key_prefix: str) -> Dict[str, Any]:
    """Lock store settings for ``redis://[user:pass@]host:port/db``: Rasa's Redis ticket lock
    made atomic (``connectors.lockstore``; same keys as RedisLockStore, so replicas mix)."""
    parts = urlsplit(url)
    db = parts.path.lstrip("/")
    conf: Dict[str, Any] = {"type": "connectors.lockstore.AtomicRedisLockStore",
                            "url": parts.hostname or "localhost",
                            "port": parts.port or 6379, "db": int(db) if db else 0,
                            "key_prefix": key_prefix, "use_ssl": parts.scheme == "rediss"}
    if parts.username:
        conf["username"] = unquote(parts.username)
    if parts.password:
        conf["password"] = _ref(REDIS_PASSWORD)
    return conf


def event_broker(url: str, queue: str) -> Dict[str, Any]:
    """Rasa's Pika event broker settings for ``amqp://user:pass@host:port/vhost``."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    vhost = unquote(parts.path.lstrip("/"))
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    if vhost and vhost != "/" or parts.scheme == "amqps":
        # Rasa takes the vhost (and TLS) only from an amqp(s):// URL; credentials stay apart.
        host = f"{parts.scheme}://{host}:{port}" + (f"/{parts.path.lstrip('/')}" if vhost else "")
    return {"type": "pika", "url": host, "port": port,
            "username": unquote(parts.username or "guest"),
            "password": _ref(RABBITMQ_PASSWORD) if parts.password else "guest",
            "queues": [queue], "raise_on_failure": False}


def secret_env(settings: Settings) -> Dict[str, str]:
    """The passwords the generated file refers to, for the child processes' environment."""
    env: Dict[str, str] = {}
    for name, url in ((TRACKER_PASSWORD, settings.tracker_db_url),
                      (REDIS_PASSWORD, settings.redis_url),
                      (RABBITMQ_PASSWORD, settings.rabbitmq_url)):
        password = urlsplit(url).password if url else None
        if password:
            env[name] = unquote(password)
    return env


def active_endpoints(settings: Settings, target: Path, source: Path = SOURCE) -> Dict[str, Any]:
    """Write the endpoints Rasa loads to ``target``: ``source`` plus the production stores
    that settings turn on. Returns what was written (no secret values in it)."""
    data: Dict[str, Any] = yaml.safe_load(source.read_text("utf-8")) or {}
    if settings.tracker_db_url:
        data["tracker_store"] = tracker_store(settings.tracker_db_url)
    if settings.redis_url:
        data["lock_store"] = lock_store(settings.redis_url, settings.redis_key_prefix)
    if settings.rabbitmq_url:
        data["event_broker"] = event_broker(settings.rabbitmq_url, settings.rabbitmq_queue)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unquoted ${VARS}: Rasa resolves environment references only in plain scalars.
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    text = text.replace("'${", "${").replace("}'", "}")
    target.write_text("# Generated from endpoints.yml and settings by `navigator serve`.\n"
                      + text, "utf-8")
    return data


def summary(data: Dict[str, Any]) -> str:
    """One log line saying which stores are in use (hosts only, never credentials)."""
    ts = data.get("tracker_store") or {}
    parts = [f"tracker store {ts.get('dialect', 'memory')}"
             + (f" on {ts['url']}" if ts.get("url") else "")]
    lock = data.get("lock_store")
    parts.append(f"lock store redis on {lock['url']}" if lock else "in-memory locks")
    broker = data.get("event_broker")
    parts.append(f"event broker pika on {broker['url']}" if broker else "no event broker")
    return ", ".join(parts)
