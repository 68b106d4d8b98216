"""The open outcomes export (bot.measurement.open_export and GET /open/*): a seeded multi-month dataset of
referrals, ratings and searches, small-number suppression (no cell 1-4 leaks, not even by
subtraction; secondary suppression), no personal data in the JSON or the CSVs, and the HTTP
formats."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.measurement import open_export
from bot.pathway import outcomes, pathway
from bot.measurement import searchlog
from bot.directory.export import hsds_id
from bot.directory.models import Service
from bot.pathway.models import PathwayStep, ReferralOutcome
from bot.feedback.models import ServiceRating

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
COUNT_FIELDS = ("referrals", "checkins_answered")


def _month(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=timezone.utc)


# (month, service index, need, referrals, [outcome codes per referral, in order])
CELLS = [
    # big: reached 7, got_help 6 (1..6 days after), turned_away 3 -> turned_away hidden and
    # got_help (next smallest) hidden with it; 10 of 12 answered
    (8, 0, "housing", 12, [["reached", "got_help"]] * 6 + [["turned_away"]] * 3
     + [["reached"]] + [[]] * 2),
    (9, 1, "food", 8, [["got_help"]] * 5 + [[]] * 3),                 # nothing suppressed
    (10, 2, "housing", 3, [["got_help"]] + [[]] * 2),                 # all small
    (11, 0, "food", 1, [[]]),                                          # one referral
    (11, 1, "housing", 20, [["got_help"]] * 10 + [["did_not_go"]] * 5
     + [["still_waiting"]] * 4 + [[]]),                                # secondary: did_not_go
    (10, 0, "food", 17, [["turned_away"]] * 2 + [["still_waiting"]] * 2 + [[]] * 13),
]


# Ratings: (month, service index, [stars]); each by its own sender, with a personal comment.
RATINGS = [
    (8, 0, [5, 4, 4, 3, 5, 2, 5]),   # 7: published, mean 4.0
    (9, 0, [1, 2, 5]),               # 3: suppressed
    (8, 1, [4, 4]),                  # 2: suppressed
    (10, 2, [3, 4, 5, 5, 5]),        # 5: published, mean 4.4
    (11, 2, [1]),                    # 1: suppressed
]
# Searches: (month, need, place typed, results per search)
SEARCHES = [
    (8, "housing", "Leeds", [0, 0, 3, 1, 2, 0, 4, 5, 1]),   # 9 searches, 3 unmet: hidden
    (8, "housing", "LS1 4AP", [0] * 6),                      # 6, all unmet; stored as LS1
    (8, "housing", "LS1 7XY", [0, 2]),                       # same outward code: LS1 8, 7
    (9, "food", "Bradford", [0, 3, 2]),                      # 3 searches: all small
    (9, "food", None, [0] * 5 + [1, 2]),                     # 7, 5 unmet, 2 found: complement
    (10, "housing", "Leeds", [1] * 12),                      # 12, 0 unmet: zero published
    (10, "food", "Kirkstall", [0] * 6 + [1] * 5),            # 11, 6 unmet: published
    (11, "food", "33101", [0, 0]),                           # 2, stored as 331xx
]


def _seed_ratings(sessions, services, senders, texts):
    n = 0
    for month, si, stars in RATINGS:
        with sessions() as s, s.begin():
            for k, star in enumerate(stars):
                n += 1
                sender, comment = f"telegram-rater-{n:04d}", f"Ask for Morgan Ellery{n} there"
                senders.append(sender)
                texts.append(comment)
                s.add(ServiceRating(sender_id=sender, service_id=services[si][0], stars=star,
                                    comment=comment, comment_status="approved",
                                    created_at=_month(month, 1 + k),
                                    updated_at=_month(12, 1)))


def _seed_searches(sessions):
    for month, need, place, results in SEARCHES:
        for k, found in enumerate(results):
            searchlog.record(sessions, need, searchlog.area_label(place), found,
                             day=date(2026, month, 1 + k))


def _services(sessions):
    with sessions() as s:
        return s.execute(select(Service.id, Service.name).order_by(Service.id).limit(3)).all()


@pytest.fixture
def rated(sample_sessions):
    """Only the ratings and searches of :func:`seeded` (quicker): (sessions, services,
    senders, comment texts)."""
    services, senders, texts = _services(sample_sessions), [], []
    _seed_ratings(sample_sessions, services, senders, texts)
    _seed_searches(sample_sessions)
    return sample_sessions, services, senders, texts


@pytest.fixture
def seeded(sample_sessions):
    """61 referrals over 4 months, 3 services, 2 needs; plus personal steps; 18 ratings with
    comments; 55 searches. Returns (sessions, services [(stored id, name)], senders, typed
    texts)."""
    services = _services(sample_sessions)
    senders, texts, n = [], [], 0
    for month, si, need, count, codes in CELLS:
        assert len(codes) == count
        sid, name = services[si]
        for i in range(count):
            n += 1
            sender = f"telegram-sender-{n:04d}"
            senders.append(sender)
            typed = f"ring Jordan Whitfield{n} about the flat at {n} Acacia Ave"
            texts.append(typed)
            pathway.add_step(sample_sessions, sender, need, typed)
            step = pathway.add_referral(sample_sessions, sender, need, sid, name,
                                        timedelta(days=3), now=NOW)
            created = _month(month, 1 + i % 20)
            for code in codes[i]:
                reason = "full" if code == "turned_away" else None
                pathway.record_outcome(sample_sessions, sender, step.id, code, reason)
            with sample_sessions() as s, s.begin():
                s.execute(update(PathwayStep).where(PathwayStep.sender_id == sender)
                          .values(created_at=created))
                rows = s.execute(select(ReferralOutcome).where(
                    ReferralOutcome.step_id == step.id).order_by(ReferralOutcome.id)).scalars()
                for k, row in enumerate(rows):  # got_help (i + 1) days after the referral
                    row.created_at = created + timedelta(days=i + 1, hours=k)
    assert n >= 60
    _seed_ratings(sample_sessions, services, senders, texts)
    _seed_searches(sample_sessions)
    return sample_sessions, services, senders, texts


def _row(export, month, service, need):
    found = [r for r in export["rows"] if (r["month"], r["service_id"], r["need"])
             == (month, hsds_id(service[0]), need)]
    assert len(found) == 1, (month, need)
    return found[0]


def _ints(value, path=""):
    """Every int in a structure, with where it is."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _ints(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _ints(v, f"{path}[{i}]")


def test_no_small_cell_leaks_and_suppressed_cells_are_listed(seeded):
    sessions = seeded[0]
    export = open_export.build(sessions, now=NOW)
    assert export["schema"] == "navigator-open-outcomes/2"
    assert export["framework_version"] == outcomes.framework_version()
    assert export["suppression_threshold"] == 5
    assert {r["month"] for r in export["rows"]} == {"2026-08", "2026-09", "2026-10", "2026-11"}
    ints = list(_ints({k: export[k] for k in ("rows", "ratings", "unmet_need")}))
    assert ints and all(v == 0 or v >= 5 for _, v in ints), [x for x in ints if 0 < x[1] < 5]
    for row in export["rows"]:
        for field in COUNT_FIELDS:
            assert (row[field] is None) == (field in row["suppressed"])
        for code, v in row["outcomes"].items():
            assert (v is None) == (f"outcomes.{code}" in row["suppressed"])
        if row["referrals"] is None or row["checkins_answered"] is None:
            assert row["checkin_response_rate"] is None
        hidden = [c for c, v in row["outcomes"].items() if v is None]
        if len(hidden) == 1:  # allowed only when nothing else is there to subtract from
            assert row["checkins_answered"] is None, row
            assert all(v == 0 for c, v in row["outcomes"].items() if c not in hidden), row


def test_totals_of_a_big_cell_and_secondary_suppression(seeded):
    sessions, services = seeded[0], seeded[1]
    export = open_export.build(sessions, now=NOW)
    big = _row(export, "2026-08", services[0], "housing")
    assert big["service_name"] == services[0][1]
    assert (big["referrals"], big["checkins_answered"]) == (12, 10)
    assert big["checkin_response_rate"] == pytest.approx(10 / 12, abs=0.001)
    assert big["outcomes"]["reached"] == 7
    assert big["outcomes"]["turned_away"] is None  # 3: suppressed
    assert big["outcomes"]["got_help"] is None     # 6: the next smallest, suppressed with it
    assert big["outcomes"]["did_not_go"] == 0      # zero is published
    assert big["median_days_to_help"] == 3.5       # 1..6 days
    assert big["suppressed"] == ["outcomes.got_help", "outcomes.turned_away"]

    clean = _row(export, "2026-09", services[1], "food")
    assert (clean["referrals"], clean["checkins_answered"], clean["outcomes"]["got_help"]) == \
        (8, 5, 5)
    assert clean["checkin_response_rate"] == 0.625 and clean["median_days_to_help"] == 3.0
    assert clean["suppressed"] == []

    secondary = _row(export, "2026-11", services[1], "housing")
    assert secondary["outcomes"]["still_waiting"] is None
    assert secondary["outcomes"]["did_not_go"] is None
    assert secondary["outcomes"]["got_help"] == 10 and secondary["checkins_answered"] == 19

    two_small = _row(export, "2026-10", services[0], "food")
    assert two_small["referrals"] == 17 and two_small["checkins_answered"] is None
    assert two_small["checkin_response_rate"] is None  # it would give the 4 back
    assert two_small["outcomes"]["turned_away"] is None
    assert two_small["outcomes"]["still_waiting"] is None

    small = _row(export, "2026-10", services[2], "housing")
    assert small["referrals"] is None and small["checkin_response_rate"] is None
    assert small["median_days_to_help"] is None and small["outcomes"]["got_help"] is None
    assert {"referrals", "checkins_answered", "outcomes.got_help",
            "median_days_to_help"} <= set(small["suppressed"])
    one = _row(export, "2026-11", services[0], "food")
    assert one["referrals"] is None and one["checkins_answered"] == 0


def test_no_personal_field_in_json_or_csv(seeded):
    sessions, services, senders, texts = seeded
    export = open_export.build(sessions, now=NOW)
    serialised = "\n".join([open_export.to_json(export)] + [
        open_export.to_csv(export, table) for table in open_export.TABLES])
    for needle in senders + texts:
        assert needle not in serialised
    for _, name in services:
        assert f"Contact {name}" not in serialised  # the step text
    for title in pathway.GOAL_TITLES.values():
        assert title not in serialised
    assert "full" not in json.dumps([r["outcomes"] for r in export["rows"]])  # no reasons
    for row in export["rows"]:
        assert set(row) == {"month", "service_id", "service_name", "need", "referrals",
                            "checkins_answered", "checkin_response_rate", "outcomes",
                            "median_days_to_help", "suppressed"}
        assert len(row["month"]) == 7  # nothing finer than the month


def test_csv_is_long_and_matches_the_json(seeded):
    sessions = seeded[0]
    export = open_export.build(sessions, now=NOW)
    lines = list(csv.DictReader(io.StringIO(open_export.to_csv(export))))
    assert len(lines) == sum(len(r["outcomes"]) for r in export["rows"])
    big = [x for x in lines if x["month"] == "2026-08" and x["need"] == "housing"]
    by_code = {x["outcome"]: x["outcome_count"] for x in big}
    assert by_code["reached"] == "7" and by_code["got_help"] == "" \
        and by_code["turned_away"] == ""
    assert {x["referrals"] for x in big} == {"12"}
    for x in lines:
        for field in ("referrals", "checkins_answered", "outcome_count"):
            assert x[field] == "" or int(x[field]) == 0 or int(x[field]) >= 5


def test_empty_database_gives_no_rows(sessions):
    export = open_export.build(sessions, now=NOW)
    assert export["rows"] == [] and export["generated_at"] == "2026-12-01T09:00:00+00:00"
    assert open_export.to_csv(export).strip() == ",".join(open_export.CSV_COLUMNS)


def test_endpoint_serves_json_and_csv(seeded, db_url):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from bot.api import create_app
    from bot.settings import load_settings

    sessions, senders = seeded[0], seeded[2]
    with TestClient(create_app(sessions, load_settings({"DATABASE_URL": db_url}))) as c:
        r = c.get("/open/outcomes.json")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert body["schema"] == "navigator-open-outcomes/2" and len(body["rows"]) == len(CELLS)
        r = c.get("/open/outcomes.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.text.splitlines()[0] == ",".join(open_export.CSV_COLUMNS)
        assert not any(sender in r.text for sender in senders)
        assert c.post("/open/outcomes.json").status_code in (405, 404)
        r = c.get("/open/ratings.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.text.splitlines()[0] == ",".join(open_export.RATINGS_CSV_COLUMNS)
        assert len(r.text.splitlines()) == 1 + len(RATINGS)
        r = c.get("/open/unmet_need.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.text.splitlines()[0] == ",".join(open_export.UNMET_CSV_COLUMNS)
        assert "LS1," in r.text and "4AP" not in r.text and "7XY" not in r.text
        assert body["unmet_need"] and body["ratings"]
        assert not any(sender in r.text for sender in senders)


# --- ratings and unmet need -------------------------------------------------------------------
def _rating_row(export, month, service):
    found = [r for r in export["ratings"]
             if (r["month"], r["service_id"]) == (month, hsds_id(service[0]))]
    assert len(found) == 1, month
    return found[0]


def _unmet_row(export, month, need, area):
    found = [r for r in export["unmet_need"] if (r["month"], r["need"], r["area"])
             == (month, need, area)]
    assert len(found) == 1, (month, need, area)
    return found[0]


def test_ratings_per_month_and_service_are_suppressed_under_five(rated):
    sessions, services = rated[0], rated[1]
    export = open_export.build(sessions, now=NOW)
    assert len(export["ratings"]) == len(RATINGS)
    big = _rating_row(export, "2026-08", services[0])  # month of the rating, not its update
    assert big == {"month": "2026-08", "service_id": hsds_id(services[0][0]),
                   "service_name": services[0][1], "ratings": 7, "mean_stars": 4.0,
                   "suppressed": []}
    five = _rating_row(export, "2026-10", services[2])
    assert (five["ratings"], five["mean_stars"]) == (5, 4.4)
    for month, si in (("2026-09", 0), ("2026-08", 1), ("2026-11", 2)):
        small = _rating_row(export, month, services[si])
        assert small["ratings"] is None and small["mean_stars"] is None, small
        assert small["suppressed"] == ["ratings", "mean_stars"]
    for row in export["ratings"]:
        assert set(row) == {"month", "service_id", "service_name", "ratings", "mean_stars",
                            "suppressed"}
        assert (row["ratings"] is None) == (row["mean_stars"] is None)


def test_unmet_need_per_month_need_and_area(rated):
    export = open_export.build(rated[0], now=NOW)
    unmet = "searches_with_no_eligible_service"
    assert len(export["unmet_need"]) == len(SEARCHES) - 1  # the two LS1 places are one area
    leeds = _unmet_row(export, "2026-08", "housing", "Leeds")
    assert (leeds["searches"], leeds[unmet], leeds["suppressed"]) == (9, None, [unmet])
    ls1 = _unmet_row(export, "2026-08", "housing", "LS1")  # 8 searches, 7 unmet, 1 found
    assert (ls1["searches"], ls1[unmet]) == (8, None)
    bradford = _unmet_row(export, "2026-09", "food", "Bradford")
    assert (bradford["searches"], bradford[unmet]) == (None, None)
    assert bradford["suppressed"] == ["searches", unmet]
    nowhere = _unmet_row(export, "2026-09", "food", None)  # 7 searches, 5 unmet, 2 found
    assert (nowhere["searches"], nowhere[unmet]) == (7, None)
    zero = _unmet_row(export, "2026-10", "housing", "Leeds")
    assert (zero["searches"], zero[unmet], zero["suppressed"]) == (12, 0, [])
    clean = _unmet_row(export, "2026-10", "food", "Kirkstall")
    assert (clean["searches"], clean[unmet], clean["suppressed"]) == (11, 6, [])
    zip_row = _unmet_row(export, "2026-11", "food", "331xx")
    assert (zip_row["searches"], zip_row[unmet]) == (None, None)


def test_no_small_cell_can_be_recovered_by_subtraction(rated):
    export = open_export.build(rated[0], now=NOW)
    assert set(export) == {"schema", "framework_version", "licence", "generated_at",
                           "suppression_threshold", "rows", "ratings", "unmet_need"}  # no totals
    for row in export["unmet_need"]:
        searches, unmet = row["searches"], row["searches_with_no_eligible_service"]
        assert (searches is None) == ("searches" in row["suppressed"])
        assert (unmet is None) == ("searches_with_no_eligible_service" in row["suppressed"])
        if searches is not None and unmet is not None:
            found = searches - unmet  # the searches that found a service
            assert found == 0 or found >= 5, row
        if searches is None:
            assert unmet in (None, 0), row
    # the raw counts behind the rows really do hold small cells (the test can fail)
    raw = searchlog.unmet(rated[0])
    assert any(0 < r["unmet"] < 5 for r in raw) and any(0 < r["searches"] - r["unmet"] < 5
                                                        for r in raw)


def test_no_personal_field_in_ratings_or_unmet_need(rated):
    sessions, services, senders, texts = rated
    export = open_export.build(sessions, now=NOW)
    serialised = "\n".join([open_export.to_json(export)] + [
        open_export.to_csv(export, table) for table in open_export.TABLES])
    for needle in senders + texts + ["Morgan Ellery", "Acacia", "4AP", "7XY", "33101"]:
        assert needle not in serialised, needle
    for row in export["unmet_need"]:
        assert set(row) == {"month", "need", "area", "searches",
                            "searches_with_no_eligible_service", "suppressed"}
        assert row["area"] is None or searchlog.area_label(row["area"]) == row["area"]
        assert len(row["month"]) == 7
    assert {r["area"] for r in export["unmet_need"]} == {"Leeds", "LS1", "Bradford", None,
                                                          "Kirkstall", "331xx"}


def test_ratings_and_unmet_need_csv(rated):
    export = open_export.build(rated[0], now=NOW)
    ratings = list(csv.DictReader(io.StringIO(open_export.to_csv(export, "ratings"))))
    assert [tuple(x) for x in ratings][:1] == [open_export.RATINGS_CSV_COLUMNS]
    assert len(ratings) == len(export["ratings"])
    hidden = [x for x in ratings if x["suppressed"]]
    assert len(hidden) == 3 and all(x["ratings"] == x["mean_stars"] == "" for x in hidden)
    assert {x["suppressed"] for x in hidden} == {"ratings;mean_stars"}
    unmet = list(csv.DictReader(io.StringIO(open_export.to_csv(export, "unmet_need"))))
    assert len(unmet) == len(export["unmet_need"])
    for x in unmet:
        for field in ("searches", "searches_with_no_eligible_service"):
            assert x[field] == "" or int(x[field]) == 0 or int(x[field]) >= 5
    nowhere = [x for x in unmet if x["area"] == "" and x["month"] == "2026-09"]
    assert len(nowhere) == 1 and nowhere[0]["searches"] == "7"
    with pytest.raises(ValueError):
        open_export.to_csv(export, "people")
