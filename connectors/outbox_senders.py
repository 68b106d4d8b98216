"""Outbox senders: deliver a youth worker's message through the channels' own output classes.

A sender is ``async (sender_id, text) -> bool`` (see ``bot.handoff.outbox``). Each uses the connector's
output class with no chat in hand, so the address comes from the sealed contact and every rule
of the channel applies: Telegram's HTML escaping and splitting, "blocked the bot" marking the
contact unreachable; SMS's GSM-7 packing, STOP honoured, delivery reports recorded.

The console process calls :func:`build_senders` once; channels whose credentials are not set
are left out (their messages wait, visible as "pending" in the console).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from bot.channels import contacts
from bot.handoff.outbox import Sender
from bot.keys import Keys
from bot.settings import Settings, get_settings
from connectors.common import in_thread

logger = logging.getLogger(__name__)


def telegram_sender(channel: Any) -> Sender:
    """A sender over a :class:`connectors.telegram.channel.TelegramInput` (its PTB bot)."""

    async def send(sender_id: str, text: str) -> bool:
        if not await in_thread(contacts.can_send, channel.sessions, sender_id):
            return False
        if not await in_thread(contacts.contact_address, channel.sessions, channel.keys,
                               sender_id):
            return False
        out = channel.get_output_channel(None, sender_id)
        await out.send_text_message(sender_id, text)
        # TelegramOutput marks the contact unreachable when Telegram answers 403.
        return await in_thread(contacts.can_send, channel.sessions, sender_id)

    return send


def sms_sender(channel: Any) -> Sender:
    """A sender over a :class:`connectors.sms.SMSInput` or its WhatsApp subclass (Twilio's REST
    API, in a thread; on WhatsApp, the template outside the 24-hour window)."""

    async def send(sender_id: str, text: str) -> bool:
        out = channel.output()
        await out.send_text_message(sender_id, text)
        return bool(out.sent_any)

    return send


def build_senders(sessions: Any, keys: Keys,
                  settings: Optional[Settings] = None) -> Dict[str, Sender]:
    """Senders for every channel configured in ``settings`` (default: the process's)."""
    settings = settings or get_settings()
    senders: Dict[str, Sender] = {}
    tg, sms = settings.telegram, settings.sms
    if tg.token:  # sending needs only the token (the webhook secret is the receiving side's)
        from connectors.telegram.channel import TelegramInput
        from connectors.telegram.admin import DEFAULT_BASE_URL

        channel = TelegramInput(tg.token, tg.secret_token or "unused",
                                base_url=tg.api_base_url or DEFAULT_BASE_URL,
                                sessions=sessions, keys=keys)
        senders["telegram"] = telegram_sender(channel)
    if sms.on:
        from connectors.sms import SMSInput

        channel = SMSInput(sms.account_sid, sms.auth_token, sms.number, sms.public_url,
                           api_base=sms.api_base or None, max_segments=sms.max_segments,
                           sessions=sessions, keys=keys)
        senders["sms"] = sms_sender(channel)
    if sms.on and settings.whatsapp.number:
        from connectors.whatsapp import WhatsAppInput

        channel = WhatsAppInput(sms.account_sid, sms.auth_token, settings.whatsapp.number,
                                sms.public_url, api_base=sms.api_base or None,
                                template_sid=settings.whatsapp.template_sid or None,
                                sessions=sessions, keys=keys)
        senders["whatsapp"] = sms_sender(channel)
    logger.info("outbox senders: %s", ", ".join(sorted(senders)) or "none (messages wait)")
    return senders
