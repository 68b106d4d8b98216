"""WhatsApp through Twilio: the SMS channel's webhook security, delivery ids, keywords, gate,
crisis handling and handoff (connectors/sms.py), with what differs on WhatsApp:

* addresses are ``whatsapp:+44…``; the sender id is the keyed pseudonym of that (``wa-…``)
  and the address is kept only sealed, as for SMS;
* no segment packing: one WhatsApp message per bot message (a long one cut on sentence
  boundaries at Twilio's 1,600 characters), Unicode as written; buttons become one numbered
  menu, remembered so "2" works after a restart (Twilio's quick replies need an approved
  Content template per menu, which a directory's changing results cannot have);
* the **24-hour customer-service window**: a turn's replies and anything within 24 hours of the
  person's latest message are free-form; outside it (a youth worker's late reply, a check-in)
  WhatsApp allows only an approved template: ``TWILIO_WHATSAPP_TEMPLATE_SID``, a Content
  template with one variable ``{{1}}`` that carries the text. Without one nothing is sent, the
  outbox records why, and the console shows the window as closed;
* a shared location (``Latitude``/``Longitude``) is the place; a voice note, image or video
  without words gets "I can only read text" with the emergency number.

Webhooks: ``POST /webhooks/whatsapp/webhook`` and ``/webhooks/whatsapp/status`` (both signed).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from twilio.base.exceptions import TwilioRestException
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import contacts
from bot.channels.deliveries import record_status
from bot.channels.textsplit import split_text
from bot.settings import get_settings
from connectors.common import in_thread
from connectors.sms import SMSInput, SMSOutput, _Params

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MAX_CHARS = 1600  # Twilio's limit for one WhatsApp message body
WINDOW_HOURS = 24


class WhatsAppOutput(SMSOutput):
    """Replies on WhatsApp: one message per bot message; outside the 24-hour window, the
    approved template only."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def _send(self, recipient_id: str, address: str, messages: List[str]) -> bool:
        if self._turn_phone(recipient_id) is None:  # not a reply to this turn's message
            closes = await in_thread(contacts.window_closes_at, self.channel.sessions,
                                     recipient_id, WINDOW_HOURS)
            if closes is None or closes <= datetime.now(timezone.utc):
                return await in_thread(self.channel.send_template, recipient_id, address,
                                       "\n\n".join(messages))
        return await super()._send(recipient_id, address, messages)


class WhatsAppInput(SMSInput):
    """WhatsApp on a Twilio sender as a Rasa input channel (``connectors.whatsapp.WhatsAppInput``)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WhatsAppInput":
        """Secrets from ``credentials.yml`` (``${TWILIO_*}``); the rest from the settings."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        settings = get_settings()
        return cls(credentials["account_sid"], credentials["auth_token"],
                   credentials["whatsapp_number"], credentials["public_url"],
                   api_base=settings.sms.api_base or None,
                   help_contact=settings.sms.help_contact or None,
                   template_sid=settings.whatsapp.template_sid or None)

    def __init__(self, account_sid: str, auth_token: str, whatsapp_number: str,
                 public_url: str, template_sid: Optional[str] = None, **kwargs: Any) -> None:
        if not str(whatsapp_number).startswith("whatsapp:+"):
            raise ValueError("the WhatsApp sender must look like whatsapp:+14155238886")
        super().__init__(account_sid, auth_token, whatsapp_number, public_url, **kwargs)
        self.template_sid = template_sid

    def output(self, address: Optional[Tuple[str, str]] = None, **kwargs: Any) -> SMSOutput:
        return WhatsAppOutput(self, address, **kwargs)

    def pack(self, messages: List[str]) -> List[str]:
        """One WhatsApp message per bot message, cut only past Twilio's 1,600 characters."""
        return [part for m in messages if m.strip() for part in split_text(m.strip(), MAX_CHARS)]

    def safe_twiml(self, text: str) -> str:
        reply = MessagingResponse()
        reply.message(text[:MAX_CHARS])
        return str(reply)

    def inbound(self, params: _Params) -> Tuple[str, Optional[Dict[str, Any]]]:
        """The words, or a shared location as the place (its label, if any, is not needed)."""
        lat, lon = params.first("Latitude"), params.first("Longitude")
        if lat and lon:
            try:
                point = {"latitude": float(lat), "longitude": float(lon)}
            except ValueError:
                point = None
            if point and -90 <= point["latitude"] <= 90 and -180 <= point["longitude"] <= 180:
                return "", {"location": point}
        return params.first("Body") or "", None

    def send_template(self, sender_id: str, address: str, text: str) -> bool:
        """``text`` as the approved template's variable (outside the 24-hour window; blocking:
        call it in a worker thread). False, and nothing sent, without a template."""
        if not self.template_sid:
            logger.warning("WhatsApp window closed and no TWILIO_WHATSAPP_TEMPLATE_SID: "
                           "message not sent")
            return False
        try:
            msg = self.client.messages.create(
                to=address, from_=self.twilio_number, content_sid=self.template_sid,
                content_variables=json.dumps({"1": text[:1000]}),
                status_callback=self.public_url + self.status_path)
        except TwilioRestException as exc:
            logger.error("Twilio refused a WhatsApp template: HTTP %s, error %s", exc.status,
                         exc.code)
            return False
        except Exception as exc:  # noqa: BLE001 - network: requests/urllib3 errors
            logger.error("WhatsApp template not sent: %s", type(exc).__name__)
            return False
        record_status(self.sessions, msg.sid, sender_id, msg.status or "queued")
        return True

    def help_text(self) -> str:
        return super().help_text().replace("Text what's going on", "Write what's going on")
