"""Check-in reminders that survive restarts and reach the right channel.

Rasa keeps reminders (``ReminderScheduled`` events) in the tracker store but schedules them only
in memory (APScheduler), with the output channel of the turn that set them. So:

* ``rearm`` (once Rasa has started) schedules again, from the tracker store, the reminder of every
  check-in that is still to ask (``bot.pathway.checkin.pending``); one whose time passed while Rasa was
  down fires a few seconds after the start;
* ``rebind`` (after every turn) gives the sender's scheduled reminders an output channel that
  can send on its own (a webhook turn's SMS output is buffered and flushed by that turn only);
* ``cancel`` (when a person is forgotten or under 13) removes their scheduled reminders.

Channels register how to make an output channel for a sender (``register``) in ``blueprint()``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy.orm import sessionmaker

from bot.pathway import checkin
from bot.privacy.forget import as_utc
from connectors.common import in_thread, spawn

logger = logging.getLogger(__name__)
REARM_DELAY = timedelta(seconds=10)
_OUTPUTS: Dict[str, Callable[[str], Any]] = {}


def register(channel: str, factory: Callable[[str], Any]) -> None:
    """How to make an output channel that sends to ``sender_id`` outside a webhook turn."""
    _OUTPUTS[channel] = factory


def output_for(channel: Optional[str], sender_id: str) -> Any:
    """A standalone output channel for the sender (Rasa's collecting channel if unknown: the
    reply is then only in the tracker, where REST clients read it)."""
    factory = _OUTPUTS.get(channel or "")
    if factory is not None:
        return factory(sender_id)
    from rasa.core.channels.channel import CollectingOutputChannel

    return CollectingOutputChannel()


async def _scheduler() -> Any:
    from rasa.core import jobs

    return await jobs.scheduler()


def _existing_scheduler() -> Any:
    """Rasa's scheduler if it runs on this event loop, else None (never makes one)."""
    import asyncio

    from rasa.core import jobs

    found = getattr(jobs, "__scheduler", None)
    if found is None or getattr(found, "_eventloop", None) is not asyncio.get_event_loop():
        return None
    return found


def _parts(job: Any) -> tuple:
    """(event, sender id, output) of a reminder job, Rasa's or :func:`fire`'s."""
    args = list(job.args)
    return tuple(args[1:4]) if job.func is fire or (args and hasattr(args[0],
                                                                      "handle_reminder")) \
        else tuple(args[0:3])


def _jobs_of(scheduler: Any, sender_id: str) -> List[Any]:
    found = []
    for job in scheduler.get_jobs():
        parts = _parts(job)
        if len(parts) >= 2 and parts[1] == sender_id and \
                str(getattr(parts[0], "name", "")).startswith(checkin.REMINDER_PREFIX):
            found.append(job)
    return found


async def fire(processor: Any, event: Any, sender_id: str, output: Any,
               sessions: sessionmaker) -> bool:
    """Run a check-in reminder unless its check-in was asked, answered or forgotten meanwhile
    (another replica armed the same reminder and fired it first); True if it ran."""
    try:
        step_id = int(str(event.name)[len(checkin.REMINDER_PREFIX):])
    except ValueError:
        step_id = -1
    if await in_thread(checkin.pending_step, sessions, sender_id, step_id, False) is None:
        return False
    await processor.handle_reminder(event, sender_id, output)
    return True


async def rebind(sender_id: str, channel: Optional[str], processor: Any = None,
                 sessions: Optional[sessionmaker] = None) -> int:
    """Point the sender's scheduled check-ins at a standalone output channel and, given the
    processor and database, at :func:`fire` (asked once even if armed on two replicas)."""
    scheduler = _existing_scheduler()
    if scheduler is None:
        return 0
    jobs = _jobs_of(scheduler, sender_id)
    for job in jobs:
        event, _, old = _parts(job)
        out = output_for(channel, sender_id) if channel in _OUTPUTS else old
        if processor is not None and sessions is not None:
            job.modify(func=fire, args=[processor, event, sender_id, out, sessions])
        elif job.func is fire:
            job.modify(args=[job.args[0], event, sender_id, out, job.args[4]])
        else:
            job.modify(args=[event, sender_id, out])
    return len(jobs)


async def cancel(sender_id: str) -> int:
    """Remove every scheduled check-in of the sender."""
    scheduler = _existing_scheduler()
    if scheduler is None:  # nothing was ever scheduled in this process
        return 0
    jobs = _jobs_of(scheduler, sender_id)
    for job in jobs:
        scheduler.remove_job(job.id)
    return len(jobs)


async def rearm(agent: Any, sessions: sessionmaker, now: Optional[datetime] = None) -> int:
    """Schedule again every pending check-in's reminder found in the tracker store."""
    from rasa.shared.core.events import ReminderScheduled

    processor = getattr(agent, "processor", None)
    store = getattr(agent, "tracker_store", None)
    if processor is None or store is None:
        return 0
    pending = await in_thread(checkin.senders_with_pending, sessions)
    scheduler = await _scheduler()
    now = now or datetime.now(timezone.utc)
    count = 0
    for sender_id, items in pending.items():
        tracker = await store.retrieve(sender_id)
        if tracker is None:
            continue
        found = {e.name: e for e in tracker.events if isinstance(e, ReminderScheduled)}
        out = output_for(tracker.get_latest_input_channel(), sender_id)
        for item in items:
            event = found.get(item.reminder_name)
            if event is None:
                continue
            when = max(as_utc(event.trigger_date_time), now + REARM_DELAY)
            scheduler.add_job(fire, "date", run_date=when,
                              args=[processor, event, sender_id, out, sessions], id=event.name,
                              replace_existing=True, name=event.scheduled_job_name(sender_id))
            count += 1
    logger.info("check-in reminders re-armed: %d", count)
    return count


def install(bp: Any, sessions: Callable[[], sessionmaker]) -> None:
    """Re-arm the reminders once the server (and its agent) has started."""
    @bp.listener("after_server_start")
    async def _rearm(app: Any, _loop: Any) -> None:
        if getattr(app.ctx, "navigator_reminders_armed", False):
            return
        app.ctx.navigator_reminders_armed = True
        agent = getattr(app.ctx, "agent", None)
        spawn(rearm(agent, sessions()), "re-arming check-in reminders")
