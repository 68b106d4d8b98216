"""The moderation queue over HTTP: listing, approve, reject, CSRF, unknown items, roles."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.channels import contacts
from bot.feedback import reviews
from bot.console import create_console_app
from bot.handoff.models import AuditEntry
from bot.accounts.models import Worker
from bot.directory.models import Service
from bot.feedback.models import PeerTip, ServiceRating
from bot.settings import load_settings
from tests.console.conftest import KEYS, csrf_of
from tests.console.test_console_http import XSS, client_for, login

SVC = "svc-nightstop"


@pytest.fixture
def app(sessions, db_url, tmp_path, team):
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    return create_console_app(settings, sessions, keys=KEYS)


@pytest.fixture
def items(sessions):
    """A pending comment (with a phone number in it) and a pending tip."""
    with sessions() as s, s.begin():
        s.add(Service(id=SVC, name="Leeds Nightstop"))
    for sender, chat in (("tg-a", "111"), ("tg-b", "222")):  # young people of Leeds Youth Hub
        contacts.remember_contact(sessions, KEYS, sender, "telegram", chat, "leeds_hub")
    comment = reviews.rate(sessions, "tg-a", SVC, 2, "cold rooms, call me 07700 900123")
    tip = reviews.add_tip(sessions, "tg-b", SVC, "ask for the youth worker at the desk")
    return comment, tip


@pytest.fixture
def jo(app):
    with client_for(app) as c:
        assert login(c, "jo@example.org").status_code == 303
        yield c


def _post(client, path: str, **data):
    return client.post(path, data=data, follow_redirects=False)


def _statuses(sessions):
    with sessions() as s:
        return (list(s.execute(select(ServiceRating.comment_status)).scalars()),
                list(s.execute(select(PeerTip.status)).scalars()))


def test_list_shows_pending_items_with_buttons(jo, items):
    comment, tip = items
    page = jo.get("/moderation")
    assert page.status_code == 200
    text = page.text
    assert "Leeds Nightstop" in text and "2/5" in text and "cold rooms" in text
    assert "07700 900123" not in text and "123" in text  # masked when stored
    assert "ask for the youth worker at the desk" in text
    assert f'action="/moderation/comment/{comment.id}"' in text
    assert f'action="/moderation/tip/{tip.id}"' in text
    assert text.count('value="approve"') == 2 and text.count('value="reject"') == 2
    assert re.search(r'href="/moderation">Moderation \(2\)', text)
    assert len(re.findall(r"<td>\d+ min</td>", text)) == 2  # the age column
    assert 'href="/moderation"' in jo.get("/").text  # the nav link on other pages


def test_approve_and_reject(jo, sessions, items, team):
    comment, tip = items
    token = csrf_of(jo.get("/moderation").text)
    r = _post(jo, f"/moderation/comment/{comment.id}", csrf_token=token, decision="approve")
    assert r.status_code == 303 and r.headers["location"] == "/moderation"
    r = _post(jo, f"/moderation/tip/{tip.id}", csrf_token=token, decision="reject")
    assert r.status_code == 303
    assert _statuses(sessions) == (["approved"], ["rejected"])
    assert reviews.approved_comments(sessions, SVC) == [comment.comment]
    assert reviews.approved_tips(sessions, SVC) == []  # rejected: never shown
    assert "Nothing to check." in jo.get("/moderation").text
    with sessions() as s:
        audit = list(s.execute(select(AuditEntry.worker_id, AuditEntry.detail)
                               .where(AuditEntry.action == "moderate")
                               .order_by(AuditEntry.id)).all())
    assert audit == [(team.workers["jo"].id, f"comment {comment.id} approved"),
                     (team.workers["jo"].id, f"tip {tip.id} rejected")]
    # Deciding again (a colleague's stale page) is refused and changes nothing.
    r = _post(jo, f"/moderation/comment/{comment.id}", csrf_token=token, decision="reject")
    assert r.status_code == 409 and "already checked" in r.text
    assert _statuses(sessions) == (["approved"], ["rejected"])


def test_rejected_comment_never_appears(jo, sessions, items):
    comment, _tip = items
    token = csrf_of(jo.get("/moderation").text)
    _post(jo, f"/moderation/comment/{comment.id}", csrf_token=token, decision="reject")
    assert reviews.approved_comments(sessions, SVC, limit=10) == []


def test_csrf_missing_or_cross_site_is_rejected(jo, sessions, items):
    comment, tip = items
    token = csrf_of(jo.get("/moderation").text)
    for data, headers in [({"decision": "approve"}, {}),
                          ({"decision": "approve", "csrf_token": "x" * 43}, {}),
                          ({"decision": "approve", "csrf_token": token},
                           {"Origin": "https://evil.example"})]:
        r = jo.post(f"/moderation/comment/{comment.id}", data=data, headers=headers,
                    follow_redirects=False)
        assert r.status_code == 403
    assert _statuses(sessions) == (["pending"], ["pending"])


def test_unknown_or_bad_requests_are_4xx_and_change_nothing(jo, sessions, items):
    comment, tip = items
    token = csrf_of(jo.get("/moderation").text)
    for path, decision, status in (
            ("/moderation/comment/999999", "approve", 404),
            (f"/moderation/tip/{comment.id + tip.id + 50}", "approve", 404),
            (f"/moderation/review/{comment.id}", "approve", 404),
            ("/moderation/comment/99999999999999999999999", "approve", 404),
            (f"/moderation/comment/{comment.id}", "maybe", 400),
            (f"/moderation/comment/{comment.id}", "", 400),
            ("/moderation/comment/abc", "approve", 422)):
        r = _post(jo, path, csrf_token=token, decision=decision)
        assert r.status_code == status, path
        assert "Sorry" in r.text  # the console's error page
    assert _statuses(sessions) == (["pending"], ["pending"])


def test_a_changed_comment_is_not_approved_unseen(jo, sessions, items):
    comment, _tip = items
    page = jo.get("/moderation").text
    seen = re.search(rf'/moderation/comment/{comment.id}".*?name="seen" value="([0-9a-f]+)"',
                     page, re.S).group(1)
    reviews.add_comment(sessions, "tg-a", SVC, "something else entirely")
    r = _post(jo, f"/moderation/comment/{comment.id}", csrf_token=csrf_of(page),
              decision="approve", seen=seen)
    assert r.status_code == 409 and "changed since" in r.text
    assert reviews.approved_comments(sessions, SVC) == []


def test_user_text_is_escaped(jo, sessions, items):
    contacts.remember_contact(sessions, KEYS, "tg-c", "telegram", "333", "leeds_hub")
    reviews.add_tip(sessions, "tg-c", SVC, XSS)
    page = jo.get("/moderation").text
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_admin_may_moderate(app, sessions, items):
    _comment, tip = items
    with client_for(app) as admin:
        login(admin, "admin@example.org")
        token = csrf_of(admin.get("/moderation").text)
        r = _post(admin, f"/moderation/tip/{tip.id}", csrf_token=token, decision="approve")
        assert r.status_code == 303
    assert reviews.approved_tips(sessions, SVC) == [tip.text]


def test_peer_mentor_may_not_moderate(app, sessions, items, team):
    comment, tip = items
    with sessions() as s, s.begin():  # accounts.ROLES may not have the role yet
        s.get(Worker, team.workers["sam"].id).role = "peer_mentor"
    with client_for(app) as sam:
        assert login(sam, "sam@example.org").status_code == 303
        queue = sam.get("/")
        assert queue.status_code == 200 and 'href="/moderation"' not in queue.text
        r = sam.get("/moderation")
        assert r.status_code == 403 and "cold rooms" not in r.text
        token = csrf_of(queue.text)
        for path in (f"/moderation/comment/{comment.id}", f"/moderation/tip/{tip.id}"):
            assert _post(sam, path, csrf_token=token, decision="approve").status_code == 403
    assert _statuses(sessions) == (["pending"], ["pending"])


def test_login_required(app, items):
    with client_for(app) as c:
        r = c.get("/moderation", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.post("/moderation/tip/1", data={"decision": "approve"},
                      follow_redirects=False).status_code == 401


def test_another_organisations_worker_neither_sees_nor_decides(app, items, sessions):
    """Issue 17, item 16: the queue was not scoped by organisation: a comment (which may name
    its writer until it is checked) was read by every organisation's workers."""
    comment, tip = items
    with client_for(app) as eve:
        assert login(eve, "eve@example.org").status_code == 303
        page = eve.get("/moderation")
        assert page.status_code == 200 and "cold rooms" not in page.text
        assert "ask for the youth worker" not in page.text
        form = eve.get("/moderation")
        got = _post(eve, f"/moderation/comment/{comment.id}", decision="approve",
                    csrf_token=csrf_of(form.text))
        assert got.status_code == 404
    assert _statuses(sessions) == (["pending"], ["pending"])
    # A young person with no referral belongs to the default organisation's queue.
    reviews.add_tip(sessions, "sms-z", SVC, "the night staff are kind")
    assert [i.text for i in reviews.pending(sessions, org_id=None)][-1] == "the night staff are kind"
    leeds = {i.text for i in reviews.pending(sessions, org_id=comment_org(sessions, "leeds_hub"))}
    assert "the night staff are kind" not in leeds and len(leeds) == 2
    default = {i.text for i in reviews.pending(sessions, org_id=comment_org(sessions, "default"))}
    assert default == {"the night staff are kind"}


def comment_org(sessions, slug: str) -> int:
    from bot.accounts.models import YouthOrganisation

    with sessions() as s:
        return s.execute(select(YouthOrganisation.id).where(YouthOrganisation.slug == slug)).scalar_one()
