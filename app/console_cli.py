"""``navigator org add``, ``navigator worker add`` and ``navigator console``.

Passwords are never command-line arguments (they would sit in shell history and ``ps``): the
command prompts twice on a terminal, or reads one line from standard input otherwise.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import Optional, TextIO

logger = logging.getLogger(__name__)
# bot.accounts.accounts.ROLES, spelt out so building the parser does not import argon2 (a test checks)
ROLES = ("worker", "admin", "peer_mentor")


def read_password(stdin: Optional[TextIO] = None) -> Optional[str]:
    """Prompt twice on a terminal; else the first line of standard input. None if they differ."""
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            return None
        return first
    return stdin.readline().rstrip("\r\n")


def cmd_org_add(args: argparse.Namespace) -> int:
    """Create an organisation."""
    from bot.accounts.accounts import AccountError, add_org
    from bot.db import session_factory

    try:
        org = add_org(session_factory(), args.slug, args.name, args.sms_number)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"organisation {org.slug} created; Telegram link: t.me/<your bot>?start={org.slug}")
    return 0


def cmd_worker_add(args: argparse.Namespace) -> int:
    """Create a worker account (password prompted or from standard input)."""
    from bot.accounts.accounts import AccountError, add_worker
    from bot.db import session_factory

    password = read_password()
    if password is None:
        print("error: the passwords did not match", file=sys.stderr)
        return 2
    try:
        worker = add_worker(session_factory(), args.email, password, args.org, args.role,
                            args.name or "")
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{worker.role} account created for {worker.email}")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    """Serve the console with uvicorn; Telegram/SMS replies are sent from this process."""
    import uvicorn

    from bot.console import create_console_app
    from bot.db import session_factory
    from bot.keys import get_keys
    from bot.settings import get_settings
    # The channel senders use the connectors' output classes (which need Rasa's channel base
    # classes): composed here, at the process edge, never imported by bot's core modules.
    from connectors.outbox_senders import build_senders

    settings = get_settings()
    sessions, keys = session_factory(), get_keys()
    app = create_console_app(settings, sessions, build_senders(sessions, keys), keys)
    host, port = args.host or settings.console_host, args.port or settings.console_port
    if not settings.console_secure_cookies:
        logger.warning("CONSOLE_SECURE_COOKIES is off: only for plain-HTTP testing")
    logger.info("youth worker console on http://%s:%d", host, port)
    # No access log: URLs carry conversation ids; no websockets (Rasa pins an old package).
    uvicorn.run(app, host=host, port=port, ws="none", access_log=False,
                log_level=settings.log_level.lower())
    return 0


def register_cli(sub: "argparse._SubParsersAction") -> None:
    """Add ``org``, ``worker`` and ``console`` to the ``navigator`` command."""
    org = sub.add_parser("org", help="youth organisations")
    osub = org.add_subparsers(dest="org_command", required=True)
    add = osub.add_parser("add", help="create an organisation (SLUG is its deep-link code)")
    add.add_argument("slug")
    add.add_argument("name")
    add.add_argument("--sms-number", default=None, help="the SMS number routed to it")
    add.set_defaults(func=cmd_org_add)

    worker = sub.add_parser("worker", help="youth-worker console accounts")
    wsub = worker.add_subparsers(dest="worker_command", required=True)
    wadd = wsub.add_parser("add", help="create an account (password prompted or from stdin)")
    wadd.add_argument("email")
    wadd.add_argument("--org", required=True, help="the organisation's code")
    wadd.add_argument("--role", choices=ROLES, default="worker",
                      help="peer_mentor: sees only peer mentor chats")
    wadd.add_argument("--name", default=None, help="name shown to colleagues")
    wadd.set_defaults(func=cmd_worker_add)

    con = sub.add_parser("console", help="serve the youth-worker console")
    con.add_argument("--host", default=None)
    con.add_argument("--port", type=int, default=None)
    con.set_defaults(func=cmd_console)
