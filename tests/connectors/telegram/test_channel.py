"""Telegram webhook and output over real HTTP (Sanic) with a fake Telegram Bot API.

The agent here is scripted (it answers from the message text) so that each test asserts the
exact Bot API calls; the whole assistant over Telegram is in tests/e2e/test_telegram_e2e.py.
"""
from __future__ import annotations

import json
import logging
import time

import httpx
import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import UserUttered

from bot.channels import contacts
from bot.keys import Keys
from connectors.common import drain
from connectors.telegram.channel import SECRET_HEADER, TelegramInput
from tests.connectors.fake_telegram import (CHAT, USER, FakeRequest, FakeTelegram, blocked_update,
                                            callback_update, edited_update, location_update,
                                            photo_update, sticker_update, text_update)
from tests.connectors.sanic_server import LiveServer

SECRET = "webhook-secret_123"
TOKEN = "7000000001:AAExampleTokenForTests_abcdefghijk"
KEYS = Keys("x" * 40)
SENDER = KEYS.pseudonym("telegram", str(USER["id"]))
LONG_PAYLOAD = '/ask_detail{"result_number":"1","service_id":"' + "s" * 60 + '"}'


class ScriptedAgent:
    """Stands in for Rasa's Agent: records messages, answers like the bot would."""

    def __init__(self) -> None:
        self.messages = []
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.delay = 0.0

    async def handle_message(self, message):
        import asyncio

        self.messages.append(message)
        tracker = DialogueStateTracker(message.sender_id, [])
        tracker.update(UserUttered(message.text))
        await self.tracker_store.save(tracker)
        if self.delay:
            await asyncio.sleep(self.delay)
        out, sid = message.output_channel, message.sender_id
        if message.text == "/greet":
            await out.send_text_with_buttons(sid, "Hi! What do you need help with?",
                                             [{"title": "Somewhere to stay",
                                               "payload": "/need_housing"},
                                              {"title": "More about 1", "payload": LONG_PAYLOAD}])
        elif message.text == "ask location":
            await out.send_response(sid, {"text": "Where are you?", "custom":
                                          {"request_location": True},
                                          "buttons": [{"title": "Skip", "payload": "/skip"}]})
        elif message.text == "long":
            await out.send_text_message(sid, "\n\n".join(f"Paragraph {i}. " + "word " * 150
                                                         for i in range(12)))
        else:
            await out.send_text_message(sid, f"You said: {message.text}")


@pytest.fixture
def tg(sessions):
    api = FakeTelegram()
    channel = TelegramInput(TOKEN, SECRET, request=FakeRequest(api), sessions=sessions, keys=KEYS)
    agent = ScriptedAgent()
    server = LiveServer([channel], agent)
    with server as url:
        client = httpx.Client(base_url=url + "/webhooks/telegram", timeout=30)

        def post(update, secret=SECRET, raw=None):
            headers = {"Content-Type": "application/json"}
            if secret is not None:
                headers[SECRET_HEADER] = secret
            body = raw if raw is not None else json.dumps(update)
            reply = client.post("/webhook", content=body, headers=headers)
            server.call(drain())
            return reply

        yield type("TG", (), {"api": api, "agent": agent, "post": staticmethod(post),
                              "client": client, "channel": channel, "sessions": sessions,
                              "server": server})
        client.close()


def test_health(tg):
    assert tg.client.get("/").json() == {"status": "ok"}


def test_start_with_referral_greets_with_inline_keyboard(tg):
    assert tg.post(text_update(1, "/start youthhub_leeds")).status_code == 200
    assert [m.text for m in tg.agent.messages] == ["/greet"]
    msg = tg.agent.messages[0]
    assert msg.sender_id == SENDER and msg.input_channel == "telegram"
    assert str(USER["id"]) not in msg.sender_id
    sent = tg.api.sent()
    assert len(sent) == 1 and sent[0]["chat_id"] == CHAT["id"]
    assert sent[0]["parse_mode"] == "HTML"
    rows = sent[0]["reply_markup"]["inline_keyboard"]
    assert rows[0] == [{"text": "Somewhere to stay", "callback_data": "/need_housing"}]
    token_data = rows[1][0]["callback_data"]
    assert token_data.startswith("~") and len(token_data.encode()) <= 64
    assert contacts.get_contact(tg.sessions, SENDER).referral == "youthhub_leeds"
    # The long payload comes back through the token when the button is pressed.
    tg.post(callback_update(2, token_data))
    assert tg.agent.messages[-1].text == LONG_PAYLOAD
    assert tg.api.sent("answerCallbackQuery")[-1]["callback_query_id"] == "cbq2"


def test_bad_referral_is_not_stored(tg):
    tg.post(text_update(1, "/start <script>"))
    assert tg.agent.messages[0].text == "/greet"
    assert contacts.get_contact(tg.sessions, SENDER).referral is None


def test_every_callback_is_answered_even_when_expired(tg):
    tg.post(callback_update(3, "~doesnotexist"))
    assert tg.api.sent("answerCallbackQuery") == [
        {"callback_query_id": "cbq3", "text": "That button has expired."}]
    assert tg.agent.messages == []
    tg.post(callback_update(4, "/need_food"))
    assert tg.agent.messages[-1].text == "/need_food"
    assert tg.api.sent("answerCallbackQuery")[-1] == {"callback_query_id": "cbq4"}


def test_shared_location_becomes_coordinates(tg):
    tg.post(location_update(5, 53.7997, -1.5492))
    msg = tg.agent.messages[-1]
    assert msg.text == "/inform"
    assert msg.metadata == {"location": {"latitude": 53.7997, "longitude": -1.5492}}


def test_location_question_offers_a_share_location_keyboard(tg):
    tg.post(text_update(6, "ask location"))
    markup = tg.api.sent()[-1]["reply_markup"]
    assert markup["keyboard"][0] == [{"text": "📍 Share my location", "request_location": True}]
    assert markup["keyboard"][1] == [{"text": "Skip"}] and markup["one_time_keyboard"] is True


def test_help_stop_and_typed_payloads(tg):
    tg.post(text_update(7, "/help"))
    assert tg.agent.messages[-1].text == "/bot_capabilities"
    tg.post(text_update(8, '/need_housing{"age": 99}'))  # typed text never injects an intent
    assert tg.agent.messages[-1].text == 'need_housing{"age": 99}'
    tg.post(text_update(9, "/stop"))
    assert "won't send you any more messages" in tg.api.sent()[-1]["text"]
    assert contacts.is_opted_out(tg.sessions, SENDER)
    assert tg.agent.messages[-1].text != "/stop"
    tg.post(text_update(10, "hi again"))  # writing again is consent to talk again
    assert not contacts.is_opted_out(tg.sessions, SENDER)
    assert tg.api.sent()[-1]["text"] == "You said: hi again"


@pytest.mark.parametrize("command", ["/stop", "/start"])
def test_words_after_stop_or_start_that_signal_risk_reach_crisis_support(tg, command):
    """Issue 17, item 12: the text after /stop or /start was never assessed."""
    tg.post(text_update(5, "hello"))
    tg.post(text_update(6, f"{command} i want to end my life"))
    assert tg.agent.messages[-1].text == "i want to end my life"
    assert not contacts.is_opted_out(tg.sessions, SENDER)
    assert "won't send you any more messages" not in tg.api.sent()[-1]["text"]


def test_forget_deletes_conversation_and_contact(tg):
    tg.post(text_update(11, "/start"))
    assert tg.server.call(tg.agent.tracker_store.retrieve(SENDER)) is not None
    tg.post(text_update(12, "/forget"))
    assert "Reply YES (or /forget again) within 5 minutes" in tg.api.sent()[-1]["text"]
    assert tg.server.call(tg.agent.tracker_store.retrieve(SENDER)) is not None  # not yet
    tg.post(text_update(21, "/forget"))
    assert tg.server.call(tg.agent.tracker_store.retrieve(SENDER)) is None
    assert contacts.get_contact(tg.sessions, SENDER) is None
    assert "deleted our chat" in tg.api.sent()[-1]["text"]


def test_a_photo_caption_is_read_as_text(tg):
    tg.post(photo_update(31, "i want to die"))
    assert tg.agent.messages[-1].text == "i want to die"
    tg.post(photo_update(32))  # no words: the friendly reply
    assert "I can only read text" in tg.api.sent()[-1]["text"]
    assert len(tg.agent.messages) == 1


def test_an_edit_that_signals_a_concern_is_not_ignored(tg):
    tg.post(edited_update(33, "sometimes i think about not being here but im safe right now"))
    assert tg.agent.messages[-1].text.startswith("sometimes i think")


def test_non_text_gets_a_friendly_reply_and_edits_are_ignored(tg):
    tg.post(sticker_update(13))
    assert "I can only read text" in tg.api.sent()[-1]["text"] and tg.agent.messages == []
    tg.post(edited_update(14, "actually I meant food"))
    assert tg.agent.messages == [] and len(tg.api.sent()) == 1
    tg.post(edited_update(15, "i want to kill myself"))  # a risk signal is never ignored
    assert tg.agent.messages[-1].text == "i want to kill myself"


def test_unknown_update_types_are_acknowledged(tg):
    for update in ({"update_id": 16, "poll": {"id": "1", "question": "?", "options": [],
                                             "total_voter_count": 0, "is_closed": False,
                                             "is_anonymous": True, "type": "regular",
                                             "allows_multiple_answers": False}},
                   {"update_id": 17, "some_future_kind": {"x": 1}},
                   text_update(18, "hello group", chat={"id": -100, "type": "group",
                                                         "title": "Group"})):
        assert tg.post(update).status_code == 200
    assert tg.agent.messages == [] and tg.api.sent() == []


def test_blocking_the_bot_marks_unreachable(tg):
    tg.post(text_update(19, "/start"))
    tg.post(blocked_update(20))
    assert not contacts.can_send(tg.sessions, SENDER)
    tg.post(text_update(21, "hello"))  # unblocked and wrote again
    assert contacts.can_send(tg.sessions, SENDER)
    tg.api.blocked_chats.add(CHAT["id"])
    tg.post(text_update(22, "hello"))
    assert contacts.get_contact(tg.sessions, SENDER).unreachable_reason == "blocked the bot"


def test_retry_after_is_honoured(tg):
    tg.api.retry_after_once["sendMessage"] = 1
    start = time.monotonic()
    tg.post(text_update(23, "hello"))
    assert [p["text"] for p in tg.api.sent()] == ["You said: hello", "You said: hello"]
    assert time.monotonic() - start >= 1.0


def test_long_replies_are_split_under_4096(tg):
    tg.post(text_update(24, "long"))
    parts = [p["text"] for p in tg.api.sent()]
    assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
    assert all(p.startswith("Paragraph") for p in parts)


def test_service_names_are_escaped(tg):
    tg.post(text_update(25, "<b>Tom & Jerry's</b> <a href='x'>"))
    sent = tg.api.sent()[-1]
    assert sent["text"] == "You said: &lt;b&gt;Tom &amp; Jerry's&lt;/b&gt; &lt;a href='x'&gt;"


def test_unicode_and_10000_characters(tg):
    assert tg.post(text_update(26, "😀🙃 ñandú — “quotes”")).status_code == 200
    assert tg.agent.messages[-1].text == "😀🙃 ñandú — “quotes”"
    assert tg.post(text_update(27, "x" * 10_000)).status_code == 200
    assert len(tg.agent.messages[-1].text) == 4096


def test_slow_turn_is_acknowledged_at_once_and_still_answered(tg):
    tg.agent.delay = 3.0
    start = time.monotonic()
    reply = tg.client.post("/webhook", content=json.dumps(text_update(28, "slow")),
                           headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"})
    assert reply.status_code == 200 and time.monotonic() - start < 1.5
    assert tg.api.wait_for("sendMessage", 1, timeout=10)[-1]["text"] == "You said: slow"


# -- security -------------------------------------------------------------------------------
@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1], SECRET.upper()])
def test_forged_requests_are_rejected_and_nothing_is_stored(tg, secret):
    reply = tg.post(text_update(40, "/start"), secret=secret)
    assert reply.status_code == 403
    assert tg.agent.messages == [] and tg.api.calls == []
    assert contacts.get_contact(tg.sessions, SENDER) is None
    # The id was not consumed: the genuine delivery still goes through.
    assert contacts.claim_delivery(tg.sessions, "telegram", "40")


def test_replayed_update_gives_one_user_event_and_one_reply(tg):
    for _ in range(3):
        assert tg.post(text_update(50, "hello")).status_code == 200
    assert [m.text for m in tg.agent.messages] == ["hello"]
    assert len(tg.api.sent()) == 1
    tracker = tg.server.call(tg.agent.tracker_store.retrieve(SENDER))
    assert sum(1 for e in tracker.events if isinstance(e, UserUttered)) == 1


def test_replay_across_a_second_server_process(tg, sessions):
    """Two replicas share the database: the second one drops the update the first took."""
    tg.post(text_update(60, "hello"))
    api2, agent2 = FakeTelegram(), ScriptedAgent()
    other = TelegramInput(TOKEN, SECRET, request=FakeRequest(api2), sessions=sessions, keys=KEYS)
    with LiveServer([other], agent2) as url2:
        reply = httpx.post(url2 + "/webhooks/telegram/webhook", json=text_update(60, "hello"),
                           headers={SECRET_HEADER: SECRET})
    assert reply.json() == {"status": "duplicate"} and agent2.messages == []


@pytest.mark.parametrize("raw, status", [
    ("{not json", 400), ("[]", 400), ('{"update_id": "7"}', 400), ('{"message": {}}', 400),
    ('{"update_id": true}', 400), ("", 400), ("x" * 300_000, 413)])
def test_malformed_or_oversized_bodies_are_refused(tg, raw, status):
    assert tg.post(None, raw=raw).status_code == status
    assert tg.agent.messages == []


def test_token_and_ids_never_reach_the_logs(tg, caplog):
    caplog.set_level(logging.DEBUG)
    tg.post(text_update(70, "/start"))
    tg.post(text_update(71, "my name is Sam, call me on 07700900123"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TOKEN, SECRET, str(USER["id"]), "samlee99", "07700900123", "Sam Lee"):
        assert secret not in logged


def test_paused_while_a_worker_has_the_conversation(tg):
    """Issue 6: an open handoff keeps messages for the worker; crisis support never waits."""
    from sqlalchemy import select

    from bot.handoff import handoff
    from bot.handoff.models import HandoffMessage

    tg.post(text_update(80, "hello"))
    handoff.request_handoff(tg.sessions, SENDER, "telegram", "request", default_org="default")
    tg.post(text_update(81, "is anyone there?"))
    assert [m.text for m in tg.agent.messages] == ["hello"]
    tg.post(text_update(82, "i want to end my life"))
    assert "999" in tg.api.sent()[-1]["text"] and len(tg.agent.messages) == 1
    assert handoff.active_handoff(tg.sessions, SENDER).urgent
    from bot.safeguarding.models import SafeguardingAlert

    with tg.sessions() as s:  # the same safeguarding flag as a crisis the bot answers
        alerts = s.execute(select(SafeguardingAlert.sender_key, SafeguardingAlert.urgency)).all()
    assert alerts == [(SENDER, "urgent")]
    with tg.sessions() as s:
        kept = s.execute(select(HandoffMessage.role, HandoffMessage.text)).all()
    assert ("user", "is anyone there?") in kept and ("bot", tg.api.sent()[-1]["text"]) in kept
    handoff.close_for_forget(tg.sessions, SENDER)
    tg.post(text_update(83, "need food"))
    assert tg.agent.messages[-1].text == "need food"


@pytest.mark.first_contact
def test_first_contact_notice_then_greeting_and_never_again(tg):
    tg.post(text_update(301, "/start"))
    texts = [m["text"] for m in tg.api.sent()]
    assert texts[0].startswith("Before we start") and "/forget" in texts[0]
    assert texts[1] == "Hi! What do you need help with?"
    tg.post(text_update(302, "hello"))
    assert [m["text"] for m in tg.api.sent()][2:] == ["You said: hello"]


def test_privacy_and_mydata_commands(tg):
    tg.post(text_update(311, "need a bed"))
    tg.post(text_update(312, "/privacy"))
    assert "What I keep" in tg.api.sent()[-1]["text"]
    tg.post(text_update(313, "/mydata"))
    assert "send /forget" in tg.api.sent()[-1]["text"]
    docs = tg.api.sent("sendDocument")
    assert len(docs) == 1 and docs[0]["chat_id"] == CHAT["id"]
    assert [m.text for m in tg.agent.messages] == ["need a bed"]  # neither reached the bot


def test_with_the_database_down_a_crisis_gets_helplines_and_the_update_comes_again(tg):
    """Issue 17, item 6: the webhook raised and nothing was answered. Now the safe reply goes
    out straight through the Bot API, and a 503 makes Telegram deliver the update again."""
    from tests.connectors.test_sms import _database_down

    tg.post(text_update(90, "hello"))
    working = tg.channel._sessions
    tg.channel._sessions = _database_down()
    reply = tg.post(text_update(91, "i want to end my life"))
    assert reply.status_code == 503
    assert "116 123" in tg.api.sent()[-1]["text"] and "having trouble" in tg.api.sent()[-1]["text"]
    assert [m.text for m in tg.agent.messages] == ["hello"]
    tg.channel._sessions = working  # back up: Telegram's redelivery is handled, once
    assert tg.post(text_update(91, "i want to end my life")).status_code == 200
    assert tg.post(text_update(91, "i want to end my life")).json()["status"] == "duplicate"
    assert [m.text for m in tg.agent.messages] == ["hello", "i want to end my life"]


def test_turns_still_running_are_finished_before_the_server_stops(sessions):
    """Issue 17, item 11: acknowledged updates whose turns still ran were dropped at shutdown
    (Telegram never sends them again); SMS already waited for its turns."""
    import asyncio

    from connectors.common import spawn

    channel = TelegramInput(TOKEN, SECRET, request=FakeRequest(FakeTelegram()),
                            sessions=sessions, keys=KEYS)
    hook = channel.blueprint(lambda message: None)
    stops = [f.listener for f in hook._future_listeners if f.event == "before_server_stop"]
    assert len(stops) == 1
    finished = []

    async def scenario():
        async def slow_turn():
            await asyncio.sleep(0.2)
            finished.append("turn")

        spawn(slow_turn(), "telegram update")
        await stops[0](None, None)
        assert finished == ["turn"]

    asyncio.run(scenario())
