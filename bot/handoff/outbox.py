"""Delivering worker (and resume) messages on the user's own channel.

:func:`bot.handoff.handoff.worker_reply` stores the message and an ``outbox`` row in one transaction, so
a reply is never lost between the console and the channel. Delivery is separate:

* channels that can push (Telegram, SMS) have a **sender** registered by name — an async
  callable ``(sender_id, text) -> bool`` (True: delivered; False: cannot be delivered, e.g. the
  user blocked the bot or texted STOP; an exception: try again later). The console process
  builds them from the connectors' output classes (``connectors/outbox_senders.py``) and runs an
  :class:`OutboxWorker` on its own event loop;
* the local web chat (Rasa's REST channel) is request/response and cannot be pushed to: its rows
  wait until the chat client fetches them (:func:`fetch_for_chat`, served by the console at
  ``GET /chat/{sender_id}/messages``).

A failed attempt is retried after 5, 10, 20, 40 s; after :data:`MAX_ATTEMPTS` the row is marked
``failed`` and the console shows it. Rows are claimed (``pending`` → ``sending``) with a
conditional update, so two console processes never send the same message twice.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable, Dict, List, Mapping, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.handoff.models import HandoffMessage, OutboxItem

logger = logging.getLogger(__name__)

Sender = Callable[[str, str], Awaitable[bool]]
MAX_ATTEMPTS = 5
PULL_CHANNELS = ("rest", "webchat")  # the client asks for them (no push address)
STALE_SENDING = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Due:
    """One message to send now."""

    id: int
    sender_id: str
    channel: str
    text: str
    attempts: int


def claim_due(sessions: sessionmaker, channels: List[str], limit: int = 20) -> List[Due]:
    """Pending rows for ``channels`` whose time has come, marked ``sending`` (claimed)."""
    now = _now()
    with sessions() as s, s.begin():
        # A process that died while sending leaves rows "sending": retry them after a while.
        s.execute(update(OutboxItem).where(OutboxItem.status == "sending",
                                           OutboxItem.next_attempt_at < now - STALE_SENDING)
                  .values(status="pending"))
        rows = s.execute(select(OutboxItem.id, OutboxItem.sender_id, OutboxItem.channel,
                                HandoffMessage.text, OutboxItem.attempts)
                         .join(HandoffMessage, HandoffMessage.id == OutboxItem.message_id)
                         .where(OutboxItem.status == "pending", OutboxItem.channel.in_(channels),
                                OutboxItem.next_attempt_at <= now)
                         .order_by(OutboxItem.id).limit(limit)).all()
        due = []
        for row in rows:
            won = s.execute(update(OutboxItem).where(OutboxItem.id == row[0],
                                                     OutboxItem.status == "pending")
                            .values(status="sending", next_attempt_at=now)).rowcount
            if won:
                due.append(Due(*row))
    return due


def finish(sessions: sessionmaker, item_id: int, ok: Optional[bool], error: str = "") -> str:
    """Record an attempt: ok True → sent; False → failed for good; None → retry later.
    Returns the new status."""
    now = _now()
    with sessions() as s, s.begin():
        row = s.get(OutboxItem, item_id)
        if row is None:
            return "gone"
        row.attempts += 1
        if ok:
            row.status, row.sent_at, row.last_error = "sent", now, None
        elif ok is False or row.attempts >= MAX_ATTEMPTS:
            row.status, row.last_error = "failed", (error or "not delivered")[:64]
        else:
            row.status, row.last_error = "pending", (error or "error")[:64]
            row.next_attempt_at = now + timedelta(seconds=5 * 2 ** (row.attempts - 1))
        return row.status


async def deliver_due(sessions: sessionmaker, senders: Mapping[str, Sender],
                      run_blocking: Optional[Callable] = None) -> int:
    """Send every due message whose channel has a sender; the number delivered."""
    run = run_blocking or _in_thread
    due = await run(claim_due, sessions, list(senders))
    delivered = 0
    for item in due:
        try:
            ok: Optional[bool] = bool(await senders[item.channel](item.sender_id, item.text))
            error = "" if ok else "not delivered (blocked, opted out or unreachable)"
        except Exception as exc:  # noqa: BLE001 - a network problem: retried; no text or ids in the log
            ok, error = None, type(exc).__name__
            logger.warning("outbox: %s delivery attempt failed: %s", item.channel, error)
        status = await run(finish, sessions, item.id, ok, error)
        delivered += status == "sent"
        if status == "failed":
            logger.warning("outbox: a %s message could not be delivered (%s)", item.channel,
                           error)
    return delivered


async def _in_thread(fn: Callable, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def fetch_for_chat(sessions: sessionmaker, sender_id: str) -> List[Dict[str, str]]:
    """Messages waiting for a local web chat user, oldest first, marked sent. Only pull
    channels (REST) are served: a Telegram or SMS user's messages are pushed, never fetched."""
    now = _now()
    with sessions() as s, s.begin():
        rows = s.execute(select(OutboxItem, HandoffMessage)
                         .join(HandoffMessage, HandoffMessage.id == OutboxItem.message_id)
                         .where(OutboxItem.sender_id == sender_id,
                                OutboxItem.channel.in_(PULL_CHANNELS),
                                OutboxItem.status == "pending")
                         .order_by(OutboxItem.id)).all()
        out = []
        for item, msg in rows:
            item.status, item.sent_at, item.attempts = "sent", now, item.attempts + 1
            out.append({"text": msg.text, "from": "worker" if msg.role == "worker" else "bot"})
    return out


def delivery_states(sessions: sessionmaker, message_ids: List[int]) -> Dict[int, str]:
    """message id → outbox status (for showing "sent"/"failed" next to a worker's reply)."""
    if not message_ids:
        return {}
    with sessions() as s:
        rows = s.execute(select(OutboxItem.message_id, OutboxItem.status)
                         .where(OutboxItem.message_id.in_(message_ids))).all()
    return {m: st for m, st in rows}


class OutboxWorker:
    """Runs :func:`deliver_due` on the current event loop every ``interval`` seconds, and at
    once after :meth:`wake` (called when a worker replies). Never blocks the loop: database work
    runs in threads, senders are async."""

    def __init__(self, sessions: sessionmaker, senders: Mapping[str, Sender],
                 interval: float = 2.0) -> None:
        self.sessions, self.senders, self.interval = sessions, dict(senders), interval
        self._task: Optional[asyncio.Task] = None
        self._wake: Optional[asyncio.Event] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def start(self) -> None:
        """Start the loop (call from the running event loop, e.g. an app's startup)."""
        if not self.senders or self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._task = asyncio.ensure_future(self._run())

    def wake(self) -> None:
        """Deliver now (safe from any thread)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while True:
            try:
                await deliver_due(self.sessions, self.senders)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database was busy or gone: try again next round
                logger.exception("outbox delivery round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def stop(self) -> None:
        """Stop the loop (app shutdown)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
