"""The dashboard figures (bot.measurement.dashboard) and their charts (bot.console.charts): definitions,
windows, forgotten people, empty data, and SVG that is deterministic, accessible and safe to
inline under the console's CSP."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import update

from bot.measurement import dashboard
from bot.privacy import forget
from bot.pathway import outcomes, pathway
from bot.console import charts
from bot.pathway.models import PathwayStep, ReferralOutcome
from bot.measurement.models import SearchLog
from bot.feedback.models import ServiceRating

TODAY = date(2026, 6, 15)
SVG = "{http://www.w3.org/2000/svg}"


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.utc)


def _back(n: int, today: date, day: int = 10) -> date:
    """Day ``day`` of the month ``n`` months before ``today`` (today itself at most)."""
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, min(day, today.day) if n == 0 else day)


def add_searches(sessions, rows) -> None:
    """``rows``: (day, need, area, results, how many)."""
    with sessions() as s, s.begin():
        for day, need, area, results, n in rows:
            s.add_all(SearchLog(need=need, area=area, results=results, day=day)
                      for _ in range(n))


def add_referral(sessions, sender: str, need: str, service: str, asked: date = None,
                 answers=(), today: date = TODAY):
    """A referral; its check-in asked on ``asked``; ``answers``: (code, day) in order."""
    step = pathway.add_referral(sessions, sender, need, service, f"Service {service}",
                                timedelta(days=3), now=_at(asked or today))
    with sessions() as s, s.begin():
        if asked is not None:
            s.execute(update(PathwayStep).where(PathwayStep.id == step.id)
                      .values(checkin_asked_at=_at(asked)))
    for code, day in answers:
        out = pathway.record_outcome(sessions, sender, step.id, code)
        with sessions() as s, s.begin():
            s.execute(update(ReferralOutcome).where(ReferralOutcome.id == out.id)
                      .values(created_at=_at(day)))
    return step


def add_ratings(sessions, stars_and_days) -> None:
    with sessions() as s, s.begin():
        for i, (stars, day) in enumerate(stars_and_days):
            s.add(ServiceRating(sender_id=f"rest-r{i}", service_id=f"svc-{i % 3}", stars=stars,
                                comment_status="none", created_at=_at(day),
                                updated_at=_at(day)))


SEED_NEEDS = ("housing", "food", "mental_health", "work")
# Answers to the seeded referrals, in turn ("outcome": the need's first outcome code).
SEED_ANSWERS = ("got_help", "outcome", "reached", "still_waiting", "turned_away", "got_help",
                "did_not_go", None)
SEED_STARS = (5, 4, 5, 3, 4, 2, 5, 4, 1, 4, 5, 3)


def seed(sessions, today: date = TODAY) -> None:
    """Twelve months of data up to ``today``, as the dashboard tests use it: searches for six
    needs in Leeds, LS1, Bradford, Wakefield, Hull and no area (some finding nothing); 25
    referrals over four needs, 22 of them answered; 12 ratings (average 3.75)."""
    rows = []
    for ago in range(12):
        day, more = _back(ago, today), (11 - ago) // 2
        rows += [(day, "housing", "Leeds", 2, 4 + more), (day, "food", "LS1", 1, 2 + ago % 3),
                 (day, "housing", "Bradford", 0, 1 + ago % 2),
                 (day, "mental_health", None, 0, 1 + more // 2),
                 (day, "mental_health", "Leeds", 3, 2), (day, "work", "Leeds", 0, ago % 3),
                 (day, "money", "Wakefield", 0, more // 3), (day, "education", "Hull", 1, 1)]
    add_searches(sessions, rows)
    for i in range(25):
        asked, need = _back(i % 12, today, 3), SEED_NEEDS[(i // 8 + i) % 4]
        code = SEED_ANSWERS[i % 8]
        code = outcomes.outcome_codes(need)[0] if code == "outcome" else code
        add_referral(sessions, f"rest-p{i}", need, f"svc-{i}", asked,
                     [(code, asked)] if code else [], today)
    add_ratings(sessions, [(stars, _back(i % 12, today)) for i, stars in enumerate(SEED_STARS)])


# -- windows ------------------------------------------------------------------------------------
def test_window_and_months():
    assert dashboard.window(1, TODAY) == date(2026, 6, 1)
    assert dashboard.window(12, TODAY) == date(2025, 7, 1)
    assert dashboard.window(6, date(2026, 3, 31)) == date(2025, 10, 1)
    assert dashboard.month_range(date(2025, 11, 20), date(2026, 2, 1)) == (
        "2025-11", "2025-12", "2026-01", "2026-02")
    assert dashboard.month_range(date(2026, 2, 1), date(2026, 1, 1)) == ()
    for bad in (0, 37, -1, True, "12", 2.5):
        with pytest.raises(dashboard.DashboardError, match="months"):
            dashboard.window(bad, TODAY)


def test_bad_since_is_a_clear_error(sessions):
    with pytest.raises(dashboard.DashboardError, match="since must be a date"):
        dashboard.ratings_distribution(sessions, since="2026-01-01")
    with pytest.raises(dashboard.DashboardError, match="today"):
        dashboard.summary(sessions, today="2026-01-01")
    assert issubclass(dashboard.DashboardError, ValueError)


# -- the five aggregates ------------------------------------------------------------------------
def test_needs_over_time_counts_searches_per_month_and_need(sessions):
    add_searches(sessions, [(date(2026, 5, 2), "housing", "Leeds", 3, 4),
                            (date(2026, 5, 30), "food", None, 0, 1),
                            (date(2026, 6, 1), "housing", "Leeds", 0, 2),
                            (date(2026, 2, 1), "housing", "Leeds", 0, 9)])  # before the window
    got = dashboard.needs_over_time(sessions, date(2026, 4, 1), TODAY)
    assert got.months == ("2026-04", "2026-05", "2026-06")
    assert [(s.key, s.label, s.values) for s in got.series] == [
        ("housing", "Housing and homelessness", (0, 4, 2)), ("food", "Food", (0, 1, 0))]
    assert got.total == 7
    everything = dashboard.needs_over_time(sessions, None, TODAY)
    assert everything.months[0] == "2026-02" and everything.total == 16


def test_needs_over_time_groups_the_rest_as_other(sessions):
    needs = ["housing", "food", "money", "work", "education", "health", "family", "legal"]
    add_searches(sessions, [(TODAY, need, None, 1, 10 - i) for i, need in enumerate(needs)])
    got = dashboard.needs_over_time(sessions, date(2026, 6, 1), TODAY, top=3)
    assert [s.key for s in got.series] == ["housing", "food", "money", "other"]
    assert got.series[-1].label == "Other needs (5)" and got.series[-1].values == (25,)
    assert got.total == sum(10 - i for i in range(8))


def test_outcomes_by_need_takes_the_latest_answer_per_referral(sessions):
    may, june = date(2026, 5, 3), date(2026, 6, 2)
    add_referral(sessions, "rest-a", "housing", "s1", may,
                 [("still_waiting", may), ("got_help", june)])
    add_referral(sessions, "rest-b", "housing", "s2", may,
                 [("got_help", may), ("secured_emergency_accommodation", june)])
    add_referral(sessions, "rest-c", "food", "s3", may, [("turned_away", june)])
    add_referral(sessions, "rest-d", "food", "s4", may, [])  # no answer: not counted here
    got = dashboard.outcomes_by_need(sessions, date(2026, 1, 1))
    codes = [c for c, _label in got.categories]
    by_need = {r.need: dict(zip(codes, r.counts)) for r in got.rows}
    assert [r.need for r in got.rows] == ["housing", "food"]
    assert by_need["housing"]["got_help"] == 1 and by_need["housing"]["need_outcome"] == 1
    assert by_need["housing"]["still_waiting"] == 0
    assert by_need["food"]["turned_away"] == 1 and got.total == 3
    assert got.versions == ("1.0.0",)
    # the window: only answers from June on, so rest-a's May "still waiting" is not seen
    june_only = dashboard.outcomes_by_need(sessions, date(2026, 6, 1))
    assert june_only.total == 3
    assert dashboard.outcomes_by_need(sessions, date(2026, 7, 1)).rows == ()


def test_forgotten_outcomes_still_count_once_each(sessions):
    day = date(2026, 6, 1)
    add_referral(sessions, "rest-gone", "housing", "s1", day, [("got_help", day)])
    add_referral(sessions, "rest-gone", "food", "s2", day, [("did_not_go", day)])
    forget.forget_app_data(sessions, "rest-gone")
    got = dashboard.outcomes_by_need(sessions)
    assert got.total == 2  # kept, unlinked: each row is its own referral
    checkins = dashboard.checkin_response(sessions, date(2026, 6, 1), TODAY)
    assert checkins.total_asked == 0  # the steps are gone: neither asked nor answered


def test_checkin_response_by_month_asked(sessions):
    april, may = date(2026, 4, 20), date(2026, 5, 5)
    add_referral(sessions, "rest-a", "housing", "s1", april, [("reached", may)])
    add_referral(sessions, "rest-b", "housing", "s2", april, [])
    add_referral(sessions, "rest-c", "food", "s3", may, [("got_help", may), ("got_help", may)])
    add_referral(sessions, "rest-d", "food", "s4", None, [])  # not asked yet: not counted
    pathway.add_step(sessions, "rest-e", "food", "my own step")  # not a referral
    got = dashboard.checkin_response(sessions, date(2026, 4, 1), TODAY)
    assert got.months == ("2026-04", "2026-05", "2026-06")
    assert got.asked == (2, 1, 0) and got.answered == (1, 1, 0)
    assert got.rate == pytest.approx(2 / 3)
    assert dashboard.checkin_response(sessions, date(2026, 6, 1), TODAY).rate is None


def test_unmet_by_area(sessions):
    add_searches(sessions, [(TODAY, "housing", "Leeds", 0, 3), (TODAY, "housing", "Leeds", 2, 1),
                            (TODAY, "food", "LS1", 0, 1), (TODAY, "food", None, 0, 2),
                            (TODAY, "food", "York", 4, 5),  # found something: not unmet
                            (date(2025, 1, 1), "food", "Hull", 0, 7)])  # before the window
    got = dashboard.unmet_by_area(sessions, date(2026, 6, 1))
    assert [(r.area, r.unmet, r.searches) for r in got.rows] == [
        ("Leeds", 3, 4), ("Area not given", 2, 2), ("LS1", 1, 1)]
    assert got.searches == 12 and got.total_unmet == 6
    assert got.rows[0].share == pytest.approx(0.75)
    top2 = dashboard.unmet_by_area(sessions, None, top=2)
    assert [r.area for r in top2.rows] == ["Hull", "Leeds", "Other areas (2)"]
    assert top2.rows[-1].unmet == 3


def test_ratings_distribution(sessions):
    add_ratings(sessions, [(5, TODAY), (5, TODAY), (1, TODAY), (3, date(2025, 1, 1))])
    got = dashboard.ratings_distribution(sessions, date(2026, 1, 1))
    assert got.counts == (1, 0, 0, 0, 2) and got.average == pytest.approx(11 / 3)
    assert dashboard.ratings_distribution(sessions).total == 4
    assert dashboard.ratings_distribution(sessions, date(2027, 1, 1)).average is None


def test_summary_of_an_empty_database(sessions):
    board = dashboard.summary(sessions, 6, TODAY)
    assert board.since == date(2026, 1, 1) and len(board.months) == 6
    assert board.needs.total == 0 and board.needs.months == board.months
    assert board.outcomes.total == 0 and board.checkins.rate is None
    assert board.unmet.rows == () and board.ratings.average is None


# -- charts ---------------------------------------------------------------------------------------
def _charts(board):
    return [charts.needs_chart(board.needs), charts.outcomes_chart(board.outcomes),
            charts.checkin_chart(board.checkins), charts.unmet_chart(board.unmet),
            charts.ratings_chart(board.ratings)]


def test_charts_are_accessible_csp_safe_and_deterministic(sessions):
    seed(sessions)
    board = dashboard.summary(sessions, 12, TODAY)
    first, again = _charts(board), _charts(dashboard.summary(sessions, 12, TODAY))
    assert [c.svg for c in first] == [c.svg for c in again]  # same data, same bytes
    assert len({c.key for c in first}) == 5
    ids = []
    for chart in first:
        assert not chart.empty and chart.title and chart.rows and chart.headers
        svg = str(chart.svg)
        assert "style=" not in svg and "<style" not in svg and "<script" not in svg
        assert "<metadata" not in svg and "<?xml" not in svg
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"{chart.key}-title {chart.key}-desc"
        assert root[0].tag == SVG + "title" and root[0].text == chart.title
        assert root[1].tag == SVG + "desc" and root[1].text == chart.summary
        assert root.get("viewBox") and root.get("width") is None
        texts = {t.text for t in root.iter(SVG + "text")}
        assert texts  # axis labels are real text
        mine = [el.get("id") for el in root.iter() if el.get("id")]
        assert all(i.startswith(chart.key + "-") for i in mine)
        ids += mine
        refs = re.findall(r'(?:href="#|url\(#)([^")]+)', svg)
        assert refs and set(refs) <= set(mine)  # every reference points into this chart
    assert len(ids) == len(set(ids))  # unique across the whole page
    texts = {t.text for c in first for t in ET.fromstring(str(c.svg)).iter(SVG + "text")}
    assert {"Month", "Searches", "Referrals", "Area", "Stars", "Ratings", "Need"} <= texts
    assert "Housing and homelessness" in texts and "Bradford" in texts and "Leeds" in texts
    assert first[2].summary == "22 of 25 check-ins answered (88%)."


def test_empty_data_says_no_data_yet(sessions):
    for chart in _charts(dashboard.summary(sessions, 3, TODAY)):
        assert chart.empty and chart.svg is None and chart.empty_text == "No data yet"
        assert chart.summary == "No data yet" and chart.title


def test_labels_are_escaped_and_never_mathtext():
    tricky = '<script>x</script> & $\\frac{1}{2}$ "quoted"'
    data = dashboard.UnmetByArea((dashboard.AreaUnmet(tricky, 3, 2),), 3)
    chart = charts.unmet_chart(data)
    svg = str(chart.svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = ET.fromstring(svg)  # still well-formed
    texts = [t.text or "" for t in root.iter(SVG + "text")]
    assert any(t.startswith("<script>x</script> & $") for t in texts)  # literal, shortened
    assert chart.rows[0][0] == tricky  # the table keeps it whole (the template escapes it)


def test_inline_svg_rejects_a_bad_key():
    with pytest.raises(ValueError, match="chart key"):
        charts.inline_svg("<svg xmlns='http://www.w3.org/2000/svg'/>", "Bad Key", "t", "d")
