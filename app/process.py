"""Starting and stopping the navigator's processes (Rasa server, action server).

Rasa runs as child processes of the ``navigator`` CLI, so this module never imports Rasa.
SIGTERM/SIGINT stop every child cleanly.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from app.endpoints import active_endpoints, endpoints_path, secret_env, summary
from bot.settings import PROJECT_ROOT, Settings, get_settings

logger = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when ``navigator`` dies, even by
    SIGKILL, so no Rasa or action server is left running on its own."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def credentials_path(settings: Settings) -> Path:
    """Where ``serve`` writes the credentials Rasa actually loads (beside the tracker DB)."""
    return Path(settings.tracker_db).resolve().parent / "credentials.active.yml"


def _bin(name: str) -> str:
    """A console script from the running interpreter's environment."""
    return str(Path(sys.executable).with_name(name))


def child_env(settings: Settings) -> Dict[str, str]:
    """Environment for Rasa and the action server (read by endpoints.yml)."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": settings.database_url,
        "ACTION_ENDPOINT_URL": settings.action_endpoint_url,
        "TRACKER_DB": settings.tracker_db,
        "SANIC_HOST": settings.action_host,
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    env.update(secret_env(settings))  # passwords the generated endpoints file refers to
    if settings.rest_token:  # `make run` makes one for its own chat (run_with_chat)
        env["NAVIGATOR_REST_TOKEN"] = settings.rest_token
    Path(settings.tracker_db).parent.mkdir(parents=True, exist_ok=True)
    return env


def train(force: bool = False, settings: Optional[Settings] = None) -> int:
    """``rasa train`` (Rasa itself skips training when data and config are unchanged), then the
    crisis detector (skipped when its cache is current)."""
    settings = settings or get_settings()
    cmd = [_bin("rasa"), "train", "--out", settings.model_dir]
    if force:
        cmd.append("--force")
    logger.info("training the model (skipped by Rasa if nothing changed)")
    rc = subprocess.call(cmd, cwd=PROJECT_ROOT, env=child_env(settings))
    prepare_detector(settings)
    return rc


def prepare_detector(settings: Settings) -> None:
    """Load the crisis detector from its cache, or train and cache it (bot/safeguarding), before
    any server starts: no user's first message waits for it, and processes never race to
    train it."""
    from bot.safeguarding.model import build

    logger.info("crisis detector ready (%s)", build(settings.model_dir).key)


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _env_refs(value: Any) -> List[str]:
    if isinstance(value, str):
        return _ENV_REF.findall(value)
    if isinstance(value, dict):
        return [v for item in value.values() for v in _env_refs(item)]
    if isinstance(value, list):
        return [v for item in value for v in _env_refs(item)]
    return []


def active_credentials(source: Path, target: Path, env: Optional[Dict[str, str]] = None
                       ) -> Tuple[List[str], Dict[str, List[str]]]:
    """Copy Rasa's ``credentials.yml`` to ``target``, leaving out every channel whose
    ``${VARS}`` are not all set (Rasa would refuse to start). ``${VARS}`` stay references:
    no secret is ever written. Returns (enabled channels, {disabled channel: missing vars})."""
    env = os.environ if env is None else env
    data = yaml.safe_load(source.read_text("utf-8")) or {}
    kept: Dict[str, Any] = {}
    off: Dict[str, List[str]] = {}
    for channel, conf in data.items():
        missing = sorted({v for v in _env_refs(conf) if not env.get(v)})
        if missing:
            off[channel] = missing
        else:
            kept[channel] = conf
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("# Generated from credentials.yml by `navigator serve`: channels whose "
                      "variables are unset are left out.\n" + yaml.safe_dump(kept), "utf-8")
    for channel, missing in off.items():
        logger.info("channel %s is off: set %s to turn it on", channel, ", ".join(missing))
    return list(kept), off


def commands(settings: Settings, only: Optional[str] = None) -> Dict[str, List[str]]:
    """The command line of each process ``serve`` starts (``only``: just that one)."""
    every = {
        "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                    "-p", str(settings.action_port)],
        "rasa": [_bin("rasa"), "run", "-i", settings.rasa_host,
                 "-p", str(settings.rasa_port), "--model", settings.model_dir,
                 "--endpoints", str(endpoints_path(settings)),
                 "--credentials", str(credentials_path(settings))],
    }
    if settings.rasa_api_token:  # the HTTP API only with a token (never open to any caller)
        every["rasa"][2:2] = ["--enable-api", "--auth-token", settings.rasa_api_token]
    if only is None:
        return every
    if only not in every:
        raise ValueError(f"unknown process {only!r}: one of {', '.join(every)}")
    return {only: every[only]}


def write_rasa_config(settings: Settings, env: Dict[str, str]) -> None:
    """The credentials and endpoints files Rasa loads, from the sources and settings."""
    active_credentials(PROJECT_ROOT / "credentials.yml", credentials_path(settings), env)
    logger.info("rasa: %s", summary(active_endpoints(settings, endpoints_path(settings))))


def wait_ready(url: str, timeout: float = 180.0, procs: Optional[List[subprocess.Popen]] = None
               ) -> bool:
    """Poll ``url`` until it answers 200 or ``timeout`` passes (False if a child died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs and any(p.poll() is not None for p in procs):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    return False


class Processes:
    """The action server and Rasa server as children, stopped together."""

    def __init__(self, settings: Settings, log_dir: Optional[Path] = None,
                 only: Optional[str] = None, extra_env: Optional[Dict[str, str]] = None) -> None:
        """``extra_env``: more variables for the children only (e.g. polling's webhook secret)."""
        self.settings = settings
        self.extra_env = dict(extra_env or {})
        self.log_dir = log_dir
        self.only = only
        self.procs: Dict[str, subprocess.Popen] = {}
        self._stopping = threading.Event()

    def start(self) -> None:
        env = {**child_env(self.settings), **self.extra_env}
        if self.only != "actions":
            write_rasa_config(self.settings, env)
        for name, cmd in commands(self.settings, self.only).items():
            out = None
            if self.log_dir:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                out = open(self.log_dir / f"{name}.log", "ab")
            self.procs[name] = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out,
                                                stderr=subprocess.STDOUT if out else None,
                                                start_new_session=True,
                                                preexec_fn=_die_with_parent)
            logger.info("started %s (pid %s)", name, self.procs[name].pid)

    def wait_ready(self, timeout: float = 240.0) -> bool:
        procs = list(self.procs.values())
        s = self.settings
        return (("actions" not in self.procs
                 or wait_ready(f"http://{s.action_host}:{s.action_port}/health", timeout, procs))
                and ("rasa" not in self.procs or wait_ready(f"{s.rasa_url}/", timeout, procs)))

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        for p in self.procs.values():
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for name, p in self.procs.items():
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time; killing it", name)
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        logger.info("all processes stopped")

    def first_exit(self) -> Optional[int]:
        """Block until any child exits (or stop() is called); its return code."""
        while not self._stopping.is_set():
            for name, p in self.procs.items():
                rc = p.poll()
                if rc is not None:
                    logger.error("%s exited with code %s", name, rc)
                    return rc
            time.sleep(0.5)
        return None


# -- retention: the scheduled purge (bot/privacy/retention.py) ------------------------------------------
PURGE_FIRST_DELAY_S = 60.0  # after start, so the purge never competes with the servers' start


def purge_once(settings: Settings) -> bool:
    """One retention purge with the configured period; logs counts only and never raises
    (an error is logged by type: its message could quote data). True when it ran."""
    try:
        from datetime import datetime, timezone

        from bot.db import session_factory
        from bot.privacy.forget import tracker_store_url
        from bot.privacy.retention import purge

        purge(session_factory(settings.database_url), tracker_store_url(settings),
              datetime.now(timezone.utc), settings.retention_days)
    except Exception as exc:  # noqa: BLE001 - a failed purge must never stop serve
        logger.error("retention purge failed (%s); next try in %s hours", type(exc).__name__,
                     settings.purge_interval_hours)
        return False
    return True


def purge_loop(settings: Settings, stop: threading.Event,
               first_delay_s: float = PURGE_FIRST_DELAY_S) -> None:
    """Purge shortly after start, then every ``purge_interval_hours``, until ``stop`` is set.

    Every replica running ``serve`` runs this loop: that is harmless, a purge is idempotent
    (a second one at the same time finds the rows already gone and forgets nobody twice).
    """
    interval_s = settings.purge_interval_hours * 3600.0
    if interval_s <= 0 or stop.wait(first_delay_s):
        return
    while True:
        purge_once(settings)
        if stop.wait(interval_s):
            return


def start_purge_thread(settings: Settings, stop: threading.Event) -> Optional[threading.Thread]:
    """The purge loop in a daemon thread (None when ``purge_interval_hours`` is 0)."""
    if settings.purge_interval_hours <= 0:
        return None
    thread = threading.Thread(target=purge_loop, args=(settings, stop), name="retention-purge",
                              daemon=True)
    thread.start()
    return thread


def _install_signal_handlers(procs: Processes) -> None:
    def handler(signum, _frame):
        logger.info("received signal %s, stopping", signum)
        procs._stopping.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve(settings: Settings, only: Optional[str] = None) -> int:
    """Start every process (or ``only`` one: a container per process in Kubernetes) and run
    until SIGTERM/SIGINT or a child fails."""
    prepare_detector(settings)
    procs = Processes(settings, only=only)
    _install_signal_handlers(procs)
    procs.start()
    if only != "rasa":  # the laptop's serve and the action server pods; Rasa pods stay lean
        start_purge_thread(settings, procs._stopping)
    try:
        if procs.wait_ready():
            logger.info("ready: Rasa on %s, actions on port %s", settings.rasa_url,
                        settings.action_port)
        rc = procs.first_exit()
    finally:
        procs.stop()
    return 0 if rc is None else (rc or 1)


def run_with_chat(settings: Settings) -> int:
    """Start every process (logs to var/logs), chat in the terminal, stop all on exit.

    Ctrl-C, SIGTERM, SIGHUP (terminal closed) and a broken stdout all end in ``stop()``.
    """
    from app.chat import chat

    def interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    if not settings.rest_token:  # this chat's own key to the REST channel, for this run only
        settings = dataclasses.replace(settings, rest_token=secrets.token_urlsafe(32))
    prepare_detector(settings)
    procs = Processes(settings, log_dir=PROJECT_ROOT / "var" / "logs")
    rc = 0
    try:
        procs.start()
        print("Starting the navigator (logs in var/logs/) ...", flush=True)
        if not procs.wait_ready():
            print("The servers did not start; see var/logs/rasa.log and var/logs/actions.log",
                  file=sys.stderr)
            return 1
        rc = chat(settings.rasa_url, token=settings.rest_token)
    except (KeyboardInterrupt, BrokenPipeError):
        rc = 0
    finally:
        procs.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        try:
            print("\nStopped.", flush=True)
        except OSError:  # stdout may be gone (closed terminal, broken pipe)
            pass
    return rc
