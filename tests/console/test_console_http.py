"""The console over HTTP (FastAPI's TestClient): login, queue, conversation, and the security
properties: cookies, CSRF, IDOR, XSS, back-off, audit."""
from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels import contacts
from bot.handoff import handoff
from bot.console import create_console_app
from bot.handoff.models import AuditEntry, HandoffMessage, HandoffNote
from bot.settings import load_settings
from tests.console.conftest import KEYS, PASSWORD, csrf_of

XSS = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


REST_TOKEN = "console-rest-token-0123456789abcdef"


@pytest.fixture
def app(sessions, db_url, tmp_path, team):
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db"),
                              "NAVIGATOR_REST_TOKEN": REST_TOKEN})
    return create_console_app(settings, sessions, keys=KEYS)


def client_for(app) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def login(client: TestClient, email: str, password: str = PASSWORD, ip_ok: bool = True):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_of(page.text)},
                       follow_redirects=False)


@pytest.fixture
def jo(app):
    with client_for(app) as c:
        assert login(c, "jo@example.org").status_code == 303
        yield c


def _handoff(sessions, sender="tg-a", reason="request", text=None, channel="telegram"):
    contacts.remember_contact(sessions, KEYS, sender, channel,
                              "+447700900123" if channel == "sms" else "123456789", "leeds_hub")
    h = handoff.request_handoff(sessions, sender, channel, reason)
    if text:
        handoff.record_user_message(sessions, sender, text)
    return h


def test_login_required_and_cookie_flags(app):
    with client_for(app) as c:
        assert c.get("/", follow_redirects=False).headers["location"] == "/login"
        r = login(c, "jo@example.org")
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie"
                  and v.startswith("navigator_console=")][0].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
        page = c.get("/")
        assert page.status_code == 200 and "Nobody is waiting" in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"


def test_wrong_password_then_back_off(app):
    with client_for(app) as c:
        for _ in range(2):
            r = login(c, "jo@example.org", "wrong password 1")
            assert r.status_code == 401 and "Wrong e-mail address or password" in r.text
        r = login(c, "jo@example.org", "wrong password 1")
        assert r.status_code == 429 and "Too many failed attempts" in r.text
        assert login(c, "jo@example.org").status_code == 429  # right password, still waiting
        assert login(c, "nobody@example.org", "whatever12345").status_code == 429  # same IP


def test_login_without_its_csrf_token_is_rejected(app):
    with client_for(app) as c:
        r = c.post("/login", data={"email": "jo@example.org", "password": PASSWORD},
                   follow_redirects=False)
        assert r.status_code == 403 and "navigator_console" not in c.cookies


def test_queue_urgent_first_and_conversation_round_trip(jo, sessions, team):
    normal = _handoff(sessions, "tg-n", "request", "hello")
    urgent = _handoff(sessions, "sms-u", "crisis", "i want to end it", channel="sms")
    page = jo.get("/").text
    assert page.index(f"Open #{urgent.id}") < page.index(f"Open #{normal.id}")
    assert "URGENT" in page
    view = jo.get(f"/handoffs/{urgent.id}")
    assert view.status_code == 200 and "i want to end it" in view.text
    assert "+447700900123" not in view.text and "+44" in view.text and "123" in view.text
    token = csrf_of(view.text)
    r = jo.post(f"/handoffs/{urgent.id}/reply", data={"csrf_token": token, "text": "I'm here."},
                follow_redirects=False)
    assert r.status_code == 303
    assert "I&#39;m here." in jo.get(f"/handoffs/{urgent.id}").text
    jo.post(f"/handoffs/{urgent.id}/notes", data={"csrf_token": token, "text": "called 999"})
    jo.post(f"/handoffs/{urgent.id}/tags", data={"csrf_token": token, "tag": "Safeguarding"})
    view = jo.get(f"/handoffs/{urgent.id}").text
    assert "called 999" in view and "safeguarding" in view
    r = jo.post(f"/handoffs/{urgent.id}/resolve", data={"csrf_token": token, "outcome": "nope"})
    assert r.status_code == 400 and "outcome must be one of" in r.text
    jo.post(f"/handoffs/{urgent.id}/resolve", data={"csrf_token": token, "outcome": "emergency"})
    assert handoff.active_handoff(sessions, "sms-u") is None
    assert f"Open #{urgent.id}" not in jo.get("/").text
    hist = jo.get("/history", params={"tag": "safeguarding"}).text
    assert f"#{urgent.id}" in hist and f"#{normal.id}<" not in hist
    assert jo.get("/history", params={"since": "not-a-date"}).status_code == 400


def test_exports_are_audited(jo, sessions, team):
    h = _handoff(sessions, text="hello there")
    txt = jo.get(f"/handoffs/{h.id}/export.txt")
    assert txt.status_code == 200 and "hello there" in txt.text
    assert "attachment" in txt.headers["content-disposition"]
    pdf = jo.get(f"/handoffs/{h.id}/export.pdf")
    assert pdf.content.startswith(b"%PDF-")
    with sessions() as s:
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.handoff_id == h.id)
                            ).scalars().all()
    assert {"export_text", "export_pdf"} <= set(actions)


def _pdf_text(pdf: bytes) -> bytes:
    """The content streams of a PDF written with a built-in font, decompressed."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            out.append(stream)
    return b"\n".join(out)


def test_typed_numbers_and_addresses_are_masked_for_workers(jo, sessions, team, monkeypatch):
    from bot.handoff import casework

    h = _handoff(sessions, text="call me on 07700 900123 or mail jo.bloggs+x@example.com")
    handoff.record_bot_message(sessions, "tg-a", "Northgate Youth Hub: call 0113 496 0964")
    personal = ("07700 900123", "7700900123", "900123", "jo.bloggs", "example.com")
    pages = {"queue": jo.get("/").text, "rows": jo.get("/queue/rows").text,
             "conversation": jo.get(f"/handoffs/{h.id}").text,
             "turns": jo.get(f"/handoffs/{h.id}/turns").text,
             "export": jo.get(f"/handoffs/{h.id}/export.txt").text}
    assert f"Open #{h.id}" in pages["queue"]
    for name, page in pages.items():
        for value in personal:
            assert value not in page, (name, value)
    for name in ("conversation", "turns", "export"):
        assert "call me on 07••••••123 or mail j•••@•••.com" in pages[name], name
        assert "Northgate Youth Hub: call 0113 496 0964" in pages[name], name
    monkeypatch.setattr(casework, "FONT", Path("/nonexistent/font.ttf"))  # readable streams
    pdf = _pdf_text(jo.get(f"/handoffs/{h.id}/export.pdf").content)
    assert b"0113 496 0964" in pdf and b"call me on 07" in pdf
    for value in personal:
        assert value.encode() not in pdf, value
    with sessions() as s:  # the young person's own words are stored as they wrote them
        stored = s.execute(select(HandoffMessage.text).where(HandoffMessage.role == "user")
                           ).scalar_one()
    assert stored == "call me on 07700 900123 or mail jo.bloggs+x@example.com"


def test_csrf_less_and_cross_site_posts_are_rejected(jo, sessions):
    h = _handoff(sessions)
    token = csrf_of(jo.get(f"/handoffs/{h.id}").text)
    for data, headers in [({"text": "no token"}, {}),
                          ({"text": "bad token", "csrf_token": "x" * 43}, {}),
                          ({"text": "other site", "csrf_token": token},
                           {"Origin": "https://evil.example"})]:
        r = jo.post(f"/handoffs/{h.id}/reply", data=data, headers=headers)
        assert r.status_code == 403
    r = jo.post(f"/handoffs/{h.id}/hand-back", data={})
    assert r.status_code == 403
    assert jo.post("/logout", data={}).status_code == 403
    with sessions() as s:
        assert s.execute(select(HandoffMessage).where(HandoffMessage.role == "worker")).first() \
            is None
    assert handoff.active_handoff(sessions, "tg-a") is not None


def test_other_organisation_cannot_see_or_touch_a_conversation(app, sessions, team):
    h = _handoff(sessions, text="private to leeds")
    with client_for(app) as eve:
        login(eve, "eve@example.org")
        assert "private to leeds" not in eve.get("/").text
        assert f"Open #{h.id}" not in eve.get("/").text
        for path in (f"/handoffs/{h.id}", f"/handoffs/{h.id}/turns",
                     f"/handoffs/{h.id}/export.txt", f"/handoffs/{h.id}/export.pdf"):
            r = eve.get(path)
            # exactly what a conversation that does not exist gets: nothing says it is there
            missing = eve.get(path.replace(f"/{h.id}", "/999999"))
            assert (r.status_code, r.headers["content-type"]) == (404, missing.headers[
                "content-type"]) and r.text == missing.text.replace("999999", str(h.id)), path
            assert "private to leeds" not in r.text
        token = csrf_of(eve.get("/").text)
        for action, data in [("reply", {"text": "hi"}), ("claim", {}), ("hand-back", {}),
                             ("notes", {"text": "x"}), ("tags", {"tag": "x"}),
                             ("resolve", {"outcome": "advice"}), ("step-in", {})]:
            r = eve.post(f"/handoffs/{h.id}/{action}", data={"csrf_token": token, **data})
            assert r.status_code == 404, action
        assert f"#{h.id}" not in eve.get("/history").text
    assert handoff.active_handoff(sessions, "tg-a").worker_id is None
    with sessions() as s:
        assert s.execute(select(HandoffNote)).first() is None


def test_xss_in_user_text_notes_and_tags_is_inert(jo, sessions, team):
    h = _handoff(sessions, text=XSS)
    token = csrf_of(jo.get(f"/handoffs/{h.id}").text)
    jo.post(f"/handoffs/{h.id}/notes", data={"csrf_token": token, "text": XSS})
    page = jo.get(f"/handoffs/{h.id}").text
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page
    assert jo.get(f"/handoffs/{h.id}/turns").text.count("&lt;script&gt;") == 1


def test_audit_log_is_for_admins(app, jo, sessions, team):
    h = _handoff(sessions)
    jo.get(f"/handoffs/{h.id}")
    assert jo.get("/admin/audit").status_code == 403
    with client_for(app) as admin:
        login(admin, "admin@example.org")
        page = admin.get("/admin/audit").text
        assert "jo@example.org" in page and "open_transcript" in page and f"#{h.id}" in page
        assert "eve@example.org" not in page


def test_logout_ends_the_session_on_the_server(app):
    with client_for(app) as c:
        login(c, "jo@example.org")
        stolen = c.cookies.get("navigator_console")
        token = csrf_of(c.get("/").text)
        assert c.post("/logout", data={"csrf_token": token},
                      follow_redirects=False).status_code == 303
    with client_for(app) as thief:
        thief.cookies.set("navigator_console", stolen, domain="testserver")
        assert thief.get("/", follow_redirects=False).status_code == 303


def test_claim_take_over_and_assign(app, jo, sessions, team):
    h = _handoff(sessions)
    token = csrf_of(jo.get(f"/handoffs/{h.id}").text)
    jo.post(f"/handoffs/{h.id}/claim", data={"csrf_token": token})
    assert handoff.active_handoff(sessions, "tg-a").worker_id == team.workers["jo"].id
    with client_for(app) as sam:
        login(sam, "sam@example.org")
        t2 = csrf_of(sam.get(f"/handoffs/{h.id}").text)
        r = sam.post(f"/handoffs/{h.id}/reply", data={"csrf_token": t2, "text": "hi"})
        assert r.status_code == 400 and "another worker" in r.text
        sam.post(f"/handoffs/{h.id}/claim", data={"csrf_token": t2, "take_over": "yes"})
    assert handoff.active_handoff(sessions, "tg-a").worker_id == team.workers["sam"].id
    jo.post(f"/handoffs/{h.id}/assign", data={"csrf_token": token,
                                             "worker_id": team.workers["jo"].id})
    assert handoff.active_handoff(sessions, "tg-a").worker_id == team.workers["jo"].id
    r = jo.post(f"/handoffs/{h.id}/assign", data={"csrf_token": token,
                                                 "worker_id": team.workers["eve"].id})
    assert r.status_code == 400


def test_local_chat_fetches_worker_replies(app, sessions, team):
    h = handoff.request_handoff(sessions, "local-abc", "rest", "request", org="leeds_hub")
    handoff.worker_reply(sessions, h.id, team.workers["jo"], "Hello from Jo")
    with client_for(app) as c:
        assert c.get("/chat/local-abc/messages").status_code == 401  # the id is not a key
        c.headers["Authorization"] = f"Bearer {REST_TOKEN}"
        assert c.get("/chat/local-abc/messages").json() == {
            "messages": [{"text": "Hello from Jo", "from": "worker"}]}
        assert c.get("/chat/local-abc/messages").json() == {"messages": []}
        assert c.get("/chat/" + "x" * 81 + "/messages").status_code == 422


def test_the_worker_sees_when_whatsapps_window_has_closed(app, sessions, jo):
    """Issue 19: outside the 24-hour window a free-form reply cannot reach a WhatsApp user."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from bot.channels.models import ChannelContact

    sender = "wa-" + "ab" * 16
    contacts.remember_contact(sessions, KEYS, sender, "whatsapp", "whatsapp:+447700900123",
                              "leeds_hub", inbound=True)
    h = handoff.request_handoff(sessions, sender, "whatsapp", "request")
    page = jo.get(f"/handoffs/{h.id}").text
    assert "sent on WhatsApp" in page and "free-form replies until" in page
    with sessions() as s, s.begin():
        s.execute(update(ChannelContact).where(ChannelContact.sender_id == sender).values(
            last_inbound_at=datetime.now(timezone.utc) - timedelta(hours=25)))
    page = jo.get(f"/handoffs/{h.id}").text
    assert "window has closed" in page and "TWILIO_WHATSAPP_TEMPLATE_SID" in page
    tg = _handoff(sessions, "tg-w", text="hi")
    assert "whatsapp-window" not in jo.get(f"/handoffs/{tg.id}").text
