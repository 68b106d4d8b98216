"""Ratings and peer tips (bot.feedback.reviews): one rating per person and service, averages only from
three ratings, masked comments and tips held until a youth worker approves them, forgetting."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.accounts import accounts
from bot.feedback import reviews
from bot.handoff.models import AuditEntry
from bot.directory.models import Service
from bot.feedback.models import PeerTip, ServiceRating
from bot.channels.smstext import is_gsm, segments, to_gsm

SVC, SVC2 = "svc-nightstop", "svc-foodbank"
A, B, C, D = "tg-aaa", "tg-bbb", "sms-ccc", "rest-ddd"


@pytest.fixture
def db(sessions):
    """Two services and a youth worker (id 1) and an admin (id 2)."""
    with sessions() as s, s.begin():
        s.add_all([Service(id=SVC, name="Leeds Nightstop"),
                   Service(id=SVC2, name="Community Food Bank")])
    accounts.add_org(sessions, "hub", "Youth Hub")
    accounts.add_worker(sessions, "w@example.org", "correct horse battery", "hub")
    accounts.add_worker(sessions, "a@example.org", "correct horse battery", "hub", "admin")
    return sessions


def _rows(sessions, model, *where):
    with sessions() as s:
        return list(s.execute(select(model).where(*where).order_by(model.id)).scalars())


PARSE = [
    ("4", 4), ("4 stars", 4), ("four", 4), ("4/5", 4), ("\u2605\u2605\u2605\u2605", 4),
    ("4*", 4), ("1 star", 1), ("Five!", 5), (" 3 ", 3), ("2 out of 5", 2), ("three/5", 3),
    ("\u2b50\ufe0f\u2b50\ufe0f", 2), ("\u2605\u2605\u2605\u2606\u2606", 3), ("5.", 5),
    ("\uff14", 4),  # a full-width 4
    ("0", None), ("6", None), ("45", None), ("4.5", None), ("", None), ("stars", None),
    ("\u2605" * 6, None), ("4 stars please", None), ("I'd say 4", None), ("10/10", None),
    ("-4", None), ("six", None), ("4/10", None),
]


@pytest.mark.parametrize("text,stars", PARSE)
def test_parse_stars(text, stars):
    assert reviews.parse_stars(text) == stars


def test_parse_stars_ignores_non_text():
    assert reviews.parse_stars(None) is None and reviews.parse_stars(4) is None  # type: ignore


def test_a_new_rating_replaces_the_old_one(db):
    first = reviews.rate(db, A, SVC, 2, "too cold at night")
    assert (first.stars, first.comment, first.comment_status) == (2, "too cold at night",
                                                                  "pending")
    second = reviews.rate(db, A, SVC, 5)
    assert second.id == first.id and second.stars == 5
    assert (second.comment, second.comment_status) == (None, "none")  # replaced entirely
    reviews.rate(db, A, SVC2, 3)
    rows = _rows(db, ServiceRating, ServiceRating.sender_id == A)
    assert [(r.service_id, r.stars) for r in rows] == [(SVC, 5), (SVC2, 3)]


def test_same_comment_keeps_its_status_a_changed_one_goes_back_to_pending(db):
    r = reviews.rate(db, A, SVC, 4, "friendly staff")
    reviews.moderate(db, "comment", r.id, True, 1)
    again = reviews.rate(db, A, SVC, 5, "  friendly   staff ")
    assert again.comment_status == "approved" and again.stars == 5
    changed = reviews.add_comment(db, A, SVC, "friendly staff, warm beds")
    assert changed.comment_status == "pending"
    assert reviews.approved_comments(db, SVC) == []
    [row] = _rows(db, ServiceRating)
    assert row.moderated_by is None and row.moderated_at is None


def test_average_only_from_three_ratings_and_labels(db):
    reviews.rate(db, A, SVC, 5)
    reviews.rate(db, B, SVC, 4)
    assert reviews.summary(db, SVC) is None
    assert reviews.summaries(db, [SVC, SVC2]) == {}
    reviews.rate(db, C, SVC, 4)
    got = reviews.summary(db, SVC)
    assert got == reviews.Summary(SVC, 4.33, 3)
    assert got.label() == "4.3\u2605 from 3 young people"
    sms = got.label(sms=True)
    assert sms == "4.3/5 from 3 young people"
    assert is_gsm(sms) and to_gsm(sms) == sms and segments(sms) == 1
    assert not is_gsm(got.label())
    assert reviews.Summary(SVC, 4.0, 12).label() == "4.0\u2605 from 12 young people"
    assert reviews.Summary(SVC, 5.0, 1).label(True) == "5.0/5 from 1 young person"
    for sender in (A, B, C):
        reviews.rate(db, sender, SVC2, 1)
    assert set(reviews.summaries(db, [SVC, SVC2, "svc-unknown", ""])) == {SVC, SVC2}
    assert reviews.summaries(db, []) == {}


def test_comments_and_tips_are_cleaned_and_masked_before_storing(db):
    r = reviews.rate(db, A, SVC, 3, "ring me   on 07700 900123\nor jo.smith@example.com thx")
    assert "07700 900123" not in r.comment and "07\u2022\u2022\u2022\u2022\u2022\u2022123" \
        in r.comment
    assert "jo.smith@example.com" not in r.comment and "\n" not in r.comment
    t = reviews.add_tip(db, B, SVC, "text the desk 07911123456 \u202eafter 5pm")
    assert "07911123456" not in t.text and "\u202e" not in t.text and "after 5pm" in t.text
    with db() as s:  # nothing unmasked reached the database
        stored = " ".join(s.execute(select(ServiceRating.comment)).scalars()) + " ".join(
            s.execute(select(PeerTip.text)).scalars())
    assert "900123" not in stored and "123456" not in stored and "jo.smith" not in stored
    long = reviews.rate(db, C, SVC, 4, "word " * 200).comment
    assert len(long) == reviews.COMMENT_MAX and long.endswith("...")
    assert len(reviews.add_tip(db, C, SVC, "x" * 999).text) == reviews.TIP_MAX
    assert reviews.rate(db, D, SVC, 4, "   \n ").comment_status == "none"


def test_tip_pending_until_approved_and_three_at_most(db):
    tips = [reviews.add_tip(db, A, SVC, f"ask for the youth worker at the desk {i}")
            for i in range(3)]
    assert [t.status for t in tips] == ["pending"] * 3
    assert reviews.approved_tips(db, SVC) == []
    with pytest.raises(reviews.ReviewError, match="already waiting"):
        reviews.add_tip(db, A, SVC, "one too many")
    reviews.add_tip(db, B, SVC, "someone else can still add one")
    reviews.moderate(db, "tip", tips[0].id, True, 1)
    reviews.moderate(db, "tip", tips[1].id, True, 2)
    reviews.moderate(db, "tip", tips[2].id, False, 1)
    assert reviews.approved_tips(db, SVC) == [tips[1].text, tips[0].text]  # newest first
    assert reviews.approved_tips(db, SVC, limit=1) == [tips[1].text]
    assert reviews.approved_tips(db, SVC2) == []
    reviews.add_tip(db, A, SVC, "room again once checked")  # no longer 3 waiting


def test_pending_queue_and_moderation_with_audit(db):
    c = reviews.rate(db, A, SVC, 2, "staff were rude")
    reviews.rate(db, B, SVC, 5)  # no comment: nothing to check
    t = reviews.add_tip(db, C, SVC2, "go early, it runs out")
    items = reviews.pending(db)
    assert [(i.kind, i.id, i.service_name, i.stars) for i in items] == [
        ("comment", c.id, "Leeds Nightstop", 2), ("tip", t.id, "Community Food Bank", None)]
    assert items[0].text == "staff were rude" and items[0].created_at.tzinfo is not None
    assert reviews.pending_count(db) == 2 and len(reviews.pending(db, limit=1)) == 1
    reviews.moderate(db, "comment", c.id, False, 1, seen=items[0].fingerprint)
    reviews.moderate(db, "tip", t.id, True, 2, seen=items[1].fingerprint)
    assert reviews.pending(db) == [] and reviews.pending_count(db) == 0
    assert reviews.approved_comments(db, SVC) == []  # rejected: never shown
    assert reviews.approved_tips(db, SVC2) == ["go early, it runs out"]
    [rating] = _rows(db, ServiceRating, ServiceRating.id == c.id)
    assert (rating.comment_status, rating.moderated_by) == ("rejected", 1)
    assert rating.moderated_at is not None
    audit = _rows(db, AuditEntry, AuditEntry.action == reviews.AUDIT_ACTION)
    assert [(a.worker_id, a.detail) for a in audit] == [(1, f"comment {c.id} rejected"),
                                                        (2, f"tip {t.id} approved")]
    assert all("rude" not in a.detail and a.org_id for a in audit)


def test_approved_comment_is_shown_newest_first(db):
    ids = [reviews.rate(db, s, SVC, 4, f"comment from {s}").id for s in (A, B, C)]
    for i in ids[:2]:
        reviews.moderate(db, "comment", i, True, 1)
    assert reviews.approved_comments(db, SVC) == [f"comment from {B}", f"comment from {A}"]
    assert reviews.approved_comments(db, SVC2) == []


def test_moderation_errors_change_nothing(db):
    c = reviews.rate(db, A, SVC, 4, "nice")
    plain = reviews.rate(db, B, SVC, 4)
    for kind, item, worker, exc in (
            ("comment", 999, 1, reviews.ReviewNotFound), ("tip", c.id, 1, reviews.ReviewNotFound),
            ("comment", plain.id, 1, reviews.ReviewNotFound),  # a rating without a comment
            ("comment", 2 ** 70, 1, reviews.ReviewNotFound),
            ("review", c.id, 1, reviews.ReviewError), ("comment", c.id, 99, reviews.NotAllowed)):
        with pytest.raises(exc):
            reviews.moderate(db, kind, item, True, worker)
    with pytest.raises(reviews.ReviewError, match="changed since"):
        reviews.moderate(db, "comment", c.id, True, 1, seen=reviews.fingerprint("other text"))
    with pytest.raises(reviews.ReviewError):
        reviews.moderate(db, "comment", c.id, "yes", 1)  # type: ignore[arg-type]
    assert reviews.pending_count(db) == 1 and _rows(db, AuditEntry) == []
    reviews.moderate(db, "comment", c.id, True, 1)
    with pytest.raises(reviews.ReviewError, match="already checked"):
        reviews.moderate(db, "comment", c.id, False, 2)
    assert reviews.approved_comments(db, SVC) == ["nice"]


def test_a_peer_mentor_cannot_moderate(db):
    w = accounts.add_worker(db, "p@example.org", "correct horse battery", "hub")
    with db() as s, s.begin():
        s.get(accounts.Worker, w.id).role = "peer_mentor"
    t = reviews.add_tip(db, A, SVC, "ask for Sam")
    with pytest.raises(reviews.NotAllowed):
        reviews.moderate(db, "tip", t.id, True, w.id)
    assert reviews.pending_count(db) == 1


def test_bad_input_is_a_clear_error(db):
    for stars in (0, 6, -1, 4.5, "4", True, None):
        with pytest.raises(reviews.ReviewError, match="stars"):
            reviews.rate(db, A, SVC, stars)  # type: ignore[arg-type]
    with pytest.raises(reviews.ReviewNotFound, match="service"):
        reviews.rate(db, A, "svc-nope", 4)
    with pytest.raises(reviews.ReviewNotFound):
        reviews.add_tip(db, A, "svc-nope", "a tip")
    for sender in ("", "  ", "x" * 81, None):
        with pytest.raises(reviews.ReviewError):
            reviews.rate(db, sender, SVC, 4)  # type: ignore[arg-type]
    with pytest.raises(reviews.ReviewNotFound, match="rate the service first"):
        reviews.add_comment(db, A, SVC, "no rating yet")
    reviews.rate(db, A, SVC, 4)
    for empty in ("", "   ", "\x00\x07"):
        with pytest.raises(reviews.ReviewError, match="empty"):
            reviews.add_comment(db, A, SVC, empty)
        with pytest.raises(reviews.ReviewError, match="empty"):
            reviews.add_tip(db, A, SVC, empty)
    with pytest.raises(reviews.ReviewError):
        reviews.add_tip(db, A, SVC, 42)  # type: ignore[arg-type]
    with db() as s:
        assert s.execute(select(func.count()).select_from(PeerTip)).scalar() == 0
        assert s.execute(select(func.count()).select_from(ServiceRating)).scalar() == 1


def test_forget_sender_keeps_anonymous_stars_and_deletes_text(db):
    for sender, stars in ((A, 1), (B, 4), (C, 4)):
        r = reviews.rate(db, sender, SVC, stars, f"secret words of {sender}")
        reviews.moderate(db, "comment", r.id, True, 1)
    reviews.add_tip(db, A, SVC, "tip of the forgotten one")
    kept = reviews.add_tip(db, B, SVC, "tip of someone else")
    before = reviews.summary(db, SVC)
    with db() as s, s.begin():
        assert reviews.forget_sender(s, A) == 2  # one rating unlinked, one tip deleted
    assert reviews.summary(db, SVC) == before == reviews.Summary(SVC, 3.0, 3)
    assert reviews.export(db, A) == {"ratings": [], "tips": []}
    [anon] = _rows(db, ServiceRating, ServiceRating.sender_id.is_(None))
    assert (anon.stars, anon.comment, anon.comment_status, anon.moderated_by) == (
        1, None, "none", None)
    assert f"secret words of {A}" not in reviews.approved_comments(db, SVC, limit=10)
    assert [t.text for t in _rows(db, PeerTip)] == [kept.text]
    with db() as s, s.begin():
        assert reviews.forget_sender(s, A) == 0  # idempotent
        assert reviews.forget_sender(s, None) == 0 and reviews.forget_sender(s, "") == 0
    assert len(_rows(db, ServiceRating, ServiceRating.sender_id.is_(None))) == 1
    reviews.rate(db, A, SVC, 5)  # the same person can rate again: a new, separate row
    assert reviews.summary(db, SVC).count == 4


def test_export_and_isolation_between_senders(db):
    reviews.rate(db, A, SVC, 4, "good")
    reviews.add_tip(db, A, SVC2, "bring ID")
    reviews.rate(db, B, SVC, 1, "someone else's words")
    reviews.add_tip(db, B, SVC, "someone else's tip")
    mine = reviews.export(db, A)
    assert [(r["service"], r["stars"], r["comment"]) for r in mine["ratings"]] == [
        ("Leeds Nightstop", 4, "good")]
    assert mine["ratings"][0]["comment_status"] == "waiting for a youth worker to check it"
    assert mine["ratings"][0]["rated_at"]
    assert [(t["service"], t["text"]) for t in mine["tips"]] == [("Community Food Bank",
                                                                  "bring ID")]
    assert "someone else" not in repr(mine)
    with pytest.raises(reviews.ReviewNotFound):  # B cannot comment on A's rating of SVC2
        reviews.add_comment(db, B, SVC2, "not mine")
    reviews.rate(db, B, SVC, 2)
    assert reviews.export(db, A)["ratings"][0]["stars"] == 4
