"""Outbox senders: deliver a youth worker's message through the channels' own output classes.

A sender is ``async (sender_id, text) -> bool`` (see ``bot.outbox``). Each uses the connector's
output class with no chat in hand, so the address comes from the sealed contact and every rule
of the channel applies: Telegram's HTML escaping and splitting, "blocked the bot" marking the
contact unreachable; SMS's GSM-7 packing, STOP honoured, delivery reports recorded.

The console process calls :func:`build_senders` once; channels whose credentials are not set
are left out (their messages wait, visible as "pending" in the console).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Mapping, Optional

from bot import contacts
from bot.outbox import Sender
from bot.privacy import Keys
from connectors.common import in_thread

logger = logging.getLogger(__name__)


def telegram_sender(channel: Any) -> Sender:
    """A sender over a :class:`connectors.telegram.TelegramInput` (its PTB bot)."""

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
    """A sender over a :class:`connectors.sms.SMSInput` (Twilio's REST API, in a thread)."""
    from connectors.sms import SMSOutput

    async def send(sender_id: str, text: str) -> bool:
        out = SMSOutput(channel)
        await out.send_text_message(sender_id, text)
        return bool(out.sent_any)

    return send


def build_senders(sessions: Any, keys: Keys,
                  env: Optional[Mapping[str, str]] = None) -> Dict[str, Sender]:
    """Senders for every channel configured in ``env`` (default: the environment)."""
    env = os.environ if env is None else env
    senders: Dict[str, Sender] = {}
    if env.get("TELEGRAM_TOKEN"):
        from connectors.telegram import TelegramInput
        from connectors.telegram_admin import DEFAULT_BASE_URL

        channel = TelegramInput(env["TELEGRAM_TOKEN"], env.get("TELEGRAM_SECRET_TOKEN") or "unused",
                                base_url=env.get("TELEGRAM_API_BASE_URL") or DEFAULT_BASE_URL,
                                sessions=sessions, keys=keys)
        senders["telegram"] = telegram_sender(channel)
    # The same variables as the SMS channel in credentials.yml. TWILIO_PUBLIC_URL was this
    # module's name for SMS_PUBLIC_URL until issue 9; it is still read, with a warning.
    public_url = env.get("SMS_PUBLIC_URL") or env.get("TWILIO_PUBLIC_URL")
    if env.get("TWILIO_PUBLIC_URL") and not env.get("SMS_PUBLIC_URL"):
        logger.warning("TWILIO_PUBLIC_URL is deprecated: set SMS_PUBLIC_URL (the SMS channel "
                       "reads only that)")
    needed = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER")
    if public_url and all(env.get(k) for k in needed):
        from connectors.sms import SMSInput

        channel = SMSInput(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"],
                           env["TWILIO_NUMBER"], public_url,
                           api_base=env.get("TWILIO_API_BASE") or None,
                           max_segments=int(env.get("SMS_MAX_SEGMENTS") or 4),
                           sessions=sessions, keys=keys)
        senders["sms"] = sms_sender(channel)
    logger.info("outbox senders: %s", ", ".join(sorted(senders)) or "none (messages wait)")
    return senders
