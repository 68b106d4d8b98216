"""connectors/resilience.py without servers: every turn ends with an answer."""
from __future__ import annotations

import asyncio
import logging

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage

from connectors import resilience
from connectors.resilience import TROUBLE, guarded, safe_reply


class Pushed(OutputChannel):
    def __init__(self):
        self.sent = []

    async def send_text_message(self, recipient_id, text, **kwargs):
        self.sent.append(text)


def turn(handler, text="need food", out=None, timeout=5.0):
    out = out or CollectingOutputChannel()
    message = UserMessage(text, out, "s1", input_channel="rest")
    asyncio.run(guarded(handler, timeout)(message))
    return out


async def answers(message):
    await message.output_channel.send_response(message.sender_id, {"text": "Where are you?"})


def texts(out):
    return [m.get("text") for m in out.messages] if hasattr(out, "messages") else out.sent


def test_a_normal_turn_is_left_alone():
    assert texts(turn(answers)) == ["Where are you?"]
    assert turn(answers, out=Pushed()).sent == ["Where are you?"]


def test_a_store_outage_replaces_the_reply_and_never_raises(caplog):
    async def fails_after_answering(message):
        await answers(message)
        raise ConnectionError("lock store down")

    with caplog.at_level(logging.ERROR):
        out = turn(fails_after_answering, "need food")
    assert texts(out) == [safe_reply("need food")]  # not stored, so not answered
    assert TROUBLE in texts(out)[0] and "999" in texts(out)[0]
    assert "failed (ConnectionError)" in caplog.text and "need food" not in caplog.text


def test_a_crisis_gets_helplines_when_nothing_else_answers():
    async def silent(message):
        return None

    reply = "\n\n".join(texts(turn(silent, "i want to die")))
    assert "call 999" in reply.splitlines()[0] and "116 123" in reply and TROUBLE in reply


def test_a_failed_action_adds_the_safe_reply(caplog):
    async def action_fails(message):
        await message.output_channel.send_response(message.sender_id, {"text": "One moment"})
        try:
            raise RuntimeError("tracker json with user text")
        except RuntimeError:
            logging.getLogger("rasa.core.processor").exception(
                "Encountered an exception while running action 'action_x'.")

    with caplog.at_level(logging.ERROR):
        out = turn(action_fails, out=Pushed())
    assert out.sent == ["One moment", safe_reply("need food")]
    assert "user text" not in caplog.text  # the traceback quoting the tracker is dropped


def test_a_slow_turn_gets_the_safe_reply_at_the_deadline_and_still_finishes():
    finished = []

    async def slow(message):
        await asyncio.sleep(0.3)
        finished.append(True)

    async def main():
        out = Pushed()
        await guarded(slow, 0.05)(UserMessage("hi", out, "s1", input_channel="rest"))
        assert out.sent == [safe_reply("hi")] and not finished
        await asyncio.sleep(0.4)
        assert finished  # never cancelled: the user's message is still stored

    asyncio.run(main())


def test_the_tracker_store_is_made_to_fail_closed():
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    class Broken(InMemoryTrackerStore):
        async def save(self, tracker):
            raise OSError("database is down: 'i want to die'")

    store = FailSafeTrackerStore(Broken(Domain.empty()))
    app = type("App", (), {"ctx": type("Ctx", (), {"agent": type("A", (), {
        "tracker_store": store})()})()})()
    assert resilience.fail_closed_tracker_store(app)
    try:
        asyncio.run(store.save(DialogueStateTracker("s1", [])))
    except resilience.StoreUnavailable as exc:
        assert "want to die" not in str(exc) and exc.__cause__ is None
    else:
        raise AssertionError("the outage was hidden")


def test_cached_response_schema_accepts_and_rejects_as_rasa_does():
    import pytest
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    resilience.cache_action_response_schema()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a",
                                                       "value": 1}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_per_event_kind_check_agrees_with_rasas_schema_event_by_event():
    """The fast check (one event kind per event) accepts exactly what the whole schema does:
    every kind of event Rasa's SDK sends, valid and broken, alone and mixed."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    fast = resilience._per_event_kind(schema, validators.validator_for(schema))
    assert fast is not None
    good = [{"event": "slot", "name": "age", "value": 19, "timestamp": None},
            {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
            {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet",
                                                                     "confidence": 0.9}}},
            {"event": "bot", "text": "hello", "data": {"buttons": []}},
            {"event": "active_loop", "name": "search_form"}, {"event": "session_started"},
            {"event": "followup", "name": "search_form"}, {"event": "reset_slots"},
            {"event": "reminder", "intent": "EXTERNAL_checkin", "date_time": "2026-12-07T10:00"},
            {"event": "cancel_reminder", "name": "checkin-1"}, {"event": "restart"}]
    bad = [{"event": "slot", "name": 3}, {"event": "slot"}, {"event": "nope"}, {"name": "x"},
           {"event": "user", "parse_data": 5}, {"event": "entities"}, "slot", 7,
           {"event": "action", "name": 5}, {"event": "slot", "name": "a", "value": 1,
                                             "timestamp": "yesterday"}]
    cases = ([{"events": [e]} for e in good + bad] + [{"events": good}, {"events": good + bad[:1]},
             {"events": "x"}, {"responses": 3}, {"events": [], "responses": [{"text": "hi"}]},
             {}, [], "x"])
    whole = validators.validator_for(schema)(schema)
    for case in cases:
        assert fast(case) is whole.is_valid(case), case
