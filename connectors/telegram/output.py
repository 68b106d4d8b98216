"""Sending to Telegram: Rasa responses → Bot API calls (PTB, async).

* texts split at ≤ 4096 characters on paragraph/sentence boundaries, sent as HTML with every
  character escaped (a service called ``<b>Tom & Jerry's`` cannot break the formatting);
* buttons → an inline keyboard; a payload over Telegram's 64-byte ``callback_data`` limit is
  replaced by a short token stored server-side (``bot.channels.contacts``);
* ``{"request_location": true}`` in a response's custom JSON → a reply keyboard with a
  "share my location" button (and the response's buttons as plain keys);
* ``{"navigator_export": ...}`` ("send me my data") → a JSON document (``sendDocument``,
  multipart upload) named ``my-data.json``;
* 403 from Telegram (the user blocked the bot) → the contact is marked unreachable and nothing
  more is sent to it; ``RetryAfter`` is waited out by PTB's rate limiter; a timeout or network
  error is retried (``SEND_ATTEMPTS``), since a reply dropped on a busy connection pool is a
  lost answer (a retried read timeout can, rarely, show a message twice);
* ``buffered`` (a webhook turn): what the turn says is held and sent by :meth:`flush` once the
  turn is over, so Rasa has saved the conversation and released its lock before the user can
  answer (otherwise a quick answer waits for the lock, or on another replica races for it).
"""
from __future__ import annotations

import asyncio
import functools
import html
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import OutputChannel
from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, InputFile, KeyboardButton,
                      ReplyKeyboardMarkup)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ExtBot

from bot.channels import contacts
from bot.privacy import mydata
from bot.keys import Keys
from bot.channels.textsplit import split_text
from connectors.common import in_thread

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64
MAX_CAPTION = 1024  # Telegram's limit for a document caption
EXPORT_CAPTION = "Everything we keep about you, as a file you can open or save."
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHARE_LOCATION = "📍 Share my location"
SEND_ATTEMPTS = 3
RETRY_DELAY_S = 0.5  # doubled after each failed attempt


class TelegramOutput(OutputChannel):
    """Replies to one Telegram chat. ``chat_id`` is known while answering a message; for a
    message sent later (a youth worker's reply) it is looked up from the sealed contact."""

    TOKEN_PREFIX = "~"

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: ExtBot, chat_id: Optional[str], sender_id: Optional[str],
                 sessions, keys: Keys, buffered: bool = False) -> None:
        self.bot, self.chat_id, self.sender_id = bot, chat_id, sender_id
        self.sessions, self.keys = sessions, keys
        self.buffered = buffered
        self.pending: List[Tuple[Text, Callable[[], Awaitable[Any]]]] = []

    async def flush(self) -> None:
        """Send what was held, in order; anything said later (a turn that outran the safe
        reply) goes out at once."""
        self.buffered = False
        pending, self.pending = self.pending, []
        for recipient_id, make_call in pending:
            if not await self._guarded(recipient_id, make_call):
                return  # blocked or failing: the rest would fail the same way

    async def _chat(self, recipient_id: Text) -> Optional[str]:
        if self.chat_id and recipient_id in (self.sender_id, None):
            return self.chat_id
        if not await in_thread(contacts.can_send, self.sessions, recipient_id):
            return None
        return await in_thread(contacts.contact_address, self.sessions, self.keys, recipient_id)

    async def _send(self, recipient_id: Text, text: str, markup: Any = None) -> None:
        chat_id = await self._chat(recipient_id)
        if chat_id is None:
            logger.info("telegram: not sending to an unreachable or unknown contact")
            return
        parts = split_text(text, MAX_MESSAGE, measure=lambda s: len(html.escape(s, quote=False)))
        for i, part in enumerate(parts or [""]):
            if not part:
                continue
            last = i == len(parts) - 1
            sent = await self._call(recipient_id, functools.partial(
                self.bot.send_message, _chat_id(chat_id), html.escape(part, quote=False),
                parse_mode=ParseMode.HTML, reply_markup=markup if last else None))
            if not sent:
                return

    async def _call(self, recipient_id: Text, make_call: Callable[[], Awaitable[Any]]) -> bool:
        """Send now, or hold until :meth:`flush` in a buffered turn (True: held)."""
        if self.buffered:
            self.pending.append((recipient_id, make_call))
            return True
        return await self._guarded(recipient_id, make_call)

    async def _guarded(self, recipient_id: Optional[Text],
                       make_call: Callable[[], Awaitable[Any]]) -> bool:
        """Make one Bot API call; False when it failed. 403 (the user blocked the bot) marks
        the contact unreachable; timeouts and network errors are retried; errors are logged
        by type only (no text, no ids)."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await make_call()
                return True
            except Forbidden:
                await in_thread(contacts.mark_unreachable, self.sessions,
                                recipient_id or self.sender_id, "telegram", "blocked the bot")
                return False
            except TelegramError as exc:
                # A timeout or a dropped connection may pass on a retry; a bad request
                # (a NetworkError subclass in PTB) or anything else never will.
                if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
                    logger.error("telegram send failed: %s", type(exc).__name__)
                    return False
                if attempt == SEND_ATTEMPTS:
                    logger.error("telegram send failed after %d attempts: %s", attempt,
                                 type(exc).__name__)
                    return False
                logger.warning("telegram send failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(RETRY_DELAY_S * 2 ** (attempt - 1))
        return False  # SEND_ATTEMPTS < 1

    async def send_document(self, recipient_id: Text, content: bytes, filename: str,
                            caption: Optional[str] = None) -> bool:
        """Send ``content`` as a file (multipart upload); False if it could not be sent."""
        chat_id = await self._chat(recipient_id)
        if chat_id is None:
            logger.info("telegram: not sending to an unreachable or unknown contact")
            return False
        return await self._call(recipient_id, functools.partial(
            self.bot.send_document, _chat_id(chat_id),
            document=InputFile(content, filename=filename),
            caption=(caption or "")[:MAX_CAPTION] or None))

    async def _callback_data(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and \
                not payload.startswith(self.TOKEN_PREFIX):
            return payload
        token = await in_thread(contacts.token_for, self.sessions, self.sender_id, payload)
        return self.TOKEN_PREFIX + token

    async def inline_keyboard(self, buttons: List[Dict[Text, Any]]) -> InlineKeyboardMarkup:
        """One button per row (titles are often long); payloads fit 64 bytes."""
        rows = []
        for b in buttons:
            title = str(b.get("title") or "")[:64] or "…"
            if b.get("url"):
                rows.append([InlineKeyboardButton(title, url=b["url"])])
            else:
                payload = str(b.get("payload") or title)
                rows.append([InlineKeyboardButton(title,
                                                  callback_data=await self._callback_data(payload))])
        return InlineKeyboardMarkup(rows)

    # -- Rasa's OutputChannel ----------------------------------------------------------
    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom = message.get("custom") or {}
        if isinstance(custom, dict) and custom.get("request_location") and message.get("text"):
            keys = [[KeyboardButton(SHARE_LOCATION, request_location=True)]]
            keys += [[KeyboardButton(str(b.get("title"))[:64])] for b in message.get("buttons") or []]
            markup = ReplyKeyboardMarkup(keys, one_time_keyboard=True, resize_keyboard=True)
            await self._send(recipient_id, message["text"], markup)
            return
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: Text, text: str,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, text, await self.inline_keyboard(buttons))

    async def send_quick_replies(self, recipient_id: Text, text: Text,
                                 quick_replies: List[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any],
                               **kwargs: Any) -> None:
        """``{"navigator_export": data}`` ("send me my data", ``bot.privacy.mydata.collect``) goes as a
        JSON file; other custom JSON is meant for other channels: only its text is shown."""
        if isinstance(json_message, dict) and isinstance(json_message.get("navigator_export"),
                                                         dict):
            name = str(json_message.get("filename") or "")
            await self.send_document(
                recipient_id, mydata.to_json_bytes(json_message["navigator_export"]),
                name if _SAFE_NAME.fullmatch(name) else mydata.FILENAME,
                str(json_message.get("caption") or EXPORT_CAPTION))
            return
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if text:
            await self._send(recipient_id, str(text))

    async def answer_callback(self, query_id: str, text: Optional[str] = None) -> None:
        """Stop the button's spinner (every callback must be answered)."""
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramError as exc:
            logger.warning("telegram answerCallbackQuery failed: %s", type(exc).__name__)


def _chat_id(value: str) -> Any:
    """Telegram chat ids are integers (usernames like ``@channel`` are strings)."""
    try:
        return int(value)
    except ValueError:
        return value
