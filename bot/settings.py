"""Typed configuration, built once from the environment.

Every setting has a default that works on a laptop; `.env.example` documents them all.
Secrets are read from the environment only.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


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
class TelegramSettings:
    """The Telegram channel: on when ``token`` and ``secret_token`` are both set."""

    token: str = ""  # TELEGRAM_TOKEN, from @BotFather
    secret_token: str = ""  # TELEGRAM_SECRET_TOKEN, the webhook's header secret
    api_base_url: str = ""  # TELEGRAM_API_BASE_URL: a self-hosted Bot API (tests: a fake)

    @property
    def on(self) -> bool:
        """Whether the channel is configured."""
        return bool(self.token and self.secret_token)


@dataclass(frozen=True)
class SmsSettings:
    """SMS through Twilio: on when the account, token, number and public URL are all set."""

    account_sid: str = ""  # TWILIO_ACCOUNT_SID
    auth_token: str = ""  # TWILIO_AUTH_TOKEN
    number: str = ""  # TWILIO_NUMBER, the navigator's own
    public_url: str = ""  # SMS_PUBLIC_URL, what Twilio signs the webhook URL with
    api_base: str = ""  # TWILIO_API_BASE: another Twilio API (tests: a fake)
    max_segments: int = 4  # SMS_MAX_SEGMENTS: the longest reply, in SMS segments
    help_contact: str = ""  # SMS_HELP_CONTACT: a person to reach, in the HELP reply

    @property
    def on(self) -> bool:
        """Whether the channel is configured."""
        return bool(self.account_sid and self.auth_token and self.number and self.public_url)


@dataclass(frozen=True)
class WhatsAppSettings:
    """WhatsApp through Twilio (the SMS account and public URL): on when ``number`` is set too."""

    number: str = ""  # TWILIO_WHATSAPP_NUMBER, "whatsapp:+14155238886"
    # TWILIO_WHATSAPP_TEMPLATE_SID: an approved Content template ("HX…") with one variable,
    # {{1}}, for messages outside the 24-hour window (a worker's late reply, a check-in).
    template_sid: str = ""


@dataclass(frozen=True)
class WebChatSettings:
    """The embeddable web chat: on when the sites that may embed it are listed."""

    origins: Tuple[str, ...] = ()  # NAVIGATOR_WEBCHAT_ORIGINS: "https://charity.example.org ..."
    session_hours: int = 4  # NAVIGATOR_WEBCHAT_SESSION_HOURS: a chat session's lifetime

    @property
    def on(self) -> bool:
        """Whether the web chat is configured."""
        return bool(self.origins)


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
    # Rasa's HTTP API (trackers, model, messages to users): off unless this token is set; then
    # every call must carry it (``?token=``). Nothing in the navigator itself needs the API.
    rasa_api_token: str = ""
    # The REST channel (``/webhooks/rest/webhook``: the terminal chat, benchmarks, tests) answers
    # only callers that send this as ``Authorization: Bearer``; empty: the channel is off.
    # Never routed publicly (deploy/k8s/ingress.yaml); `make run` makes one for its own chat.
    rest_token: str = ""
    # Messages one person may send per minute on any channel; more are not answered (a crisis
    # always is) and the person is told once to wait (connectors/gate.py).
    sender_messages_per_minute: int = 30
    duty_hours: str = "Mon-Fri 09:00-17:00"
    default_org: str = "default"
    handoff_wait_minutes: int = 30
    console_host: str = "127.0.0.1"
    console_port: int = 8100
    console_secure_cookies: bool = True
    # Proxies (addresses or networks) whose X-Forwarded-For the console trusts for the client's
    # address (login back-off); empty: the direct peer is the client.
    console_trusted_proxies: Tuple[str, ...] = ()
    # Production mode (deploy/README.md): shared stores so several replicas serve one user.
    tracker_db_url: str = ""  # Rasa's tracker store; empty: the SQLite file `tracker_db`
    redis_url: str = ""  # the Redis lock store (connectors/lockstore.py); empty: in-memory locks
    redis_key_prefix: str = "navigator"
    rabbitmq_url: str = ""  # Rasa's Pika event broker; empty: no event stream
    rabbitmq_queue: str = "rasa_events"
    action_url: str = ""  # the action server's webhook as Rasa reaches it (a k8s Service)
    action_timeout_s: int = 7  # Rasa's call to the action server (Rasa's own default: 300 s)
    turn_timeout_s: int = 9  # a channel answers with a safe reply after this long
    retention_days: int = 365  # conversations inactive this long are forgotten (bot/privacy/retention.py)
    purge_interval_hours: int = 24  # `navigator serve` purges this often; 0: never by itself
    checkin_days: int = 3  # days after choosing a service that the bot asks how it went
    checkin_hours: str = "Mon-Sun 10:00-20:00"  # when check-ins may be sent (local time)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    whatsapp: WhatsAppSettings = field(default_factory=WhatsAppSettings)
    webchat: WebChatSettings = field(default_factory=WebChatSettings)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def action_endpoint_url(self) -> str:
        """URL the Rasa server uses to call the action server."""
        if self.action_url:
            return self.action_url
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
    if env.get("REDIS_URL") and not env.get("NAVIGATOR_SECRET_KEY"):
        raise SettingsError("REDIS_URL turns on several replicas: they must share one "
                            "NAVIGATOR_SECRET_KEY (sender ids and sealed addresses depend on it)")
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
        rasa_api_token=_api_token(env),
        rest_token=_api_token(env, "NAVIGATOR_REST_TOKEN"),
        sender_messages_per_minute=_int(env, "NAVIGATOR_SENDER_MESSAGES_PER_MINUTE", 30, 1,
                                        100_000),
        duty_hours=_duty_hours(env),
        default_org=_org_slug(env),
        handoff_wait_minutes=_int(env, "NAVIGATOR_HANDOFF_WAIT_MINUTES", 30, 1, 24 * 60),
        console_host=env.get("CONSOLE_HOST", "127.0.0.1"),
        console_port=_int(env, "CONSOLE_PORT", 8100),
        console_secure_cookies=_bool(env, "CONSOLE_SECURE_COOKIES", True),
        console_trusted_proxies=_networks(env, "CONSOLE_TRUSTED_PROXIES"),
        tracker_db_url=_url(env, "TRACKER_DB_URL", ("postgresql", "sqlite")),
        redis_url=_url(env, "REDIS_URL", ("redis", "rediss")),
        redis_key_prefix=_word(env, "REDIS_KEY_PREFIX", "navigator"),
        rabbitmq_url=_url(env, "RABBITMQ_URL", ("amqp", "amqps")),
        rabbitmq_queue=_word(env, "RABBITMQ_QUEUE", "rasa_events", "_.-"),
        action_url=_url(env, "ACTION_SERVER_URL", ("http", "https")),
        action_timeout_s=_int(env, "NAVIGATOR_ACTION_TIMEOUT_S", 7, 1, 300),
        turn_timeout_s=_int(env, "NAVIGATOR_TURN_TIMEOUT_S", 9, 1, 300),
        retention_days=_int(env, "NAVIGATOR_RETENTION_DAYS", 365, 1, 3650),
        purge_interval_hours=_int(env, "NAVIGATOR_PURGE_INTERVAL_HOURS", 24, 0, 24 * 365),
        checkin_days=_int(env, "NAVIGATOR_CHECKIN_DAYS", 3, 1, 60),
        checkin_hours=_hours(env, "NAVIGATOR_CHECKIN_HOURS", "Mon-Sun 10:00-20:00"),
        telegram=_telegram(env),
        sms=_sms(env),
        whatsapp=_whatsapp(env),
        webchat=WebChatSettings(origins=_origins(env, "NAVIGATOR_WEBCHAT_ORIGINS"),
                                session_hours=_int(env, "NAVIGATOR_WEBCHAT_SESSION_HOURS", 4,
                                                   1, 72)),
    )


def _origins(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    """Web origins (scheme://host[:port], no path), https except on localhost."""
    out = []
    for raw in re.split(r"[\s,]+", env.get(name) or ""):
        if not raw:
            continue
        m = re.fullmatch(r"(https://[a-z0-9.-]+(?::\d{1,5})?|"
                         r"http://(?:localhost|127\.0\.0\.1)(?::\d{1,5})?)", raw.lower())
        if not m:
            raise SettingsError(f"{name}: {raw!r} is not an origin (https://host[:port], or "
                                "http://localhost for development; no path)")
        out.append(m.group(0))
    return tuple(dict.fromkeys(out))


def _whatsapp(env: Mapping[str, str]) -> WhatsAppSettings:
    number = (env.get("TWILIO_WHATSAPP_NUMBER") or "").strip()
    if number and not re.fullmatch(r"whatsapp:\+[1-9]\d{6,14}", number):
        raise SettingsError("TWILIO_WHATSAPP_NUMBER must look like whatsapp:+14155238886 "
                            f"(got one starting {number[:9]!r})")
    template = (env.get("TWILIO_WHATSAPP_TEMPLATE_SID") or "").strip()
    if template and not re.fullmatch(r"HX[0-9a-f]{32}", template):
        raise SettingsError("TWILIO_WHATSAPP_TEMPLATE_SID must be a Content SID (HX and 32 hex "
                            "digits) from Twilio's Content Template Builder")
    return WhatsAppSettings(number=number, template_sid=template)


def _telegram(env: Mapping[str, str]) -> TelegramSettings:
    secret = (env.get("TELEGRAM_SECRET_TOKEN") or "").strip()
    if secret and not re.fullmatch(r"[A-Za-z0-9_\-]{1,256}", secret):
        raise SettingsError("TELEGRAM_SECRET_TOKEN must be 1-256 of A-Z a-z 0-9 _ - "
                            "(Telegram's rule), e.g. `openssl rand -hex 32`")
    return TelegramSettings(token=(env.get("TELEGRAM_TOKEN") or "").strip(), secret_token=secret,
                            api_base_url=_url(env, "TELEGRAM_API_BASE_URL", ("http", "https")))


def _sms(env: Mapping[str, str]) -> SmsSettings:
    public_url = env.get("SMS_PUBLIC_URL") or env.get("TWILIO_PUBLIC_URL") or ""
    if env.get("TWILIO_PUBLIC_URL") and not env.get("SMS_PUBLIC_URL"):
        logger.warning("TWILIO_PUBLIC_URL is deprecated: set SMS_PUBLIC_URL")
    if public_url:  # TWILIO_PUBLIC_URL: this setting's name before issue 9
        public_url = _url({"SMS_PUBLIC_URL": public_url}, "SMS_PUBLIC_URL", ("http", "https"))
    return SmsSettings(account_sid=(env.get("TWILIO_ACCOUNT_SID") or "").strip(),
                       auth_token=(env.get("TWILIO_AUTH_TOKEN") or "").strip(),
                       number=(env.get("TWILIO_NUMBER") or "").strip(), public_url=public_url,
                       api_base=_url(env, "TWILIO_API_BASE", ("http", "https")),
                       max_segments=_int(env, "SMS_MAX_SEGMENTS", 4, 1, 10),
                       help_contact=(env.get("SMS_HELP_CONTACT") or "").strip()[:80])


def _url(env: Mapping[str, str], name: str, schemes: Tuple[str, ...]) -> str:
    """An optional URL whose scheme (before any ``+driver``) is one of ``schemes``."""
    value = (env.get(name) or "").strip()
    if not value:
        return ""
    scheme = value.split("://", 1)[0].split("+", 1)[0].lower() if "://" in value else ""
    if scheme not in schemes:
        raise SettingsError(f"{name} must be a {' or '.join(s + '://' for s in schemes)} URL "
                            f"(got one starting {value.split(':', 1)[0]!r})")
    return value


def _word(env: Mapping[str, str], name: str, default: str, extra: str = "") -> str:
    value = (env.get(name) or default).strip()
    if not value or not all(c.isalnum() or c in extra for c in value) or len(value) > 64:
        allowed = "letters and digits" + (f" and {' '.join(extra)}" if extra else "")
        raise SettingsError(f"{name} may hold only {allowed} (1-64), got {value!r}")
    return value


def _duty_hours(env: Mapping[str, str]) -> str:
    return _hours(env, "NAVIGATOR_DUTY_HOURS", "Mon-Fri 09:00-17:00")


def _hours(env: Mapping[str, str], name: str, default: str) -> str:
    from bot.weekly import DutyHoursError, parse_duty_hours

    value = env.get(name, default)
    try:
        parse_duty_hours(value)
    except DutyHoursError as exc:
        raise SettingsError(f"{name}: {exc}") from exc
    return value


def _org_slug(env: Mapping[str, str]) -> str:
    import re

    value = env.get("NAVIGATOR_DEFAULT_ORG", "default").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        raise SettingsError("NAVIGATOR_DEFAULT_ORG must be 1-64 of A-Z a-z 0-9 _ -, "
                            f"got {value!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _networks(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    import ipaddress

    out = []
    for item in (env.get(name) or "").replace(" ", "").split(","):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise SettingsError(f"{name}: {item!r} is not an address or network") from exc
    return tuple(out)


def _api_token(env: Mapping[str, str], name: str = "NAVIGATOR_RASA_API_TOKEN") -> str:
    value = env.get(name, "")
    if value and (len(value) < 24 or not re.fullmatch(r"[A-Za-z0-9_\-]+", value)):
        raise SettingsError(f"{name} must be at least 24 letters, digits, '-' "
                            "or '_' (e.g. `python -c 'import secrets; "
                            "print(secrets.token_urlsafe(32))'`)")
    return value


_PLACEHOLDER = re.compile(r"change[-_ ]?me|example|placeholder", re.I)


def _secret(env: Mapping[str, str]) -> str:
    value = env.get("NAVIGATOR_SECRET_KEY", "")
    if value and len(value) < 32:
        raise SettingsError("NAVIGATOR_SECRET_KEY must be at least 32 characters "
                            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)")
    if value and _PLACEHOLDER.search(value):
        raise SettingsError("NAVIGATOR_SECRET_KEY is still the example's placeholder: make a "
                            "real one (e.g. `python -c 'import secrets; "
                            "print(secrets.token_urlsafe(48))'`)")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import time)."""
    return load_settings()
