""""Send me my data" on Telegram: the export goes as a real multipart ``sendDocument`` upload
(``TelegramOutput.send_custom_json``) that the fake Bot API parses back from the wire."""
from __future__ import annotations

import asyncio
import json

import pytest
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from bot.channels import contacts
from bot.privacy import mydata
from connectors.telegram.channel import TelegramInput
from connectors.telegram.output import EXPORT_CAPTION, MAX_CAPTION
from tests.connectors.fake_telegram import CHAT, FakeRequest, FakeTelegram, FakeTelegramServer
from tests.connectors.telegram.test_channel import KEYS, SECRET, SENDER, TOKEN


def _export(sessions) -> dict:
    events = [UserUttered("j'ai besoin d'un endroit où dormir 🙏 in Leeds", timestamp=1.79e9),
              SlotSet("needs", ["housing"], timestamp=1.79e9 + 1),
              BotUttered("Where are you?", timestamp=1.79e9 + 2)]
    return mydata.collect(sessions, SENDER, [e.as_dict() for e in events])


async def _send(channel: TelegramInput, message: dict, chat_id=str(CHAT["id"])) -> None:
    out = channel.get_output_channel(chat_id, SENDER)
    try:
        await out.send_custom_json(SENDER, message)
    finally:
        await channel.get_bot().shutdown()


@pytest.fixture
def in_process(sessions):
    api = FakeTelegram()
    contacts.remember_contact(sessions, KEYS, SENDER, "telegram", str(CHAT["id"]))
    channel = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    return api, channel


def _assert_document(api: FakeTelegram, data: dict, caption: str = EXPORT_CAPTION) -> None:
    [call] = api.sent("sendDocument")
    assert call["chat_id"] == CHAT["id"] and call["caption"] == caption
    doc = call["document"]
    assert doc["filename"] == mydata.FILENAME and doc["content_type"] == "application/json"
    assert doc["content"] == mydata.to_json_bytes(data)
    assert json.loads(doc["content"].decode("utf-8")) == data
    assert api.sent("sendMessage") == []


def test_export_goes_as_a_multipart_document_over_http(sessions):
    data = _export(sessions)
    contacts.remember_contact(sessions, KEYS, SENDER, "telegram", str(CHAT["id"]))
    with FakeTelegramServer() as server:  # PTB's real HTTPX transport, real multipart bytes
        channel = TelegramInput(TOKEN, SECRET, base_url=server.base_url, sessions=sessions,
                                keys=KEYS)
        asyncio.run(_send(channel, {"navigator_export": data, "filename": mydata.FILENAME}))
        _assert_document(server.api, data)
    assert "où dormir 🙏" in json.loads(
        server.api.sent("sendDocument")[0]["document"]["content"])["conversation"][0]["text"]


def test_export_in_process_and_to_a_later_chat_looked_up_from_the_contact(in_process, sessions):
    api, channel = in_process
    data = _export(sessions)
    asyncio.run(_send(channel, {"navigator_export": data}, chat_id=None))  # chat id unsealed
    _assert_document(api, data)


def test_caption_is_clipped_and_filename_is_safe(in_process, sessions):
    api, channel = in_process
    data = _export(sessions)
    asyncio.run(_send(channel, {"navigator_export": data, "filename": "../../etc/passwd",
                                "caption": "x" * 3000}))
    _assert_document(api, data, caption="x" * MAX_CAPTION)


def test_blocked_bot_marks_the_contact_unreachable(in_process, sessions):
    api, channel = in_process
    api.blocked_chats.add(CHAT["id"])
    asyncio.run(_send(channel, {"navigator_export": _export(sessions)}))
    assert len(api.sent("sendDocument")) == 1
    assert contacts.get_contact(sessions, SENDER).unreachable_reason == "blocked the bot"
    api.blocked_chats.clear()
    asyncio.run(_send(channel, {"navigator_export": _export(sessions)}, chat_id=None))
    assert len(api.sent("sendDocument")) == 1  # unreachable: nothing more is sent


def test_other_custom_json_keeps_its_behaviour(in_process):
    api, channel = in_process
    asyncio.run(_send(channel, {"text": "Only the text is shown"}))
    asyncio.run(_send(channel, {"some_other_channel": {"x": 1}}))
    asyncio.run(_send(channel, {"navigator_export": "not a dict"}))
    assert [p["text"] for p in api.sent()] == ["Only the text is shown"]
    assert api.sent("sendDocument") == []


def test_fake_refuses_a_document_request_without_a_file(in_process):
    api, _ = in_process
    assert api.answer("sendDocument", {"chat_id": CHAT["id"]})[0] == 400
    assert api.answer("sendDocument", {"document": "BQACAgQ"})[0] == 400
    status, body = api.answer("sendDocument", {"chat_id": CHAT["id"], "document": "BQACAgQ"})
    assert status == 200 and body["result"]["document"]["file_id"]
