"""The anonymous search log (bot.measurement.searchlog): coarse areas only, validated input, and the
per-month unmet-need counts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select

from bot.measurement import searchlog
from bot.measurement.models import SearchLog


@pytest.mark.parametrize("place, expected", [
    ("Leeds", "Leeds"),
    ("  Kirkstall \n  Road ", "Kirkstall Road"),
    ("Stoke-on-Trent", "Stoke-on-Trent"),
    ("King's Lynn", "King's Lynn"),
    ("São Paulo", "São Paulo"),
    ("LS1 4AP", "LS1"),
    ("ls14ap", "LS1"),
    ("LS1 4AP (Leeds)", "LS1"),          # what the place resolver shows for a postcode
    ("Flat 2, 10 Acacia Ave, LS1 4AP", "LS1"),
    ("SW1A 1AA", "SW1A"),
    ("LS1", "LS1"),
    ("LS1 (Leeds)", "LS1"),
    ("33101", "331xx"),
    ("33101-1234", "331xx"),
    ("Miami 33101", "331xx"),
    ("331xx", "331xx"),                  # idempotent
    ("jo.bloggs@example.com", None),
    ("Leeds jo@example.com", None),
    ("07700 900123", None),
    ("+44 7700 900123", None),
    ("call 0113 496 0000", None),
    ("LS1 4AP 07700900123", None),       # a postcode does not excuse a phone number
    ("53.8008, -1.5491", None),          # coordinates
    ("12 Acacia Avenue", None),          # a house number
    ("your location", None),
    ("Leeds 😀", None),
    ("x" * 81, None),
    ("", None),
    ("   ", None),
    (None, None),
    (42, None),
])
def test_area_label(place, expected):
    assert searchlog.area_label(place) == expected
    if expected is not None:
        assert searchlog.area_label(expected) == expected


def test_the_table_has_no_column_for_a_person_or_text(sessions):
    with sessions() as s:
        columns = {c["name"] for c in inspect(s.get_bind()).get_columns("search_log")}
    assert columns == {"id", "need", "area", "results", "day"}


def test_record_stores_a_coarse_row(sessions):
    searchlog.record(sessions, "housing", "LS1 4AP", 0, day=date(2026, 8, 3))
    searchlog.record(sessions, "food", None, 4, day=datetime(2026, 8, 31, 23, 30,
                                                               tzinfo=timezone.utc))
    searchlog.record(sessions, "food", "Leeds 07700 900123", 2, day=date(2026, 9, 1))
    with sessions() as s:
        rows = [(r.need, r.area, r.results, r.day) for r in
                s.execute(select(SearchLog).order_by(SearchLog.id)).scalars()]
    assert rows == [("housing", "LS1", 0, date(2026, 8, 3)),
                    ("food", None, 4, date(2026, 8, 31)),
                    ("food", None, 2, date(2026, 9, 1))]  # reduced again when recorded


def test_record_defaults_to_today_utc(sessions):
    before = datetime.now(timezone.utc).date()
    searchlog.record(sessions, "food", "Leeds", 1)
    after = datetime.now(timezone.utc).date()
    with sessions() as s:
        day = s.execute(select(SearchLog.day)).scalar_one()
    assert day in (before, after)


@pytest.mark.parametrize("need, area, results, day", [
    ("not_a_need", "Leeds", 0, None),
    ("", "Leeds", 0, None),
    (None, "Leeds", 0, None),
    ("housing", 12, 0, None),
    ("housing", "Leeds", -1, None),
    ("housing", "Leeds", True, None),
    ("housing", "Leeds", "3", None),
    ("housing", "Leeds", 2.0, None),
    ("housing", "Leeds", 10 ** 9, None),
    ("housing", "Leeds", 0, "2026-08-01"),
])
def test_record_rejects_bad_input(sessions, need, area, results, day):
    with pytest.raises(searchlog.SearchLogError) as err:
        searchlog.record(sessions, need, area, results, day=day)
    assert isinstance(err.value, ValueError)
    with sessions() as s:
        assert s.execute(select(SearchLog)).first() is None


def test_unmet_counts_per_month_need_and_area(sessions):
    for day, need, area, results in [
            (date(2026, 8, 1), "housing", "Leeds", 0),
            (date(2026, 8, 20), "housing", "Leeds", 0),
            (date(2026, 8, 21), "housing", "Leeds", 3),
            (date(2026, 8, 21), "housing", "LS1 4AP", 0),
            (date(2026, 8, 22), "housing", "LS1 9ZZ", 1),   # same outward code
            (date(2026, 8, 2), "food", None, 0),
            (date(2026, 9, 1), "housing", "Leeds", 2)]:
        searchlog.record(sessions, need, area, results, day=day)
    assert searchlog.unmet(sessions) == [
        {"month": "2026-08", "need": "food", "area": None, "searches": 1, "unmet": 1},
        {"month": "2026-08", "need": "housing", "area": "LS1", "searches": 2, "unmet": 1},
        {"month": "2026-08", "need": "housing", "area": "Leeds", "searches": 3, "unmet": 2},
        {"month": "2026-09", "need": "housing", "area": "Leeds", "searches": 1, "unmet": 0},
    ]
    since = searchlog.unmet(sessions, since=date(2026, 8, 21))
    assert [(r["month"], r["area"], r["searches"]) for r in since] == [
        ("2026-08", "LS1", 2), ("2026-08", "Leeds", 1), ("2026-09", "Leeds", 1)]
    assert searchlog.unmet(sessions, since=date(2026, 9, 2)) == []
    with pytest.raises(searchlog.SearchLogError):
        searchlog.unmet(sessions, since="2026-08")


def test_unmet_on_an_empty_log(sessions):
    assert searchlog.unmet(sessions) == []
    assert searchlog.unmet(sessions, since=date.today() - timedelta(days=30)) == []
