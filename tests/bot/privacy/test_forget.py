"""Forget-me leaves no trace: every text column of every table of the app DB and of Rasa's
tracker store is scanned for the sender id and for anything the user typed."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Iterable, List, Tuple

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.types import String, Text

from bot.accounts import accounts
from bot.handoff import casework
from bot.channels import contacts
from bot.privacy import forget
from bot.handoff import handoff
from bot.pathway import pathway
from bot.feedback import reviews
from bot.channels.deliveries import record_status
from bot.channels.models import ChannelContact
from bot.safeguarding.models import SafeguardingAlert
from bot.directory.models import Service
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome
from bot.keys import Keys
from bot.feedback.models import PeerTip, ServiceRating
from bot.settings import load_settings

KEYS = Keys("f" * 40)
SENDER = KEYS.pseudonym("telegram", "4242")
OTHER = KEYS.pseudonym("telegram", "777")
TYPED = ["my name is Jordan Smith", "07700 900123", "need somewhere to stay in Leeds",
         "is anyone there? my brother hits me"]
CHAT_ID = "9988776655"


def find_traces(url: str, needles: Iterable[str]) -> List[Tuple[str, str, str]]:
    """(table, column, needle) for every text cell of every table that contains a needle."""
    engine = create_engine(url)
    hits = []
    try:
        insp = inspect(engine)
        with engine.connect() as conn:
            for table in insp.get_table_names():
                for col in insp.get_columns(table):
                    if not isinstance(col["type"], (String, Text)):
                        continue
                    for needle in needles:
                        found = conn.execute(text(
                            f'SELECT COUNT(*) FROM "{table}" WHERE "{col["name"]}" LIKE :n'),
                            {"n": f"%{needle}%"}).scalar()
                        if found:
                            hits.append((table, col["name"], needle))
    finally:
        engine.dispose()
    return hits


def _tracker(path, sender: str, texts: List[str]) -> None:
    """A real Rasa SQL tracker store holding a conversation."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    events = [UserUttered(t, {"name": "need_housing", "confidence": 1.0}) for t in texts]
    events += [SlotSet("location", "Leeds"), BotUttered("Here are 3 places near Leeds")]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def _conversation(sessions, sender: str, typed: str = TYPED[3], name: str = "Jordan") -> None:
    """Channel state, a handoff with messages, a note, a tag and an outbox row, an alert, a
    plan: a referral with a logged outcome and a step in their own words, a rating with an
    approved comment and a pending tip."""
    contacts.remember_contact(sessions, KEYS, sender, "telegram", CHAT_ID, "leeds_hub")
    contacts.token_for(sessions, sender, '/ask_detail{"result_number":"1"}')
    contacts.save_menu(sessions, sender, [("Leeds Nightstop", "/ask_detail")])
    record_status(sessions, "SM" + sender[-30:], sender, "delivered", None)
    h = handoff.request_handoff(sessions, sender, "telegram", "request", org="leeds_hub")
    handoff.record_user_message(sessions, sender, typed)
    worker = accounts.get_worker(sessions, 1)
    handoff.worker_reply(sessions, h.id, worker, f"Hi {name}, I'm Sam from the hub")
    note = f"{name} Smith, 07700 900123, staying with friends" if name == "Jordan" else name
    casework.add_note(sessions, h.id, worker, note)
    casework.set_tag(sessions, h.id, worker, "housing")
    with sessions() as s, s.begin():
        s.add(SafeguardingAlert(sender_key=sender, categories="abuse"))
    ref = pathway.add_referral(sessions, sender, "housing", "svc-nightstop", "Leeds Nightstop",
                               timedelta(days=3))
    pathway.record_outcome(sessions, sender, ref.id, "turned_away", "full")
    pathway.add_step(sessions, sender, "family", f"Ask {name}'s aunt if I can stay")
    rating = reviews.rate(sessions, sender, "svc-nightstop", 4, f"{name} found the staff kind")
    reviews.moderate(sessions, "comment", rating.id, True, worker.id)
    reviews.add_tip(sessions, sender, "svc-nightstop", f"ask for {name}'s keyworker at the desk")


@pytest.fixture
def setup(sessions, tmp_path):
    accounts.add_org(sessions, "leeds_hub", "Leeds Youth Hub")
    accounts.add_worker(sessions, "w1@example.org", "correct horse battery", "leeds_hub")
    with sessions() as s, s.begin():
        s.add(Service(id="svc-nightstop", name="Leeds Nightstop"))
    tracker = tmp_path / "tracker.db"
    _tracker(tracker, SENDER, TYPED[:3])
    _tracker(tracker, OTHER, ["hello from someone else"])
    _conversation(sessions, SENDER)
    _conversation(sessions, OTHER, "hello from someone else", "Alex")
    return f"sqlite:///{tracker}"


def test_forget_leaves_no_trace_in_any_table_or_the_tracker(sessions, db_url, setup):
    needles = [SENDER, *TYPED, "Jordan", CHAT_ID]
    before = find_traces(db_url, needles)
    assert before and find_traces(setup, needles)  # the scan sees them
    assert {("pathway_step", "text", "Jordan"), ("pathway_goal", "sender_id", SENDER),
            ("referral_outcome", "sender_id", SENDER), ("service_rating", "comment", "Jordan"),
            ("service_rating", "sender_id", SENDER), ("peer_tip", "text", "Jordan"),
            ("peer_tip", "sender_id", SENDER)} <= set(before)
    report = forget.forget(sessions, setup, SENDER)
    assert report.tracker_events > 0 and report.handoffs == 1 and report.alerts_unlinked == 1
    assert report.pathway_rows == 4 and report.outcomes_unlinked == 1  # 2 goals, 2 steps
    assert report.review_rows == 2  # a rating made anonymous, a tip deleted
    assert find_traces(db_url, needles) == []
    assert find_traces(setup, needles) == []
    # The sealed chat id cannot be searched for as text: no contact row is left at all.
    assert contacts.get_contact(sessions, SENDER) is None


def test_forget_keeps_other_people_and_an_unlinked_alert(sessions, db_url, setup):
    forget.forget(sessions, setup, SENDER)
    assert find_traces(setup, [OTHER, "someone else"])
    assert contacts.get_contact(sessions, OTHER) is not None
    assert handoff.active_handoff(sessions, OTHER) is not None
    with sessions() as s:
        keys = list(s.execute(select(SafeguardingAlert.sender_key)).scalars())
    assert OTHER in keys and len(keys) == 2
    assert [k for k in keys if k != OTHER][0].startswith("forgotten-")
    with sessions() as s:  # the outcome still counts, tied to no one and to no step
        kept = {o.sender_id: o for o in s.execute(select(ReferralOutcome)).scalars()}
        assert s.execute(select(func.count()).select_from(PathwayStep)).scalar() == 2
        assert set(s.execute(select(PathwayGoal.sender_id)).scalars()) == {OTHER}
    assert len(kept) == 2 and kept[OTHER].step_id is not None
    [gone] = [o for k, o in kept.items() if k != OTHER]
    assert gone.sender_id.startswith("forgotten-") and gone.step_id is None
    assert (gone.need, gone.code, gone.reason, gone.framework_version) == (
        "housing", "turned_away", "full", "1.0.0")
    assert pathway.plan(sessions, SENDER).goals == ()
    assert len(pathway.plan(sessions, OTHER).steps) == 2
    with sessions() as s:  # the stars still count, anonymous and without the comment
        ratings = {r.sender_id: r for r in s.execute(select(ServiceRating)).scalars()}
        tips = list(s.execute(select(PeerTip.sender_id)).scalars())
    assert set(ratings) == {OTHER, None} and tips == [OTHER]
    assert (ratings[None].stars, ratings[None].comment, ratings[None].comment_status) == (
        4, None, "none")
    assert ratings[OTHER].comment == "Alex found the staff kind"
    assert reviews.approved_comments(sessions, "svc-nightstop", 5) == [
        "Alex found the staff kind"]


def test_forget_is_idempotent_and_a_missing_tracker_is_empty(sessions, tmp_path, setup):
    forget.forget(sessions, setup, SENDER)
    assert forget.forget(sessions, setup, SENDER).total == 0
    missing = f"sqlite:///{tmp_path / 'nothing-here.db'}"
    assert forget.forget_tracker(missing, SENDER) == 0
    assert not (tmp_path / "nothing-here.db").exists()


def test_tracker_store_url_from_settings(tmp_path):
    s = load_settings({"DATABASE_URL": "sqlite://", "TRACKER_DB": str(tmp_path / "t.db")})
    assert forget.tracker_store_url(s) == f"sqlite:///{tmp_path / 't.db'}"
    s = load_settings({"DATABASE_URL": "sqlite://", "TRACKER_DB_URL": "postgresql://h/db"})
    assert forget.tracker_store_url(s) == "postgresql://h/db"


def test_confirmation_within_five_minutes(sessions):
    assert not forget.confirm_or_ask(sessions, SENDER, "sms")  # first time: ask
    assert forget.confirm_or_ask(sessions, SENDER, "sms")  # again: confirmed
    assert not forget.confirm_or_ask(sessions, SENDER, "sms")  # the request was used up
    later = contacts.get_contact(sessions, SENDER).forget_requested_at + timedelta(minutes=6)
    assert not forget.confirm_or_ask(sessions, SENDER, "sms", now=later)  # too late: ask again
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(ChannelContact)).scalar() == 1
