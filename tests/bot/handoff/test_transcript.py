"""The transcript merges Rasa's real SQL tracker store with the handoff's turns."""
from __future__ import annotations

import asyncio
import time

import pytest

from bot.accounts import accounts
from bot.handoff import casework, handoff
from bot.directory.models import Service
from bot.handoff.transcript import age_band, as_text, transcript

PASSWORD = "correct horse battery"


def _write_tracker(path, sender_id, events):
    """Save a tracker with Rasa's own SQLTrackerStore (the schema the bot really writes)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(sender_id, events)
    asyncio.run(store.save(tracker))
    store.engine.dispose()


@pytest.fixture
def setup(sessions, tmp_path):
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    accounts.add_org(sessions, "hub", "The Hub")
    accounts.add_org(sessions, "other", "Other")
    worker = accounts.add_worker(sessions, "jo@example.org", PASSWORD, "hub", display_name="Jo")
    stranger = accounts.add_worker(sessions, "x@example.org", PASSWORD, "other")
    with sessions() as s, s.begin():
        s.add(Service(id="svc-1", name="Northgate Youth Hub Drop-in", status="active"))
    t0 = time.time() - 600
    _write_tracker(tmp_path / "tracker.db", "tg-a", [
        UserUttered("my dad threw me out", timestamp=t0),
        SlotSet("needs", ["housing", "family"], timestamp=t0 + 1),
        BotUttered("Where are you?", {"buttons": [{"title": "Skip", "payload": "/skip"}]},
                   timestamp=t0 + 2),
        UserUttered("Leeds", timestamp=t0 + 3),
        SlotSet("location", "Leeds", timestamp=t0 + 4),
        SlotSet("age", 19.0, timestamp=t0 + 4),
        SlotSet("result_ids", ["svc-1", "gone"], timestamp=t0 + 5),
        BotUttered("Here's somewhere to stay help near Leeds", timestamp=t0 + 5),
    ])
    _write_tracker(tmp_path / "tracker.db", "tg-other", [UserUttered("not yours", timestamp=t0)])
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="hub")
    handoff.record_user_message(sessions, "tg-a", "can i talk to a real person")
    handoff.worker_reply(sessions, h.id, worker, "Hi, I'm Jo.")
    return sessions, str(tmp_path / "tracker.db"), worker, stranger, h


def test_transcript_merges_tracker_and_handoff_turns(setup):
    sessions, tracker_db, worker, _stranger, _h = setup
    tr = transcript(sessions, tracker_db, "tg-a", org_id=worker.org_id)
    assert not tr.warning
    said = [(t.role, t.text.split("\n")[0]) for t in tr.turns]
    assert said == [("user", "my dad threw me out"), ("bot", "Where are you?"),
                    ("user", "Leeds"), ("bot", "Here's somewhere to stay help near Leeds"),
                    ("system", "handoff requested (request)"),
                    ("user", "can i talk to a real person"),
                    ("system", "taken by Jo"), ("worker", "Hi, I'm Jo.")]
    assert "[Skip]" in tr.turns[1].text
    assert tr.summary.needs == ["housing", "family"] and tr.summary.place == "Leeds"
    assert tr.summary.age_band == "18-21"
    assert tr.summary.services == ["Northgate Youth Hub Drop-in"]
    text = as_text(tr, "Conversation 1")
    assert "Worker (Jo): Hi, I'm Jo." in text and "Age band: 18-21" in text


def test_other_organisation_sees_no_handoff_turns(setup):
    sessions, tracker_db, _worker, stranger, _h = setup
    tr = transcript(sessions, tracker_db, "tg-a", org_id=stranger.org_id)
    assert all(t.source == "tracker" for t in tr.turns)


def test_missing_tracker_store_is_a_warning_not_an_error(setup, tmp_path):
    sessions, _tracker_db, worker, _stranger, _h = setup
    tr = transcript(sessions, str(tmp_path / "nope.db"), "tg-a", org_id=worker.org_id)
    assert "not found" in tr.warning and [t.role for t in tr.turns if t.role != "system"] == \
        ["user", "worker"]


def test_pdf_export_is_a_pdf_with_any_text(setup):
    sessions, tracker_db, worker, _stranger, h = setup
    handoff.record_user_message(sessions, "tg-a", "Łódź ünïcödé <b>bold</b> 😀")
    pdf = casework.as_pdf(transcript(sessions, tracker_db, "tg-a", worker.org_id), "T")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000


@pytest.mark.parametrize("age, band", [(15, "under 16"), (17, "16-17"), (18, "18-21"),
                                       (25, "22-25"), (30, "over 25"), ("skipped", "not given"),
                                       (None, "not given")])
def test_age_band_never_shows_the_exact_age(age, band):
    assert age_band(age) == band


def test_history_search_by_tag_need_and_date(setup):
    from datetime import date, timedelta

    sessions, _tracker_db, worker, stranger, h = setup
    other = handoff.request_handoff(sessions, "tg-b", "sms", "fallback", org="hub",
                                    needs=["money", "food"])
    casework.set_tag(sessions, h.id, worker, "  Housing  ")
    ids = lambda **kw: [x.id for x in casework.search_history(sessions, worker, **kw)]  # noqa
    assert ids() == [other.id, h.id]
    assert ids(tag="housing") == [h.id]
    assert ids(need="food") == [other.id] and ids(need="foo") == []
    assert ids(since=date.today() + timedelta(days=1)) == []
    assert ids(until=date.today()) == [other.id, h.id]
    assert casework.search_history(sessions, stranger) == []
    with pytest.raises(handoff.HandoffError):
        casework.set_tag(sessions, h.id, worker, "<script>")
    with pytest.raises(handoff.HandoffNotFound):
        casework.set_tag(sessions, h.id, stranger, "x")


def test_user_turns_are_masked_bot_and_worker_turns_are_not(sessions, tmp_path):
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

    accounts.add_org(sessions, "hub", "The Hub")
    worker = accounts.add_worker(sessions, "jo@example.org", PASSWORD, "hub", display_name="Jo")
    t0 = time.time() - 600
    _write_tracker(tmp_path / "tracker.db", "tg-m", [
        UserUttered("text me on 07700 900123 pls", timestamp=t0),
        SlotSet("location", "jo@example.com", timestamp=t0 + 1),
        BotUttered("Northgate: call 0113 496 0964 or mail help@northgate.org", timestamp=t0 + 2),
    ])
    h = handoff.request_handoff(sessions, "tg-m", "telegram", "request", org="hub")
    handoff.record_user_message(sessions, "tg-m", "or +44 7700 900456 or jo.b+x@example.com")
    handoff.record_bot_message(sessions, "tg-m", "Samaritans: 116 123, Mind: 0300 123 3393")
    handoff.worker_reply(sessions, h.id, worker, "Ring me back on 0113 496 0000")
    tracker_db = str(tmp_path / "tracker.db")

    tr = transcript(sessions, tracker_db, "tg-m", org_id=worker.org_id, region="GB")
    said = {(t.role, t.text) for t in tr.turns if t.role != "system"}
    assert said == {("user", "text me on 07••••••123 pls"),
                    ("bot", "Northgate: call 0113 496 0964 or mail help@northgate.org"),
                    ("user", "or +44•••••••456 or j•••@•••.com"),
                    ("bot", "Samaritans: 116 123, Mind: 0300 123 3393"),
                    ("worker", "Ring me back on 0113 496 0000")}
    assert tr.summary.place == "j•••@•••.com"
    text = as_text(tr, "Conversation")
    for personal in ("900123", "900456", "jo.b", "example.com"):
        assert personal not in text
    assert "0113 496 0964" in text and "0113 496 0000" in text

    raw = transcript(sessions, tracker_db, "tg-m", org_id=worker.org_id, masked=False)
    assert {t.text for t in raw.turns if t.role == "user"} == {
        "text me on 07700 900123 pls", "or +44 7700 900456 or jo.b+x@example.com"}


def test_region_defaults_to_the_deployment_country(setup, monkeypatch):
    from bot.handoff import transcript as transcript_mod
    from bot.settings import load_settings

    sessions, tracker_db, worker, _stranger, _h = setup
    handoff.record_user_message(sessions, "tg-a", "hp 9123 4567")
    monkeypatch.setattr(transcript_mod, "get_settings",
                        lambda: load_settings({"NAVIGATOR_COUNTRY": "SG"}))
    texts = [t.text for t in transcript(sessions, tracker_db, "tg-a", worker.org_id).turns]
    assert "hp •••••567" in texts and "hp 9123 4567" not in texts


def test_a_long_conversation_keeps_its_newest_turns(tmp_path, monkeypatch):
    """Issue 17, item 8: the oldest 5,000 events were read, so a long conversation lost its
    newest turns (the crisis that opened the handoff) in the page and exports."""
    import bot.handoff.transcript as transcript_mod
    from bot.handoff.transcript import read_tracker, tracker_url
    from tests.bot.privacy.test_forget import _tracker

    path = tmp_path / "tracker.db"
    _tracker(path, "long-talk", [f"message {i}" for i in range(12)] + ["i want to end my life"])
    monkeypatch.setattr(transcript_mod, "MAX_EVENTS", 6)
    turns, slots, warning = read_tracker(tracker_url(str(path)), "long-talk")
    texts = [t.text for t in turns]
    assert "i want to end my life" in texts and texts[-1] == "Here are 3 places near Leeds"
    assert "message 0" not in texts and slots == {"location": "Leeds"}
    assert "latest 6 events" in warning
