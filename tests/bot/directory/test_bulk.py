"""The batch loader's caches and multi-row writes: same rows as without them, one transaction."""
import copy

import pytest
from sqlalchemy import func, select

from bot.directory import bulk, index, needmap
from bot.directory.loader import (clean_text, load_file, load_services, read_services_file,
                                  sample_directory_path)
from bot.directory.models import Attribute, Location, Phone, Schedule, SearchIndexRow, Service, TaxonomyTerm


def _text_only(rec_id, name, description, **extra):
    """A service with no taxonomy: its needs come from the text classifier."""
    return {"id": rec_id, "name": name, "description": description, **extra}


def _need_links(s, sid):
    return sorted(s.execute(
        select(TaxonomyTerm.code, Attribute.value, Attribute.id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_id == sid)).all())


def _count(s, model):
    return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture(autouse=True)
def _fresh_caches():
    bulk.clear_caches()
    yield
    bulk.clear_caches()


def test_identical_text_different_ids_both_load(sessions):
    text = ("Emergency <b>food bank</b> &amp; free hot meals for young people. "
            "Food parcels every weekday.")
    recs = [_text_only("svc-a", "Community food bank", text),
            _text_only("svc-b", "Community food bank", text)]
    with sessions() as s, s.begin():
        assert load_services(s, recs).loaded == 2
    with sessions() as s:
        a, b = _need_links(s, "svc-a"), _need_links(s, "svc-b")
        assert [(c, v) for c, v, _ in a] == [(c, v) for c, v, _ in b]
        assert a and all(v == "derived:text" for _, v, _ in a)
        assert {i for *_, i in a}.isdisjoint({i for *_, i in b})  # ids from each service's id
        names = s.execute(select(Service.description).order_by(Service.id)).scalars().all()
        assert names == [clean_text(text)] * 2
    assert sorted(needmap.derive_needs((), "Community food bank", text)[0]) == \
        [c for c, _, _ in a]


def test_cached_needs_equal_uncached_over_the_sample(sessions):
    records = read_services_file(sample_directory_path())
    for rec in records:
        terms = [((a.get("taxonomy_term") or {}).get("taxonomy"),
                  (a.get("taxonomy_term") or {}).get("code"),
                  (a.get("taxonomy_term") or {}).get("name")) for a in rec.get("attributes") or []]
        derive = bulk._needs_deriver()
        expected = needmap.derive_needs(terms, rec["name"], rec.get("description"))
        for _ in range(2):  # a miss, then a hit
            needs, source = derive(tuple(terms), rec["name"], rec.get("description"))
            assert (list(needs), source) == expected


def test_needs_cache_follows_a_changed_classifier(sessions, monkeypatch):
    rec = _text_only("svc-c", "Housing advice", "Help for young people who are homeless.")
    with sessions() as s, s.begin():
        load_services(s, [rec])
    with sessions() as s:
        before = [c for c, _, _ in _need_links(s, "svc-c")]
    assert "housing" in before
    monkeypatch.setattr(needmap, "derive_needs", lambda terms, name, desc: (["money"], "text"))
    with sessions() as s, s.begin():
        load_services(s, [rec])
    with sessions() as s:
        assert [c for c, _, _ in _need_links(s, "svc-c")] == ["money"]


def test_unhashable_text_does_not_break_the_cache(sessions):
    rec = read_services_file(sample_directory_path())[0]  # taxonomy-mapped: text not needed
    rec = copy.deepcopy(rec)
    rec["description"] = ["not", "a", "string"]
    with sessions() as s, s.begin():
        report = load_services(s, [rec])
    assert report.loaded == 1 and not report.skipped


def test_clean_text_cache_keeps_results():
    html = "<p>Food&nbsp;bank &amp; <b>advice</b></p>"
    assert clean_text(html) == clean_text(html) == "Food\xa0bank & advice"
    assert clean_text(42) == "42" and clean_text(4.5) == "4.5"
    assert clean_text("  ") is None and clean_text(None) is None
    assert clean_text("a\n\n  b\t c") == "a\nb c"


def test_replicated_records_load_like_the_originals(sessions):
    """Copies with the same text and fresh ids produce the same rows as the originals."""
    records = read_services_file(sample_directory_path())[:20]

    def renamed(obj, suffix):
        if isinstance(obj, dict):
            return {k: v if k in ("taxonomy_term", "taxonomy_term_id")  # terms are shared
                    else v + suffix if k in ("id", "link_id", "organization_id")
                    and isinstance(v, str) else renamed(v, suffix) for k, v in obj.items()}
        if isinstance(obj, list):
            return [renamed(v, suffix) for v in obj]
        return obj

    copies = [renamed(rec, "-copy") for rec in records]
    with sessions() as s, s.begin():
        assert load_services(s, records + copies, batch_size=7).loaded == 40
    with sessions() as s:
        for rec in records:
            orig = [(c, v) for c, v, _ in _need_links(s, rec["id"])]
            assert orig == [(c, v) for c, v, _ in _need_links(s, rec["id"] + "-copy")]
            ri = s.execute(select(SearchIndexRow.need_code, SearchIndexRow.hours,
                                  SearchIndexRow.youth, SearchIndexRow.active)
                           .where(SearchIndexRow.service_id == rec["id"])
                           .order_by(SearchIndexRow.need_code)).all()
            ci = s.execute(select(SearchIndexRow.need_code, SearchIndexRow.hours,
                                  SearchIndexRow.youth, SearchIndexRow.active)
                           .where(SearchIndexRow.service_id == rec["id"] + "-copy")
                           .order_by(SearchIndexRow.need_code)).all()
            assert ri == ci and ri


def test_many_rows_span_several_statements(sessions):
    """More rows than one multi-row statement holds: all written, values as the ORM's."""
    recs = [_text_only(f"svc-{i:04d}", f"Service {i}", "Free food parcels and hot meals.",
                       minimum_age=16, maximum_age=25,
                       schedules=[{"id": f"sch-{i}", "byday": "MO,WE", "opens_at": "09:00",
                                   "closes_at": "17:00"}],
                       phones=[{"id": f"ph-{i}", "number": f"0113 496 {i:04d}",
                                "extension": "12"}],
                       service_at_locations=[{"id": f"sal-{i}", "location": {
                           "id": f"loc-{i}", "latitude": 53.8 + i / 1e4, "longitude": -1.55}}])
            for i in range(1300)]
    with sessions() as s, s.begin():
        assert load_services(s, recs, batch_size=1300).loaded == 1300
    with sessions() as s:
        assert [_count(s, m) for m in (Service, Schedule, Phone, Location)] == [1300] * 4
        assert s.execute(select(Phone.extension).where(Phone.id == "ph-7")).scalar_one() == 12.0
        row = s.execute(select(SearchIndexRow).where(SearchIndexRow.service_id == "svc-0007")
                        ).scalars().first()
        assert row.youth is True and row.active is True and row.remote is False
        assert row.latitude == pytest.approx(53.8007) and row.minimum_age == 16.0
        assert row.hours == "540-1020,3420-3900"
        indexed = _count(s, SearchIndexRow)
        assert indexed >= 1300
    with sessions() as s, s.begin():  # idempotent re-import
        assert load_services(s, recs, batch_size=1300).loaded == 1300
    with sessions() as s:
        assert [_count(s, m) for m in (Service, Schedule, Phone, Location)] == [1300] * 4
        assert _count(s, SearchIndexRow) == indexed


def test_failure_after_some_batches_rolls_back_the_whole_import(sample_sessions):
    """The taxonomy already exists (no write before the first batch): earlier batches must still
    be part of the caller's one transaction, not committed on their own."""
    with sample_sessions() as s:
        before = _count(s, Service)
    recs = [_text_only(f"new-{i}", f"New service {i}", "Housing advice.") for i in range(30)]
    with pytest.raises(RuntimeError):
        with sample_sessions() as s, s.begin():
            assert load_services(s, recs, batch_size=10).loaded == 30
            raise RuntimeError("crash after the last batch")
    with sample_sessions() as s:
        assert _count(s, Service) == before
        assert s.get(Service, "new-0") is None


def test_bad_record_in_a_batch_is_skipped_rest_kept(sessions):
    """A record the database refuses (a list where text belongs) sinks only itself."""
    good = [_text_only(f"ok-{i}", f"Service {i}", "Food bank.") for i in range(5)]
    bad = _text_only("bad-1", "Bad service", "Food bank.",
                     schedules=[{"id": "sch-bad", "byday": ["MO"], "opens_at": "09:00"}])
    with sessions() as s, s.begin():
        report = load_services(s, good[:2] + [bad] + good[2:])
    assert report.loaded == 5 and [rid for rid, _ in report.skipped] == ["bad-1"]
    with sessions() as s:
        assert _count(s, Service) == 5 and s.get(Service, "bad-1") is None
        assert _count(s, SearchIndexRow) == 5


def test_reimport_of_the_sample_changes_nothing(sample_sessions):
    with sample_sessions() as s:
        rows = sorted(s.execute(select(SearchIndexRow.service_id, SearchIndexRow.need_code,
                                       SearchIndexRow.location_id, SearchIndexRow.hours,
                                       SearchIndexRow.youth)).all())
        attrs = sorted(s.execute(select(Attribute.id, Attribute.link_id,
                                        Attribute.taxonomy_term_id, Attribute.value)).all())
    bulk.clear_caches()
    index._packed.cache_clear()
    load_file(sample_sessions, sample_directory_path())
    with sample_sessions() as s:
        assert sorted(s.execute(select(SearchIndexRow.service_id, SearchIndexRow.need_code,
                                       SearchIndexRow.location_id, SearchIndexRow.hours,
                                       SearchIndexRow.youth)).all()) == rows
        assert sorted(s.execute(select(Attribute.id, Attribute.link_id,
                                       Attribute.taxonomy_term_id, Attribute.value)).all()) \
            == attrs


def test_index_rows_from_cache_match_direct_computation():
    from bot.directory import hours
    from bot.directory.eligibility import is_youth

    service = {"id": "s1", "name": "Youth hub", "description": "Drop-in", "status": "active",
               "eligibility_description": None, "minimum_age": None, "maximum_age": None}
    scheds = [{"byday": "MO,TU", "opens_at": "10:00", "closes_at": "02:00"}]
    locs = [{"id": "l1", "latitude": 53.8, "longitude": -1.5, "location_type": "physical"}]
    for _ in range(2):
        rows = index.build_rows(service, ["food", "housing"], scheds, locs)
        assert [r["need_code"] for r in rows] == ["food", "housing"]
        assert {r["hours"] for r in rows} == {index.pack_hours(hours.openings(
            [("MO,TU", "10:00", "02:00")]))}
        assert {r["youth"] for r in rows} == {is_youth("Youth hub", "Drop-in", None, None, None)}
