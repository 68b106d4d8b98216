"""Every turn gets an answer: a safe reply when the assistant cannot give its own.

A channel wraps the ``on_new_message`` Rasa hands to its blueprint::

    def blueprint(self, on_new_message):
        on_new_message = guarded(on_new_message)   # connectors.resilience
        ...

and every turn then ends, within ``NAVIGATOR_TURN_TIMEOUT_S`` (default 9 s), with either the
assistant's own reply or :func:`safe_reply`: "I'm having trouble", plus the emergency number and
helplines when the message signals a crisis (``bot.safeguarding.assess``). That happens when

- the turn raised: tracker store (PostgreSQL, made to raise by
  :func:`fail_closed_tracker_store`) or lock store (Redis) unreachable, ...; the
  error is logged (type only: never the message), the server keeps running; a collecting
  channel (REST) drops whatever it had gathered, since that turn was not stored;
- an action failed: Rasa logs "Encountered an exception while running action" and carries on
  without the action's events (action server down, or slower than
  ``NAVIGATOR_ACTION_TIMEOUT_S`` - applied by :func:`apply_action_timeout`);
- the turn produced no message at all;
- the turn is still running at the deadline: the safe reply goes out, the turn keeps running
  in the background (never cancelled, so the user's message is still stored).

It is "fail closed": nothing the user typed is acted on when a store is down, and they are told
so. Rasa is imported here (connectors/ is Rasa's side); bot/ stays Rasa-free.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional

from bot.safeguarding import assess, replies
from bot.safeguarding.helplines import region_help, urgent_text
from bot.settings import get_settings

logger = logging.getLogger(__name__)

TROUBLE = ("Sorry, I'm having trouble right now and can't look that up. "
           "Please try again in a few minutes.")
ACTION_FAILED = "Encountered an exception while running action"


@dataclass
class _Turn:
    action_failed: bool = False
    kept: bool = False  # the message went to a youth worker (or was answered) on purpose


_CURRENT: contextvars.ContextVar[Optional[_Turn]] = contextvars.ContextVar(
    "navigator_turn", default=None)


class _ActionFailureFlag(logging.Filter):
    """Marks the running turn when Rasa's processor reports a failed action (the record is
    emitted inside the turn's task, so the turn's context variable is visible here), and drops
    that record's traceback, which quotes the user's conversation."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(ACTION_FAILED):
            return True
        turn = _CURRENT.get()
        if turn is not None:
            turn.action_failed = True
        if record.exc_info and record.exc_info[1] is not None:
            # The traceback carries rasa_sdk's 500 body: the whole tracker, user text included.
            record.msg = f"{record.msg} ({type(record.exc_info[1]).__name__})"
            record.exc_info, record.exc_text = None, None
        return True


_FLAG = _ActionFailureFlag()


def watch_action_failures() -> None:
    """Install the flag on Rasa's processor logger (idempotent)."""
    rasa_logger = logging.getLogger("rasa.core.processor")
    if _FLAG not in rasa_logger.filters:
        rasa_logger.addFilter(_FLAG)


class StoreUnavailable(RuntimeError):
    """The tracker store failed (the original error is not kept: it can quote user text)."""


def _raise_store_error(error: Exception) -> None:
    raise StoreUnavailable(f"tracker store failed ({type(error).__name__})") from None


def fail_closed_tracker_store(app: Any) -> bool:
    """Make Rasa's tracker store raise instead of quietly falling back to memory.

    Rasa wraps every tracker store in ``FailSafeTrackerStore``: when the database fails it
    answers from a blank conversation and keeps the turn in this process's memory - a reply
    that looks normal for a message that is never stored, and an error log quoting the
    statement's parameters (the user's text). With this, the turn raises and
    :func:`guarded` sends the safe reply instead. Called once the agent is loaded."""
    store = getattr(getattr(getattr(app, "ctx", None), "agent", None), "tracker_store", None)
    if store is None or not hasattr(store, "_on_tracker_store_error"):
        logger.warning("tracker store %s has no error hook: it may fail open",
                       type(store).__name__)
        return False
    store._on_tracker_store_error = _raise_store_error
    return True


def apply_action_timeout(seconds: Optional[float] = None) -> float:
    """Bound Rasa's HTTP call to the action server (Rasa hard-codes 300 s; its module constant
    is read on every call, so setting it here is enough)."""
    from rasa.core.actions import action as rasa_action

    seconds = float(seconds or get_settings().action_timeout_s)
    rasa_action.DEFAULT_REQUEST_TIMEOUT = seconds
    return seconds


def cache_action_response_schema() -> None:
    """Validate action server responses with prepared validators, one per kind of event.

    Rasa checks every response with ``jsonschema.validate``, which re-checks the (constant)
    schema itself on each call: about two thirds of a turn's CPU time in the profile
    (docs/benchmarks.md, issue 9). Checking the schema once left the events' ``oneOf`` of 23
    kinds, tried one by one for every event: 3 ms for a response of eight slot events (issue
    20). The kinds are told apart by their ``event`` name, so an event matches exactly one of
    them when it matches the one its name gives: each event is checked against that one alone.
    Same rules: a response that fails this is checked again with the whole schema, which gives
    Rasa's error (or, were the two ever to disagree, its verdict)."""
    from jsonschema import ValidationError, validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction, "_navigator_cached_schema", False):
        return
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    fast = _per_event_kind(schema, cls)

    def _validate_action_result(self: Any, result: Any) -> bool:
        if fast is not None and fast(result):
            return True
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (". Failed to validate Action server response from API, make sure "
                          "your response from the Action endpoint is valid.")
        raise error

    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction._navigator_cached_schema = True


def _per_event_kind(schema: Dict[str, Any], cls: Any) -> Optional[Callable[[Any], bool]]:
    """A check equivalent to ``schema`` when its events are a ``oneOf`` told apart by a
    constant ``event`` name (True: valid; False: check with the whole schema); None if the
    schema is not shaped so (another Rasa version)."""
    try:
        events = schema["properties"]["events"]
        items = events["items"]
        kinds = {alt["properties"]["event"]["const"]: alt for alt in items["oneOf"]}
    except (KeyError, TypeError):
        return None
    if len(kinds) != len(items["oneOf"]):
        return None
    base = {k: v for k, v in items.items() if k != "oneOf"}
    by_kind = {name: cls({**base, "allOf": [alt]}) for name, alt in kinds.items()}
    outer = cls({**schema, "properties": {**schema["properties"],
                                          "events": {k: v for k, v in events.items()
                                                     if k != "items"}}})

    def valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or []:
            check = by_kind.get(event.get("event")) if isinstance(event, dict) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return valid


def safe_reply(text: Optional[str], region: Optional[str] = None) -> str:
    """The reply when the assistant cannot answer: helplines first when ``text`` is a crisis,
    and always the emergency number."""
    region = region or get_settings().region
    verdict = assess(text or "")
    if verdict.crisis:
        return urgent_text(region, verdict.kinds) + "\n\n" + TROUBLE
    if verdict.concern:
        return replies.concern_sms(region, verdict.kinds) + "\n\n" + TROUBLE
    return f"{TROUBLE} If you are in danger, call {region_help(region).emergency}."


def _sent(out: Any) -> Optional[int]:
    messages = getattr(out, "messages", None)
    return len(messages) if isinstance(messages, list) else None


class _Counting:
    """Counts what a turn sends through a channel that does not collect (Telegram, SMS)."""

    def __init__(self, out: Any) -> None:
        self._out, self.count = out, 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._out, name)
        if not name.startswith("send_") or not callable(attr):
            return attr

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1  # Rasa calls send_response; the gate and others call send_text_*
            return await attr(*args, **kwargs)

        return counted


async def _say(out: Any, recipient: str, text: str) -> None:
    try:
        await out.send_text_message(recipient, text)
    except Exception:  # the channel itself is failing: nothing more can be done here
        logger.exception("could not send the safe reply")


def guarded(on_new_message: Callable[[Any], Awaitable[Any]],
            timeout: Optional[float] = None,
            sessions: Optional[Callable[[], Any]] = None) -> Callable[[Any], Awaitable[None]]:
    """``on_new_message`` that never raises and always answers (see the module doc).
    ``sessions``: gives the channel's database, where a crisis whose turn failed is flagged
    (:func:`flag_failed_crisis`)."""
    watch_action_failures()
    limit = float(timeout or get_settings().turn_timeout_s)

    async def handle(message: Any) -> None:
        out = message.output_channel
        before = _sent(out)
        if before is None:
            out = message.output_channel = _Counting(out)
        turn = _Turn()

        async def run() -> None:
            _CURRENT.set(turn)
            # False: not for the bot (a youth worker has the conversation); silence is right.
            turn.kept = (await on_new_message(message)) is False

        started = time.monotonic()
        task = asyncio.ensure_future(run())
        failure = ""
        try:
            await asyncio.wait_for(asyncio.shield(task), limit)
        except asyncio.TimeoutError:
            failure = "timed out"
            task.add_done_callback(_log_late)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a store is down: fail closed, never crash the server
            failure = f"failed ({type(exc).__name__})"
            if before is not None:
                del out.messages[before:]  # not stored, so not answered
        if not failure and turn.action_failed:
            failure = "had a failed action"
        sent = (_sent(out) - before) if before is not None else out.count
        if not failure and sent == 0 and not turn.kept:
            failure = "sent nothing"
        if failure:
            logger.error("turn on channel %s %s after %.1f s: sent a safe reply",
                         getattr(message, "input_channel", None), failure,
                         time.monotonic() - started)
            await _say(out, message.sender_id, safe_reply(message.text))
            await asyncio.to_thread(flag_failed_crisis, message.sender_id, message.text,
                                    getattr(message, "input_channel", None) or "rest",
                                    sessions)

    return handle


def flag_failed_crisis(sender_id: str, text: Optional[str], channel: str,
                       sessions: Optional[Callable[[], Any]] = None) -> None:
    """A crisis whose turn failed got helplines in the safe reply; it also gets what the bot's
    crisis action would have raised: the safeguarding alert and an urgent handoff. Both need
    the database, which may be why the turn failed: logged, never raised. (A turn that only
    timed out may still raise its own alert later: two alerts rather than none.)"""
    verdict = assess(text or "")
    if not verdict.crisis:
        return
    from bot.handoff import handoff
    from bot.db import session_factory
    from bot.safeguarding import alerts

    try:
        db = sessions() if sessions is not None else session_factory()
    except Exception as exc:  # noqa: BLE001 - nothing more can be stored
        logger.error("a crisis turn failed and no alert could be raised (%s)",
                     type(exc).__name__)
        return
    kinds = tuple(verdict.kinds) or ("model",)
    alerts.raise_alert(db, sender_id, kinds)
    try:
        handoff.request_handoff(db, sender_id, channel, "crisis", urgent=True, risk=kinds)
    except Exception as exc:  # noqa: BLE001 - the safe reply already gave the helplines
        logger.error("a crisis turn failed and no urgent handoff could be opened (%s)",
                     type(exc).__name__)


def _log_late(task: asyncio.Future) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("a late turn failed (%s)", type(task.exception()).__name__)
