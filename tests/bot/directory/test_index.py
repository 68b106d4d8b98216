"""The search index stays in step with the directory and agrees with the schedules."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.directory import hours
from bot.directory.index import is_open_packed, pack_hours, refresh
from bot.directory.loader import load_file, sample_directory_path
from bot.directory.models import Schedule, SearchIndexRow, Service


def index_rows(sessions):
    with sessions() as s:
        return s.execute(select(func.count()).select_from(SearchIndexRow)).scalar_one()


def test_index_rebuilt_on_reload_without_duplicates(sample_sessions):
    before = index_rows(sample_sessions)
    assert before >= 70
    load_file(sample_sessions, sample_directory_path())
    assert index_rows(sample_sessions) == before
    with sample_sessions() as s, s.begin():
        assert refresh(s) == before  # full rebuild gives the same rows


def test_packed_hours_agree_with_open_status(sample_sessions):
    with sample_sessions() as s:
        services = s.execute(select(Service)).scalars().all()
        start = datetime(2026, 11, 30, 0, 0)  # Monday
        for svc in services:
            ops = hours.openings((x.byday, x.opens_at, x.closes_at) for x in svc.schedules)
            packed = pack_hours(ops)
            for step in range(0, 7 * 24 * 60, 97):
                now = start + timedelta(minutes=step)
                status = hours.open_status(ops, now).state
                fast = is_open_packed(packed, now.weekday() * 1440 + now.hour * 60 + now.minute)
                expected = None if status == "unknown" else status in ("open", "always")
                assert fast == expected, (svc.name, now, packed)


def test_deleting_a_service_removes_its_index_rows(sample_sessions):
    with sample_sessions() as s, s.begin():
        sid = s.execute(select(Service.id)).scalars().first()
        s.execute(Schedule.__table__.delete().where(Schedule.service_id == sid))
        s.delete(s.get(Service, sid))
    with sample_sessions() as s:
        assert not s.execute(select(SearchIndexRow).where(
            SearchIndexRow.service_id == sid)).first()


def _service(sid: str, name: str, city: str, state: str = "FL", lat=None, lon=None) -> dict:
    loc = {"id": f"loc-{sid}", "location_type": "physical", "name": name,
           "latitude": lat, "longitude": lon,
           "addresses": [{"id": f"adr-{sid}", "address_1": "1 Main Street", "city": city,
                          "state_province": state, "postal_code": "", "country": "",
                          "address_type": "physical"}]}
    term = {"id": "term-housing", "code": "housing", "name": "Housing"}
    return {"id": sid, "name": name, "description": "Shelter and housing help.",
            "status": "active", "service_at_locations": [{"id": f"sal-{sid}", "location": loc}],
            "attributes": [{"id": f"attr-{sid}", "link_id": sid, "link_type": "service",
                            "taxonomy_term_id": "term-housing", "taxonomy_term": term}]}


def test_an_address_without_coordinates_is_placed_at_its_towns_centre(sessions, tmp_path):
    """A directory that gives "Key West, FL" but no coordinates: a search in Miami must not
    show it (250 km away), and one in the searcher's own town ranks after exact places."""
    import json

    from bot.directory.search import SearchQuery, search
    from bot.directory.places import town_centre

    assert town_centre("Key West", "FL ", "") is not None
    assert town_centre("Naples", "", "") is None  # Italy or Florida: not guessed
    assert town_centre("Naples", "FL", "")[0] > 25
    path = tmp_path / "dir.json"
    path.write_text(json.dumps({"contents": [
        _service("kw", "Key West Shelter", "Key West"),
        _service("mt", "Miami Town Shelter", "Miami"),
        _service("mx", "Miami Exact Shelter", "Miami", lat=25.78, lon=-80.2),
        _service("nx", "Nowhere Shelter", "Atlantis Springs"),
    ]}))
    report = load_file(sessions, path)
    assert report.loaded == 4, report
    with sessions() as s:
        reach = dict(s.execute(select(SearchIndexRow.service_id, SearchIndexRow.reach)).all())
        page = search(s, SearchQuery(needs=["housing"], latitude=25.7743, longitude=-80.1937,
                                     radius_km=40, age=19))
    assert reach == {"kw": "town", "mt": "town", "mx": "local", "nx": "unplaced"}
    names = [r.name for r in page.results]
    assert "Key West Shelter" not in names
    assert names.index("Miami Exact Shelter") < names.index("Miami Town Shelter")
    assert {r.name: r.reach for r in page.results}["Miami Town Shelter"] == "town"
    with sessions() as s, s.begin():  # the full rebuild (the ORM path) agrees with import
        refresh(s)
    with sessions() as s:
        again = dict(s.execute(select(SearchIndexRow.service_id, SearchIndexRow.reach)).all())
    assert again == reach


def test_after_import_refreshes_the_search_tables_statistics(sample_sessions):
    from sqlalchemy import text

    from bot.directory.index import after_import

    with sample_sessions() as s:
        engine = s.get_bind()
    after_import(engine)
    with engine.connect() as c:
        tables = c.execute(text("SELECT tbl FROM sqlite_stat1")).scalars().all()
    assert "search_index" in tables
