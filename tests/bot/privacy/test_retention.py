"""Retention purge: old conversations are forgotten everywhere, recent ones and conversations
with an open handoff stay; the dry run changes nothing; the CLI and the serve loop."""
from __future__ import annotations

import os

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import List

import pytest
from sqlalchemy import create_engine, func, insert, select, update

from app import cli, process
from bot.accounts import accounts
from bot.handoff import casework
from bot.channels import contacts
from bot.handoff import handoff
from bot.pathway import pathway
from bot.privacy import retention
from bot.feedback import reviews
from bot.channels.deliveries import record_status
from bot.accounts.models import ConsoleSession, LoginThrottle
from bot.handoff.models import Handoff, HandoffMessage, OutboxItem
from bot.channels.models import ButtonToken, ChannelContact, DeliverySeen, SmsStatus
from bot.safeguarding.models import SafeguardingAlert
from bot.directory.models import Service
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome
from bot.keys import Keys
from bot.feedback.models import PeerTip, ServiceRating
from bot.settings import load_settings
from bot.handoff.transcript import EVENTS
from tests.bot.privacy.test_forget import find_traces

KEYS = Keys("r" * 40)
OLD = KEYS.pseudonym("telegram", "1001")  # everything 400 days old, a resolved handoff
OLD_OPEN = KEYS.pseudonym("telegram", "1002")  # 400 days old, but a handoff still open
OLD_SMS = KEYS.pseudonym("sms", "+447700900003")  # only an old SMS delivery report
OLD_TRACKER = KEYS.pseudonym("rest", "1004")  # only old tracker events
NEW = KEYS.pseudonym("telegram", "1005")  # active yesterday
ACTIVE = KEYS.pseudonym("telegram", "1006")  # old contact, but tracker events last week
CLOSED_LATELY = KEYS.pseudonym("telegram", "1007")  # old, but a worker closed it last month
SENDERS = [OLD, OLD_OPEN, OLD_SMS, OLD_TRACKER, NEW, ACTIVE, CLOSED_LATELY]
GONE = [OLD, OLD_SMS, OLD_TRACKER]
KEPT = [OLD_OPEN, NEW, ACTIVE, CLOSED_LATELY]
OLD_TEXT = "old secret words nobody else typed"
WORDS = {OLD: "zebra-words", OLD_OPEN: "otter-words", ACTIVE: "heron-words",
         CLOSED_LATELY: "bison-words", NEW: "newt-words"}  # what each one typed

NOW = datetime.now(timezone.utc)
AGES = {OLD: 400, OLD_OPEN: 400, OLD_SMS: 400, OLD_TRACKER: 400, NEW: 1, ACTIVE: 400,
        CLOSED_LATELY: 400}


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _events(conn, sender: str, days: float, n: int = 3) -> None:
    for i in range(n):
        conn.execute(insert(EVENTS).values(sender_id=sender, type_name="user",
                                           timestamp=_ago(days).timestamp() + i,
                                           data='{"text": "%s"}' % OLD_TEXT))


def _age_everything(sessions, sender: str, days: float) -> None:
    """Move every timestamp of ``sender`` in the app DB ``days`` into the past."""
    at = _ago(days)
    with sessions() as s, s.begin():
        s.execute(update(ChannelContact).where(ChannelContact.sender_id == sender)
                  .values(created_at=at, updated_at=at))
        s.execute(update(ButtonToken).where(ButtonToken.sender_id == sender).values(created_at=at))
        s.execute(update(SmsStatus).where(SmsStatus.sender_id == sender).values(updated_at=at))
        s.execute(update(Handoff).where(Handoff.sender_id == sender).values(created_at=at))
        for col in ("claimed_at", "closed_at"):
            s.execute(update(Handoff).where(Handoff.sender_id == sender,
                                            getattr(Handoff, col).isnot(None)).values({col: at}))
        s.execute(update(HandoffMessage).where(HandoffMessage.sender_id == sender)
                  .values(created_at=at))
        s.execute(update(OutboxItem).where(OutboxItem.sender_id == sender).values(created_at=at))


def _person(sessions, sender: str, close: bool = True) -> None:
    contacts.remember_contact(sessions, KEYS, sender, "telegram", "chat-" + sender[-6:], "hub")
    contacts.token_for(sessions, sender, '/ask_detail{"result_number":"1"}')
    contacts.save_menu(sessions, sender, [("Leeds Nightstop", "/ask_detail")])
    record_status(sessions, "SM" + sender[-30:], sender, "delivered", None)
    h = handoff.request_handoff(sessions, sender, "telegram", "request", org="hub")
    handoff.record_user_message(sessions, sender, WORDS[sender])
    worker = accounts.get_worker(sessions, 1)
    handoff.worker_reply(sessions, h.id, worker, "Hi, I'm Sam from the hub")
    casework.add_note(sessions, h.id, worker, "note about " + WORDS[sender])
    casework.set_tag(sessions, h.id, worker, "housing")
    if close:
        handoff.resolve(sessions, h.id, worker, "advice")
    with sessions() as s, s.begin():
        s.add(SafeguardingAlert(sender_key=sender, categories="abuse"))


@pytest.fixture
def world(sessions, tmp_path):
    """Seven people at different ages, a tracker store and some expired rows of nobody."""
    accounts.add_org(sessions, "hub", "Youth Hub")
    accounts.add_worker(sessions, "w1@example.org", "correct horse battery", "hub")
    for sender in (OLD, OLD_OPEN, ACTIVE, CLOSED_LATELY, NEW):
        _person(sessions, sender, close=sender != OLD_OPEN)
        _age_everything(sessions, sender, AGES[sender])
    record_status(sessions, "SM-only-sms", OLD_SMS, "delivered", None)
    _age_everything(sessions, OLD_SMS, 400)
    with sessions() as s, s.begin():
        s.execute(update(Handoff).where(Handoff.sender_id == CLOSED_LATELY)
                  .values(closed_at=_ago(31)))
        s.add_all([DeliverySeen(channel="telegram", delivery_id="1", expires_at=_ago(1)),
                   DeliverySeen(channel="telegram", delivery_id="2", expires_at=_ago(-6)),
                   LoginThrottle(key="k" * 64, failures=3, last_failure_at=_ago(90)),
                   LoginThrottle(key="j" * 64, failures=3, last_failure_at=_ago(1)),
                   ConsoleSession(token_hash="t" * 64, worker_id=1, csrf_token="c",
                                  expires_at=_ago(2))])
    path = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{path}")
    EVENTS.metadata.create_all(engine)
    with engine.begin() as conn:
        for sender, days in ((OLD, 400), (OLD_OPEN, 400), (OLD_TRACKER, 500), (NEW, 1),
                             (ACTIVE, 7), (CLOSED_LATELY, 400)):
            _events(conn, sender, days)
    engine.dispose()
    return f"sqlite:///{path}"


def _traces(db_url: str, tracker_url: str, needles: List[str]):
    return find_traces(db_url, needles) + find_traces(tracker_url, needles)


def _alert_keys(sessions) -> List[str]:
    with sessions() as s:
        return list(s.execute(select(SafeguardingAlert.sender_key)).scalars())


def _events_count(tracker_url: str) -> int:
    engine = create_engine(tracker_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(EVENTS)).scalar()
    engine.dispose()
    return n


def test_dry_run_changes_nothing_and_counts_right(sessions, db_url, world):
    before = (_traces(db_url, world, SENDERS), _events_count(world), _alert_keys(sessions))
    report = retention.plan(sessions, world, NOW, 365)
    assert report.dry_run and report.tracker_found
    assert report.conversations == len(GONE) and report.kept_open_handoff == 1
    assert report.rows.tracker_events == 6  # OLD's 3 and OLD_TRACKER's 3
    assert report.rows.handoffs == 1 and report.rows.alerts_unlinked == 1
    # 1 expired delivery id; 4 button tokens past their 30 days (OLD's, and those of the kept
    # OLD_OPEN, ACTIVE and CLOSED_LATELY); 1 old login counter; 1 expired console session.
    assert report.expired_rows == 1 + 4 + 1 + 1
    assert (_traces(db_url, world, SENDERS), _events_count(world), _alert_keys(sessions)) == before
    assert "would be deleted: 3" in report.summary() and OLD not in report.summary()


def test_purge_removes_exactly_the_old_ones_everywhere(sessions, db_url, world):
    planned = retention.plan(sessions, world, NOW, 365)
    report = retention.purge(sessions, world, NOW, 365, dry_run=False)
    assert not report.dry_run
    assert (report.conversations, report.kept_open_handoff) == (3, 1)
    assert report.rows == planned.rows and report.expired_rows == planned.expired_rows
    assert _traces(db_url, world, GONE + [WORDS[OLD]]) == []
    kept_words = [WORDS[k] for k in KEPT]
    kept = {needle for _t, _c, needle in _traces(db_url, world, KEPT + kept_words)}
    assert kept == set(KEPT + kept_words)
    for sender in KEPT:  # the contact row and the tracker of every kept person are whole
        assert contacts.get_contact(sessions, sender) is not None
    assert handoff.active_handoff(sessions, OLD_OPEN) is not None
    assert _events_count(world) == 3 * 4
    keys = _alert_keys(sessions)
    assert len(keys) == 5 and sum(k.startswith("forgotten-") for k in keys) == 1
    with sessions() as s:
        assert s.execute(select(DeliverySeen.delivery_id)).scalars().all() == ["2"]
        assert s.execute(select(LoginThrottle.key)).scalars().all() == ["j" * 64]
        assert s.execute(select(func.count()).select_from(ConsoleSession)).scalar() == 0
    again = retention.purge(sessions, world, NOW, 365)  # idempotent
    assert (again.conversations, again.rows.total, again.expired_rows) == (0, 0, 0)
    assert again.kept_open_handoff == 1


def test_a_shorter_period_and_no_tracker_store(sessions, db_url, world, tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-tracker.db'}"
    report = retention.plan(sessions, missing, NOW, 365)
    assert not report.tracker_found and "not found" in report.summary()
    # Without the tracker, OLD_TRACKER is unknown and ACTIVE looks old: judged by the app DB.
    assert report.conversations == 3 and not (tmp_path / "no-tracker.db").exists()
    week = retention.plan(sessions, world, NOW, 3)  # NEW (1 day) is the only one left
    assert (week.conversations, week.kept_open_handoff) == (5, 1)


def test_days_must_be_positive(sessions):
    with pytest.raises(ValueError):
        retention.purge(sessions, None, NOW, 0)


def test_open_states_are_never_closed_ones():
    assert not set(handoff.OPEN) & set(retention.CLOSED)


def test_ratings_and_tips_count_as_activity_and_go_with_their_sender(sessions, db_url):
    with sessions() as s, s.begin():
        s.add(Service(id="svc-1", name="Leeds Nightstop"))
    for sender in (OLD, NEW, ACTIVE):
        reviews.rate(sessions, sender, "svc-1", 4, f"comment by {WORDS[sender]}")
        reviews.add_tip(sessions, sender, "svc-1", f"tip by {WORDS[sender]}")
    with sessions() as s, s.begin():  # OLD rated long ago; ACTIVE's contact is old, the
        s.add(ChannelContact(sender_id=ACTIVE, channel="rest", created_at=_ago(400),
                             updated_at=_ago(400)))  # rating recent
        s.execute(update(ServiceRating).where(ServiceRating.sender_id.in_([OLD, NEW]))
                  .values(created_at=_ago(400), updated_at=_ago(400)))
        s.execute(update(ServiceRating).where(ServiceRating.sender_id == NEW)
                  .values(updated_at=_ago(2)))  # NEW changed the rating lately
        s.execute(update(PeerTip).where(PeerTip.sender_id.in_([OLD, NEW]))
                  .values(created_at=_ago(400)))
    planned = retention.plan(sessions, None, NOW, 365)
    assert planned.conversations == 1 and planned.rows.review_rows == 2
    assert "ratings made anonymous, tips deleted" in planned.summary()
    report = retention.purge(sessions, None, NOW, 365)
    assert report.conversations == 1 and report.rows == planned.rows
    assert find_traces(db_url, [OLD, WORDS[OLD]]) == []
    assert {n for _t, _c, n in find_traces(db_url, [NEW, ACTIVE, WORDS[NEW], WORDS[ACTIVE]])} \
        == {NEW, ACTIVE, WORDS[NEW], WORDS[ACTIVE]}
    assert reviews.summary(sessions, "svc-1").count == 3  # the forgotten stars still count
    again = retention.purge(sessions, None, NOW, 365)  # the anonymous row is nobody's
    assert (again.conversations, again.rows.total) == (0, 0)


def test_paging_covers_more_senders_than_one_batch(sessions, tmp_path, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 3)
    with sessions() as s, s.begin():
        for i in range(10):
            s.add(ChannelContact(sender_id=f"p{i:02d}", channel="rest", created_at=_ago(400),
                                 updated_at=_ago(400 if i % 2 else 2)))
    assert retention.plan(sessions, None, NOW, 365).conversations == 5
    assert retention.purge(sessions, None, NOW, 365).conversations == 5
    with sessions() as s:
        left = s.execute(select(ChannelContact.sender_id).order_by(ChannelContact.sender_id))
        assert list(left.scalars()) == [f"p{i:02d}" for i in range(0, 10, 2)]


def test_a_plan_is_activity_and_is_purged_with_its_owner(sessions):
    """Senders known only by their plan: an old plan goes (its outcome kept, unlinked), a
    plan changed last week keeps an old contact."""
    for sender in ("plan-old", "plan-new"):
        contacts.remember_contact(sessions, KEYS, sender, "rest", None, None)
        ref = pathway.add_referral(sessions, sender, "food", "svc-9", "Food Bank",
                                   timedelta(days=3), now=_ago(400))
        pathway.record_outcome(sessions, sender, ref.id, "still_waiting")
        pathway.add_step(sessions, sender, "food", "Bring ID")
        _age_everything(sessions, sender, 400)
    with sessions() as s, s.begin():
        for model in (PathwayGoal, PathwayStep):
            s.execute(update(model).values(created_at=_ago(400), updated_at=_ago(400)))
        s.execute(update(PathwayStep).where(PathwayStep.sender_id == "plan-new")
                  .values(updated_at=_ago(7)))
    planned = retention.plan(sessions, None, NOW, 365)
    assert planned.conversations == 1
    assert (planned.rows.pathway_rows, planned.rows.outcomes_unlinked) == (3, 1)
    assert "plan goals and steps:" in planned.summary()
    report = retention.purge(sessions, None, NOW, 365)
    assert report.rows == planned.rows
    assert pathway.plan(sessions, "plan-old").goals == ()
    assert len(pathway.plan(sessions, "plan-new").steps) == 2
    with sessions() as s:
        keys = sorted(s.execute(select(ReferralOutcome.sender_id)).scalars())
    assert len(keys) == 2 and keys[1] == "plan-new" and keys[0].startswith("forgotten-")
    assert contacts.get_contact(sessions, "plan-new") is not None


def test_a_real_rasa_tracker_store(sessions, tmp_path):
    """Rasa's own SQL tracker store: its ``events`` table is read and emptied."""
    pytest.importorskip("rasa")
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    path = tmp_path / "rasa.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    for sender, days in ((OLD, 400), (NEW, 2)):
        events = [UserUttered(OLD_TEXT, {"name": "greet", "confidence": 1.0},
                              timestamp=_ago(days).timestamp())]
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    url = f"sqlite:///{path}"
    report = retention.purge(sessions, url, NOW, 365)
    assert report.conversations == 1 and report.rows.tracker_events >= 1
    assert find_traces(url, [OLD]) == [] and find_traces(url, [NEW])


# -- the CLI ----------------------------------------------------------------------------------
@pytest.fixture
def cli_env(monkeypatch, db_url, world):
    from bot import db

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_DB", world[len("sqlite:///"):])
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    monkeypatch.delenv("NAVIGATOR_RETENTION_DAYS", raising=False)
    cli.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield world
    cli.get_settings.cache_clear()
    db.get_engine.cache_clear()


def test_cli_purge_dry_run(cli_env, sessions, db_url, capsys):
    assert cli.main(["purge", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run" in out and "Conversations that would be deleted: 3" in out
    assert "Kept because a handoff is still open: 1" in out and "tracker events" in out
    assert not any(sender in out for sender in SENDERS)
    assert contacts.get_contact(sessions, OLD) is not None


def test_cli_purge_days(cli_env, sessions, db_url, capsys):
    assert cli.main(["purge", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "Conversations deleted: 4" in out and "no activity for 30 days" in out
    assert _traces(db_url, cli_env, [OLD, OLD_SMS, OLD_TRACKER, CLOSED_LATELY]) == []
    for sender in (NEW, ACTIVE, OLD_OPEN):  # ACTIVE talked to the bot a week ago
        assert contacts.get_contact(sessions, sender) is not None


@pytest.mark.parametrize("bad", ["0", "-3", "abc", "1.5", "3651"])
def test_cli_purge_rejects_bad_days(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["purge", "--days", bad])
    assert exc.value.code == 2
    assert "--days" in capsys.readouterr().err


# -- settings and the serve loop ---------------------------------------------------------------
def test_settings():
    s = load_settings({})
    assert (s.retention_days, s.purge_interval_hours) == (365, 24)
    s = load_settings({"NAVIGATOR_RETENTION_DAYS": "30", "NAVIGATOR_PURGE_INTERVAL_HOURS": "0"})
    assert (s.retention_days, s.purge_interval_hours) == (30, 0)
    from bot.settings import SettingsError

    for env in ({"NAVIGATOR_RETENTION_DAYS": "0"}, {"NAVIGATOR_RETENTION_DAYS": "x"},
                {"NAVIGATOR_PURGE_INTERVAL_HOURS": "-1"}):
        with pytest.raises(SettingsError):
            load_settings(env)


def _settings(db_url: str, tracker_url: str, hours: str = "24"):
    return load_settings({"DATABASE_URL": db_url, "TRACKER_DB": tracker_url[len("sqlite:///"):],
                          "NAVIGATOR_PURGE_INTERVAL_HOURS": hours})


def test_purge_once_purges(sessions, db_url, world):
    assert process.purge_once(_settings(db_url, world)) is True
    assert contacts.get_contact(sessions, OLD) is None
    assert contacts.get_contact(sessions, OLD_OPEN) is not None


def test_purge_once_survives_an_error_and_logs_only_its_type(db_url, world, monkeypatch,
                                                             caplog):
    def broken(*_a, **_k):
        raise RuntimeError("secret detail " + OLD)

    monkeypatch.setattr(retention, "purge", broken)
    with caplog.at_level(logging.ERROR, logger="app.process"):
        assert process.purge_once(_settings(db_url, world)) is False
    assert "RuntimeError" in caplog.text and OLD not in caplog.text
    assert "secret detail" not in caplog.text


class _Stop:
    """A stop event that says "not yet" ``n`` times, recording every wait."""

    def __init__(self, n: int) -> None:
        self.n, self.waits = n, []

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return len(self.waits) > self.n


def test_purge_loop_keeps_going_after_a_failure(db_url, world, monkeypatch):
    calls = []

    def flaky(*_a, **_k):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("database away")

    monkeypatch.setattr(retention, "purge", flaky)
    stop = _Stop(3)  # first delay, then two intervals: three purges
    process.purge_loop(_settings(db_url, world, "6"), stop, first_delay_s=5)
    assert len(calls) == 3 and stop.waits == [5, 6 * 3600.0, 6 * 3600.0, 6 * 3600.0]


def test_purge_loop_off_and_stopped(db_url, world, monkeypatch):
    monkeypatch.setattr(retention, "purge", lambda *a, **k: pytest.fail("must not purge"))
    process.purge_loop(_settings(db_url, world, "0"), _Stop(5))
    stop = threading.Event()
    stop.set()
    process.purge_loop(_settings(db_url, world), stop)  # stopped during the first delay
    assert process.start_purge_thread(_settings(db_url, world, "0"), stop) is None


def test_serve_starts_the_purge_thread_except_in_rasa_pods(monkeypatch):
    started = []

    class FakeProcs:
        def __init__(self, *a, **k):
            self._stopping = threading.Event()

        def start(self):
            pass

        def wait_ready(self):
            return True

        def first_exit(self):
            return None

        def stop(self):
            pass

    monkeypatch.setattr(process, "Processes", FakeProcs)
    monkeypatch.setattr(process, "_install_signal_handlers", lambda procs: None)
    monkeypatch.setattr(process, "start_purge_thread", lambda s, stop: started.append(stop))
    settings = load_settings({"MODEL_DIR": os.environ["MODEL_DIR"]})  # not the checkout's
    assert process.serve(settings) == 0 and process.serve(settings, only="actions") == 0
    assert process.serve(settings, only="rasa") == 0
    assert len(started) == 2
