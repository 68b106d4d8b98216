"""The open outcomes export (bot.open_export and GET /open/outcomes.*): a seeded multi-month
dataset, small-number suppression (no cell 1-4 leaks, secondary suppression), no personal data
in the JSON or the CSV, and the two HTTP formats."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot import open_export, outcomes, pathway
from bot.directory.export import hsds_id
from bot.models import Service
from bot.pathway_models import PathwayStep, ReferralOutcome

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


@pytest.fixture
def seeded(sample_sessions):
    """61 referrals over 4 months, 3 services, 2 needs; plus personal steps. Returns
    (sessions, services [(stored id, name)], senders, typed texts)."""
    with sample_sessions() as s:
        services = s.execute(select(Service.id, Service.name).order_by(Service.id)
                             .limit(3)).all()
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
    assert export["schema"] == "navigator-open-outcomes/1"
    assert export["framework_version"] == outcomes.framework_version()
    assert export["suppression_threshold"] == 5
    assert {r["month"] for r in export["rows"]} == {"2026-08", "2026-09", "2026-10", "2026-11"}
    ints = list(_ints(export["rows"]))
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
    serialised = open_export.to_json(export) + "\n" + open_export.to_csv(export)
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
        assert body["schema"] == "navigator-open-outcomes/1" and len(body["rows"]) == len(CELLS)
        r = c.get("/open/outcomes.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.text.splitlines()[0] == ",".join(open_export.CSV_COLUMNS)
        assert not any(sender in r.text for sender in senders)
        assert c.post("/open/outcomes.json").status_code in (405, 404)
