"""A Sanic app wired the way Rasa wires channels, with a fake agent, for the SMS tests."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import AsyncIterator, Callable, Dict, List, Optional

import httpx
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.keys import Keys
from connectors.common import drain
from connectors.sms import SMSInput
from tests.connectors.fake_twilio import (ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER,
                                          RecordingHttpClient, inbound, new_sid, signed)

PUBLIC = "https://navigator.example.org"
WEBHOOK = PUBLIC + "/webhooks/sms/webhook"
STATUS = PUBLIC + "/webhooks/sms/status"
KEYS = Keys("k" * 40)
_names = itertools.count()

Reply = Callable[[UserMessage], List[dict]]


class FakeAgent:
    """Records each message and answers through the channel's output, like Rasa's agent."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.messages: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        for m in self.reply(message):
            await message.output_channel.send_response(message.sender_id, dict(m))


def echo(message: UserMessage) -> List[dict]:
    return [{"text": f"You said {message.text}"}]


class Harness:
    """One running app; ``post`` signs like Twilio unless told otherwise."""

    def __init__(self, client: httpx.AsyncClient, channel: SMSInput, agent: FakeAgent,
                 http: RecordingHttpClient) -> None:
        self.client, self.channel, self.agent, self.http = client, channel, agent, http
        self.webhook = f"{PUBLIC}/webhooks/{channel.name()}/webhook"
        self.status = f"{PUBLIC}/webhooks/{channel.name()}/status"

    async def post(self, url: str, params: Dict[str, str], token: str = AUTH_TOKEN,
                   sign_url: Optional[str] = None, headers: Optional[dict] = None,
                   body: Optional[str] = None) -> httpx.Response:
        data, hdrs = signed(sign_url or url, params, token)
        hdrs.update(headers or {})
        path = url.replace(PUBLIC, "")
        r = await self.client.post(path, content=data if body is None else body, headers=hdrs)
        await drain()
        return r

    async def text(self, phone: str, body: str, sid: Optional[str] = None,
                   **fields: str) -> httpx.Response:
        return await self.post(self.webhook, inbound(
            to=self.channel.twilio_number, From=phone, Body=body, MessageSid=sid or new_sid(),
            **fields))

    def sent_to(self, phone: str) -> List[str]:
        """What reached ``phone``: bodies, and templates as ``[template SID] variables``."""
        return [d["Body"] if "Body" in d else f"[template {d['ContentSid']}] "
                f"{d.get('ContentVariables', '')}" for d in self.http.sent if d["To"] == phone]


@contextlib.asynccontextmanager
async def running(sessions, reply: Reply = echo, http: Optional[RecordingHttpClient] = None,
                  agent: Optional[object] = None, channel_cls: type = SMSInput,
                  number: str = TWILIO_NUMBER, **kwargs) -> AsyncIterator[Harness]:
    """Start an app with the SMS channel (or ``channel_cls``, e.g. WhatsApp, on ``number``)
    registered under /webhooks/ (as ``rasa run`` does)."""
    http = http or RecordingHttpClient()
    channel = channel_cls(ACCOUNT_SID, AUTH_TOKEN, number, PUBLIC, sessions=sessions,
                          keys=KEYS, http_client=http, **kwargs)
    Sanic.test_mode = True  # Sanic 21.12 can start a second app in one process only so
    app = Sanic(f"sms_test_{next(_names)}")
    agent = agent or FakeAgent(reply)
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    queue: asyncio.Queue = asyncio.Queue()
    started: list = []

    async def send(msg: dict) -> None:
        started.append(msg)

    await queue.put({"type": "lifespan.startup"})
    lifespan = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                         queue.get, send))
    while not started:
        await asyncio.sleep(0.005)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield Harness(client, channel, agent, http)
    await drain()
    lifespan.cancel()


def run(coro) -> None:
    """Run one test scenario on a fresh event loop."""
    asyncio.run(coro)
