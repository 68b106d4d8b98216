"""The dashboard page over HTTP (FastAPI's TestClient): who may see it, the five charts inline
as CSP-safe SVG with their tables, "No data yet", the window parameter, nothing personal on
the page and nothing cached between requests."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from bot.accounts import accounts
from bot.feedback.models import ServiceRating
from tests.bot.measurement.test_dashboard import add_searches, seed
from tests.console.conftest import PASSWORD
from tests.console.test_console_http import app, client_for, login  # noqa: F401 (fixture)

KEYS = ("needs-over-time", "outcomes-by-need", "checkin-response", "unmet-by-area", "ratings")
TITLES = ("Needs raised over time", "Outcomes by need", "Check-in response rate",
          "Unmet need by area", "Ratings distribution")
COMMENT = "the woman at the desk called me by my name, thanks Jo"


def _today():
    return datetime.now(timezone.utc).date()


def _page(app, email: str = "jo@example.org", url: str = "/dashboard"):  # noqa: F811
    with client_for(app) as c:
        assert login(c, email).status_code == 303
        return c.get(url)


def test_login_required(app):  # noqa: F811
    with client_for(app) as c:
        r = c.get("/dashboard", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_five_charts_inline_with_their_numbers(app, sessions):  # noqa: F811
    seed(sessions, _today())
    with sessions() as s, s.begin():  # a comment that must never reach the dashboard
        s.add(ServiceRating(sender_id="tg-secret-sender", service_id="svc-x", stars=3,
                            comment=COMMENT, comment_status="approved"))
    r = _page(app)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    page = r.text
    assert '<a href="/dashboard">Dashboard</a>' in page
    for key, title in zip(KEYS, TITLES):
        section = page.split(f'data-chart="{key}"', 1)[1].split("</section>", 1)[0]
        assert f">{title}</h2>" in section
        assert '<svg ' in section and 'role="img"' in section
        assert f'<title id="{key}-title">{title}</title>' in section
        assert "<table>" in section and "No data yet" not in section
    assert page.count("<svg ") == 5
    # CSP: no inline style or script anywhere (style-src 'self', script-src 'self')
    assert "style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    # counts only: no sender ids, comment text or service ids
    for secret in ("tg-secret-sender", "rest-p", "rest-r", COMMENT, "svc-"):
        assert secret not in page
    assert "Bradford" in page and "Area not given" in page  # areas as search_log holds them
    assert "22 of 25 check-ins answered (88%)." in page
    assert "13 ratings, average 3.7 stars out of 5." in page  # 48 / 13


def test_empty_database_says_no_data_yet(app):  # noqa: F811
    page = _page(app).text
    assert page.count('<p class="no-data">No data yet</p>') == 5
    assert "<svg" not in page
    for title in TITLES:
        assert f">{title}</h2>" in page


@pytest.mark.parametrize("months", ["0", "37", "-3", "twelve", "1.5", "9" * 30])
def test_bad_window_is_422(app, months):  # noqa: F811
    r = _page(app, url=f"/dashboard?months={months}")
    assert r.status_code == 422 and "not valid" in r.text


def test_window_limits_the_figures(app, sessions):  # noqa: F811
    today = _today()
    old = today.replace(year=today.year - 2)
    add_searches(sessions, [(today, "housing", "Leeds", 0, 2), (old, "food", "Hull", 0, 5)])
    page = _page(app, url="/dashboard?months=3").text
    assert '<option value="3" selected>Last 3 months</option>' in page
    assert "Leeds" in page and "Hull" not in page
    page = _page(app, url="/dashboard?months=36").text
    assert "Hull" in page and '<option value="36" selected>' in page
    assert "<p class=\"no-data\">No data yet</p>" in page  # no referrals, no ratings


def test_nothing_is_cached_between_requests(app, sessions):  # noqa: F811
    with client_for(app) as c:
        assert login(c, "jo@example.org").status_code == 303
        assert 'data-chart="unmet-by-area"' in c.get("/dashboard").text
        assert "York" not in c.get("/dashboard").text
        add_searches(sessions, [(_today(), "food", "York", 0, 1)])
        assert "York" in c.get("/dashboard").text


@pytest.mark.parametrize("role", ["admin", "peer_mentor"])
def test_admins_and_peer_mentors_see_it_too(app, sessions, role):  # noqa: F811
    email = f"{role.replace('_', '-')}-dash@example.org"
    accounts.add_worker(sessions, email, PASSWORD, "leeds_hub", role, display_name="P")
    seed(sessions, _today())
    r = _page(app, email)
    assert r.status_code == 200 and r.text.count("<svg ") == 5


def test_an_unknown_role_gets_403(app, sessions, team):  # noqa: F811
    from sqlalchemy import update

    from bot.accounts.models import Worker

    with sessions() as s, s.begin():  # a role added later, not yet given the dashboard
        s.execute(update(Worker).where(Worker.id == team.workers["sam"].id)
                  .values(role="volunteer"))
    r = _page(app, "sam@example.org")
    assert r.status_code == 403 and "cannot see the dashboard" in r.text
