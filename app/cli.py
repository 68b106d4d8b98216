"""``navigator``: operations for the youth pathway navigator.

    navigator db upgrade          migrate the app database to the latest schema
    navigator load-sample         load the bundled sample directory (idempotent)
    navigator import PATH         load HSDS data: 3.0 JSON, or a 3.0 / 1.x tabular datapackage
    navigator setup               db upgrade + load the sample directory if the DB is empty
    navigator train [--force]     train the Rasa model (skipped when the data is unchanged)
    navigator serve [--only rasa|actions]  start the action server and the Rasa server
    navigator chat                chat in the terminal with a running server
    navigator run                 setup + train + serve + chat; Ctrl-C stops everything
    navigator api [--host --port] serve the read-only HSDS 3.0 open data API
    navigator export FILE         write every service as HSDS 3.0 JSON
    navigator telegram set-webhook URL | delete-webhook | info | poll
    navigator org add SLUG NAME [--sms-number N]    a youth organisation
    navigator worker add EMAIL --org SLUG [--role worker|admin|peer_mentor]  an account
    navigator console [--host --port]               serve the youth-worker console
    navigator purge [--dry-run] [--days N]  forget conversations inactive for N days (retention)
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import List, Optional

from app.steps import cmd_import, cmd_load_sample, cmd_setup, cmd_train
from bot.settings import SettingsError, get_settings

logger = logging.getLogger("navigator")


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_db_upgrade(_args) -> int:
    from bot.migrate import upgrade

    upgrade()
    print("database is at the latest schema")
    return 0


def cmd_serve(args) -> int:
    from app.process import serve

    return serve(get_settings(), only=getattr(args, "only", None))


def cmd_chat(args) -> int:
    from app.chat import chat

    settings = get_settings()
    if not settings.rest_token:
        print("Set NAVIGATOR_REST_TOKEN, the same for `navigator serve` and this chat (the REST "
              "channel refuses callers without it); `make run` needs none.", file=sys.stderr)
        return 2
    return chat(settings.rasa_url, sender=args.sender, token=settings.rest_token,
                console_url=f"http://{settings.console_host}:{settings.console_port}")


def cmd_run(args) -> int:
    from app.process import run_with_chat

    rc = cmd_setup(args)
    if rc:
        return rc
    rc = cmd_train(argparse.Namespace(force=False))
    if rc:
        return rc
    return run_with_chat(get_settings())


MAX_RETENTION_DAYS = 3650  # as NAVIGATOR_RETENTION_DAYS


def retention_days(value: str) -> int:
    """argparse type of ``--days``: a whole number of days, 1 to 3650."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of days, got {value!r}") from None
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise argparse.ArgumentTypeError(
            f"must be between 1 and {MAX_RETENTION_DAYS} days, got {days}")
    return days


def cmd_purge(args) -> int:
    """Forget every conversation inactive for ``--days`` (default NAVIGATOR_RETENTION_DAYS)."""
    from datetime import datetime, timezone

    from bot.db import session_factory
    from bot.privacy.forget import tracker_store_url
    from bot.privacy.retention import purge

    settings = get_settings()
    report = purge(session_factory(settings.database_url), tracker_store_url(settings),
                   datetime.now(timezone.utc), args.days or settings.retention_days,
                   dry_run=args.dry_run)
    print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    p = argparse.ArgumentParser(prog="navigator", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    db = sub.add_parser("db", help="database operations")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("upgrade", help="migrate to the latest schema").set_defaults(func=cmd_db_upgrade)
    sub.add_parser("load-sample", help="load the bundled sample directory").set_defaults(
        func=cmd_load_sample)
    imp = sub.add_parser("import", help="load HSDS data: 3.0 JSON, a 3.0 / 1.x tabular "
                                        "datapackage, or an Open Referral UK feed URL")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)
    sub.add_parser("setup", help="migrate and load the sample if empty").set_defaults(
        func=cmd_setup)
    tr = sub.add_parser("train", help="train the Rasa model if the data changed")
    tr.add_argument("--force", action="store_true", help="train even if nothing changed")
    tr.set_defaults(func=cmd_train)
    sv = sub.add_parser("serve", help="start the action server and Rasa server")
    sv.add_argument("--only", choices=["rasa", "actions"],
                    help="start just one of them (one container per process, deploy/)")
    sv.set_defaults(func=cmd_serve)
    ch = sub.add_parser("chat", help="chat with a running server in the terminal")
    ch.add_argument("--sender", default=None, help="conversation id (default: random)")
    ch.set_defaults(func=cmd_chat)
    sub.add_parser("run", help="setup, train, serve and chat").set_defaults(func=cmd_run,
                                                                          sender=None)
    pg = sub.add_parser("purge", help="forget conversations inactive for longer than the "
                                      "retention period (docs/safety.md, Retention)")
    pg.add_argument("--dry-run", action="store_true", help="show what would go; delete nothing")
    pg.add_argument("--days", type=retention_days, default=None,
                    help="inactive for more than this many days (default: "
                         "NAVIGATOR_RETENTION_DAYS, 365)")
    pg.set_defaults(func=cmd_purge)
    from bot.api import register_cli  # cheap: FastAPI loads only when `navigator api` runs

    register_cli(sub)  # `navigator api [--host --port]`, `navigator export FILE [--bare]`
    from app.telegram_cli import register_cli as telegram_cli  # PTB only, no Rasa

    telegram_cli(sub)  # `navigator telegram set-webhook URL|delete-webhook|info|poll`
    from app.whatsapp_cli import register_cli as whatsapp_cli

    whatsapp_cli(sub)  # `navigator whatsapp check`
    from app.console_cli import register_cli as console_cli  # cheap: FastAPI loads on use

    console_cli(sub)  # `navigator org add`, `navigator worker add`, `navigator console`
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``navigator`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    _setup_logging(settings.log_level)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
