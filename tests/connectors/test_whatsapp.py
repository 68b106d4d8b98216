"""WhatsApp through Twilio (connectors/whatsapp.py), against Twilio's real webhook parameters and
REST payloads (tests/connectors/fake_twilio.py): the SMS channel's security and keywords, with
WhatsApp's own messages, locations, media and 24-hour window."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot.channels import contacts
from bot.channels.models import ChannelContact, DeliverySeen
from bot.settings import load_settings
from connectors.outbox_senders import build_senders
from connectors.whatsapp import MAX_CHARS, WhatsAppInput
from tests.connectors.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, RecordingHttpClient, new_sid
from tests.connectors.sms_harness import KEYS, PUBLIC, run, running

NUMBER = "whatsapp:+14155238886"
USER = "whatsapp:+447700900123"
TEMPLATE = "HX" + "0123456789abcdef" * 2


def wa(sessions, reply=None, **kwargs):
    extra = {"reply": reply} if reply else {}
    return running(sessions, channel_cls=WhatsAppInput, number=NUMBER, **extra, **kwargs)


def _stored(sessions) -> int:
    with sessions() as s:
        return (s.execute(select(func.count()).select_from(ChannelContact)).scalar()
                + s.execute(select(func.count()).select_from(DeliverySeen)).scalar())


def test_forged_messages_are_refused_and_nothing_is_stored(sessions):
    async def scenario():
        async with wa(sessions) as h:
            r = await h.post(h.webhook, {"From": USER, "To": NUMBER, "Body": "hi",
                                         "MessageSid": new_sid()}, token="0" * 32)
            assert r.status_code == 403
            assert h.agent.messages == [] and h.http.requests == [] and _stored(sessions) == 0
    run(scenario())


def test_a_message_gets_one_whatsapp_message_per_bot_message(sessions):
    def reply(message):
        return [{"text": "Héllo 😀 – here's what I found."},
                {"text": "Pick one:", "buttons": [{"title": "Food", "payload": "/need_food"},
                                                  {"title": "Money", "payload": "/need_money"}]}]

    async def scenario():
        async with wa(sessions, reply) as h:
            r = await h.text(USER, "need help ❤️")
            assert r.status_code == 200 and "<Response" in r.text
            msg = h.agent.messages[0]
            assert msg.input_channel == "whatsapp" and msg.sender_id.startswith("wa-")
            assert USER not in msg.sender_id and msg.text == "need help ❤️"
            sent = [d for d in h.http.sent if d["To"] == USER]
            assert [d["From"] for d in sent] == [NUMBER, NUMBER]  # not packed into one
            assert sent[0]["Body"] == "Héllo 😀 – here's what I found."  # not GSM-7
            assert sent[1]["Body"] == "Pick one:\nReply:\n1 Food\n2 Money"
            # the menu is remembered: "2" is Money, as on SMS
            await h.text(USER, "2")
            assert h.agent.messages[-1].text == "/need_money"
    run(scenario())


def test_a_long_message_is_cut_at_twilios_limit(sessions):
    long = " ".join(f"Sentence number {i} is here." for i in range(200))

    async def scenario():
        async with wa(sessions, lambda m: [{"text": long}]) as h:
            await h.text(USER, "hi")
            parts = h.sent_to(USER)
            assert len(parts) >= 2 and all(len(p) <= MAX_CHARS for p in parts)
            assert " ".join(parts).split() == long.split()
    run(scenario())


def test_a_retried_delivery_is_handled_once(sessions):
    async def scenario():
        async with wa(sessions) as h:
            sid = new_sid()
            await h.text(USER, "hello", sid=sid)
            await h.text(USER, "hello", sid=sid)
            assert len(h.agent.messages) == 1
    run(scenario())


def test_stop_then_a_crisis_still_gets_support(sessions):
    async def scenario():
        async with wa(sessions) as h:
            await h.text(USER, "STOP")
            assert "won't get any more messages" in h.sent_to(USER)[-1]
            await h.text(USER, "what's on")
            assert len(h.sent_to(USER)) == 1  # opted out: nothing sent
            await h.text(USER, "i want to kill myself")
            assert h.agent.messages[-1].text == "i want to kill myself"
            assert len(h.sent_to(USER)) == 2  # crisis support goes out even after STOP
    run(scenario())


def test_a_shared_location_is_the_place(sessions):
    async def scenario():
        async with wa(sessions) as h:
            await h.text(USER, "", Latitude="53.8008", Longitude="-1.5491",
                         Address="Leeds", Label="home")
            msg = h.agent.messages[-1]
            assert msg.text == "/inform"
            assert msg.metadata == {"location": {"latitude": 53.8008, "longitude": -1.5491}}
    run(scenario())


@pytest.mark.parametrize("media", ["audio/ogg", "image/jpeg", "video/mp4"])
def test_voice_notes_and_pictures_get_a_text_only_reply_with_the_emergency_number(sessions,
                                                                                  media):
    async def scenario():
        async with wa(sessions) as h:
            await h.text(USER, "", NumMedia="1", MediaContentType0=media,
                         MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/x/Media/y")
            assert h.agent.messages == []
            said = h.sent_to(USER)[-1]
            assert "I can only read text" in said and "999" in said
    run(scenario())


def _last_inbound(sessions, sender_id: str, hours_ago: float) -> None:
    with sessions() as s, s.begin():
        s.execute(update(ChannelContact).where(ChannelContact.sender_id == sender_id).values(
            last_inbound_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago)))


@pytest.mark.parametrize("template", [TEMPLATE, None])
def test_outside_the_24_hour_window_only_the_template_goes_out(sessions, template):
    """A youth worker's reply through the outbox: free-form inside the window; outside it the
    approved template carries the text, and without a template nothing is sent."""
    async def scenario():
        http = RecordingHttpClient()
        async with wa(sessions, http=http, template_sid=template) as h:
            await h.text(USER, "hello")
            sender = h.agent.messages[0].sender_id
            send = build_senders(sessions, KEYS, load_settings({}))  # no channels configured
            assert "whatsapp" not in send
            from connectors.outbox_senders import sms_sender

            deliver = sms_sender(h.channel)
            _last_inbound(sessions, sender, 23)
            assert await deliver(sender, "Hi, it's Jo from the hub")
            assert h.http.sent[-1]["Body"] == "Hi, it's Jo from the hub"
            _last_inbound(sessions, sender, 25)
            before = len(h.http.sent)
            ok = await deliver(sender, "Are you still there?")
            if template:
                assert ok and h.http.sent[-1]["ContentSid"] == TEMPLATE
                assert json.loads(h.http.sent[-1]["ContentVariables"]) == {
                    "1": "Are you still there?"}
                assert "Body" not in h.http.sent[-1]
            else:
                assert not ok and len(h.http.sent) == before
            closes = contacts.window_closes_at(sessions, sender)
            assert closes < datetime.now(timezone.utc)
    run(scenario())


def test_channel_settings_and_credentials(monkeypatch):
    with pytest.raises(ValueError, match="whatsapp:"):
        WhatsAppInput(ACCOUNT_SID, AUTH_TOKEN, "+14155238886", PUBLIC)
    settings = load_settings({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                              "TWILIO_NUMBER": "+447700900000", "SMS_PUBLIC_URL": PUBLIC,
                              "TWILIO_WHATSAPP_NUMBER": NUMBER,
                              "TWILIO_WHATSAPP_TEMPLATE_SID": TEMPLATE})
    assert settings.whatsapp.number == NUMBER and settings.whatsapp.template_sid == TEMPLATE
    from bot.settings import SettingsError

    for bad in ({"TWILIO_WHATSAPP_NUMBER": "+14155238886"},
                {"TWILIO_WHATSAPP_TEMPLATE_SID": "template-1"}):
        with pytest.raises(SettingsError):
            load_settings(bad)


SENDER = KEYS.pseudonym("whatsapp", USER)


def test_a_worker_owns_the_conversation_then_replies_on_whatsapp(sessions):
    """The handoff round trip: while a youth worker has the conversation, messages go to them
    (a crisis still gets support at once and makes it urgent); the worker's reply goes out on
    WhatsApp through the outbox, free-form inside the window."""
    from bot.accounts import accounts
    from bot.handoff import handoff, outbox
    from bot.handoff.models import HandoffMessage
    from connectors.outbox_senders import sms_sender

    async def scenario():
        async with wa(sessions) as h:
            await h.text(USER, "hello")
            opened = handoff.request_handoff(sessions, SENDER, "whatsapp", "request",
                                             default_org="default")
            await h.text(USER, "are you there?")
            assert [m.text for m in h.agent.messages] == ["hello"]  # the bot did not get it
            await h.text(USER, "i want to kill myself")
            assert "999" in " ".join(h.sent_to(USER))
            assert handoff.active_handoff(sessions, SENDER).urgent
            with sessions() as s:
                kept = s.execute(select(HandoffMessage.role, HandoffMessage.text).where(
                    HandoffMessage.handoff_id == opened.id)).all()
            assert ("user", "are you there?") in kept
            jo = accounts.add_worker(sessions, "jo@example.org", "correct horse battery staple",
                                     "default", display_name="Jo")
            handoff.claim(sessions, opened.id, jo)
            handoff.worker_reply(sessions, opened.id, jo, "Hi, it's Jo. I'm here.")
            assert await outbox.deliver_due(sessions, {"whatsapp": sms_sender(h.channel)}) == 1
            assert h.sent_to(USER)[-1] == "Hi, it's Jo. I'm here."
    run(scenario())


def test_forget_on_whatsapp_deletes_everything_and_says_where_to_clear_the_chat(sessions):
    async def scenario():
        async with wa(sessions) as h:
            await h.text(USER, "need food")
            await h.text(USER, "Forget")
            assert "FORGET again" in h.sent_to(USER)[-1]
            await h.text(USER, "FORGET")
            assert "delete the chat in WhatsApp" in h.sent_to(USER)[-1]
            assert contacts.get_contact(sessions, SENDER) is None
    run(scenario())


def test_privacy_on_whatsapp_names_the_whatsapp_number(sessions):
    async def scenario():
        async with wa(sessions) as h:
            await h.text(USER, "PRIVACY")
            said = h.sent_to(USER)[-1]
            assert "your WhatsApp number, stored locked" in said and "FORGET" in said
    run(scenario())


def test_navigator_whatsapp_check_says_what_to_set(monkeypatch, capsys):
    from app.cli import main
    from bot.settings import get_settings

    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "SMS_PUBLIC_URL",
                 "TWILIO_WHATSAPP_NUMBER", "TWILIO_WHATSAPP_TEMPLATE_SID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMS_PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()
    try:
        assert main(["whatsapp", "check"]) == 1
        out = capsys.readouterr().out
        assert "WhatsApp is off: set TWILIO_ACCOUNT_SID" in out and "TWILIO_WHATSAPP_NUMBER" in out
        assert f"{PUBLIC}/webhooks/whatsapp/webhook" in out and "will not be sent" in out
        for name, value in (("TWILIO_ACCOUNT_SID", ACCOUNT_SID), ("TWILIO_AUTH_TOKEN", AUTH_TOKEN),
                            ("TWILIO_NUMBER", "+447700900000"), ("TWILIO_WHATSAPP_NUMBER", NUMBER),
                            ("TWILIO_WHATSAPP_TEMPLATE_SID", TEMPLATE)):
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        assert main(["whatsapp", "check"]) == 0
        assert "WhatsApp is ready." in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def test_a_crisis_in_every_state_gets_through(sessions):
    """First message, a pending "delete my data", the under-13 check, after STOP, and the
    answer to "are you safe right now?" after STOP: the crisis always reaches support."""
    from bot.safeguarding import check

    crisis = "i want to kill myself"
    concern = "sometimes i think about not being here but im safe right now"

    def reply(m):
        if m.text == concern:  # the bot asks, as action_safety_check does
            check.ask(sessions, SENDER, "whatsapp", ["suicidal_ideation"])
            return [{"text": "Are you safe right now? Reply YES or NO."}]
        if m.text in (crisis, "NO"):
            return [{"text": "Call 999. Samaritans 116 123."}]
        return [{"text": "ok"}]

    async def scenario():
        async with wa(sessions, reply) as h:
            await h.text(USER, crisis)  # the very first message
            assert "999" in h.sent_to(USER)[-1]
            await h.text(USER, "delete my data")  # a forget waiting for YES
            assert "FORGET again" in h.sent_to(USER)[-1]
            await h.text(USER, crisis)
            assert "999" in h.sent_to(USER)[-1] and contacts.get_contact(sessions, SENDER)
            await h.text(USER, "im 12")  # the under-13 check asked
            assert "are you 12?" in h.sent_to(USER)[-1]
            await h.text(USER, crisis)
            assert "999" in h.sent_to(USER)[-1]
            await h.text(USER, "STOP")
            await h.text(USER, concern)
            assert h.sent_to(USER)[-1] == "Are you safe right now? Reply YES or NO."
            await h.text(USER, "NO")  # the answer is never withheld, nor a keyword
            assert h.sent_to(USER)[-1] == "Call 999. Samaritans 116 123."
            assert [m.text for m in h.agent.messages].count(crisis) == 3
    run(scenario())
