"""Handoff core: routing, idempotence, pause/resume, crisis escalation, queue order, ownership."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.accounts import accounts
from bot.handoff import casework
from bot.channels import contacts
from bot.handoff import handoff
from bot.handoff.duty import RESUME_MESSAGE
from bot.handoff.handoff import HandoffError, HandoffNotFound
from bot.handoff.models import Handoff, HandoffMessage, OutboxItem
from bot.accounts.models import YouthOrganisation
from bot.keys import Keys

KEYS = Keys("h" * 40)
PASSWORD = "correct horse battery"


@pytest.fixture
def orgs(sessions):
    accounts.add_org(sessions, "default", "Default Youth Service")
    accounts.add_org(sessions, "leeds_hub", "Leeds Youth Hub", sms_number="+447700900111")
    accounts.add_org(sessions, "other", "Other Org")
    return {
        "w1": accounts.add_worker(sessions, "w1@example.org", PASSWORD, "leeds_hub"),
        "w2": accounts.add_worker(sessions, "w2@example.org", PASSWORD, "leeds_hub"),
        "admin": accounts.add_worker(sessions, "a@example.org", PASSWORD, "leeds_hub", "admin"),
        "stranger": accounts.add_worker(sessions, "x@example.org", PASSWORD, "other"),
    }


def _org_slug(sessions, h) -> str:
    with sessions() as s:
        return s.get(YouthOrganisation, h.org_id).slug


def test_routing_referral_explicit_and_default(sessions, orgs):
    contacts.remember_contact(sessions, KEYS, "tg-a", "telegram", "111", referral="leeds_hub")
    contacts.remember_contact(sessions, KEYS, "tg-b", "telegram", "222", referral="nosuchorg")
    assert _org_slug(sessions, handoff.request_handoff(sessions, "tg-a", "telegram",
                                                       "request")) == "leeds_hub"
    assert _org_slug(sessions, handoff.request_handoff(sessions, "tg-b", "telegram",
                                                       "request", default_org="default")) \
        == "default"
    org = handoff.org_for_number(sessions, "+447700900111")
    h = handoff.request_handoff(sessions, "sms-c", "sms", "request", org=org)
    assert _org_slug(sessions, h) == "leeds_hub"
    assert handoff.org_for_number(sessions, "+440000") is None


def test_missing_default_org_is_created_so_no_handoff_is_lost(sessions):
    h = handoff.request_handoff(sessions, "rest-1", "rest", "fallback", default_org="fresh")
    assert _org_slug(sessions, h) == "fresh"


def test_request_is_idempotent_and_crisis_upgrades(sessions, orgs):
    a = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    b = handoff.request_handoff(sessions, "tg-a", "telegram", "fallback")
    assert a.id == b.id and not b.urgent
    c = handoff.request_handoff(sessions, "tg-a", "telegram", "crisis")
    assert c.id == a.id and c.urgent
    assert handoff.request_handoff(sessions, "tg-z", "telegram", "crisis",
                                   org="leeds_hub").urgent


@pytest.mark.parametrize("args, message", [
    (("", "telegram", "request"), "sender_id"),
    (("tg-a", "fax", "request"), "channel"),
    (("tg-a", "telegram", "bored"), "reason"),
    (("x" * 81, "telegram", "request"), "sender_id"),
])
def test_request_validates_input(sessions, orgs, args, message):
    with pytest.raises(HandoffError, match=message):
        handoff.request_handoff(sessions, *args)


def test_pause_keeps_user_messages_and_crisis_escalates(sessions, orgs):
    assert handoff.record_user_message(sessions, "tg-a", "hello") is None  # not paused
    assert handoff.active_handoff(sessions, "tg-a") is None
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    assert handoff.active_handoff(sessions, "tg-a").id == h.id
    turn = handoff.record_user_message(sessions, "tg-a", "is anyone there?")
    assert turn and not turn.crisis and not turn.handoff.urgent
    turn = handoff.record_user_message(sessions, "tg-a", "i want to kill myself")
    assert turn.crisis and turn.handoff.urgent
    assert handoff.active_handoff(sessions, "tg-a").urgent
    bot = handoff.record_bot_message(sessions, "tg-a", "If you are in danger, call 999.")
    assert bot.handoff_id == h.id and bot.role == "bot"
    with sessions() as s:
        roles = s.execute(select(HandoffMessage.role).where(HandoffMessage.handoff_id == h.id)
                          .order_by(HandoffMessage.id)).scalars().all()
    assert roles == ["user", "user", "bot"]
    with pytest.raises(HandoffError):
        handoff.record_user_message(sessions, "tg-a", None)  # type: ignore[arg-type]


def test_queue_urgent_first_then_longest_waiting(sessions, orgs):
    old = handoff.request_handoff(sessions, "tg-old", "telegram", "request", org="leeds_hub")
    new = handoff.request_handoff(sessions, "tg-new", "sms", "fallback", org="leeds_hub")
    crisis = handoff.request_handoff(sessions, "tg-c", "telegram", "crisis", org="leeds_hub")
    handoff.request_handoff(sessions, "tg-elsewhere", "telegram", "crisis", org="other")
    with sessions() as s, s.begin():
        s.execute(update(Handoff).where(Handoff.id == old.id).values(
            created_at=datetime.now(timezone.utc) - timedelta(hours=2)))
    rows = handoff.queue(sessions, orgs["w1"].org_id)
    assert [r.handoff.id for r in rows] == [crisis.id, old.id, new.id]


def test_claim_reply_hand_back_round_trip(sessions, orgs):
    w1, w2 = orgs["w1"], orgs["w2"]
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    msg = handoff.worker_reply(sessions, h.id, w1, "  Hi, I'm Jo from the hub.  ")
    assert msg.text == "Hi, I'm Jo from the hub."
    assert handoff.active_handoff(sessions, "tg-a").status == "active"
    with pytest.raises(HandoffError, match="another worker"):
        handoff.worker_reply(sessions, h.id, w2, "me too")
    with pytest.raises(HandoffError, match="another worker"):
        handoff.claim(sessions, h.id, w2)
    assert handoff.claim(sessions, h.id, w2, take_over=True).worker_id == w2.id
    handoff.assign(sessions, h.id, w2, w1.id)
    with pytest.raises(HandoffError, match="colleague"):
        handoff.assign(sessions, h.id, w1, orgs["stranger"].id)
    closed = handoff.hand_back(sessions, h.id, w1)
    assert closed.status == "handed_back" and handoff.active_handoff(sessions, "tg-a") is None
    with sessions() as s:
        queued = s.execute(select(HandoffMessage.text, OutboxItem.channel)
                           .join(OutboxItem, OutboxItem.message_id == HandoffMessage.id)
                           .order_by(OutboxItem.id)).all()
    assert queued == [("Hi, I'm Jo from the hub.", "telegram"), (RESUME_MESSAGE, "telegram")]
    with pytest.raises(HandoffError, match="closed"):
        handoff.worker_reply(sessions, h.id, w1, "still there?")
    assert handoff.record_user_message(sessions, "tg-a", "thanks") is None  # the bot has it
    again = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    assert again.id != h.id


def test_reply_validation(sessions, orgs):
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    for bad in ("", "   ", "x" * 4001):
        with pytest.raises(HandoffError):
            handoff.worker_reply(sessions, h.id, orgs["w1"], bad)


def test_another_organisation_cannot_touch_a_handoff(sessions, orgs):
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    stranger = orgs["stranger"]
    for call in (lambda: handoff.get_handoff(sessions, h.id, stranger),
                 lambda: handoff.claim(sessions, h.id, stranger),
                 lambda: handoff.worker_reply(sessions, h.id, stranger, "hi"),
                 lambda: handoff.hand_back(sessions, h.id, stranger),
                 lambda: handoff.resolve(sessions, h.id, stranger, "advice"),
                 lambda: handoff.get_handoff(sessions, 99999, orgs["w1"]),
                 lambda: handoff.get_handoff(sessions, "1 or 1=1", orgs["w1"])):
        with pytest.raises(HandoffNotFound):
            call()


def test_resolve_needs_a_known_outcome_and_admin_may_close(sessions, orgs):
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    handoff.claim(sessions, h.id, orgs["w1"])
    with pytest.raises(HandoffError, match="outcome"):
        handoff.resolve(sessions, h.id, orgs["w1"], "whatever")
    with pytest.raises(HandoffError):
        handoff.resolve(sessions, h.id, orgs["w2"], "advice")
    done = handoff.resolve(sessions, h.id, orgs["admin"], "referred")
    assert done.status == "resolved" and done.outcome == "referred"


def test_step_in_reopens_a_known_conversation(sessions, orgs):
    h = handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    handoff.hand_back(sessions, h.id, orgs["w1"])
    with pytest.raises(HandoffNotFound):
        handoff.step_in(sessions, "tg-a", orgs["stranger"])
    again = handoff.step_in(sessions, "tg-a", orgs["w1"])
    assert again.reason == "worker" and again.status == "active"
    assert again.worker_id == orgs["w1"].id


def test_forget_closes_open_handoff(sessions, orgs):
    handoff.request_handoff(sessions, "tg-a", "telegram", "request", org="leeds_hub")
    assert handoff.close_for_forget(sessions, "tg-a") == 1
    assert handoff.active_handoff(sessions, "tg-a") is None


# -- peer mentors ------------------------------------------------------------------------------
@pytest.fixture
def peers(sessions, orgs):
    """Two peer mentors of leeds_hub and one of another organisation."""
    return {
        "pat": accounts.add_worker(sessions, "pat@example.org", PASSWORD, "leeds_hub",
                                   "peer_mentor"),
        "kim": accounts.add_worker(sessions, "kim@example.org", PASSWORD, "leeds_hub",
                                   "peer_mentor"),
        "far": accounts.add_worker(sessions, "far@example.org", PASSWORD, "other",
                                   "peer_mentor"),
    }


def _peer(sessions, sender="tg-p", reason="peer"):
    return handoff.request_handoff(sessions, sender, "telegram", reason, org="leeds_hub",
                                   kind="peer_mentor")


def test_peer_mentor_role_and_kind_validation(sessions, orgs):
    assert "peer_mentor" in accounts.ROLES
    with pytest.raises(accounts.AccountError, match="role"):
        accounts.add_worker(sessions, "q@example.org", PASSWORD, "leeds_hub", "mentor")
    for kwargs, message in [({"reason": "peer", "kind": "friend"}, "kind"),
                            ({"reason": "fallback", "kind": "peer_mentor"}, "request, peer"),
                            ({"reason": "crisis", "kind": "peer_mentor"}, "request, peer"),
                            ({"reason": "peer", "kind": "worker"}, "only for a peer mentor")]:
        with pytest.raises(HandoffError, match=message):
            handoff.request_handoff(sessions, "tg-v", "telegram", org="leeds_hub", **kwargs)
    assert handoff.active_handoff(sessions, "tg-v") is None
    h = _peer(sessions, "tg-r", reason="request")
    assert (h.kind, h.reason, h.urgent) == ("peer_mentor", "request", False)
    # an urgent request is never a peer chat, even when asked for as one
    u = handoff.request_handoff(sessions, "tg-u", "telegram", "request", urgent=True,
                                org="leeds_hub", kind="peer_mentor")
    assert (u.kind, u.urgent) == ("worker", True)


def test_peer_mentors_see_and_handle_only_peer_chats(sessions, orgs, peers):
    pat, w1 = peers["pat"], orgs["w1"]
    peer = _peer(sessions)
    work = handoff.request_handoff(sessions, "tg-w", "telegram", "request", org="leeds_hub")
    elsewhere = handoff.request_handoff(sessions, "tg-x", "telegram", "peer", org="other",
                                        kind="peer_mentor")
    assert handoff.visible_kinds(pat) == ("peer_mentor",)
    assert handoff.visible_kinds(w1) == handoff.visible_kinds(orgs["admin"]) == handoff.KINDS
    assert [r.handoff.id for r in handoff.queue(sessions, pat.org_id,
                                                handoff.visible_kinds(pat))] == [peer.id]
    assert {r.handoff.id for r in handoff.queue(sessions, w1.org_id)} == {peer.id, work.id}
    for call in (lambda: handoff.get_handoff(sessions, work.id, pat),
                 lambda: handoff.claim(sessions, work.id, pat),
                 lambda: handoff.worker_reply(sessions, work.id, pat, "hi"),
                 lambda: handoff.hand_back(sessions, work.id, pat),
                 lambda: handoff.resolve(sessions, work.id, pat, "advice"),
                 lambda: casework.add_note(sessions, work.id, pat, "note"),
                 lambda: handoff.get_handoff(sessions, elsewhere.id, pat)):
        with pytest.raises(HandoffNotFound):
            call()
    assert handoff.active_handoff(sessions, "tg-w").worker_id is None
    msg = handoff.worker_reply(sessions, peer.id, pat, "Hi, I'm Pat, a peer mentor.")
    assert msg.worker_id == pat.id and handoff.active_handoff(sessions, "tg-p").status == "active"
    assert handoff.get_handoff(sessions, peer.id, w1).kind == "peer_mentor"  # workers see both
    handoff.hand_back(sessions, peer.id, pat)
    with pytest.raises(HandoffError, match="cannot step in"):
        handoff.step_in(sessions, "tg-p", pat)
    assert handoff.active_handoff(sessions, "tg-p") is None


def test_crisis_turns_a_peer_chat_into_an_urgent_worker_handoff(sessions, orgs, peers):
    pat = peers["pat"]
    h = _peer(sessions)
    handoff.claim(sessions, h.id, pat)
    turn = handoff.record_user_message(sessions, "tg-p", "i want to kill myself")
    assert turn.crisis and turn.handoff.id == h.id
    now = handoff.active_handoff(sessions, "tg-p")
    assert (now.kind, now.urgent, now.status, now.worker_id) == ("worker", True, "open", None)
    with pytest.raises(HandoffNotFound):
        handoff.get_handoff(sessions, h.id, pat)  # a peer mentor is not a crisis worker
    assert handoff.queue(sessions, pat.org_id, handoff.visible_kinds(pat)) == []
    assert handoff.queue(sessions, orgs["w1"].org_id)[0].handoff.id == h.id
    # a crisis request on an open peer chat does the same
    other = _peer(sessions, "tg-q")
    again = handoff.request_handoff(sessions, "tg-q", "telegram", "crisis")
    assert again.id == other.id and (again.kind, again.urgent) == ("worker", True)


def test_a_worker_handoff_is_never_downgraded_to_a_peer_chat(sessions, orgs, peers):
    w1 = orgs["w1"]
    work = handoff.request_handoff(sessions, "tg-w", "telegram", "request", org="leeds_hub")
    same = _peer(sessions, "tg-w")
    assert same.id == work.id and same.kind == "worker"
    assert handoff.active_handoff(sessions, "tg-w").kind == "worker"
    # a request for a youth worker takes a peer chat up; a worker holding it keeps it
    peer = _peer(sessions, "tg-p")
    handoff.claim(sessions, peer.id, w1)
    up = handoff.request_handoff(sessions, "tg-p", "telegram", "request")
    assert (up.id, up.kind, up.urgent, up.worker_id) == (peer.id, "worker", False, w1.id)


def test_assign_take_over_and_pass_to_workers_respect_roles(sessions, orgs, peers):
    pat, kim, w1 = peers["pat"], peers["kim"], orgs["w1"]
    work = handoff.request_handoff(sessions, "tg-w", "telegram", "request", org="leeds_hub")
    with pytest.raises(HandoffError, match="peer mentor cannot"):
        handoff.assign(sessions, work.id, w1, pat.id)
    peer = _peer(sessions)
    assert handoff.assign(sessions, peer.id, w1, pat.id).worker_id == pat.id
    assert handoff.claim(sessions, peer.id, kim, take_over=True).worker_id == kim.id
    handoff.claim(sessions, peer.id, w1, take_over=True)
    with pytest.raises(HandoffError, match="youth worker has"):
        handoff.claim(sessions, peer.id, pat, take_over=True)
    handoff.assign(sessions, peer.id, w1, kim.id)
    passed = handoff.pass_to_workers(sessions, peer.id, kim, urgent=True)
    assert (passed.kind, passed.urgent, passed.status, passed.worker_id) == \
        ("worker", True, "open", None)
    with pytest.raises(HandoffNotFound):
        handoff.pass_to_workers(sessions, peer.id, kim)
    with pytest.raises(HandoffError, match="already with the youth workers"):
        handoff.pass_to_workers(sessions, peer.id, w1)
