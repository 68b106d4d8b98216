"""SMS through Twilio, for young people with an old phone and little or no credit.

Inbound ``POST /webhooks/sms/webhook``: the ``X-Twilio-Signature`` is checked against the
configured public URL and every posted parameter (403, nothing stored, when it fails); a
``MessageSid`` already seen (Twilio retries, the fallback URL, another replica) is answered and
dropped (claimed in the database); then Twilio gets an empty TwiML ``<Response/>`` at once and the
turn runs in the background, its replies sent through Twilio's REST API from a worker thread.
A slow turn therefore never makes Twilio time out, and its replies still arrive.

Outbound, cost-aware: all of a turn's messages are packed into as few single-segment SMS as
possible, in the GSM-7 alphabet, cut on sentence boundaries, at most ``max_segments`` per turn
message; buttons become one numbered menu, remembered in the database so that "2" after a
restart still means the second option. Carrier keywords (STOP, START, HELP ...) are honoured;
a crisis message from someone who opted out still gets crisis support for that turn.

Delivery reports ``POST /webhooks/sms/status`` (signed too) are recorded; a permanent failure
marks the number unreachable. Phone numbers are never logged: the sender id is a keyed hash,
and the number is kept only sealed (``bot.privacy``) so replies and later messages can reach it.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.privacy import consent
from bot.channels import contacts
from bot.channels.deliveries import permanent_failure, record_status
from bot.keys import Keys
from bot.safeguarding import assess, check
from bot.safeguarding.helplines import region_help
from bot.settings import get_settings
from bot.channels.smstext import keyword, menu_choice, menu_text, number_buttons, pack_sms, to_gsm
from connectors import reminders
from connectors.common import ChannelState, drain, in_thread, spawn
from connectors.gate import deliver
from connectors.resilience import guarded, safe_reply

logger = logging.getLogger(__name__)

CHANNEL = "sms"
# Twilio posts a form of a few KB (a body is at most 1,600 characters): more is not Twilio.
MAX_BODY = 64 * 1024
WEBHOOK_PATH, STATUS_PATH = "/webhooks/sms/webhook", "/webhooks/sms/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twiml_message(text: str) -> str:
    """A TwiML reply carrying one message (Twilio sends it to the sender; nothing stored)."""
    reply = MessagingResponse()
    reply.message(to_gsm(text))
    return str(reply)
RETRY_STATUS = {429, 500, 502, 503, 504}


class _Params(dict):
    """Posted form parameters as lists of values (``RequestValidator`` reads ``getall``)."""

    def getall(self, name: str) -> List[str]:
        return self[name]

    def first(self, name: str) -> Optional[str]:
        values = self.get(name)
        return values[0] if values else None


def _form(request: Request) -> Optional[_Params]:
    """Every posted parameter, blank ones included (Twilio signs them; Sanic's ``form`` drops
    them); None if the body is not a readable form."""
    if "application/x-www-form-urlencoded" not in (request.content_type or ""):
        return None
    try:
        pairs = parse_qsl((request.body or b"").decode("utf-8"), keep_blank_values=True,
                          strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    params = _Params()
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


class SMSOutput(OutputChannel):
    """Replies as SMS. ``buffered`` (a webhook turn): messages are collected and ``flush`` packs
    them; otherwise (Rasa's API triggering a message) each goes out at once."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, channel: "SMSInput", address: Optional[Tuple[str, str]] = None,
                 buffered: bool = False, override_opt_out: bool = False,
                 withhold: bool = False) -> None:
        self.channel = channel
        self.address = address  # (sender id, phone number) of the turn, if known
        self.buffered = buffered
        self.override_opt_out = override_opt_out  # crisis support even after STOP
        self.withhold = withhold  # opted out: the turn runs, nothing is sent
        self.pending: List[str] = []
        self.menu: List[Tuple[int, str, str]] = []
        self.sent_any = False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._add(recipient_id, text, [])

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._add(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._add(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> None:
        """Custom payloads mean nothing on a plain phone: left out (never sent as JSON)."""
        logger.debug("custom payload not sent over SMS")

    async def _add(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]]) -> None:
        numbered = number_buttons(buttons, [n for n, _, _ in self.menu]) if buttons else []
        self.menu.extend(numbered)
        body = "\n".join(x for x in ((text or "").strip(), menu_text(numbered)) if x)
        if not body:
            return
        if self.buffered:
            self.pending.append(body)
            return
        await self._deliver(recipient_id, [body])
        if numbered:
            await in_thread(contacts.save_menu, self.channel.sessions, recipient_id,
                            _positional(self.menu))

    def _turn_phone(self, recipient_id: str) -> Optional[str]:
        """The number this turn came from, if the reply goes back to its sender."""
        return self.address[1] if self.address and self.address[0] == recipient_id else None

    async def redact_history(self, recipient_id: str) -> None:
        """After a forget: blank the texts to and from this turn's number in Twilio's logs."""
        phone = self._turn_phone(recipient_id)
        if phone:
            await in_thread(self.channel.redact_history, phone)

    async def send_goodbye(self, recipient_id: str, text: str) -> None:
        """The last message after a forget: sent now, untracked (no delivery report, so no row
        brings the sender id back), and nothing else of this turn goes out."""
        self.pending, self.menu = [], []
        phone = self._turn_phone(recipient_id)
        if phone:
            for part in self.channel.pack([text]):
                await in_thread(self.channel.send_sms, recipient_id, phone, part, False)

    async def flush(self, recipient_id: str) -> None:
        """Send what the turn said, packed, and remember its menu (or forget the old one)."""
        messages, self.pending = self.pending, []
        if not messages:
            return
        if await self._deliver(recipient_id, messages) and not self.withhold:
            await in_thread(contacts.save_menu, self.channel.sessions, recipient_id,
                            _positional(self.menu))

    async def _deliver(self, recipient_id: str, messages: List[str]) -> bool:
        """Send ``messages`` as GSM-7 single-segment SMS, each message at most
        ``max_segments`` of them, packed; False if nothing may or could be sent."""
        if self.withhold:
            return False
        row = await in_thread(contacts.get_contact, self.channel.sessions, recipient_id)
        if row is not None and row.unreachable_at is not None:
            logger.info("not sending: contact marked unreachable (%s)", row.unreachable_reason)
            return False
        if row is not None and row.opted_out_at is not None and not self.override_opt_out:
            logger.info("not sending: contact opted out")
            return False
        phone = self._turn_phone(recipient_id) or await in_thread(
            contacts.contact_address, self.channel.sessions, self.channel.keys, recipient_id)
        if not phone:
            logger.warning("no number on record for this SMS sender; reply dropped")
            return False
        if not await self._send(recipient_id, phone, messages):
            return False
        self.sent_any = True
        return True

    async def _send(self, recipient_id: str, address: str, messages: List[str]) -> bool:
        """Send the turn's messages, packed for the channel (SMS: few GSM-7 segments)."""
        for part in self.channel.pack(messages):
            if not await in_thread(self.channel.send_sms, recipient_id, address, part):
                return False
        return True


def _positional(menu: List[Tuple[int, str, str]]) -> List[Tuple[str, str]]:
    """Menu number n → list position n-1; numbers not on the menu are blank entries."""
    by_number = {n: (title, payload) for n, title, payload in menu}
    return [by_number.get(i, ("", "")) for i in range(1, max(by_number, default=0) + 1)]


class SMSInput(ChannelState, InputChannel):
    """Twilio Programmable SMS as a Rasa input channel (``connectors.sms.SMSInput``)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "SMSInput":
        """Secrets from ``credentials.yml`` (``${TWILIO_*}``); the optional ones from the
        settings (``bot.settings.SmsSettings``)."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        sms = get_settings().sms
        return cls(credentials["account_sid"], credentials["auth_token"],
                   credentials["twilio_number"], credentials["public_url"],
                   api_base=sms.api_base or None, max_segments=sms.max_segments,
                   help_contact=sms.help_contact or None)

    def __init__(self, account_sid: str, auth_token: str, twilio_number: str, public_url: str,
                 api_base: Optional[str] = None, max_segments: int = 4,
                 help_contact: Optional[str] = None, sessions: Any = None,
                 keys: Optional[Keys] = None, http_client: Optional[HttpClient] = None) -> None:
        if not (account_sid and auth_token and twilio_number and public_url):
            raise ValueError("SMS needs account_sid, auth_token, twilio_number and public_url")
        self.twilio_number = twilio_number
        self.public_url = public_url.rstrip("/")
        self.max_segments = max(1, min(int(max_segments), 10))
        self.validator = RequestValidator(auth_token)
        self.client = Client(account_sid, auth_token, http_client=http_client)
        if api_base:
            self.client.api.base_url = api_base.rstrip("/")
        self._sessions, self._keys = sessions, keys
        self.help_contact = help_contact

    def get_output_channel(self) -> OutputChannel:
        """For messages Rasa sends outside a webhook turn: the number comes from the database."""
        return self.output()

    # -- what differs between Twilio's channels (connectors/whatsapp.py overrides these) -----
    def output(self, address: Optional[Tuple[str, str]] = None, **kwargs: Any) -> SMSOutput:
        """The output channel for a turn from ``address`` (sender id, number), or for later."""
        return SMSOutput(self, address, **kwargs)

    def pack(self, messages: List[str]) -> List[str]:
        """A turn's messages as the texts to send: as few GSM-7 single-segment SMS as possible."""
        return pack_sms(messages, self.max_segments)

    def safe_twiml(self, text: str) -> str:
        """The webhook's own TwiML reply carrying ``text`` (the database is down)."""
        return twiml_message(text)

    def inbound(self, params: "_Params") -> Tuple[str, Optional[Dict[str, Any]]]:
        """The text of an inbound message and any metadata (SMS: the body only)."""
        return params.first("Body") or "", None

    @property
    def status_path(self) -> str:
        """Where Twilio posts delivery reports for this channel."""
        return f"/webhooks/{self.name()}/status"

    # -- Twilio's side ------------------------------------------------------------------------
    def verified_form(self, request: Request) -> Optional[_Params]:
        """The posted parameters if Twilio signed exactly these for our public URL, else None."""
        signature = request.headers.get("X-Twilio-Signature")
        params = _form(request)
        if not signature or params is None:
            return None
        url = self.public_url + request.path
        if request.query_string:
            url += "?" + request.query_string
        return params if self.validator.validate(url, params, signature) else None

    def send_sms(self, sender_id: str, phone: str, body: str, track: bool = True) -> bool:
        """One SMS through the REST API (blocking: call it in a worker thread), retried on
        rate limits and server errors; a permanent error marks the number unreachable.
        ``track=False`` (the goodbye after FORGET): no delivery report, nothing stored."""
        extra = {"status_callback": self.public_url + self.status_path} if track else {}
        for attempt in range(3):
            try:
                msg = self.client.messages.create(to=phone, from_=self.twilio_number, body=body,
                                                  **extra)
            except TwilioRestException as exc:
                reason = permanent_failure(str(exc.code))
                if reason and track:
                    contacts.mark_unreachable(self.sessions, sender_id, self.name(), reason)
                    return False
                if exc.status in RETRY_STATUS and attempt < 2:
                    time.sleep(0.5 * 2 ** attempt)
                    continue
                logger.error("Twilio refused an SMS: HTTP %s, error %s", exc.status, exc.code)
                return False
            except Exception as exc:  # noqa: BLE001 - network: requests/urllib3 errors
                if attempt < 2:
                    time.sleep(0.5 * 2 ** attempt)
                    continue
                logger.error("SMS not sent: %s", type(exc).__name__)
                return False
            if track:
                record_status(self.sessions, msg.sid, sender_id, msg.status or "queued")
            return True
        return False

    def redact_history(self, phone: str) -> int:
        """Blank the words of every message to or from ``phone`` in Twilio's message logs
        (Twilio's redaction: the body updated to empty; it keeps the metadata), after a
        "delete my data" (blocking: call it in a worker thread). How many were blanked."""
        blanked = 0
        for direction in ({"to": phone}, {"from_": phone}):
            try:
                messages = self.client.messages.list(limit=1000, **direction)
            except Exception as exc:  # noqa: BLE001 - the rest of the forget has happened
                logger.error("Twilio message logs not listed for redaction: %s",
                             type(exc).__name__)
                continue
            for message in messages:
                if not message.body:
                    continue
                try:
                    self.client.messages(message.sid).update(body="")
                    blanked += 1
                except TwilioRestException as exc:  # e.g. a message still being sent
                    logger.warning("Twilio did not blank a message: HTTP %s, error %s",
                                   exc.status, exc.code)
        logger.info("blanked %d messages in Twilio's logs after a forget", blanked)
        return blanked

    # -- the webhooks -------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        channel = self.name()
        bp = Blueprint(f"{channel}_webhook", __name__)
        reminders.register(channel, lambda sender: self.output())
        reminders.install(bp, lambda: self.sessions)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.middleware("request")
        async def capped(request: Request) -> Optional[HTTPResponse]:
            if len(request.body or b"") > MAX_BODY:  # before the signature is even computed
                return response.text("body too large", status=413)
            return None

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            params = self.verified_form(request)
            if params is None:
                return response.text("forbidden", status=403)
            sid = params.first("MessageSid") or params.first("SmsSid")
            phone = params.first("From")
            if not sid or not phone or params.first("Body") is None:
                return response.text("MessageSid, From and Body are required", status=400)
            text, metadata = self.inbound(params)
            sender_id = self.keys.pseudonym(channel, phone)
            try:
                await in_thread(contacts.remember_contact, self.sessions, self.keys, sender_id,
                                channel, address=phone, inbound=True)
                first = await in_thread(contacts.claim_delivery, self.sessions, channel, sid)
            except Exception as exc:  # noqa: BLE001 - the database is down
                # Twilio does not retry an inbound SMS: answer now, from what the request
                # carries (helplines when it is a crisis), in the webhook's own reply.
                logger.error("%s received while the database is unavailable (%s): "
                             "safe reply in TwiML", channel, type(exc).__name__)
                return response.text(self.safe_twiml(safe_reply(text)), content_type="text/xml")
            if not first:
                logger.info("duplicate %s delivery ignored", channel)
                return response.text(EMPTY_TWIML, content_type="text/xml")
            spawn(self.handle(on_new_message, sender_id, phone, text, sid, request.app,
                              metadata), f"{channel} turn")
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @bp.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            params = self.verified_form(request)
            if params is None:
                return response.text("forbidden", status=403)
            sid, state, to = (params.first(k) for k in ("MessageSid", "MessageStatus", "To"))
            if not sid or not state or not to:
                return response.text("MessageSid, MessageStatus and To are required", status=400)
            await in_thread(self.record_report, sid, state, to, params.first("ErrorCode"))
            return response.text("", status=204)

        @bp.listener("before_server_stop")
        async def finish_turns(*_: Any) -> None:
            await drain(20.0)

        return bp

    def record_report(self, sid: str, state: str, to: str, error_code: Optional[str]) -> None:
        """Store a delivery report; mark the number unreachable on a permanent failure."""
        sender_id = self.keys.pseudonym(self.name(), to)
        record_status(self.sessions, sid, sender_id, state, error_code)
        reason = permanent_failure(error_code)
        if reason:
            contacts.mark_unreachable(self.sessions, sender_id, self.name(), reason)

    async def handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     sender_id: str, phone: str, text: str, sid: str, app: Any = None,
                     metadata: Optional[Dict[str, Any]] = None) -> None:
        """One inbound message: carrier keywords, menu numbers, then the conversation. Never
        raises: if the database fails before the turn, the safe reply goes out untracked."""
        try:
            await self._handle(on_new_message, sender_id, phone, text, sid, app, metadata)
        except Exception as exc:  # noqa: BLE001 - e.g. the database went down mid-way
            logger.error("%s turn failed before the conversation (%s): safe reply sent",
                         self.name(), type(exc).__name__)
            for part in self.pack([safe_reply(text)]):
                await in_thread(self.send_sms, sender_id, phone, part, False)

    async def _handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      sender_id: str, phone: str, text: str, sid: str, app: Any = None,
                      metadata: Optional[Dict[str, Any]] = None) -> None:
        channel = self.name()
        crisis = assess(text).signal  # urgent or concern: never a keyword, menu or silence
        opted_out = await in_thread(contacts.is_opted_out, self.sessions, sender_id)
        word = None if crisis else keyword(text)
        out = self.output((sender_id, phone), buffered=True, override_opt_out=True)
        if word == "stop":
            if opted_out:  # confirmed once already: nothing more
                return None
            await in_thread(contacts.set_opted_out, self.sessions, sender_id, channel, True)
            await out.send_text_message(sender_id, self.stop_text())
            return await out.flush(sender_id)
        if word == "help":
            await out.send_text_message(sender_id, self.help_text())
            return await out.flush(sender_id)
        if word == "opt_in" and opted_out:
            await in_thread(contacts.set_opted_out, self.sessions, sender_id, channel, False)
            await out.send_text_message(sender_id, "You're back. Tell me what's going on and "
                                                   "I'll find help near you.")
            return await out.flush(sender_id)
        if not text.strip() and not metadata:  # a picture, a voice note or an empty message
            if not opted_out:
                await out.send_text_message(sender_id, self.cant_read_text())
                await out.flush(sender_id)
            return None
        choice = None if crisis else menu_choice(text)
        if choice:
            menu = await in_thread(contacts.load_menu, self.sessions, sender_id)
            if choice <= len(menu) and menu[choice - 1][1]:
                text = menu[choice - 1][1]
        # Privacy requests (FORGET, MYDATA, ...) are answered even after STOP: they were asked,
        # and so is the answer to "are you safe right now?".
        answer = crisis or consent.request(text) is not None
        if opted_out and not answer and check.answer(text):
            st = await in_thread(consent.state, self.sessions, sender_id)
            answer = st.safety_check is not None
        out = self.output((sender_id, phone), buffered=True, override_opt_out=answer,
                          withhold=opted_out and not answer)

        async def gated(message: UserMessage) -> bool:
            return await deliver(message, on_new_message, self.sessions, app)

        # Never raises; a failed, silent or slow turn gets the safe reply (with helplines when
        # the message was a crisis), which goes out packed with whatever the turn said.
        await guarded(gated, sessions=lambda: self.sessions)(UserMessage(
            text or "/inform", out, sender_id, input_channel=channel, message_id=sid,
            metadata=metadata))
        await out.flush(sender_id)

    def cant_read_text(self) -> str:
        """The answer to a picture, a voice note or an empty message: still the emergency
        number, in case it was a call for help."""
        return ("I can only read text. Tell me in words what's going on. In danger? Call "
                f"{region_help(get_settings().region).emergency}.")

    def stop_text(self) -> str:
        """The one confirmation after STOP."""
        return (f"You won't get any more messages from us. Text START to come back. "
                f"In danger? Call {region_help(get_settings().region).emergency}.")

    def help_text(self) -> str:
        """HELP/INFO: what this is and how to reach a person."""
        region = region_help(get_settings().region)
        human = self.help_contact or next(
            (f"{h.name} {h.contact.replace('call ', '')}" for h in region.helplines), "")
        return (f"Youth help finder: free, private. Text what's going on, e.g. 'need somewhere "
                f"to stay'. To talk to a person: {human}. Danger: call {region.emergency}. "
                f"STOP to stop.")
