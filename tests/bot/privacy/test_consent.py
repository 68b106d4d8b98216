"""Privacy requests in plain words, the first-contact notice, the under-13 texts and state."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.privacy import consent, forget
from bot.channels.models import ChannelContact
from bot.channels.smstext import is_gsm, segments

FORGET_ASKS = ["delete my data", "Delete my data please", "can you delete all my messages",
               "/forget", "FORGET", "forget me", "please erase everything you have about me",
               "wipe my info", "delete this chat", "I want you to remove my details",
               "get rid of all my data", "forget everything i told you", "delete",
               "I'd like to exercise my right to be forgotten", "Clear my history pls"]
PRIVACY_ASKS = ["what do you keep about me", "/privacy", "PRIVACY", "privacy policy",
                "What data do you store?", "is this chat private?", "who can see this",
                "who can read my messages", "do you save my messages", "is this confidential",
                "what happens to my data", "what info do u have about me",
                "what do you know about me"]
EXPORT_ASKS = ["send me my data", "/mydata", "MYDATA", "my data", "can i get a copy of my data",
               "give me all my info", "download my data", "email me a copy of my messages",
               "can I see the data you have on me", "export my data"]
EVERYDAY = ["i need somewhere to stay", "my phone deleted all my contacts", "hi",
            "I'm 19 and homeless in Leeds", "what can you do", "my data ran out",
            "who can help me with rent", "is this service free", "i forgot my password",
            "delete that last bit, I meant Sheffield", "can you keep it short",
            "my mum keeps my money", "the job centre has my details wrong", "yes", "2",
            "/need_housing", "privacy is important to me but I need food"]


@pytest.mark.parametrize("text", FORGET_ASKS)
def test_forget_requests(text):
    assert consent.request(text) == consent.FORGET


@pytest.mark.parametrize("text", PRIVACY_ASKS)
def test_privacy_requests(text):
    assert consent.request(text) == consent.PRIVACY


@pytest.mark.parametrize("text", EXPORT_ASKS)
def test_export_requests(text):
    assert consent.request(text) == consent.EXPORT


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_messages_are_not_privacy_requests(text):
    assert consent.request(text) is None


@pytest.mark.parametrize("text,yes", [("yes", True), ("Yes!", True), ("ok delete it", False),
                                      ("yes delete it all", True), ("Y", True), ("no", False),
                                      ("yeah", True), ("wait what", False), ("I'm sure", True)])
def test_confirmation(text, yes):
    assert consent.is_yes(text) is yes


@pytest.mark.parametrize("channel,words", [("telegram", ("/privacy", "/forget")),
                                           ("sms", ("PRIVACY", "FORGET")),
                                           ("rest", ("'privacy'", "'delete my data'"))])
def test_notice_is_short_and_names_the_commands_of_the_channel(channel, words):
    text = consent.notice(channel, 365)
    assert len(text.splitlines()) <= 3
    assert all(w in text for w in words)
    assert "12 months" in text and "youth worker" in text
    if channel == "sms":
        assert is_gsm(text) and segments(text) <= 2


def test_privacy_text_per_channel():
    sms = consent.privacy_text("sms", 180)
    assert is_gsm(sms) and segments(sms) <= 2 and "6 months" in sms and "FORGET" in sms
    tg = consent.privacy_text("telegram", 365)
    for part in ("What I keep", "Who sees it", "How long", "/mydata", "/forget", "chat id"):
        assert part in tg
    assert "chat id" not in consent.privacy_text("rest", 365)


@pytest.mark.parametrize("region,helpline", [("GB", "0800 1111"), ("US", "1-800-422-4453"),
                                             ("SG", "Tinkle Friend")])
def test_child_text_signposts_a_childrens_helpline(region, helpline):
    text = consent.child_text(region)
    assert helpline in text and "won't keep" in text


def test_state_notice_once_child_and_pending_forget(sessions):
    sender = "s-1"
    assert consent.state(sessions, sender) == consent.ContactState()
    assert consent.record_notice(sessions, sender, "rest") is True
    assert consent.record_notice(sessions, sender, "rest") is False  # exactly once
    consent.set_child(sessions, sender, "rest", True)
    st = consent.state(sessions, sender)
    assert st.noticed and st.child and not st.forget_pending
    consent.set_child(sessions, sender, "rest", False)
    assert not consent.state(sessions, sender).child
    assert forget.confirm_or_ask(sessions, sender, "rest") is False
    assert consent.state(sessions, sender).forget_pending
    later = datetime.now(timezone.utc) + timedelta(minutes=6)
    assert not consent.state(sessions, sender, now=later).forget_pending  # expired
    consent.cancel_forget(sessions, sender)
    with sessions() as s:
        assert s.get(ChannelContact, sender).forget_requested_at is None


@pytest.mark.parametrize("text,age", [
    ("I'm 12", 12), ("im 11 and scared", 11), ("i am only 12 years old", 12), ("aged 10", 10),
    ("my age is 12", 12), ("I'm 19 and homeless", 19),
    ("my little sister is 12 years old", None), ("i have a 12 year old brother", None),
    ("she is 12", None), ("i'm 12 minutes away", None), ("been on the street since i was 12", None),
    ("12 yo", None), ("me and my sister aged 11 got kicked out", None),
    ("i have a son aged 11 and need help", None), ("hi, aged 12, need help", 12),
    ("im 12 stone and want to get fit", None), ("i'm 12 grand in debt", None),
    ("i am aged 12", 12)])
def test_stated_age_is_the_writers_own(text, age):
    assert consent.stated_age(text) == age
