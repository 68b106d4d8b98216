"""Loader and search over a temporary database with the sample directory."""
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.directory.loader import (ImportFileError, clean_text, load_file, load_services,
                                  read_services_file, sample_directory_path, service_count)
from bot.directory.lookup import directory_lookup
from bot.directory.search import SearchQuery, get_service, search
from bot.directory.models import Attribute, Location, Phone, Schedule, Service, TaxonomyTerm
from bot.directory.needs import need_codes

LEEDS = (53.7997, -1.5492)
MON_NOON = datetime(2026, 11, 30, 12, 0, tzinfo=ZoneInfo("Europe/London"))
SUN_3AM = datetime(2026, 12, 6, 3, 0, tzinfo=ZoneInfo("Europe/London"))


def counts(s):
    return {m.__name__: s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Service, Location, Phone, Schedule, Attribute)}


def test_sample_directory_meets_the_brief(sample_sessions):
    with sample_sessions() as s:
        assert service_count(s) >= 60
        used = set(s.execute(select(TaxonomyTerm.code).join(
            Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)).scalars())
        assert used >= set(need_codes())
        located = s.execute(select(func.count()).select_from(Location)
                            .where(Location.latitude.is_not(None))).scalar_one()
        assert located >= 50
        assert s.execute(select(func.count()).select_from(Service)
                         .where(Service.maximum_age.is_not(None))).scalar_one() >= 20


def test_reload_is_idempotent(sample_sessions):
    with sample_sessions() as s:
        before = counts(s)
    report = load_file(sample_sessions, sample_directory_path())
    assert report.loaded == before["Service"]
    with sample_sessions() as s:
        assert counts(s) == before


def test_bad_record_is_skipped_with_reason(sessions):
    records = json.loads(sample_directory_path().read_text())["contents"][:3]
    bad = [{"id": "no-name"}, "not an object",
           {"id": "x1", "name": "Ages wrong", "minimum_age": 30, "maximum_age": 20},
           {"id": "x2", "name": "Age text", "minimum_age": "teen"}]
    with sessions() as s, s.begin():
        report = load_services(s, records + bad)
    assert report.loaded == 3
    reasons = dict(report.skipped)
    assert "missing required field 'name'" in reasons["no-name"]
    assert "greater than" in reasons["x1"] and "not a number" in reasons["x2"]


@pytest.mark.parametrize("content,needle", [
    (b"{not json", "invalid JSON"), (b"\xff\xfe\x00bad", "not UTF-8"), (b'{"a": 1}', "expected a list")])
def test_broken_file_changes_nothing(sample_sessions, tmp_path, content, needle):
    with sample_sessions() as s:
        before = counts(s)
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=needle):
        load_file(sample_sessions, path)
    with sample_sessions() as s:
        assert counts(s) == before


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ImportFileError, match="cannot read"):
        read_services_file(tmp_path / "nope.json")


def test_html_is_cleaned():
    assert clean_text("<p>Food&nbsp;bank &amp; <b>advice</b></p>") == "Food\xa0bank & advice"
    assert clean_text("  ") is None and clean_text(None) is None


def test_search_by_need_place_age(sample_sessions):
    with sample_sessions() as s:
        page = search(s, SearchQuery(["housing"], *LEEDS, age=19, limit=3), now=MON_NOON)
    assert page.total >= 3 and len(page.results) == 3
    for r in page.results:
        assert "housing" in r.needs
        assert (r.minimum_age or 0) <= 19 <= (r.maximum_age or 999)
        assert r.distance_km is None or r.distance_km <= 40
    # Local services come first: the first result is in Leeds.
    assert page.results[0].distance_km is not None and page.results[0].distance_km < 10


def test_age_excludes_ineligible(sample_sessions):
    with sample_sessions() as s:
        for age in (12, 30, 60):
            page = search(s, SearchQuery(list(need_codes()), age=age, limit=500), now=MON_NOON)
            for r in page.results:
                assert (r.minimum_age or 0) <= age <= (r.maximum_age or 999)


def _svc(sid, name, lat, lon, **extra):
    from bot.directory.needs import taxonomy
    term = taxonomy().by_code()["food"]
    return {"id": sid, "name": name, "status": "active", **extra,
            "attributes": [{"id": sid + "-a", "taxonomy_term": {"id": term.id, "code": "food",
                                                                "name": term.name}}],
            "service_at_locations": [{"id": sid + "-sal", "location": {
                "id": sid + "-loc", "location_type": "physical", "latitude": lat,
                "longitude": lon}}]}


def test_youth_services_rank_above_generic_for_young_user(sessions):
    records = [_svc("generic", "Community Pantry", 53.80, -1.55),
               _svc("youth", "Youth Pantry", 53.80, -1.55, minimum_age=16, maximum_age=25),
               _svc("far-youth", "Far Youth Pantry", 53.80, -1.20, minimum_age=16,
                    maximum_age=25)]
    with sessions() as s, s.begin():
        load_services(s, records)
    with sessions() as s:
        young = search(s, SearchQuery(["food"], 53.80, -1.55, age=18, limit=3), now=MON_NOON)
        older = search(s, SearchQuery(["food"], 53.80, -1.55, age=40, limit=3), now=MON_NOON)
    assert [r.id for r in young.results] == ["youth", "generic", "far-youth"]
    assert [r.id for r in older.results] == ["generic"]  # age-ineligible services are not offered


def test_open_now_filter(sample_sessions):
    with sample_sessions() as s:
        night = search(s, SearchQuery(["housing", "crisis"], open_now=True, limit=100), now=SUN_3AM)
        day = search(s, SearchQuery(["housing", "crisis"], open_now=False, limit=100), now=SUN_3AM)
    assert 0 < night.total < day.total
    assert all(r.status.state in ("open", "always") for r in night.results)


def test_radius_and_paging(sample_sessions):
    with sample_sessions() as s:
        near = search(s, SearchQuery(["food"], *LEEDS, radius_km=10, limit=100), now=MON_NOON)
        p1 = search(s, SearchQuery(["food"], *LEEDS, limit=2), now=MON_NOON)
        p2 = search(s, SearchQuery(["food"], *LEEDS, limit=2, offset=2), now=MON_NOON)
    assert all(r.distance_km is None or r.distance_km <= 10 for r in near.results)
    assert not {r.id for r in p1.results} & {r.id for r in p2.results}


def test_unknown_need_finds_nothing(sample_sessions):
    with sample_sessions() as s:
        assert search(s, SearchQuery(["astronaut"]), now=MON_NOON).total == 0


def test_get_service_and_directory_lookup(sample_sessions):
    with sample_sessions() as s:
        sid = search(s, SearchQuery(["legal"], limit=1), now=MON_NOON).results[0].id
        full = get_service(s, sid, *LEEDS)
        assert full.name and full.needs and "legal" in full.needs
        assert get_service(s, "missing") is None
        lookup, names = directory_lookup(s)
        assert {"leeds", "sheffield", "manchester"} <= names
        assert lookup("name:leeds") and lookup("postcode:LS2") and lookup("bogus:x") is None
