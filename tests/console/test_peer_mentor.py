"""Peer mentors in the console: they see and answer only peer chats, never a youth workers'
conversation (404, like another organisation's), never the history, audit log, step-in or
exports; a worrying chat goes to the youth workers. Workers see both kinds, labelled."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.accounts import accounts
from bot.channels import contacts
from bot.handoff import handoff
from bot.console import create_console_app
from bot.handoff.models import HandoffMessage, OutboxItem
from bot.settings import load_settings
from tests.console.conftest import KEYS, PASSWORD, csrf_of

ROW = re.compile(r'<tr class="(\w+)" data-handoff="(\d+)" data-kind="(\w+)">\s*(.*?)</tr>', re.S)


@pytest.fixture
def app(sessions, db_url, tmp_path, team):
    accounts.add_worker(sessions, "pat@example.org", PASSWORD, "leeds_hub", "peer_mentor",
                        display_name="Pat")
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    return create_console_app(settings, sessions, keys=KEYS)


def _client(app, email: str) -> TestClient:
    c = TestClient(app, base_url="https://testserver")
    page = c.get("/login")
    r = c.post("/login", data={"email": email, "password": PASSWORD,
                               "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    return c


@pytest.fixture
def pat(app):
    with _client(app, "pat@example.org") as c:
        yield c


@pytest.fixture
def jo(app):
    with _client(app, "jo@example.org") as c:
        yield c


def _open(sessions, sender: str, kind: str = "worker", text: str = "", channel: str = "sms"):
    contacts.remember_contact(sessions, KEYS, sender, channel, "+447700900123", "leeds_hub")
    h = handoff.request_handoff(sessions, sender, channel,
                                "peer" if kind == "peer_mentor" else "request", kind=kind)
    if text:
        handoff.record_user_message(sessions, sender, text)
    return h


def _rows(html: str) -> dict:
    return {int(hid): (cls, kind, cells) for cls, hid, kind, cells in ROW.findall(html)}


def test_a_peer_mentor_sees_only_peer_chats(pat, sessions, team):
    peer = _open(sessions, "sms-p", "peer_mentor", "hi, is anyone there")
    work = _open(sessions, "sms-w", text="worker only please")
    page = pat.get("/").text
    assert "Waiting for a peer mentor" in page and "(peer mentor)" in page
    assert set(_rows(page)) == {peer.id} and set(_rows(pat.get("/queue/rows").text)) == {peer.id}
    assert 'href="/history"' not in page and 'href="/admin/audit"' not in page
    view = pat.get(f"/handoffs/{peer.id}")
    assert view.status_code == 200 and "hi, is anyone there" in view.text
    assert "+447700900123" not in view.text and "Peer mentor" in view.text
    assert "export.pdf" not in view.text and "/step-in" not in view.text
    token = csrf_of(view.text)
    r = pat.post(f"/handoffs/{peer.id}/reply", data={"csrf_token": token, "text": "Hi, I'm Pat."},
                 follow_redirects=False)
    assert r.status_code == 303
    with sessions() as s:
        sent = s.execute(select(HandoffMessage.text).join(
            OutboxItem, OutboxItem.message_id == HandoffMessage.id)).scalars().all()
    assert sent == ["Hi, I'm Pat."]
    missing = pat.get("/handoffs/999999")
    assert missing.status_code == 404
    for path in (f"/handoffs/{work.id}", f"/handoffs/{work.id}/turns"):
        r = pat.get(path)
        assert r.status_code == 404 and "worker only please" not in r.text
    for action, data in [("reply", {"text": "hi"}), ("claim", {}), ("hand-back", {}),
                         ("notes", {"text": "x"}), ("tags", {"tag": "x"}),
                         ("resolve", {"outcome": "advice"}), ("to-workers", {})]:
        r = pat.post(f"/handoffs/{work.id}/{action}", data={"csrf_token": token, **data})
        assert r.status_code == 404, action
    assert handoff.active_handoff(sessions, "sms-w").worker_id is None
    for path in (f"/handoffs/{peer.id}/export.txt", f"/handoffs/{peer.id}/export.pdf",
                 f"/handoffs/{work.id}/export.txt", "/admin/audit", "/history",
                 "/moderation"):
        assert pat.get(path).status_code == 403, path
    for hid in (peer.id, work.id):
        assert pat.post(f"/handoffs/{hid}/step-in",
                        data={"csrf_token": token}).status_code == 403


def test_a_worker_sees_both_kinds_labelled(jo, sessions, team):
    peer = _open(sessions, "sms-p", "peer_mentor", "peer chat please")
    work = _open(sessions, "sms-w", text="worker please")
    rows = _rows(jo.get("/").text)
    assert rows[peer.id][1] == "peer_mentor" and "Peer mentor" in rows[peer.id][2]
    assert "Asked for a peer mentor" in rows[peer.id][2]
    assert rows[work.id][1] == "worker" and "Youth worker" in rows[work.id][2]
    assert "Peer mentor" not in rows[work.id][2]
    view = jo.get(f"/handoffs/{peer.id}").text
    assert "peer chat please" in view and "Peer mentor" in view and "/to-workers" in view
    assert 'action="/handoffs/%d/to-workers"' % work.id not in jo.get(f"/handoffs/{work.id}").text
    token = csrf_of(view)
    assert jo.post(f"/handoffs/{peer.id}/claim", data={"csrf_token": token},
                   follow_redirects=False).status_code == 303
    assert handoff.active_handoff(sessions, "sms-p").worker_id == team.workers["jo"].id


def test_assign_lists_peer_mentors_only_for_peer_chats(jo, sessions, team):
    peer = _open(sessions, "sms-p", "peer_mentor")
    work = _open(sessions, "sms-w")
    assert ">Pat</option>" in jo.get(f"/handoffs/{peer.id}").text
    page = jo.get(f"/handoffs/{work.id}").text
    assert ">Pat</option>" not in page and ">Sam</option>" in page
    pat_id = [w.id for w in accounts.org_workers(sessions, team.workers["jo"].org_id)
              if w.role == "peer_mentor"][0]
    r = jo.post(f"/handoffs/{work.id}/assign", data={"csrf_token": csrf_of(page),
                                                    "worker_id": pat_id})
    assert r.status_code == 400 and "peer mentor cannot" in r.text


def test_a_peer_mentor_reads_only_this_chat(app, pat, jo, sessions, team):
    earlier = _open(sessions, "sms-p", text="my earlier private story")
    handoff.resolve(sessions, earlier.id, team.workers["jo"], "advice")
    peer = _open(sessions, "sms-p", "peer_mentor", "hello peer")
    mine = pat.get(f"/handoffs/{peer.id}/turns").text
    assert "hello peer" in mine and "my earlier private story" not in mine
    full = jo.get(f"/handoffs/{peer.id}/turns").text
    assert "hello peer" in full and "my earlier private story" in full


def test_passing_to_workers_and_a_crisis_take_the_chat_from_peer_mentors(pat, jo, sessions):
    first = _open(sessions, "sms-p", "peer_mentor", "things are hard")
    token = csrf_of(pat.get(f"/handoffs/{first.id}").text)
    pat.post(f"/handoffs/{first.id}/claim", data={"csrf_token": token})
    r = pat.post(f"/handoffs/{first.id}/to-workers", data={"csrf_token": token, "urgent": "yes"},
                 follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert pat.get(f"/handoffs/{first.id}").status_code == 404
    second = _open(sessions, "tg-c", "peer_mentor", channel="telegram")
    assert set(_rows(pat.get("/").text)) == {second.id}
    handoff.record_user_message(sessions, "tg-c", "i want to kill myself")
    assert _rows(pat.get("/").text) == {}
    rows = _rows(jo.get("/").text)
    for hid in (first.id, second.id):
        cls, kind, cells = rows[hid]
        assert (cls, kind) == ("urgent", "worker") and "nobody yet" in cells
        assert "was a peer chat" in cells


def test_navigator_worker_add_makes_a_peer_mentor(sessions, monkeypatch, team):
    import io

    import bot.db
    from app.cli import build_parser
    from app.console_cli import ROLES

    assert ROLES == accounts.ROLES
    monkeypatch.setattr(bot.db, "session_factory", lambda url=None: sessions)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    args = build_parser().parse_args(["worker", "add", "lee@example.org", "--org", "leeds_hub",
                                      "--role", "peer_mentor"])
    assert args.func(args) == 0
    lee = accounts.authenticate(sessions, "lee@example.org", "a long enough password").worker
    assert lee.role == "peer_mentor"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["worker", "add", "x@example.org", "--org", "leeds_hub",
                                   "--role", "mentor"])
