"""The SMS channel over HTTP: signatures, dedupe, keywords, menus, sending, delivery reports."""
from __future__ import annotations

import asyncio

import pytest
from rasa.shared.exceptions import RasaException
from sqlalchemy import func, select

from bot.channels import contacts
from bot.channels.deliveries import get_status
from bot.channels.models import ChannelContact, DeliverySeen
from bot.channels.smstext import is_gsm, segments
from bot.settings import get_settings
from connectors.sms import SMSInput
from tests.connectors.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, TWILIO_NUMBER, inbound, new_sid
from tests.connectors.sms_harness import KEYS, PUBLIC, STATUS, WEBHOOK, run, running

PHONE = "+447700900123"
SENDER = KEYS.pseudonym("sms", PHONE)


def _stored(sessions) -> int:
    with sessions() as s:
        return (s.execute(select(func.count()).select_from(ChannelContact)).scalar()
                + s.execute(select(func.count()).select_from(DeliverySeen)).scalar())


# -- forged requests ----------------------------------------------------------------------------
FORGERIES = {
    "no signature": dict(headers={"X-Twilio-Signature": ""}),
    "wrong token": dict(token="0" * 32),
    "wrong url (as seen behind the proxy)": dict(sign_url="http://10.0.0.7:5005/webhooks/sms/webhook"),
    "status url signature on webhook": dict(sign_url=STATUS),
    "tampered parameter": dict(body=None, tamper=True),
    "json instead of a form": dict(headers={"Content-Type": "application/json"}),
}


@pytest.mark.parametrize("how", list(FORGERIES))
def test_forged_requests_are_rejected_and_nothing_is_stored(sessions, how):
    async def scenario():
        async with running(sessions) as h:
            kw = dict(FORGERIES[how])
            params = inbound(From=PHONE, Body="need food", MessageSid=new_sid())
            if kw.pop("tamper", False):
                from tests.connectors.fake_twilio import signed
                data, _ = signed(WEBHOOK, params)
                kw["body"] = data.replace("need+food", "need+money")
            r = await h.post(WEBHOOK, params, **kw)
            assert r.status_code == 403
            assert h.agent.messages == [] and h.http.requests == [] and _stored(sessions) == 0
    run(scenario())


def test_oversized_bodies_are_refused_before_the_signature_is_checked(sessions):
    """Issue 17, item 1: body caps (a real Twilio form is a few KB, signed or not)."""
    async def scenario():
        async with running(sessions) as h:
            params = inbound(From=PHONE, Body="x" * 70_000, MessageSid=new_sid())
            for path in (WEBHOOK, STATUS):
                r = await h.post(path, params)  # even correctly signed
                assert r.status_code == 413
            assert h.agent.messages == [] and h.http.requests == [] and _stored(sessions) == 0
            ok = await h.text(PHONE, "y" * 1600)  # the longest real SMS body
            assert ok.status_code == 200
    run(scenario())


def test_forged_status_report_is_rejected(sessions):
    async def scenario():
        async with running(sessions) as h:
            r = await h.post(STATUS, {"MessageSid": new_sid(), "MessageStatus": "undelivered",
                                      "ErrorCode": "21610", "To": PHONE}, token="1" * 32)
            assert r.status_code == 403 and _stored(sessions) == 0
    run(scenario())


def test_signed_request_without_body_or_from_is_a_bad_request(sessions):
    async def scenario():
        async with running(sessions) as h:
            for drop in ("Body", "From", "MessageSid"):
                params = inbound(From=PHONE, Body="hi", MessageSid=new_sid())
                params.pop(drop)
                params.pop("SmsSid") if drop == "MessageSid" else None
                assert (await h.post(WEBHOOK, params)).status_code == 400
            assert (await h.post(WEBHOOK, {})).status_code == 400
            assert h.agent.messages == []
    run(scenario())


# -- a normal turn ------------------------------------------------------------------------------
def test_turn_answers_at_once_then_replies_by_rest(sessions):
    async def scenario():
        async with running(sessions) as h:
            r = await h.text(PHONE, "hello")
            assert r.status_code == 200 and "<Response></Response>" in r.text
            assert r.headers["content-type"].startswith("text/xml")
            msg = h.agent.messages[0]
            assert msg.sender_id == SENDER and msg.input_channel == "sms" and PHONE not in msg.sender_id
            assert h.sent_to(PHONE) == ["You said hello"]
            sent = h.http.sent[0]
            assert sent["From"] == TWILIO_NUMBER and sent["StatusCallback"] == STATUS
            row = contacts.get_contact(sessions, SENDER)
            assert PHONE not in row.address_sealed
            assert contacts.contact_address(sessions, KEYS, SENDER) == PHONE
    run(scenario())


def test_slow_turn_does_not_hold_the_webhook(sessions):
    async def scenario():
        gate = asyncio.Event()

        class Slow:
            async def handle_message(self, message):
                await gate.wait()
                await message.output_channel.send_response(message.sender_id, {"text": "late"})

        async with running(sessions, agent=Slow()) as h:
            data = inbound(From=PHONE, Body="hi", MessageSid=new_sid())
            from tests.connectors.fake_twilio import signed
            body, headers = signed(WEBHOOK, data)
            r = await asyncio.wait_for(h.client.post("/webhooks/sms/webhook", content=body,
                                                     headers=headers), timeout=2)
            assert r.status_code == 200 and h.http.sent == []
            gate.set()
            from connectors.common import drain
            await drain()
            assert h.sent_to(PHONE) == ["late"]
    run(scenario())


def test_replay_is_processed_once_even_after_a_restart(sessions):
    async def scenario():
        sid = new_sid()
        async with running(sessions) as h:
            assert (await h.text(PHONE, "hello", sid)).status_code == 200
            assert (await h.text(PHONE, "hello", sid)).status_code == 200
            assert len(h.agent.messages) == 1 and len(h.http.sent) == 1
        async with running(sessions) as h2:  # a new process (or replica), same database
            assert (await h2.text(PHONE, "hello", sid)).status_code == 200
            assert h2.agent.messages == [] and h2.http.sent == []
    run(scenario())


def test_long_and_emoji_messages(sessions):
    async def scenario():
        async with running(sessions, reply=lambda m: [{"text": "Got it 👍 – “thanks”… "
                                                               + "x" * 10}]) as h:
            await h.text(PHONE, "a" * 1600)
            await h.text(PHONE, "😀🙃🔥 need food 🍕")
            assert len(h.agent.messages[0].text) == 1600
            assert h.agent.messages[1].text == "😀🙃🔥 need food 🍕"  # the user's text untouched
            for body in h.sent_to(PHONE):
                assert is_gsm(body) and segments(body) == 1
                assert body.startswith('Got it - "thanks"... ')
    run(scenario())


def test_empty_body_is_not_a_turn(sessions):
    async def scenario():
        async with running(sessions) as h:
            r = await h.post(WEBHOOK, inbound(From=PHONE, Body="", NumMedia="1",
                                              MessageSid=new_sid()))
            assert r.status_code == 200 and h.agent.messages == []
            assert "only read text" in h.sent_to(PHONE)[0]
    run(scenario())


# -- opt-out ------------------------------------------------------------------------------------
STOP_WORDS = ["STOP", "stop", " Stop! ", "StopAll", "unsubscribe", "UnSubScribe.", "cancel",
              "CANCEL", "End", "end.", "QUIT", "qUiT "]


@pytest.mark.parametrize("word", STOP_WORDS)
def test_opt_out_words(sessions, word):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, word)
            assert contacts.is_opted_out(sessions, SENDER) and h.agent.messages == []
            assert len(h.sent_to(PHONE)) == 1 and "START" in h.sent_to(PHONE)[0]
            await h.text(PHONE, "need food")  # nothing more is sent
            await h.text(PHONE, word)  # not even a second confirmation
            assert len(h.sent_to(PHONE)) == 1
    run(scenario())


@pytest.mark.parametrize("text", ["I want to end it", "can't stop crying", "stop it",
                                  "end of the line for me"])
def test_sentences_with_keywords_are_not_opt_outs(sessions, text):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, text)
            assert not contacts.is_opted_out(sessions, SENDER)
            assert h.agent.messages[0].text == text and h.sent_to(PHONE) == [f"You said {text}"]
    run(scenario())


def test_crisis_after_opt_out_still_gets_support_for_that_turn(sessions):
    def reply(m):
        return [{"text": "Call 999. Samaritans 116 123."}] if "end it" in m.text else \
            [{"text": "ok"}]

    async def scenario():
        async with running(sessions, reply=reply) as h:
            await h.text(PHONE, "STOP")
            await h.text(PHONE, "I want to end it")
            assert h.sent_to(PHONE)[-1] == "Call 999. Samaritans 116 123."
            assert contacts.is_opted_out(sessions, SENDER)  # still opted out afterwards
            await h.text(PHONE, "hello")
            assert len(h.sent_to(PHONE)) == 2 and h.agent.messages[-1].text == "hello"
    run(scenario())


def test_a_concern_after_opt_out_is_asked_and_the_answer_gets_through(sessions):
    from bot.safeguarding import check

    concern = "sometimes i think about not being here but im safe right now"

    def reply(m):
        if m.text == concern:  # the bot asks, as action_safety_check does
            check.ask(sessions, SENDER, "sms", ["suicidal_ideation"])
            return [{"text": "Are you safe right now? Reply YES or NO."}]
        return [{"text": "Call 999. Samaritans 116 123."}] if m.text == "NO" else [{"text": "ok"}]

    async def scenario():
        async with running(sessions, reply=reply) as h:
            await h.text(PHONE, "STOP")
            await h.text(PHONE, concern)
            assert h.sent_to(PHONE)[-1] == "Are you safe right now? Reply YES or NO."
            await h.text(PHONE, "NO")  # an answer to the check: never withheld, not a keyword
            assert h.sent_to(PHONE)[-1] == "Call 999. Samaritans 116 123."
            assert contacts.is_opted_out(sessions, SENDER)
            check.clear(sessions, SENDER)
            await h.text(PHONE, "hello")  # after the check, opted out as before
            assert len(h.sent_to(PHONE)) == 3
    run(scenario())


def test_start_resubscribes_and_help_answers(sessions):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "help")
            assert "To talk to a person" in h.sent_to(PHONE)[0] and "999" in h.sent_to(PHONE)[0]
            assert segments(h.sent_to(PHONE)[0]) == 1
            await h.text(PHONE, "yes")  # not opted out: "yes" is just a message
            assert h.agent.messages[-1].text == "yes"
            await h.text(PHONE, "stop")
            await h.text(PHONE, "Start")
            assert not contacts.is_opted_out(sessions, SENDER)
            assert "You're back" in h.sent_to(PHONE)[-1]
            await h.text(PHONE, "hi")
            assert h.sent_to(PHONE)[-1] == "You said hi"
    run(scenario())


# -- menus --------------------------------------------------------------------------------------
def _menu_bot(m):
    if m.text.startswith("/"):
        return [{"text": f"payload {m.text}"}]
    return [{"text": "Here are 3 places.", "buttons": [
        {"title": f"More about {i}", "payload": f'/ask_detail{{"result_number":"{i}"}}'}
        for i in (1, 2, 3)] + [{"title": "Show more", "payload": "/request_more"}]},
        {"text": "Also money.", "buttons": [{"title": "More money help",
                                             "payload": "/need_money"}]}]


def test_numbered_menu_round_trip_across_a_restart(sessions):
    async def scenario():
        async with running(sessions, reply=_menu_bot) as h:
            await h.text(PHONE, "need a bed")
            [body] = h.sent_to(PHONE)
            assert body == ("Here are 3 places.\nReply:\n1-3 Details\n4 Show more\n\n"
                            "Also money.\nReply 5 for More money help")
        async with running(sessions, reply=_menu_bot) as h:  # restarted
            await h.text(PHONE, "2")  # the menu sent before the restart
            assert h.agent.messages[-1].text == '/ask_detail{"result_number":"2"}'
            await h.text(PHONE, "need a bed")
            await h.text(PHONE, "the first one")
            assert h.agent.messages[-1].text == '/ask_detail{"result_number":"1"}'
            await h.text(PHONE, "need a bed")
            await h.text(PHONE, "four")
            assert h.agent.messages[-1].text == "/request_more"
            await h.text(PHONE, "need a bed")
            await h.text(PHONE, "5")
            assert h.agent.messages[-1].text == "/need_money"
            await h.text(PHONE, "need a bed")
            await h.text(PHONE, "9")  # no such option: plain text
            assert h.agent.messages[-1].text == "9"
    run(scenario())


def test_a_turn_without_buttons_clears_the_menu(sessions):
    async def scenario():
        async with running(sessions, reply=_menu_bot) as h:
            await h.text(PHONE, "need a bed")
            await h.text(PHONE, "2")  # answered without buttons
            await h.text(PHONE, "2")
            assert h.agent.messages[-1].text == "2"
    run(scenario())


# -- sending and delivery reports ---------------------------------------------------------------
def test_long_reply_split_on_sentences_and_capped(sessions):
    sentence = "This sentence is about forty characters. "

    async def scenario():
        async with running(sessions, reply=lambda m: [{"text": sentence * 30}]) as h:
            await h.text(PHONE, "hi")
            parts = h.sent_to(PHONE)
            assert len(parts) == 4 and all(segments(p) == 1 for p in parts)
            assert all(p.endswith("characters.") for p in parts[:3]) and parts[3].endswith("...")
    run(scenario())


def test_status_reports_recorded_and_carrier_opt_out_marks_unreachable(sessions):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "hi")
            msg_sid = new_sid()
            ok = {"MessageSid": msg_sid, "MessageStatus": "delivered", "To": PHONE,
                  "AccountSid": ACCOUNT_SID, "From": TWILIO_NUMBER, "SmsStatus": "delivered"}
            assert (await h.post(STATUS, ok)).status_code == 204
            assert get_status(sessions, msg_sid).status == "delivered"
            late = dict(ok, MessageStatus="sent", SmsStatus="sent")
            await h.post(STATUS, late)
            assert get_status(sessions, msg_sid).status == "delivered"
            bad = dict(ok, MessageSid=new_sid(), MessageStatus="undelivered", ErrorCode="21610")
            await h.post(STATUS, bad)
            assert not contacts.can_send(sessions, SENDER)
            await h.text(PHONE, "hi again")  # they wrote: reachable again
            assert h.sent_to(PHONE)[-1] == "You said hi again"
    run(scenario())


def test_rest_refusal_marks_unreachable_and_transient_errors_retry(sessions):
    async def scenario():
        async with running(sessions) as h:
            h.http.fail[PHONE] = (400, 21610)
            await h.text(PHONE, "hi")
            assert contacts.get_contact(sessions, SENDER).unreachable_reason.startswith("21610")
            other = "+447700900456"
            h.http.fail[other] = (503, 20500)
            await h.text(other, "hi")
            assert len([d for d in h.http.sent if d["To"] == other]) == 3  # tried 3 times
    run(scenario())


def test_sent_status_stored_without_number(sessions):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "hi")
            from bot.channels.models import SmsStatus
            with sessions() as s:
                rows = s.execute(select(SmsStatus)).scalars().all()
            assert len(rows) == 1 and rows[0].sender_id == SENDER and rows[0].status == "queued"
    run(scenario())


def test_from_credentials_and_configuration(monkeypatch):
    monkeypatch.setenv("TWILIO_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("SMS_MAX_SEGMENTS", "3")
    get_settings.cache_clear()  # the settings are read once per process
    try:
        ch = SMSInput.from_credentials({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                                        "twilio_number": TWILIO_NUMBER,
                                        "public_url": PUBLIC + "/"})
    finally:
        get_settings.cache_clear()
    assert ch.max_segments == 3 and ch.client.api.base_url == "http://127.0.0.1:9"
    assert ch.public_url == PUBLIC and ch.name() == "sms"
    with pytest.raises(RasaException):
        SMSInput.from_credentials(None)
    with pytest.raises(ValueError):
        SMSInput(ACCOUNT_SID, "", TWILIO_NUMBER, PUBLIC)


def test_a_worker_owns_the_conversation_messages_wait_for_them(sessions):
    """Issue 6: while a handoff is open, texts go to the worker, not the bot; a crisis text
    still gets crisis support at once and makes the handoff urgent; after hand-back the bot
    answers again."""
    from sqlalchemy import select

    from bot.handoff import handoff
    from bot.handoff.models import HandoffMessage

    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "hello")
            assert h.agent.messages[-1].text == "hello"
            opened = handoff.request_handoff(sessions, SENDER, "sms", "request",
                                             default_org="default")
            await h.text(PHONE, "are you there?")
            assert h.agent.messages[-1].text == "hello"  # the bot did not get it
            await h.text(PHONE, "i want to kill myself")
            assert "999" in " ".join(h.sent_to(PHONE))
            assert handoff.active_handoff(sessions, SENDER).urgent
            with sessions() as s:
                kept = s.execute(select(HandoffMessage.role, HandoffMessage.text).where(
                    HandoffMessage.handoff_id == opened.id)).all()
            assert ("user", "are you there?") in kept
            handoff.close_for_forget(sessions, SENDER)
            await h.text(PHONE, "need food")
            assert h.agent.messages[-1].text == "need food"
    run(scenario())


def test_forget_asks_to_confirm_then_deletes_everything(sessions):
    from sqlalchemy import text as sql

    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "need food")
            await h.text(PHONE, "Forget")
            assert "FORGET again" in h.sent_to(PHONE)[-1]
            assert contacts.get_contact(sessions, SENDER) is not None  # nothing deleted yet
            await h.text(PHONE, "FORGET")
            assert "deleted" in h.sent_to(PHONE)[-1]
            assert contacts.get_contact(sessions, SENDER) is None
            with sessions() as s:  # the untracked goodbye left no delivery row behind
                assert s.execute(sql("SELECT COUNT(*) FROM sms_status WHERE sender_id = :s"),
                                 {"s": SENDER}).scalar() == 0
            assert [m.text for m in h.agent.messages] == ["need food"]
    run(scenario())


def test_forget_blanks_the_texts_in_twilios_logs(sessions):
    """Issue 17, item 9: forget deleted our copy, but the words stayed in Twilio's message log
    (inbound and outbound). Twilio's redaction (the body updated to empty) blanks them."""
    async def scenario():
        async with running(sessions) as h:
            h.http.received(PHONE, "my name is Jo and I sleep at the bus station")
            await h.text(PHONE, "my name is Jo and I sleep at the bus station")
            h.http.received("+447700900999", "someone else's text")
            other = [m for m in h.http.log.values() if m["from"] == "+447700900999"]
            h.http.received(PHONE, "FORGET")
            await h.text(PHONE, "FORGET")
            await h.text(PHONE, "FORGET")
            goodbye = h.sent_to(PHONE)[-1]
            assert "deleted" in goodbye
            mine = [m for m in h.http.log.values() if PHONE in (m["to"], m["from"])]
            assert len(mine) >= 4
            assert [m["body"] for m in mine if m["body"]] == [goodbye]  # only the goodbye
            assert other[0]["body"] == "someone else's text"  # nobody else's
    run(scenario())


def test_privacy_keyword_explains_what_is_kept(sessions):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "privacy")
            assert "FORGET" in h.sent_to(PHONE)[-1] and h.agent.messages == []
    run(scenario())


def test_forget_confirmed_with_the_menu_number_or_yes(sessions):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "need food")
            await h.text(PHONE, "please delete my data")
            assert "Reply 1 for Yes, delete it all" in h.sent_to(PHONE)[-1]
            await h.text(PHONE, "1")
            assert "deleted" in h.sent_to(PHONE)[-1]
            assert contacts.get_contact(sessions, SENDER) is None
            await h.text(PHONE, "delete my data")
            await h.text(PHONE, "yes")
            assert "deleted" in h.sent_to(PHONE)[-1]
    run(scenario())


def test_mydata_summary_fits_two_segments_even_after_stop(sessions):
    from bot.channels.smstext import segments

    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "need somewhere to stay")
            await h.text(PHONE, "STOP")
            await h.text(PHONE, "MYDATA")
            summary = h.sent_to(PHONE)[-1]
            assert "FORGET" in summary and segments(summary) <= 2
            assert [m.text for m in h.agent.messages] == ["need somewhere to stay"]
    run(scenario())


@pytest.mark.first_contact
def test_first_text_gets_the_notice_packed_with_the_reply(sessions):
    async def scenario():
        async with running(sessions) as h:
            await h.text(PHONE, "need food")
            first = "\n".join(h.sent_to(PHONE))
            assert "Before we start" in first and "FORGET" in first and "need food" in first
            count = len(h.sent_to(PHONE))
            await h.text(PHONE, "thanks")
            assert "Before we start" not in "\n".join(h.sent_to(PHONE)[count:])
    run(scenario())


def _database_down():
    """Sessions on a PostgreSQL server that is not there (connection refused at once)."""
    from sqlalchemy.orm import sessionmaker

    from bot.db import make_engine

    engine = make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")
    return sessionmaker(bind=engine, future=True)


def test_with_the_database_down_an_sms_still_gets_a_safe_reply_with_helplines():
    """Issue 17, item 6: the webhook raised (500) and Twilio does not retry: the message,
    a crisis included, got nothing. Now the webhook's own TwiML answers it."""
    async def scenario():
        async with running(_database_down()) as h:
            crisis = await h.text(PHONE, "i want to end my life")
            assert crisis.status_code == 200 and "<Message>" in crisis.text
            assert "116 123" in crisis.text and "having trouble" in crisis.text
            plain = await h.text(PHONE, "need food")
            assert plain.status_code == 200 and "999" in plain.text
            assert h.sent_to(PHONE) == []  # nothing through the API, nothing stored

    run(scenario())


def test_a_database_failure_inside_the_turn_still_gets_the_safe_reply(sessions, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import connectors.sms as sms_mod

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(sms_mod.contacts, "is_opted_out", down)

    async def scenario():
        async with running(sessions) as h:
            assert (await h.text(PHONE, "i want to end my life")).status_code == 200
            sent = "\n".join(h.sent_to(PHONE))
            assert "116 123" in sent and "having trouble" in sent

    run(scenario())
