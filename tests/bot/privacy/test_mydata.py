""""Send me my data" (bot.privacy.mydata): what the export holds, what it never holds, the summary."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)
from sqlalchemy import create_engine, inspect, select

from bot.accounts import accounts
from bot.handoff import casework
from bot.channels import contacts
from bot.handoff import handoff
from bot.privacy import mydata
from bot.pathway import pathway
from bot.feedback import reviews
from bot.channels.deliveries import record_status
from bot.channels.models import ChannelContact
from bot.safeguarding.models import SafeguardingAlert
from bot.directory.models import Service
from bot.keys import Keys
from bot.channels.smstext import is_gsm, segments, septets

KEYS = Keys("m" * 40)
SENDER = KEYS.pseudonym("telegram", "4242")
OTHER = KEYS.pseudonym("telegram", "777")
CHAT_ID = "9988776655"
EMAIL = "quill.worker@example.org"
WORKER_NAME = "Samantha Quill"
NOTE = "Lives at 12 Elm Road, brother violent"
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=timezone.utc).timestamp()


def _events(texts=("need somewhere to stay in Leeds and food",), start: float = T0) -> list:
    """Rasa events as the tracker store holds them (``Event.as_dict``)."""
    events = [SessionStarted(timestamp=start), ActionExecuted("action_listen", timestamp=start)]
    t = start
    for text in texts:
        t += 1
        events.append(UserUttered(text, {"name": "need_housing", "confidence": 0.9},
                                  timestamp=t))
    events += [
        SlotSet("needs", ["housing", "food"], timestamp=t + 1),
        BotUttered("Where are you? A town, area or postcode is fine.",
                   {"buttons": [{"title": "Skip", "payload": "/skip"}]}, timestamp=t + 2),
        UserUttered("/skip", {"name": "skip", "confidence": 1.0}, timestamp=t + 3),
        UserUttered("/inform", {"name": "inform", "confidence": 1.0}, timestamp=t + 4,
                    metadata={"location": {"latitude": 53.8, "longitude": -1.55}}),
        SlotSet("location", "Leeds", timestamp=t + 5),
        SlotSet("latitude", 53.7997, timestamp=t + 5),
        SlotSet("longitude", -1.5492, timestamp=t + 5),
        SlotSet("age", 19.0, timestamp=t + 6),
        BotUttered(None, {"custom": {"request_location": True}}, timestamp=t + 7),
        BotUttered("Here's somewhere to stay help near Leeds", timestamp=t + 8),
    ]
    return [e.as_dict() for e in events]


def _person(sessions, sender: str, typed: str, note: str = NOTE) -> None:
    """A contact, an SMS delivery report, a closed youth-worker chat with a note and a tag, a
    crisis message kept outside the chat, and a safeguarding alert."""
    contacts.remember_contact(sessions, KEYS, sender, "telegram", CHAT_ID, "leeds_hub")
    record_status(sessions, "SM" + sender[-30:], sender, "delivered", None)
    h = handoff.request_handoff(sessions, sender, "telegram", "request", org="leeds_hub",
                                needs=["housing"])
    handoff.record_user_message(sessions, sender, typed)
    worker = accounts.get_worker(sessions, 1)
    handoff.worker_reply(sessions, h.id, worker, "Hi, I'm here. Where are you staying tonight?")
    casework.add_note(sessions, h.id, worker, note)
    casework.set_tag(sessions, h.id, worker, "sofa surfing")
    handoff.resolve(sessions, h.id, worker, "safeguarding")
    handoff.record_bot_message(sessions, sender, "If you are in danger, call 999.")
    with sessions() as s, s.begin():
        s.add(SafeguardingAlert(sender_key=sender, categories="self_harm"))


@pytest.fixture
def held(sessions):
    accounts.add_org(sessions, "leeds_hub", "Leeds Youth Hub")
    accounts.add_worker(sessions, EMAIL, "correct horse battery", "leeds_hub",
                        display_name=WORKER_NAME)
    _person(sessions, SENDER, "is anyone there? my brother hits me")
    _person(sessions, OTHER, "hello from someone else", note="other person's note")
    return mydata.collect(sessions, SENDER, _events())


def test_export_holds_conversation_slots_contact_and_chats(held):
    data = held
    lines = [(line["from"], line["text"]) for line in data["conversation"]]
    assert lines[:5] == [
        ("you", "need somewhere to stay in Leeds and food"),
        ("navigator", "Where are you? A town, area or postcode is fine."),
        ("you", "(pressed a button)"),
        ("you", "(shared your location)"),
        ("navigator", "Here's somewhere to stay help near Leeds"),
    ]
    assert data["conversation"][1]["buttons"] == ["Skip"]
    assert data["conversation"][0]["at"] == "2026-11-03T10:00:01+00:00"
    # The bot message kept by the handoff outside any chat joins the conversation.
    assert lines[5] == ("navigator", "If you are in danger, call 999.")
    assert data["conversation_total"] == 6 and data["truncated"] is False
    assert data["conversation_since"] == "2026-11-03T10:00:01+00:00"
    assert data["remembered"] == {"needs": ["somewhere to stay", "food"], "area": "Leeds",
                                  "map_point": {"latitude": 53.7997, "longitude": -1.5492},
                                  "age": 19}
    contact = data["contact"]
    assert contact["channel"] == "telegram" and contact["referral"] == "leeds_hub"
    assert contact["address"] == "your chat id, stored locked"
    assert contact["first_contact_at"] and contact["opted_out_at"] is None
    [chat] = data["youth_worker_chats"]
    assert chat["organisation"] == "Leeds Youth Hub" and chat["status"] == "closed"
    assert chat["why"] == "you asked to talk to a person" and chat["needs"] == ["somewhere to stay"]
    assert [m["from"] for m in chat["messages"]] == ["you", "youth worker", "navigator"]
    assert chat["messages"][0]["text"] == "is anyone there? my brother hits me"
    assert chat["messages"][0]["safety_flag"] is True  # "hits me" was flagged as a risk
    assert data["safety_alerts"]["count"] == 1 and len(data["safety_alerts"]["dates"]) == 1
    assert data["sms_delivery_reports"] == {"count": 1}
    assert "private notes (1 so far)" in data["about"] and "Leeds Youth Hub" in data["about"]
    assert "send /forget" in data["about"] and SENDER in data["about"]


def test_export_never_holds_notes_tags_worker_identity_address_or_other_people(sessions, held):
    raw = mydata.to_json_bytes(held)
    assert json.loads(raw.decode("utf-8")) == held
    with sessions() as s:
        sealed = s.execute(select(ChannelContact.address_sealed)
                           .where(ChannelContact.sender_id == SENDER)).scalar()
    assert sealed
    text = raw.decode("utf-8")
    for secret in (CHAT_ID, sealed, EMAIL, WORKER_NAME, "Samantha", NOTE, "Elm Road",
                   "sofa surfing", "Safeguarding referral made", "self_harm", OTHER,
                   "someone else", "other person's note"):
        assert secret not in text, secret
    assert "outcome" not in held["youth_worker_chats"][0]


def test_json_file_is_utf8_and_indented(sessions):
    data = mydata.collect(sessions, "rest-abc", _events(["où est le foyer 🏠 à Leeds"]))
    raw = mydata.to_json_bytes(data)
    assert "où est le foyer 🏠".encode("utf-8") in raw and b"\n  " in raw
    assert mydata.FILENAME == "my-data.json"


def test_slots_follow_rasa_resets(sessions):
    events = _events() + [e.as_dict() for e in (
        SessionStarted(timestamp=T0 + 100), SlotSet("needs", ["money"], timestamp=T0 + 101),
        SlotSet("location", "skipped", timestamp=T0 + 102))]
    remembered = mydata.collect(sessions, "rest-abc", events)["remembered"]
    assert remembered == {"needs": ["money"]}  # area skipped, age not carried over


def test_summary_in_plain_words_per_channel(held):
    sms = mydata.summary(held, "sms")
    assert sms.startswith("Here's what we keep about you: 6 messages since 3 Nov 2026; "
                          "you're looking for: somewhere to stay, food; area: Leeds; age 19; "
                          "1 chat with a youth worker; 1 safety alert for a youth worker")
    assert sms.endswith("To delete it all: text FORGET.")
    assert is_gsm(sms) and septets(sms) <= 306 and segments(sms) <= 2
    tg = mydata.summary(held, "telegram")
    assert tg.endswith("send /forget.") and "your chat id, stored locked" in tg
    assert len(tg) <= 600
    assert mydata.summary(held, "rest").endswith("say 'delete my data'.")


def test_sms_summary_fits_two_segments_at_worst(sessions, held):
    data = dict(held)
    data["remembered"] = {"needs": [f"need number {i} with a long name" for i in range(12)],
                          "area": "Łódź – Llanfairpwllgwyngyll" + "gogerychwyrndrobwll" * 3,
                          "age": 24}
    data["youth_worker_chats"] = held["youth_worker_chats"] * 12
    data["safety_alerts"] = {"count": 9, "dates": []}
    data["sms_delivery_reports"] = {"count": 4321}
    data["conversation_total"] = 123456
    sms = mydata.summary(data, "sms")
    assert is_gsm(sms) and septets(sms) <= 306 and segments(sms) <= 2, sms
    assert "you're looking for: need number 0" in sms and "more" in sms
    assert sms.endswith("text FORGET.")
    assert len(mydata.summary(data, "telegram")) <= 600


def test_nothing_held(sessions):
    data = mydata.collect(sessions, "sms-nobody", [])
    assert data["conversation"] == [] and data["contact"] is None
    assert data["youth_worker_chats"] == [] and data["remembered"] == {}
    assert data["safety_alerts"] == {"count": 0, "dates": []}
    assert data["truncated"] is False and data["generated_at"]
    for channel in ("sms", "telegram", "rest"):
        assert mydata.summary(data, channel) == "We don't keep anything about you right now."


def test_long_conversations_keep_the_latest_2000_lines(sessions):
    events = [UserUttered(f"message {i}", timestamp=T0 + i).as_dict() for i in range(2500)]
    data = mydata.collect(sessions, "rest-long", iter(events))
    assert len(data["conversation"]) == mydata.MAX_LINES == 2000
    assert data["conversation"][0]["text"] == "message 500"
    assert data["conversation"][-1]["text"] == "message 2499"
    assert data["truncated"] is True and data["conversation_total"] == 2500
    assert data["conversation_since"] == "2026-11-03T10:00:00+00:00"
    assert "latest 2000 messages" in data["about"]
    exact = mydata.collect(sessions, "rest-long", events[:2000])
    assert exact["truncated"] is False and len(exact["conversation"]) == 2000


def test_export_holds_the_plan_and_how_referrals_went(sessions):
    ref = pathway.add_referral(sessions, SENDER, "housing", "svc-1", "Leeds Nightstop",
                               timedelta(days=3))
    pathway.record_outcome(sessions, SENDER, ref.id, "got_help")
    step = pathway.add_step(sessions, SENDER, "food", "Food bank Tue 10am")
    pathway.set_status(sessions, step.id, SENDER, "dropped")
    pathway.add_step(sessions, OTHER, "food", "someone else's step")
    data = mydata.collect(sessions, SENDER, [])
    plan = data["my_plan"]
    assert [(g["need"], g["title"]) for g in plan["goals"]] == [
        ("somewhere to stay", "Somewhere stable to live"), ("food", "Enough to eat")]
    assert plan["goals"][0]["steps"][0]["text"] == "Contact Leeds Nightstop"
    assert plan["goals"][0]["steps"][0]["status"] == "done"  # got help: the step is done
    assert plan["goals"][1]["steps"][0]["status"] == "dropped"  # dropped steps are theirs too
    [outcome] = plan["referral_outcomes"]
    assert outcome["outcome"] == "got_help" and outcome["framework_version"] == "1.0.0"
    assert outcome["step"] == "Contact Leeds Nightstop"
    assert "someone else" not in mydata.to_json_bytes(data).decode("utf-8")
    assert not mydata.is_empty(data) and "'my_plan' is your plan" in data["about"]
    sms = mydata.summary(data, "sms")
    assert "a plan with 2 steps" in sms and segments(sms) <= 2


def test_export_holds_ratings_and_tips(sessions):
    with sessions() as s, s.begin():
        s.add(Service(id="svc-1", name="Leeds Nightstop"))
    reviews.rate(sessions, SENDER, "svc-1", 4, "kind staff, ring me 07700 900123")
    reviews.add_tip(sessions, SENDER, "svc-1", "ask for the youth worker at the desk")
    reviews.rate(sessions, OTHER, "svc-1", 1, "someone else's comment")
    data = mydata.collect(sessions, SENDER, [])
    [rating] = data["my_ratings"]["ratings"]
    assert (rating["service"], rating["stars"]) == ("Leeds Nightstop", 4)
    assert rating["comment"].startswith("kind staff") and "900123" not in rating["comment"]
    assert [t["text"] for t in data["my_ratings"]["tips"]] == [
        "ask for the youth worker at the desk"]
    assert "someone else" not in mydata.to_json_bytes(data).decode("utf-8")
    assert not mydata.is_empty(data) and "'my_ratings'" in data["about"]
    sms = mydata.summary(data, "sms")
    assert "1 rating and 1 tip" in sms and is_gsm(sms) and segments(sms) <= 2
    assert mydata.collect(sessions, "rest-nobody", [])["my_ratings"] == {"ratings": [],
                                                                         "tips": []}


def test_every_table_keyed_by_a_sender_is_covered_or_excluded(db_url):
    engine = create_engine(db_url)
    try:
        insp = inspect(engine)
        keyed = {table for table in insp.get_table_names()
                 for col in insp.get_columns(table)
                 if col["name"] in ("sender_id", "sender_key", "open_sender")}
    finally:
        engine.dispose()
    assert {"channel_contact", "handoff", "safeguarding_alert", "pathway_goal", "pathway_step",
            "referral_outcome", "service_rating", "peer_tip"} <= keyed
    assert keyed - set(mydata.COVERAGE) == set(), "cover the new table in bot/privacy/mydata.py"
