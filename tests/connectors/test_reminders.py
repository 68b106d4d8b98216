"""Check-in reminders across restarts: re-armed from the tracker store, pointed at a channel
that can send on its own, and cancelled when a person is forgotten."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from rasa.core import jobs
from rasa.shared.core.events import ReminderScheduled, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.pathway import checkin, pathway
from connectors import reminders


def _event(step_id: int, when: datetime) -> ReminderScheduled:
    return ReminderScheduled(checkin.EXTERNAL_INTENT, when, name=f"checkin_{step_id}",
                             kill_on_user_message=False,
                             entities=[{"entity": "checkin_step", "value": str(step_id)}])


class _Store:
    def __init__(self, trackers):
        self.trackers = trackers

    async def retrieve(self, sender_id):
        return self.trackers.get(sender_id)


class _Processor:
    def __init__(self):
        self.fired = []

    async def handle_reminder(self, event, sender_id, output_channel):
        self.fired.append((event.name, sender_id, output_channel))


class _Agent:
    def __init__(self, trackers):
        self.tracker_store = _Store(trackers)
        self.processor = _Processor()


def _tracker(sender, channel, events):
    return DialogueStateTracker.from_events(
        sender, [UserUttered("I'll try 2", input_channel=channel), *events])


def test_rearm_schedules_pending_check_ins_from_the_tracker_store(sessions, monkeypatch):
    monkeypatch.setattr(reminders, "_OUTPUTS", {})
    now = datetime.now(timezone.utc)
    later = pathway.add_referral(sessions, "tg-1", "housing", "svc-a", "Nightstop",
                                 timedelta(days=3), now=now)
    overdue = pathway.add_referral(sessions, "sms-2", "food", "svc-b", "Food bank",
                                   timedelta(days=3), now=now - timedelta(days=4))
    asked = pathway.add_referral(sessions, "tg-1", "work", "svc-c", "Jobs", timedelta(days=3),
                                 now=now - timedelta(days=4))
    checkin.mark_asked(sessions, "tg-1", asked.id)
    lost = pathway.add_referral(sessions, "tg-3", "food", "svc-d", "Pantry", timedelta(days=3),
                                now=now)  # its tracker was never stored: nothing to re-arm
    reminders.register("telegram", lambda sender: ("telegram-out", sender))
    reminders.register("sms", lambda sender: ("sms-out", sender))
    agent = _Agent({
        "tg-1": _tracker("tg-1", "telegram", [_event(later.id, later.checkin_at),
                                               _event(asked.id, asked.checkin_at)]),
        "sms-2": _tracker("sms-2", "sms", [_event(overdue.id, overdue.checkin_at)]),
    })

    async def go():
        jobs.kill_scheduler()
        try:
            assert await reminders.rearm(agent, sessions, now=now) == 2
            scheduler = await jobs.scheduler()
            by_id = {job.id: job for job in scheduler.get_jobs()}
            assert set(by_id) == {f"checkin_{later.id}", f"checkin_{overdue.id}"}
            job = by_id[f"checkin_{later.id}"]
            assert abs(job.next_run_time - later.checkin_at) < timedelta(seconds=1)
            assert job.func is reminders.fire and job.args[0] is agent.processor
            assert job.args[2] == "tg-1" and job.args[3] == ("telegram-out", "tg-1")
            job = by_id[f"checkin_{overdue.id}"]  # fell due while down: fires soon after start
            assert abs(job.next_run_time - (now + reminders.REARM_DELAY)) < timedelta(seconds=1)
            assert job.args[3] == ("sms-out", "sms-2")
            job.modify(next_run_time=datetime.now(timezone.utc))
            for _ in range(50):
                if agent.processor.fired:
                    break
                await asyncio.sleep(0.05)
            assert agent.processor.fired == [(f"checkin_{overdue.id}", "sms-2",
                                              ("sms-out", "sms-2"))]
            assert lost.id not in {int(j.id.split("_")[1]) for j in scheduler.get_jobs()}
        finally:
            jobs.kill_scheduler()

    asyncio.run(go())


def test_rebind_and_cancel_touch_only_that_sender(monkeypatch):
    monkeypatch.setattr(reminders, "_OUTPUTS", {})
    reminders.register("sms", lambda sender: ("standalone", sender))
    when = datetime.now(timezone.utc) + timedelta(days=3)

    async def go():
        jobs.kill_scheduler()
        try:
            assert await reminders.rebind("sms-a", "sms") == 0  # nothing scheduled yet
            scheduler = await jobs.scheduler()
            noop = _Processor().handle_reminder
            for name, sender in (("checkin_1", "sms-a"), ("checkin_2", "sms-b"),
                                 ("other", "sms-a")):
                scheduler.add_job(noop, "date", run_date=when, id=name,
                                  args=[ReminderScheduled("x", when, name=name), sender,
                                        "turn-output"])
            assert await reminders.rebind("sms-a", "sms") == 1
            assert scheduler.get_job("checkin_1").args[2] == ("standalone", "sms-a")
            assert scheduler.get_job("checkin_2").args[2] == "turn-output"
            assert await reminders.rebind("sms-b", "rest") == 1  # REST: reads the tracker
            assert scheduler.get_job("checkin_2").args[2] == "turn-output"
            assert await reminders.cancel("sms-a") == 1
            assert {j.id for j in scheduler.get_jobs()} == {"checkin_2", "other"}
        finally:
            jobs.kill_scheduler()

    asyncio.run(go())


def test_a_reminder_armed_twice_is_asked_once(sessions):
    """Two replicas re-armed the same check-in: the second firing finds it asked and stays
    silent; a forgotten person's reminder does nothing."""
    now = datetime.now(timezone.utc)
    step = pathway.add_referral(sessions, "tg-9", "housing", "svc-a", "Nightstop",
                                timedelta(days=3), now=now)
    processor = _Processor()
    event = _event(step.id, now)

    async def go():
        assert await reminders.fire(processor, event, "tg-9", "out", sessions)
        checkin.mark_asked(sessions, "tg-9", step.id)  # what action_checkin does
        assert not await reminders.fire(processor, event, "tg-9", "out", sessions)
        assert not await reminders.fire(processor, event, "someone-else", "out", sessions)
        bad = ReminderScheduled("x", now, name="checkin_notanumber")
        assert not await reminders.fire(processor, bad, "tg-9", "out", sessions)

    asyncio.run(go())
    assert [name for name, _, _ in processor.fired] == [f"checkin_{step.id}"]


def test_rebind_moves_rasa_jobs_to_the_guarded_fire(sessions, monkeypatch):
    monkeypatch.setattr(reminders, "_OUTPUTS", {"sms": lambda sender: ("standalone", sender)})
    when = datetime.now(timezone.utc) + timedelta(days=3)
    processor = _Processor()

    async def go():
        jobs.kill_scheduler()
        try:
            scheduler = await jobs.scheduler()
            scheduler.add_job(processor.handle_reminder, "date", run_date=when, id="checkin_7",
                              args=[ReminderScheduled("x", when, name="checkin_7"), "sms-a",
                                    "turn-output"])
            assert await reminders.rebind("sms-a", "sms", processor, sessions) == 1
            job = scheduler.get_job("checkin_7")
            assert job.func is reminders.fire
            assert list(job.args[2:]) == ["sms-a", ("standalone", "sms-a"), sessions]
            assert await reminders.rebind("sms-a", "rest") == 1  # still found once wrapped
            assert await reminders.cancel("sms-a") == 1
        finally:
            jobs.kill_scheduler()

    asyncio.run(go())
