"""The gate every message passes before the dialogue model (connectors/gate.py): first-contact
notice, privacy requests, forget with confirmation, under-13 minimal mode, crisis first."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import List

import pytest
from sqlalchemy import select
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from bot.privacy import consent
from bot.channels import contacts
from bot.handoff import handoff
from bot.channels.models import ChannelContact
from bot.keys import Keys
from connectors.gate import deliver

SENDER = "gate-user"


class Rig:
    """A fake Rasa server: an in-memory tracker store and a bot that echoes."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.store = InMemoryTrackerStore(Domain.empty())
        self.app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(
            tracker_store=self.store)))
        self.bot_got: List[str] = []

    async def on_new_message(self, message: UserMessage) -> None:
        self.bot_got.append(message.text)
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        tracker.update(BotUttered(f"bot: {message.text}"))
        await self.store.save(tracker)
        await message.output_channel.send_text_message(message.sender_id, f"bot: {message.text}")

    def say(self, text: str, channel: str = "rest", sender: str = SENDER) -> List[str]:
        out = CollectingOutputChannel()
        message = UserMessage(text, out, sender, input_channel=channel)
        asyncio.run(deliver(message, self.on_new_message, self.sessions, self.app))
        return [m.get("text") or "" for m in out.messages]

    def say_raw(self, text: str, channel: str = "rest") -> list:
        out = CollectingOutputChannel()
        asyncio.run(deliver(UserMessage(text, out, SENDER, input_channel=channel),
                            self.on_new_message, self.sessions, self.app))
        return out.messages

    def stored(self, sender: str = SENDER) -> int:
        return len(self.store.store.get(sender) or b"")


@pytest.fixture
def rig(sessions, monkeypatch):
    monkeypatch.setenv("NAVIGATOR_DUTY_HOURS", "always")
    from bot.settings import get_settings
    get_settings.cache_clear()
    yield Rig(sessions)
    get_settings.cache_clear()


@pytest.mark.first_contact
def test_first_contact_gets_the_notice_once_then_the_bot(rig):
    first = rig.say("need somewhere to stay in Leeds")
    assert first[0].startswith("Before we start") and "'delete my data'" in first[0]
    assert first[1] == "bot: need somewhere to stay in Leeds"
    assert rig.say("thanks") == ["bot: thanks"]
    assert rig.bot_got == ["need somewhere to stay in Leeds", "thanks"]


@pytest.mark.first_contact
def test_a_crisis_first_message_is_answered_first_and_the_notice_waits(rig):
    assert rig.say("i want to kill myself") == ["bot: i want to kill myself"]
    later = rig.say("ok")
    assert later[0].startswith("Before we start") and later[1] == "bot: ok"


@pytest.mark.parametrize("channel,command", [("telegram", "/privacy"), ("sms", "PRIVACY"),
                                             ("rest", "what do you keep about me")])
def test_privacy_is_answered_without_the_bot(rig, channel, command):
    reply = rig.say(command, channel)
    assert len(reply) == 1 and ("What I keep" in reply[0] or "We keep" in reply[0])
    assert rig.bot_got == []


def test_forget_asks_then_yes_deletes_everything(rig):
    rig.say("hi, I'm Jordan, need a bed in Leeds")
    contacts.remember_contact(rig.sessions, Keys("k" * 40), SENDER, "rest", "addr-1")
    assert rig.stored() > 0
    asked = rig.say_raw("delete my data")
    assert "can't be undone" in asked[0]["text"]
    assert asked[0]["buttons"] == [{"title": "Yes, delete it all", "payload": "/forget"}]
    assert rig.stored() > 0  # nothing deleted before the yes
    done = rig.say("yes")
    assert done[0].startswith("Done: I've deleted")
    assert rig.stored() == 0
    with rig.sessions() as s:
        assert s.get(ChannelContact, SENDER) is None
    assert rig.bot_got == ["hi, I'm Jordan, need a bed in Leeds"]


def test_the_button_or_the_request_again_confirms(rig):
    rig.say("hello")
    rig.say("/forget", "telegram")
    assert rig.say("/forget", "telegram")[0].startswith("Done")
    assert rig.stored() == 0


def test_anything_else_cancels_a_pending_forget(rig):
    rig.say("hello")
    rig.say("delete my data")
    assert rig.say("actually I need food") == ["bot: actually I need food"]
    assert rig.say("yes") == ["bot: yes"]  # no longer a confirmation
    assert rig.stored() > 0


def test_under_13_is_signposted_and_nothing_is_kept(rig):
    rig.say("hi")
    assert rig.stored() > 0
    asked = rig.say("I'm 12 and need help")
    assert len(asked) == 1 and "are you 12?" in asked[0] and "YES" in asked[0]
    assert rig.stored() > 0 and not consent.state(rig.sessions, SENDER).child  # nothing yet
    reply = rig.say("yes")
    assert len(reply) == 1 and "Childline" in reply[0] and "won't keep" in reply[0]
    assert rig.stored() == 0
    assert rig.say("where can I go")[0] == reply[0]  # the same answer, still nothing stored
    assert rig.stored() == 0 and rig.bot_got == ["hi"]
    with rig.sessions() as s:
        row = s.get(ChannelContact, SENDER)
        assert row.child_at is not None and row.address_sealed is None and row.referral is None


def test_a_child_in_crisis_still_gets_the_bot_and_a_correction_lifts_the_flag(rig):
    rig.say("i am 11")
    rig.say("yes")
    assert rig.say("my dad hits me") == ["bot: my dad hits me"]  # crisis: never withheld
    assert rig.say("sorry I'm 17 not 11")[-1] == "bot: sorry I'm 17 not 11"
    assert not consent.state(rig.sessions, SENDER).child


def test_while_a_worker_has_the_conversation_the_bot_stays_quiet(rig):
    rig.say("hello")
    handoff.request_handoff(rig.sessions, SENDER, "rest", "request")
    out = CollectingOutputChannel()
    got = asyncio.run(deliver(UserMessage("are you there", out, SENDER, input_channel="rest"),
                              rig.on_new_message, rig.sessions, rig.app))
    assert got is False and out.messages == [] and rig.bot_got == ["hello"]


def _age_handoff(rig, minutes: int) -> None:
    from datetime import datetime, timedelta, timezone

    from bot.handoff.models import Handoff

    with rig.sessions() as s, s.begin():
        h = s.execute(select(Handoff).where(Handoff.open_sender == SENDER)).scalar_one()
        h.created_at = datetime.now(timezone.utc) - timedelta(minutes=minutes)


def test_an_untaken_handoff_is_handed_back_to_the_bot_after_the_wait(rig):
    """Issue 17, item 7: after two misunderstandings out of hours the bot paused for good:
    "where can I sleep tonight" met silence."""
    rig.say("hello")
    handoff.request_handoff(rig.sessions, SENDER, "rest", "fallback")
    _age_handoff(rig, 10)
    assert rig.say("anyone?") == []  # within the wait: kept for the worker
    _age_handoff(rig, 31)  # NAVIGATOR_HANDOFF_WAIT_MINUTES is 30
    reply = rig.say("is there a food bank near me")
    assert "No youth worker has been able to pick this up yet" in reply[0]
    assert reply[-1] == "bot: is there a food bank near me"
    assert handoff.active_handoff(rig.sessions, SENDER) is None


def test_an_urgent_or_taken_handoff_is_never_handed_back(rig):
    rig.say("hello")
    handoff.request_handoff(rig.sessions, SENDER, "rest", "crisis", urgent=True)
    _age_handoff(rig, 600)
    assert rig.say("are you there") == []
    assert handoff.active_handoff(rig.sessions, SENDER) is not None


def test_send_me_my_data_gives_a_summary_and_the_file_where_the_channel_allows(rig):
    rig.say("need a bed in Leeds")
    messages = rig.say_raw("send me my data")
    assert "messages" in messages[0]["text"] and "'delete my data'" in messages[0]["text"]
    export = messages[1]["custom"]
    assert export["filename"] == "my-data.json"
    lines = [line["text"] for line in export["navigator_export"]["conversation"]]
    assert "need a bed in Leeds" in lines and "bot: need a bed in Leeds" in lines
    assert rig.bot_got == ["need a bed in Leeds"]
    sms = rig.say_raw("MYDATA", "sms")
    assert len(sms) == 1 and "FORGET" in sms[0]["text"]  # no file over SMS


def test_rest_keeps_the_bot_during_a_handoff(rig):
    rig.say("hello")
    handoff.request_handoff(rig.sessions, SENDER, "rest", "request")
    out = CollectingOutputChannel()
    got = asyncio.run(deliver(UserMessage("need food", out, SENDER, input_channel="rest"),
                              rig.on_new_message, rig.sessions, rig.app, pause_for_worker=False))
    assert got is True and rig.bot_got[-1] == "need food"


def test_a_crisis_cancels_a_pending_forget(rig):
    rig.say("hello")
    rig.say("delete my data")
    assert rig.say("i want to end my life") == ["bot: i want to end my life"]
    assert rig.say("yes") == ["bot: yes"]  # answers the bot, deletes nothing
    assert rig.stored() > 0


@pytest.mark.first_contact
def test_after_a_forget_the_next_message_is_a_first_contact_again(rig):
    rig.say("hello")
    rig.say("delete my data")
    rig.say("yes")
    again = rig.say("hi")
    assert again[0].startswith("Before we start") and again[1] == "bot: hi"


def test_someone_elses_age_never_starts_minimal_mode(rig):
    rig.say("hello")
    assert rig.say("my sister is 12 years old and we need food") == [
        "bot: my sister is 12 years old and we need food"]
    assert not consent.state(rig.sessions, SENDER).child and rig.stored() > 0


@pytest.mark.parametrize("text", [
    "im 12 stone and want to get fit, any gyms for young people in leeds",
    "i'm 12 grand in debt and scared to open my post",
    "me and my sister aged 11 got kicked out",
    "im 12 weeks pregnant and need a midwife"])
def test_units_and_other_peoples_ages_are_not_an_age_under_13(rig, text):
    rig.say("hello")
    assert rig.say(text) == [f"bot: {text}"]
    st = consent.state(rig.sessions, SENDER)
    assert not st.child and not st.child_check and rig.stored() > 0


def test_an_age_under_13_corrected_or_left_deletes_nothing(rig):
    rig.say("hello")
    assert "are you 12?" in rig.say("im 12")[0]
    assert rig.say("no sorry im 15") == ["bot: no sorry im 15"]  # the correction goes on
    st = consent.state(rig.sessions, SENDER)
    assert not st.child and not st.child_check and rig.stored() > 0
    assert "are you 11?" in rig.say("i am 11")[0]
    assert rig.say("where is the nearest food bank") == ["bot: where is the nearest food bank"]
    assert not consent.state(rig.sessions, SENDER).child_check and rig.stored() > 0


def test_a_child_with_an_urgent_handoff_stays_in_the_queue_flagged_under_13(rig):
    """A 12-year-old who disclosed abuse, then said "im 12": the urgent handoff and the
    alert stay (flagged for the worker), and what they write still reaches the worker."""
    from bot.handoff.models import Handoff, HandoffTag
    from bot.safeguarding.models import SafeguardingAlert

    rig.say("hello")
    handoff.request_handoff(rig.sessions, SENDER, "rest", "crisis", urgent=True)
    with rig.sessions() as s, s.begin():
        s.add(SafeguardingAlert(sender_key=SENDER, categories="abuse_at_home", urgency="urgent"))
    rig.say("im 12")
    assert "won't keep" in rig.say("yes")[0]
    assert consent.state(rig.sessions, SENDER).child
    with rig.sessions() as s:
        h = s.execute(select(Handoff).where(Handoff.sender_id == SENDER)).scalar_one()
        alert = s.execute(select(SafeguardingAlert)).scalar_one()
        tags = set(s.execute(select(HandoffTag.tag).where(HandoffTag.handoff_id == h.id))
                   .scalars())
        assert h.open_sender == SENDER and h.urgent and "under_13" in h.risk.split(",")
        assert "under 13" in tags
        assert alert.sender_key == SENDER and "under_13" in alert.categories
    assert rig.stored() > 0  # the transcript the worker reads is kept
    out = CollectingOutputChannel()
    got = asyncio.run(deliver(UserMessage("are you still there", out, SENDER,
                                          input_channel="rest"),
                              rig.on_new_message, rig.sessions, rig.app))
    assert got is False and not any("won't keep" in (m.get("text") or "") for m in out.messages)
    assert handoff.active_handoff(rig.sessions, SENDER) is not None


# -- the concern tier (issue 15): "are you safe right now?" in every state ----------------------
CONCERN = "my bf checks my phone and gets angry when i see friends, im ok atm"


def test_the_concern_text_is_a_concern_not_urgent():
    from bot.safeguarding import assess

    assert assess(CONCERN).concern


@pytest.mark.first_contact
def test_a_concern_first_message_is_answered_first_and_the_notice_waits(rig):
    assert rig.say(CONCERN) == [f"bot: {CONCERN}"]
    later = rig.say("ok")
    assert later[0].startswith("Before we start")


def test_a_child_with_a_concern_gets_the_bot_and_the_answer_reaches_the_check(rig):
    from bot.safeguarding import check

    rig.say("i am 11")
    rig.say("yeah")
    assert rig.say(CONCERN) == [f"bot: {CONCERN}"]  # never withheld
    check.ask(rig.sessions, SENDER, "rest", ["partner_violence"])  # the bot asked
    assert rig.say("no") == ["bot: no"]  # the answer goes to the check, not the child text
    assert "won't keep" in rig.say("where can i go")[0]  # other messages: child mode as before


def test_a_concern_cancels_a_pending_forget(rig):
    rig.say("hello")
    rig.say("delete my data")
    assert rig.say(CONCERN) == [f"bot: {CONCERN}"]
    assert rig.say("yes") == ["bot: yes"]  # answers the bot, deletes nothing
    assert rig.stored() > 0


def _paused(rig, text):
    out = CollectingOutputChannel()
    got = asyncio.run(deliver(UserMessage(text, out, SENDER, input_channel="telegram"),
                              rig.on_new_message, rig.sessions, rig.app))
    return got, [m.get("text") or "" for m in out.messages]


def test_during_a_handoff_a_concern_asks_and_no_makes_it_urgent(rig):
    rig.say("hello")
    h = handoff.request_handoff(rig.sessions, SENDER, "telegram", "request")
    got, replies = _paused(rig, CONCERN)
    assert got is False and len(replies) == 1 and "Are you safe right now?" in replies[0]
    assert "Reply YES or NO" in replies[0] and "999" not in replies[0]
    with rig.sessions() as s:
        row = s.get(handoff.Handoff, h.id)
        assert not row.urgent and "partner_violence" in row.risk  # concern: not urgent by itself
    assert consent.state(rig.sessions, SENDER).safety_check is not None
    got, replies = _paused(rig, "no")
    assert got is False and "call 999" in replies[0] and "0808 2000 247" in replies[0]
    with rig.sessions() as s:
        assert s.get(handoff.Handoff, h.id).urgent
    assert consent.state(rig.sessions, SENDER).safety_check is None
    assert rig.bot_got == ["hello"]  # the worker has it: the bot never got these


def test_during_a_handoff_yes_ends_the_check_quietly(rig):
    rig.say("hello")
    h = handoff.request_handoff(rig.sessions, SENDER, "telegram", "request")
    _paused(rig, CONCERN)
    got, replies = _paused(rig, "Yes, I'm safe")
    assert replies == ["Thank you for letting me know. If that changes, tell me any time."]
    with rig.sessions() as s:
        assert not s.get(handoff.Handoff, h.id).urgent
    assert consent.state(rig.sessions, SENDER).safety_check is None
    assert _paused(rig, "thanks") == (False, [])


def test_forget_waits_for_a_turn_in_flight_so_nothing_is_written_back():
    """Issue 17, item 10: forget deleted the tracker without the conversation's lock, so a
    turn still running wrote the conversation back after the deletion."""
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.shared.core.trackers import DialogueStateTracker

    from connectors.common import forget_tracker

    store = InMemoryTrackerStore(Domain.empty())
    locks = InMemoryLockStore()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(
        tracker_store=store, lock_store=locks)))

    async def scenario():
        async def turn():  # Rasa's turn: holds the lock, saves the tracker at its end
            async with locks.lock(SENDER):
                await asyncio.sleep(0.2)
                tracker = DialogueStateTracker.from_events(SENDER, [UserUttered("my name is Jo")])
                await store.save(tracker)

        running = asyncio.ensure_future(turn())
        await asyncio.sleep(0.05)
        assert await forget_tracker(app, SENDER)
        await running

    asyncio.run(scenario())
    assert store.store.get(SENDER) is None


def test_forget_tells_the_event_stream_to_delete_the_senders_events():
    """Issue 17, item 9: Rasa streams every event, user text included, to the broker; a
    forget now publishes a deletion event for its consumers (docs/safety.md)."""
    from connectors.common import FORGET_EVENT, forget_tracker

    published = []
    store = InMemoryTrackerStore(Domain.empty())
    store.event_broker = SimpleNamespace(publish=published.append)
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store)))
    asyncio.run(forget_tracker(app, SENDER))
    assert [(e["event"], e["sender_id"]) for e in published] == [(FORGET_EVENT, SENDER)]


def test_one_person_over_the_message_limit_is_told_once_and_a_crisis_still_goes_on(
        sessions, monkeypatch):
    """Issue 17, item 1: per-sender limits on every channel, shared through the database."""
    monkeypatch.setenv("NAVIGATOR_DUTY_HOURS", "always")
    monkeypatch.setenv("NAVIGATOR_SENDER_MESSAGES_PER_MINUTE", "3")
    from bot.settings import get_settings
    get_settings.cache_clear()
    try:
        rig = Rig(sessions)
        for i in range(3):
            assert rig.say(f"message {i}")[-1] == f"bot: message {i}"
        told = rig.say("message 3")
        assert len(told) == 1 and "faster than I can read them" in told[0] and "999" in told[0]
        assert rig.say("message 4") == []  # told once a minute: a flood gets no flood back
        assert rig.say("i want to kill myself") == ["bot: i want to kill myself"]
        assert rig.bot_got == ["message 0", "message 1", "message 2", "i want to kill myself"]
        assert rig.say("hello", sender="someone-else")[-1] == "bot: hello"  # per person
    finally:
        get_settings.cache_clear()
