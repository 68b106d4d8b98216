"""Telegram channel on python-telegram-bot 22: ``POST /webhooks/telegram/webhook``.

verify (secret token, constant time) → parse (size, JSON, ``Update.de_json``) → dedupe
(``update_id`` claimed in the database) → answer 200 at once → the turn runs in the background,
guarded (a safe reply when it fails or outruns ``NAVIGATOR_TURN_TIMEOUT_S``,
connectors/resilience.py), and its replies go through :class:`TelegramOutput` (PTB's async bot:
never blocks the event loop) once the turn is over and the conversation's lock released.

Redacted from logs: the bot token, the webhook secret, chat and user ids, names, usernames and
message text. The sender id Rasa sees is a keyed hash of the Telegram user id.
"""
from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Update
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels import contacts
from bot.keys import Keys
from bot.settings import get_settings
from bot.safeguarding import assess
from connectors import reminders
from connectors.common import ChannelState, drain, in_thread, redact_in_logs, spawn
from connectors.gate import deliver
from connectors.resilience import guarded, safe_reply
from connectors.telegram.admin import DEFAULT_BASE_URL, SECRET_HEADER
from connectors.telegram.output import TelegramOutput

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # Telegram updates are a few KB (a message is at most 4,096 characters)
MAX_TEXT = 4096  # Telegram's own limit for a message
# Replies of concurrent turns share one HTTP connection pool; PTB's default (1 s to get a
# connection from a pool of 1) dropped replies under load (docs/benchmarks.md, issue 9).
POOL_SIZE = 64
POOL_TIMEOUT_S = 5.0
_REFERRAL = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NON_TEXT = ("sticker", "photo", "voice", "video", "video_note", "audio", "document",
             "animation", "contact", "poll", "dice", "venue")
CANT_READ = ("I can only read text messages at the moment. Could you type what you need? "
             "You can also share your location with the 📎 button.")
STOPPED = ("Okay, I won't send you any more messages. If you want to talk again, send /start. "
           "If you're in danger, call 999.")
HELP_PAYLOAD = "/bot_capabilities"


class TelegramInput(ChannelState, InputChannel):
    """Receives Telegram updates by webhook (or from ``navigator telegram poll``)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        credentials = credentials or {}
        token, secret = credentials.get("access_token"), credentials.get("secret_token")
        if not token or not secret:
            raise ValueError("telegram needs access_token and secret_token (TELEGRAM_TOKEN, "
                             "TELEGRAM_SECRET_TOKEN)")
        base_url = (credentials.get("base_url") or get_settings().telegram.api_base_url
                    or DEFAULT_BASE_URL)
        return cls(token, secret, base_url=base_url)

    def __init__(self, access_token: str, secret_token: str, base_url: str = DEFAULT_BASE_URL,
                 request: Optional[BaseRequest] = None, sessions=None,
                 keys: Optional[Keys] = None) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret_token):
            raise ValueError("TELEGRAM_SECRET_TOKEN may hold only A-Z, a-z, 0-9, _ and -")
        self.access_token, self.secret_token, self.base_url = access_token, secret_token, base_url
        self._request = request
        self._sessions, self._keys = sessions, keys
        self._bot: Optional[ExtBot] = None
        self._app: Any = None  # the Sanic app (its agent's tracker store), seen on first request
        redact_in_logs(access_token, secret_token)

    def get_bot(self) -> ExtBot:
        """PTB's bot with its rate limiter (RetryAfter is waited out and retried)."""
        if self._bot is None:
            self._bot = ExtBot(self.access_token, base_url=self.base_url,
                               request=self._request or HTTPXRequest(
                                   connection_pool_size=POOL_SIZE, pool_timeout=POOL_TIMEOUT_S),
                               rate_limiter=AIORateLimiter(max_retries=3))
        return self._bot

    def get_output_channel(self, chat_id: Optional[str] = None, sender_id: Optional[str] = None,
                           buffered: bool = False) -> TelegramOutput:
        return TelegramOutput(self.get_bot(), chat_id, sender_id, self.sessions, self.keys,
                              buffered=buffered)

    # -- HTTP -----------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("telegram_webhook", __name__)
        reminders.register(self.name(), lambda sender: self.get_output_channel(None, sender))
        reminders.install(hook, lambda: self.sessions)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                logger.warning("telegram webhook: rejected a request with a bad secret token")
                return response.json({"error": "forbidden"}, status=403)
            body = request.body or b""
            if len(body) > MAX_BODY:
                return response.json({"error": "body too large"}, status=413)
            try:
                data = json.loads(body)
                update_id = data["update_id"]
                if not isinstance(update_id, int) or isinstance(update_id, bool):
                    raise TypeError("update_id")
            except (ValueError, KeyError, TypeError):
                return response.json({"error": "not a Telegram update"}, status=400)
            try:
                update = Update.de_json(data, self.get_bot())
            except Exception as exc:  # noqa: BLE001 - a kind this PTB cannot read: Telegram retries non-2xx
                logger.warning("telegram update %s ignored: %s", update_id, type(exc).__name__)
                return response.json({"status": "ignored"})
            try:
                first = await in_thread(contacts.claim_delivery, self.sessions, "telegram",
                                        str(update_id))
            except Exception as exc:  # noqa: BLE001 - the database is down
                # Answer now from what the update carries (helplines when it is a crisis);
                # a 503 makes Telegram deliver it again, to be handled once the database is
                # back (the update is not lost).
                logger.error("telegram update while the database is unavailable (%s): safe "
                             "reply, redelivery asked", type(exc).__name__)
                spawn(self._safe_reply(update), "telegram safe reply")
                return response.json({"error": "temporarily unavailable"}, status=503)
            if not first:
                return response.json({"status": "duplicate"})
            self._app = request.app
            spawn(self.handle(update, on_new_message, request.app), "telegram update")
            return response.json({"status": "accepted"})

        @hook.listener("before_server_stop")
        async def finish_turns(*_: Any) -> None:
            # An update is acknowledged before its turn runs: finish those turns (as SMS does),
            # or a restart would drop messages Telegram will never send again.
            await drain(20.0)

        return hook

    # -- one update -------------------------------------------------------------------
    async def handle(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     app: Any = None) -> None:
        """Turn one update into at most one Rasa message (or a direct reply)."""
        if update.my_chat_member is not None:
            await self._membership(update)
            return
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or chat.type != "private" or user.is_bot:
            return  # groups and channels: the navigator talks one to one only
        sender_id = self.keys.pseudonym("telegram", str(user.id))
        out = self.get_output_channel(str(chat.id), sender_id, buffered=True)
        try:
            await self._update(update, on_new_message, out, sender_id, str(chat.id), app)
        except Exception as exc:  # noqa: BLE001 - e.g. the database went down mid-way
            logger.error("telegram update failed before the conversation (%s): safe reply",
                         type(exc).__name__)
            await self._safe_reply(update)
        finally:
            await out.flush()

    async def _safe_reply(self, update: Update) -> None:
        """"I'm having trouble" (with helplines when the words signal a crisis) straight
        through the Bot API, with nothing read from or written to the database."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or chat.type != "private":
            return
        text = (message.text or message.caption or "") if message is not None else ""
        try:
            await self.get_bot().send_message(chat.id, safe_reply(text))
        except Exception as exc:  # noqa: BLE001 - Telegram itself is failing too
            logger.error("telegram safe reply not sent (%s)", type(exc).__name__)

    async def _update(self, update: Update, on_new_message, out: TelegramOutput, sender_id: str,
                      chat_id: str, app: Any) -> None:
        if update.callback_query is not None:
            payload = await self._callback(update, out, sender_id)
            if payload:
                await self._to_rasa(on_new_message, payload, out, sender_id, chat_id,
                                    app=app)
            return
        if update.edited_message is not None:
            text = update.edited_message.text or ""
            if text and assess(text).signal:  # an edit that signals risk is never ignored
                await self._to_rasa(on_new_message, text[:MAX_TEXT], out, sender_id,
                                    chat_id)
            return
        message = update.message
        if message is None:
            return  # other update kinds are acknowledged and ignored
        if message.location is not None:
            loc = message.location
            await self._to_rasa(on_new_message, "/inform", out, sender_id, chat_id,
                                {"location": {"latitude": loc.latitude,
                                              "longitude": loc.longitude}})
            return
        text = message.text if message.text is not None else message.caption
        if not text:  # a photo or voice note without words: say so (a caption is read as text)
            if any(getattr(message, kind, None) for kind in _NON_TEXT):
                await out.send_text_message(sender_id, CANT_READ)
            return
        await self._text(text, on_new_message, out, sender_id, chat_id, app)

    async def _text(self, text: str, on_new_message, out: TelegramOutput, sender_id: str,
                    chat_id: str, app: Any) -> None:
        command, _, arg = text.strip().partition(" ")
        command = command.split("@", 1)[0].lower()  # /start@NavigatorBot
        if command in ("/start", "/stop") and arg.strip() and assess(arg).signal:
            # "/stop i want to die": the words are a message, and crisis support never waits
            # (nor is the person opted out of hearing back from a worker).
            await in_thread(contacts.set_opted_out, self.sessions, sender_id, "telegram", False)
            await self._to_rasa(on_new_message, arg.strip()[:MAX_TEXT], out, sender_id,
                                chat_id, app=app)
        elif command == "/start":
            referral = arg.strip() if _REFERRAL.fullmatch(arg.strip()) else None
            await in_thread(contacts.remember_contact, self.sessions, self.keys, sender_id,
                            "telegram", chat_id, referral)
            await in_thread(contacts.set_opted_out, self.sessions, sender_id, "telegram", False)
            await self._to_rasa(on_new_message, "/greet", out, sender_id, chat_id)
        elif command == "/help":
            await self._to_rasa(on_new_message, HELP_PAYLOAD, out, sender_id, chat_id)
        elif command == "/stop":
            await out.send_text_message(sender_id, STOPPED)
            await in_thread(contacts.set_opted_out, self.sessions, sender_id, "telegram", True)
        elif command in ("/forget", "/privacy", "/mydata"):
            await self._to_rasa(on_new_message, command, out, sender_id, chat_id, app=app)
        else:
            # Typed text is never a Rasa payload: "/need_housing{...}" must not inject intents.
            clean = text.lstrip("/").strip()[:MAX_TEXT] or text[:MAX_TEXT]
            await self._to_rasa(on_new_message, clean, out, sender_id, chat_id, app=app)

    async def _callback(self, update: Update, out: TelegramOutput, sender_id: str
                        ) -> Optional[str]:
        query = update.callback_query
        data = query.data or ""
        payload: Optional[str] = data
        if data.startswith(TelegramOutput.TOKEN_PREFIX):
            payload = await in_thread(contacts.payload_for, self.sessions, sender_id,
                                      data[len(TelegramOutput.TOKEN_PREFIX):])
        await out.answer_callback(query.id, None if payload else "That button has expired.")
        return payload or None

    async def _to_rasa(self, on_new_message, text: str, out: TelegramOutput, sender_id: str,
                       chat_id: str, metadata: Optional[Dict[str, Any]] = None,
                       app: Any = None) -> None:
        # Writing again after /stop is consent to talk again (one transaction per message).
        await in_thread(contacts.remember_contact, self.sessions, self.keys, sender_id,
                        "telegram", chat_id, opt_in=True)
        async def gated(message: UserMessage) -> bool:
            return await deliver(message, on_new_message, self.sessions, app or self._app)

        await guarded(gated, sessions=lambda: self.sessions)(UserMessage(
            text, out, sender_id, input_channel=self.name(), metadata=metadata or None))

    async def _membership(self, update: Update) -> None:
        change = update.my_chat_member
        if change.chat.type != "private" or change.from_user is None:
            return
        sender_id = self.keys.pseudonym("telegram", str(change.from_user.id))
        if change.new_chat_member.status == "kicked":  # the user blocked the bot
            await in_thread(contacts.mark_unreachable, self.sessions, sender_id, "telegram",
                            "blocked the bot")
