"""``navigator telegram …``: webhook management and long-polling mode.

* ``set-webhook URL`` / ``delete-webhook`` / ``info`` — one Bot API call each, only when run
  (nothing touches the network at import or start-up);
* ``poll`` — for a charity with a bot token and a laptop but no public URL: sets up, trains if
  needed, starts the assistant, then long-polls Telegram and hands every update to the local
  webhook, so polling and webhooks share one code path (secret check, dedupe, turns).

Imports python-telegram-bot and httpx only (not Rasa), so the CLI stays quick.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import signal
import sys
from typing import Any, Callable, Optional

import httpx
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
WEBHOOK_PATH = "/webhooks/telegram/webhook"


def _token() -> str:
    token = os.environ.get("TELEGRAM_TOKEN", "").strip()
    if not token:
        raise SystemExit("TELEGRAM_TOKEN is not set: create a bot with @BotFather and export "
                         "its token (see README, 'Telegram')")
    return token


def _bot(token: str) -> Bot:
    return Bot(token, base_url=os.environ.get("TELEGRAM_API_BASE_URL") or DEFAULT_BASE_URL)


def derived_secret_token(secret: str) -> str:
    """A webhook secret derived from the deployment secret (for local polling only)."""
    return hmac.new(secret.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()


async def set_webhook(url: str) -> str:
    """Register ``url`` (https) with Telegram, with the secret token from the environment."""
    if not url.startswith("https://"):
        raise SystemExit("Telegram only delivers to https:// webhook URLs")
    secret = os.environ.get("TELEGRAM_SECRET_TOKEN", "").strip()
    if not secret:
        raise SystemExit("TELEGRAM_SECRET_TOKEN is not set (1-256 of A-Z a-z 0-9 _ -)")
    async with _bot(_token()) as bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                              max_connections=40)
    return f"webhook set to {url}"


async def delete_webhook() -> str:
    async with _bot(_token()) as bot:
        await bot.delete_webhook(drop_pending_updates=False)
    return "webhook deleted (pending updates kept)"


async def webhook_info() -> str:
    async with _bot(_token()) as bot:
        info = await bot.get_webhook_info()
        me = bot.bot
    lines = [f"bot: @{me.username}", f"webhook: {info.url or '(none: polling mode)'}",
             f"pending updates: {info.pending_update_count}"]
    if info.last_error_message:
        lines.append(f"last error: {info.last_error_message} at {info.last_error_date}")
    return "\n".join(lines)


async def poll(forward_url: str, secret: str, stop: asyncio.Event,
               bot: Optional[Bot] = None, poll_timeout: int = 25) -> int:
    """Long-poll Telegram and POST each update to ``forward_url``; the number forwarded.

    An update is only acknowledged to Telegram (offset moved past it) once the local server
    answered it with 2xx or 4xx, so a restart or a slow start never loses a message.
    """
    bot = bot or _bot(_token())
    forwarded = 0
    async with bot, httpx.AsyncClient(timeout=30) as client:
        info = await bot.get_webhook_info()
        if info.url:
            logger.warning("a webhook is set; deleting it so that polling can work "
                           "(run `navigator telegram set-webhook URL` to go back)")
            await bot.delete_webhook(drop_pending_updates=False)
        logger.info("polling Telegram as @%s", bot.bot.username)
        offset: Optional[int] = None
        backoff = 1.0
        while not stop.is_set():
            try:
                updates = await bot.get_updates(offset=offset, timeout=poll_timeout,
                                                allowed_updates=ALLOWED_UPDATES)
                backoff = 1.0
            except (TimedOut, NetworkError) as exc:
                logger.warning("polling: %s; retrying in %.0f s", type(exc).__name__, backoff)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, 60)
                continue
            if not updates:
                await asyncio.sleep(0)  # let other tasks (and a stop request) run
            for update in updates:
                while not stop.is_set():
                    status = await _forward(client, forward_url, secret, update.to_dict())
                    if status and status < 500:
                        break
                    await _sleep(stop, 2.0)  # the local server is starting or busy
                else:
                    return forwarded
                offset = update.update_id + 1
                forwarded += 1
    return forwarded


async def _forward(client: httpx.AsyncClient, url: str, secret: str, update: dict
                   ) -> Optional[int]:
    try:
        reply = await client.post(url, json=update, headers={SECRET_HEADER: secret})
    except httpx.HTTPError as exc:
        logger.warning("local webhook not reachable (%s)", type(exc).__name__)
        return None
    if reply.status_code >= 400:
        logger.warning("local webhook answered %s to update %s", reply.status_code,
                       update.get("update_id"))
    return reply.status_code


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


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
    from bot.cli import cmd_setup, cmd_train
    from bot.privacy import deployment_secret
    from bot.process import Processes
    from bot.settings import get_settings

    _token()
    settings = get_settings()
    if not os.environ.get("TELEGRAM_SECRET_TOKEN"):
        os.environ["TELEGRAM_SECRET_TOKEN"] = derived_secret_token(deployment_secret(settings))
    for step in (cmd_setup, cmd_train):
        rc = step(type("Args", (), {"force": False})())
        if rc:
            return rc
    procs = Processes(settings)
    procs.start()
    stop = asyncio.Event()

    async def main() -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await poll(settings.rasa_url + WEBHOOK_PATH,
                          os.environ["TELEGRAM_SECRET_TOKEN"], stop)

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
