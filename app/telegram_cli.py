"""``navigator telegram …``: webhook management, and polling mode for a charity with a bot token
and a laptop but no public URL (sets up, trains if needed, starts the assistant, then long-polls
Telegram into the local webhook). The Bot API calls live in connectors/telegram/admin.py."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any, Callable

from telegram.error import InvalidToken, TelegramError

from connectors.telegram.admin import (WEBHOOK_PATH, _token, delete_webhook, derived_secret_token,
                                       poll, set_webhook, webhook_info)

logger = logging.getLogger(__name__)


# -- CLI ----------------------------------------------------------------------------------
def _run(coro_fn: Callable[[], Any]) -> int:
    try:
        print(asyncio.run(coro_fn()))
    except InvalidToken:
        print("Telegram refused the token (TELEGRAM_TOKEN)", file=sys.stderr)
        return 1
    except TelegramError as exc:
        print(f"Telegram error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_poll(_args: Any) -> int:
    """Set up, train if needed, start the servers and long-poll until Ctrl-C / SIGTERM."""
    from app.steps import cmd_setup, cmd_train
    from app.process import Processes
    from bot.keys import deployment_secret
    from bot.settings import get_settings

    _token()
    settings = get_settings()
    # The local webhook's secret: the configured one, else one derived from the deployment
    # secret; given to the Rasa process it starts (never written into this one's environment).
    secret = settings.telegram.secret_token or derived_secret_token(deployment_secret(settings))
    for step in (cmd_setup, cmd_train):
        rc = step(type("Args", (), {"force": False})())
        if rc:
            return rc
    procs = Processes(settings, extra_env={"TELEGRAM_SECRET_TOKEN": secret})
    procs.start()
    stop = asyncio.Event()

    async def main() -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await poll(settings.rasa_url + WEBHOOK_PATH, secret, stop)

    try:
        if not procs.wait_ready():
            print("The servers did not start; see the log above", file=sys.stderr)
            return 1
        print("Polling Telegram. Message your bot; Ctrl-C to stop.", flush=True)
        count = asyncio.run(main())
        logger.info("stopped after forwarding %d updates", count)
        return 0
    except InvalidToken:
        print("Telegram refused the token (TELEGRAM_TOKEN)", file=sys.stderr)
        return 1
    finally:
        procs.stop()


def register_cli(subparsers: Any) -> None:
    """Add ``navigator telegram set-webhook|delete-webhook|info|poll``."""
    tg = subparsers.add_parser("telegram", help="Telegram: webhook management, polling mode")
    sub = tg.add_subparsers(dest="telegram_command", required=True)
    sw = sub.add_parser("set-webhook", help="register the public https URL of the webhook")
    sw.add_argument("url", help="e.g. https://example.org/webhooks/telegram/webhook")
    sw.set_defaults(func=lambda a: _run(lambda: set_webhook(a.url)))
    sub.add_parser("delete-webhook", help="stop webhook delivery").set_defaults(
        func=lambda a: _run(delete_webhook))
    sub.add_parser("info", help="show the bot and its webhook status").set_defaults(
        func=lambda a: _run(webhook_info))
    sub.add_parser("poll", help="run the assistant on this machine by long polling "
                                "(no public URL needed)").set_defaults(func=cmd_poll)
