"""Telegram's Bot API for the operator (``navigator telegram …``, wired in app/telegram_cli.py):

* ``set_webhook`` / ``delete_webhook`` / ``webhook_info`` — one Bot API call each, only when run
  (nothing touches the network at import or start-up);
* ``poll`` — long-polls Telegram and hands every update to the local webhook, so polling and
  webhooks share one code path (secret check, dedupe, turns).

Imports python-telegram-bot and httpx only (not Rasa), so the CLI stays quick.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Optional

import httpx
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.settings import get_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
WEBHOOK_PATH = "/webhooks/telegram/webhook"


def _token() -> str:
    token = get_settings().telegram.token
    if not token:
        raise SystemExit("TELEGRAM_TOKEN is not set: create a bot with @BotFather and export "
                         "its token (see README, 'Telegram')")
    return token


def _bot(token: str) -> Bot:
    return Bot(token, base_url=get_settings().telegram.api_base_url or DEFAULT_BASE_URL)


def derived_secret_token(secret: str) -> str:
    """A webhook secret derived from the deployment secret (for local polling only)."""
    return hmac.new(secret.encode(), b"telegram-webhook", hashlib.sha256).hexdigest()


async def set_webhook(url: str) -> str:
    """Register ``url`` (https) with Telegram, with the secret token from the environment."""
    if not url.startswith("https://"):
        raise SystemExit("Telegram only delivers to https:// webhook URLs")
    secret = get_settings().telegram.secret_token
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
