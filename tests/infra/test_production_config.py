"""Production mode is configuration only: settings from the environment turn on PostgreSQL,
the Redis lock store and the RabbitMQ event broker in the endpoints Rasa loads."""
from __future__ import annotations

import pytest
import yaml

from app.endpoints import active_endpoints, secret_env, summary
from app.process import child_env, commands
from bot.settings import SettingsError, load_settings

KEY = "k" * 40
PROD = {"NAVIGATOR_SECRET_KEY": KEY,
        "TRACKER_DB_URL": "postgresql://rasa:s3cr%40t@db.internal:6432/tracker?sslmode=require",
        "REDIS_URL": "rediss://:redispw@redis.internal:6380/2",
        "RABBITMQ_URL": "amqp://events:rabbitpw@mq.internal:5672/analytics",
        "RABBITMQ_QUEUE": "navigator_events",
        "ACTION_SERVER_URL": "http://navigator-actions:5055/webhook"}


def test_laptop_default_is_the_documented_endpoints_file(tmp_path):
    settings = load_settings({"TRACKER_DB": str(tmp_path / "t.db")})
    data = active_endpoints(settings, tmp_path / "e.yml")
    assert data["tracker_store"]["dialect"] == "sqlite"
    # Rasa's store with the app database's engine settings (tests/connectors/test_trackerstore.py)
    assert data["tracker_store"]["type"] == "connectors.trackerstore.SQLTrackerStore"
    assert "lock_store" not in data and "event_broker" not in data
    assert summary(data) == "tracker store sqlite, in-memory locks, no event broker"


def test_production_stores_from_urls_without_writing_a_secret(tmp_path):
    settings = load_settings({**PROD, "TRACKER_DB": str(tmp_path / "t.db")})
    target = tmp_path / "endpoints.active.yml"
    active_endpoints(settings, target)
    text = target.read_text()
    for secret in ("s3cr", "redispw", "rabbitpw"):
        assert secret not in text
    data = yaml.safe_load(text)
    assert data["tracker_store"] == {
        "type": "SQL", "dialect": "postgresql", "url": "db.internal", "port": 6432,
        "db": "tracker", "username": "rasa", "password": "${NAVIGATOR_TRACKER_DB_PASSWORD}",
        "query": {"sslmode": "require"}}
    assert data["lock_store"] == {
        "type": "connectors.lockstore.AtomicRedisLockStore", "url": "redis.internal",
        "port": 6380, "db": 2,
        "key_prefix": "navigator", "use_ssl": True, "password": "${NAVIGATOR_REDIS_PASSWORD}"}
    broker = data["event_broker"]
    assert broker["type"] == "pika" and broker["queues"] == ["navigator_events"]
    assert broker["url"] == "amqp://mq.internal:5672/analytics" and broker["username"] == "events"
    assert data["action_endpoint"] == {"url": "${ACTION_ENDPOINT_URL}",
                                       "enable_selective_domain": True}
    assert secret_env(settings) == {"NAVIGATOR_TRACKER_DB_PASSWORD": "s3cr@t",
                                    "NAVIGATOR_REDIS_PASSWORD": "redispw",
                                    "NAVIGATOR_RABBITMQ_PASSWORD": "rabbitpw"}
    env = child_env(settings)
    assert env["ACTION_ENDPOINT_URL"] == "http://navigator-actions:5055/webhook"
    assert env["NAVIGATOR_TRACKER_DB_PASSWORD"] == "s3cr@t"


def test_rasa_reads_the_generated_file_with_its_env_references(tmp_path, monkeypatch):
    """Rasa resolves the ${VARS} (they must be unquoted) and builds its endpoint configs."""
    from rasa.core.utils import read_endpoints_from_path

    settings = load_settings({**PROD, "TRACKER_DB": str(tmp_path / "t.db")})
    target = tmp_path / "endpoints.active.yml"
    active_endpoints(settings, target)
    for name, value in child_env(settings).items():
        monkeypatch.setenv(name, value)
    endpoints = read_endpoints_from_path(str(target))
    assert endpoints.tracker_store.kwargs["password"] == "s3cr@t"
    assert endpoints.lock_store.type == "connectors.lockstore.AtomicRedisLockStore"
    assert endpoints.lock_store.kwargs["db"] == 2
    assert endpoints.lock_store.kwargs["password"] == "redispw"
    # Rasa builds the class from its module path; redis-py connects lazily (no Redis needed).
    from rasa.core.lock_store import LockStore

    from connectors.lockstore import AtomicRedisLockStore

    store = LockStore.create(endpoints.lock_store)
    assert isinstance(store, AtomicRedisLockStore) and store.key_prefix == "navigator:lock:"
    conn = store.red.connection_pool.connection_kwargs
    assert (conn["host"], conn["port"], conn["db"], conn["password"]) == \
        ("redis.internal", 6380, 2, "redispw")
    assert endpoints.event_broker.kwargs["password"] == "rabbitpw"
    assert endpoints.action.url == "http://navigator-actions:5055/webhook"


@pytest.mark.parametrize("name,value", [("TRACKER_DB_URL", "mysql://x/y"),
                                        ("REDIS_URL", "http://redis"),
                                        ("RABBITMQ_URL", "redis://mq"),
                                        ("REDIS_KEY_PREFIX", "a:b"),
                                        ("NAVIGATOR_ACTION_TIMEOUT_S", "0")])
def test_bad_production_settings_are_refused(name, value):
    with pytest.raises(SettingsError) as err:
        load_settings({"NAVIGATOR_SECRET_KEY": KEY, name: value})
    assert "pass" not in str(err.value)


def test_replicas_must_share_one_secret_key():
    with pytest.raises(SettingsError, match="NAVIGATOR_SECRET_KEY"):
        load_settings({"REDIS_URL": "redis://localhost:6379/0"})


def test_one_process_per_container(tmp_path):
    settings = load_settings({"TRACKER_DB": str(tmp_path / "t.db")})
    assert list(commands(settings, "rasa")) == ["rasa"]
    assert list(commands(settings, "actions")) == ["actions"]
    assert "endpoints.active.yml" in " ".join(commands(settings)["rasa"])
    with pytest.raises(ValueError):
        commands(settings, "console")


def test_only_signed_webhooks_and_the_console_are_public():
    """Issue 17, item 1: the REST channel and Rasa's API are never routed from the internet;
    every public route has per-address limits and a body cap."""
    from pathlib import Path

    docs = [d for d in yaml.safe_load_all(
        (Path(__file__).resolve().parents[2] / "deploy/k8s/ingress.yaml").read_text()) if d]
    ingresses = [d for d in docs if d["kind"] == "Ingress"]
    routes = {(rule["host"], p["path"], p["pathType"], p["backend"]["service"]["name"])
              for ing in ingresses for rule in ing["spec"]["rules"]
              for p in rule["http"]["paths"]}
    assert {(path, kind) for _, path, kind, svc in routes if svc == "navigator-rasa"} == {
        ("/webhooks/telegram/webhook", "Exact"), ("/webhooks/sms/webhook", "Exact"),
        ("/webhooks/sms/status", "Exact"), ("/webhooks/whatsapp/webhook", "Exact"),
        ("/webhooks/whatsapp/status", "Exact"), ("/webhooks/webchat/", "Prefix")}
    assert {svc for *_, svc in routes} == {"navigator-rasa", "navigator-console"}
    for ing in ingresses:
        notes = ing["metadata"]["annotations"]
        for key in ("limit-rps", "limit-connections", "proxy-body-size"):
            assert notes.get(f"nginx.ingress.kubernetes.io/{key}"), (ing["metadata"]["name"], key)


def test_rest_token_reaches_the_servers_only_when_set(tmp_path):
    base = {"TRACKER_DB": str(tmp_path / "t.db")}
    assert load_settings(base).rest_token == ""
    with pytest.raises(SettingsError, match="NAVIGATOR_REST_TOKEN"):
        load_settings({**base, "NAVIGATOR_REST_TOKEN": "short"})
    token = "r" * 32
    assert child_env(load_settings({**base, "NAVIGATOR_REST_TOKEN": token}))[
        "NAVIGATOR_REST_TOKEN"] == token


def test_the_domain_goes_only_to_the_actions_that_read_it():
    """endpoints.yml turns on Rasa's selective domain; these actions still get it."""
    from rasa.shared.core.domain import Domain

    from bot.settings import PROJECT_ROOT

    endpoint = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())["action_endpoint"]
    assert endpoint["enable_selective_domain"] is True
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    needs = {name for name in domain.user_actions
             if domain.does_custom_action_explicitly_need_domain(name)}
    assert needs == {"action_session_start", "validate_search_form", "validate_checkin_form",
                     "validate_rating_form", "validate_tip_form", "validate_safety_check_form"}
