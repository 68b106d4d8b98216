"""What every channel connector needs: the database off the event loop, background turns that
are never lost silently, and forgetting a conversation in Rasa's tracker store."""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Set, TypeVar

from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)
T = TypeVar("T")
_TASKS: Set[asyncio.Task] = set()


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (SQLAlchemy, twilio's REST client) in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(fn, *args, **kwargs))


def spawn(coro: Awaitable[Any], what: str) -> asyncio.Task:
    """Run ``coro`` in the background (the webhook has already answered); log, never raise."""
    async def guarded() -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:  # a turn must never take the server down
            logger.exception("background %s failed", what)

    task = asyncio.ensure_future(guarded())
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return task


async def drain(timeout: float = 30.0) -> None:
    """Wait for background turns still running (tests, graceful shutdown)."""
    pending = [t for t in _TASKS if not t.done()]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


@functools.lru_cache(maxsize=1)
def default_sessions() -> sessionmaker:
    """The navigator database (settings from the environment), made on first use."""
    from bot.db import session_factory

    return session_factory()


async def forget_tracker(app: Any, sender_id: str) -> bool:
    """Delete a conversation from Rasa's tracker store; False if the store cannot delete.
    Holds the conversation's lock (Rasa's lock store) meanwhile: a turn in flight would
    otherwise write the conversation back after the deletion."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    lock_store = getattr(agent, "lock_store", None)
    if lock_store is None:
        done = await _forget_tracker(agent, sender_id)
    else:
        async with lock_store.lock(sender_id, wait_time_in_seconds=0.05):
            done = await _forget_tracker(agent, sender_id)
    _publish_forget(agent, sender_id)
    return done


FORGET_EVENT = "navigator_forget"


def _publish_forget(agent: Any, sender_id: str) -> None:
    """Tell the event stream's consumers to delete every event of ``sender_id`` (Rasa streamed
    them, user text included, to the broker; docs/safety.md says what a consumer must do)."""
    store = getattr(agent, "tracker_store", None)
    broker = getattr(getattr(store, "_tracker_store", store), "event_broker", None)
    if broker is None:
        return
    try:
        broker.publish({"event": FORGET_EVENT, "sender_id": sender_id,
                        "timestamp": time.time()})
    except Exception as exc:  # noqa: BLE001 - the deletion itself has happened
        logger.error("the event stream was not told to forget (%s)", type(exc).__name__)


async def _forget_tracker(agent: Any, sender_id: str) -> bool:
    store = getattr(agent, "tracker_store", None)
    inner = getattr(store, "_tracker_store", store)  # AwaitableTrackerStore wraps the real one
    if inner is None:
        return False
    if hasattr(inner, "SQLEvent") and hasattr(inner, "session_scope"):
        def _delete() -> None:
            with inner.session_scope() as session:
                session.query(inner.SQLEvent).filter(
                    inner.SQLEvent.sender_id == sender_id).delete()
                session.commit()
        await in_thread(_delete)
        return True
    if isinstance(getattr(inner, "store", None), dict):
        inner.store.pop(sender_id, None)
        return True
    logger.warning("tracker store %s cannot delete conversations", type(inner).__name__)
    return False


async def tracker_events(app: Any, sender_id: str) -> List[Dict[str, Any]]:
    """Every stored event of a conversation as dicts (all sessions; [] if none or no store)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    tracker = await store.retrieve_full_tracker(sender_id)
    return [event.as_dict() for event in tracker.events] if tracker is not None else []


class _Redact(logging.Filter):
    """Replaces registered secrets in every log record a handler emits."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: Set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = message
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_REDACT = _Redact()


def redact_in_logs(*secrets: str) -> None:
    """Never let these strings reach a log (a channel declares what it redacts). Also quiets
    HTTP client loggers that print request URLs, which carry the Telegram bot token."""
    _REDACT.secrets.update(s for s in secrets if s and len(s) >= 6)
    root = logging.getLogger()
    for handler in root.handlers:
        if _REDACT not in handler.filters:
            handler.addFilter(_REDACT)
    for noisy in ("httpx", "httpcore", "telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def bot_or_worker(message: Any, on_new_message: Callable[[Any], Awaitable[Any]],
                        sessions: sessionmaker, pending: Any = None) -> bool:
    """Give ``message`` (a Rasa ``UserMessage``) to the bot unless a youth worker has the
    conversation (an open handoff): then it is kept for the worker, and a message that signals
    risk still gets an answer at once: urgent support (the handoff becomes urgent), or the
    concern tier's "are you safe right now?". ``pending``: a safety check waiting for its answer
    (``bot.safeguarding.check.Pending``): "no" makes the message urgent. A non-urgent handoff
    no one took within ``NAVIGATOR_HANDOFF_WAIT_MINUTES`` is handed back to the bot, which says
    so and answers. True if the bot got it.
    """
    from bot.handoff import handoff
    from bot.safeguarding import alerts, assess, check, replies
    from bot.safeguarding.helplines import region_help
    from bot.settings import get_settings

    text = message.text or ""
    settings = get_settings()
    if pending is None and not assess(text).signal and await in_thread(
            handoff.hand_back_unclaimed, sessions, message.sender_id,
            settings.handoff_wait_minutes):
        # No one took a non-urgent handoff in time: the bot answers, and says why.
        await message.output_channel.send_text_message(message.sender_id, handoff.unclaimed_text(
            region_help(settings.region).emergency))
        await on_new_message(message)
        return True
    answer = check.answer(text) if pending is not None else None
    turn = await in_thread(handoff.record_user_message, sessions, message.sender_id, text,
                           escalate=answer == check.UNSAFE,
                           kinds=pending.kinds if pending is not None else ())
    if turn is None:
        await on_new_message(message)
        return True
    region, out, sender = settings.region, message.output_channel, message.sender_id
    if answer is not None or turn.crisis:
        await in_thread(check.clear, sessions, sender)
    if turn.crisis:
        reply = "\n".join(replies.urgent_reply(region, turn.kinds))
        # The worker sees the urgent handoff; the organisation's safeguarding record gets the
        # same flag as a crisis the bot answers (actions/safety.py).
        await in_thread(alerts.raise_alert, sessions, sender, turn.kinds or ("model",))
    elif answer == check.SAFE:  # "Yes, I'm safe" can read as a concern itself
        reply = replies.safe_reply()
    elif turn.concern:
        reply = replies.concern_sms(region, turn.kinds)
        await in_thread(check.ask, sessions, sender, turn.handoff.channel, turn.kinds)
    else:
        return False
    await out.send_text_message(sender, reply)
    await in_thread(handoff.record_bot_message, sessions, sender, reply)
    return False


class ChannelState:
    """The database and keys a channel needs, made on first use (never at import or start-up);
    tests pass their own. Subclasses set ``self._sessions`` and ``self._keys`` (or None)."""

    _sessions: Any = None
    _keys: Any = None

    @property
    def sessions(self) -> sessionmaker:
        """The navigator database (channel state)."""
        if self._sessions is None:
            self._sessions = default_sessions()
        return self._sessions

    @property
    def keys(self) -> Any:
        """Pseudonym and sealing keys (``bot.privacy.Keys``)."""
        if self._keys is None:
            from bot.keys import get_keys

            self._keys = get_keys()
        return self._keys
