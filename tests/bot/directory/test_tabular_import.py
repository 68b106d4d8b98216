"""Tabular HSDS import (HSDS 3.0 CSV and HSDS 1.x CSV data packages) through the one upsert path."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.directory import hours
from bot.directory.importer import import_path
from bot.directory.loader import ImportFileError
from bot.directory.tabular import fix_text, parse_clock, stable_id
from bot.directory.models import (Address, Attribute, Location, Organization, Phone, Schedule,
                                  Service, ServiceAtLocation, Taxonomy, TaxonomyTerm)
from tests.conftest import ROOT

SHARED = ROOT.parent / "shared"
MIAMI = SHARED / "datasets" / "miami-211-hsds-1.1"
HSDS3_CSV = SHARED / "hsds-3.0" / "examples" / "csv"
needs_miami = pytest.mark.skipif(not MIAMI.is_dir(), reason=f"{MIAMI} absent: the shared Miami "
                                 "211 HSDS 1.x export is only available beside the project")
needs_hsds3 = pytest.mark.skipif(not HSDS3_CSV.is_dir(), reason=f"{HSDS3_CSV} absent: the shared "
                                 "HSDS 3.0 examples are only available beside the project")
MODELS = (Organization, Service, Location, Address, ServiceAtLocation, Phone, Schedule, Attribute,
          TaxonomyTerm, Taxonomy)


def _write(path: Path, header: str, *rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header.split(","))
        out.writerows(rows)


def _descriptor(root: Path, name: str, resources: dict) -> None:
    (root / "datapackage.json").write_text(json.dumps({"name": name, "resources": [
        {"name": res, "path": path} for res, path in resources.items()]}))


@pytest.fixture
def v1_package(tmp_path) -> Path:
    """A small HSDS 1.x package, as messy as the Miami export, with CSVs under data/."""
    root, data = tmp_path / "mini211", tmp_path / "mini211" / "data"
    _write(data / "organizations.csv", "id,name,alternate_name,description,email,url",
           ["o1", "Youth Hub", "", "<p>Drop-in &amp; advice</p>", "", "www.youthhub.example"])
    _write(data / "services.csv", "id,organization_id,program_id,name,alternate_name,description,"
           "url,email,status,application_process,fees",
           ["s1", "o1", "", "Youth Hub Drop-in", "", "<b>Advice</b> for you\\n\\nWalk in.###MON###",
            "www.youthhub.example", "", "", "Walk in", "Free"],
           ["s2", "o1", "", "", "", "A service without a name", "", "", "", "", ""],
           ["s3", "o999", "", "Night Shelter", "", "Beds for 16GÇô25 year olds", "", "", "", "",
            ""])
    _write(data / "locations.csv", "id,organization_id,name,alternate_name,description,"
           "transportation,latitude,longitude",
           ["l1", "o1", "Hub", "", "", "", "51.5203", "-0.0712"], ["l3", "", "Shelter", "", "", "",
                                                                   "", ""],
           ["l4", "", "Nowhere", "", "", "", "95", "10"])
    _write(data / "services_at_location.csv", "id,service_id,location_id,description",
           ["sal1", "s1", "l1", ""], ["sal3", "s3", "l3", ""], ["sal4", "s3", "l4", ""],
           ["sal9", "s9", "l1", ""])
    _write(data / "physical_addresses.csv", "id,location_id,attention,address_1,address_2,"
           "address_3,address_4,city,region,state_province,postal_code,country",
           ["a1", "l1", "", "1 High St", "Unit 2", "", "", "London", "", "", "e1 6an", "GB "])
    _write(data / "phones.csv", "id,location_id,service_id,organization_id,contact_id,"
           "service_at_location_id,number,extension,type,language,description",
           ["p1", "l1", "s1", "", "", "sal1", "020 7946 0000", "", "voice", "", ""],
           ["p2", "", "", "", "", "sal3", "020 7946 0001", "", "", "", ""],
           ["p9", "", "s9", "", "", "", "020 7946 0009", "", "", "", ""])
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    _write(data / "regular_schedules.csv", "id,service_id,location_id,service_at_location_id,"
           "weekday,opens_at,closes_at,original_text",
           *[["", "s1", "", "", d, "9:00am", "5:00pm", "9am-5pm, Mon-Fri"] for d in days],
           ["", "s1", "", "", "Saturday", "10:00am", "2:00 pm", ""],
           ["", "s3", "", "", "7", "8:00pm", "8:00am", ""],
           ["", "s3", "", "", "Funday", "9:00am", "5:00pm", ""],
           ["", "s3", "", "", "Monday", "", "", "24 hours"])
    _write(data / "taxonomy.csv", "id,name,parent_id,parent_name,vocabulary",
           ["P", "Individual and Family Life", "", "", "Open211 - AIRS"],
           ["PH-6200", "Youth Services", "P", "Individual and Family Life", "Open211 - AIRS"],
           ["BH-1800.8500-050", "Youth Shelters", "B", "Basic Needs", "Open211 - AIRS"])
    _write(data / "services_taxonomy.csv", "id,service_id,taxonomy_id,taxonomy_detail",
           ["t1", "s1", "PH-6200", ""], ["t2", "s1", "PH-6200", ""],
           ["t3", "s3", "BH-1800.8500-050", ""], ["t4", "s3", "XX-0000", ""])
    _write(data / "eligibility.csv", "id,service_id,eligibility,minimum_age,maximum_age",
           ["e1", "s1", "Ages 16-25 <i>only</i>", "16", "25"], ["", "", "Nobody's row", "", ""])
    _descriptor(root, "mini-211", {
        "organization": "organizations.csv", "service": "services.csv",
        "location": "locations.csv", "service_at_location": "services_at_location.csv",
        "physical_address": "physical_addresses.csv", "postal_address": "postal_addresses.csv",
        "phone": "phones.csv", "regular_schedule": "regular_schedules.csv",
        "taxonomy": "taxonomy.csv", "service_taxonomy": "services_taxonomy.csv",
        "eligibility": "eligibility.csv"})
    return root


@pytest.fixture
def v3_package(tmp_path) -> Path:
    """A small HSDS 3.0 tabular package with non-UUID ids."""
    root = tmp_path / "mini3"
    _write(root / "organizations.csv", "id,name,description,website", ["org", "Org", "", ""])
    _write(root / "services.csv", "id,organization_id,name,description,status,"
           "eligibility_description,minimum_age,maximum_age,last_modified",
           ["svc", "org", "Counselling", "Talk &amp; listen", "active", "Ages 12+", "12", "",
            "2024-01-02T03:04:05Z"])
    _write(root / "locations.csv", "id,location_type,name,latitude,longitude",
           ["loc", "physical", "Centre", "52.2", "0.12"])
    _write(root / "addresses.csv", "id,location_id,address_1,city,state_province,postal_code,"
           "country,address_type", ["adr", "loc", "2 Main St", "Cambridge", "", "CB1", "GB",
                                    "physical"])
    _write(root / "service_at_location.csv", "id,service_id,location_id", ["sal", "svc", "loc"])
    _write(root / "phones.csv", "id,service_id,number", ["ph", "svc", '"+44 1223 000000"'])
    _write(root / "schedules.csv", "id,service_id,location_id,freq,byday,opens_at,closes_at",
           ["sch", "svc", "", "WEEKLY", "MO,WE", "09:00:00", "17:30:00"],
           ["sch2", "", "loc", "WEEKLY", "TU", "09:00", "12:00"])
    _write(root / "taxonomies.csv", "id,name,description,uri,version", ["tx", "Needs", "", "", ""])
    _write(root / "taxonomy_terms.csv", "id,code,name,description,parent_id,taxonomy,taxonomy_id",
           ["parent", "MH", "Mental health", "", "", "Needs", "tx"],
           ["term", "MH-1", "Counselling", "", "parent", "Needs", "tx"])
    _write(root / "attributes.csv", "id,link_id,taxonomy_term_id,link_type,link_entity,value",
           ["att", "svc", "term", "", "service", ""], ["att2", "nosuch", "term", "", "service", ""])
    _descriptor(root, "mini3", {
        "organization": "organizations.csv", "service": "services.csv",
        "location": "locations.csv", "address": "addresses.csv", "phone": "phones.csv",
        "service_at_location": "service_at_location.csv", "schedule": "schedules.csv",
        "attribute": "attributes.csv", "taxonomy": "taxonomies.csv",
        "taxonomy_term": "taxonomy_terms.csv"})
    return root


def snapshot(sessions) -> dict:
    """Row counts per table and a checksum of every service row."""
    with sessions() as s:
        counts = {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one()
                  for m in MODELS}
        rows = s.execute(select(Service.__table__).order_by(Service.id)).all()
    return {**counts, "service_checksum": hashlib.sha256(repr(rows).encode()).hexdigest()}


def test_hsds1_package_becomes_hsds3_services(sessions, v1_package):
    report = import_path(sessions, v1_package, progress=False)
    assert report.format == "hsds-1.x-csv" and report.loaded == 2
    assert report.skipped == [("service s2", "missing required field 'name'")]
    problems = {(ref, reason) for ref, reason in report.row_problems}
    for expected in [
        ("services_at_location.csv row 5", "service_at_location for a service not in services.csv"),
        ("phones.csv row 4", "phone for a service not in services.csv"),
        ("eligibility.csv row 3", "eligibility without service_id; cannot be linked"),
        ("regular_schedules.csv row 9", "unreadable weekday"),
        ("regular_schedules.csv row 10", "missing or unreadable opens_at/closes_at"),
        ("locations.csv row 4", "invalid or partial coordinates; location kept without them"),
        ("services_taxonomy.csv row 5", "taxonomy_id not in the taxonomy file"),
        ("services.csv row 4", "organization_id not in organizations.csv; service kept without "
                               "organisation")]:
        assert expected in problems
    assert (report.locations, report.locations_with_coordinates) == (3, 1)
    assert (report.schedules, report.phones, report.taxonomy_links) == (3, 2, 2)
    assert report.duplicate_links == 1 and report.organizations == 1
    assert "2 services loaded, 1 skipped" in report.summary()

    sid = stable_id("mini-211", "service", "s1")
    with sessions() as s:
        svc = s.get(Service, sid)
        assert svc.description == "Advice for you\nWalk in."  # HTML, "\n" and ###MON### cleaned
        assert svc.eligibility_description == "Ages 16-25 only"
        assert (svc.minimum_age, svc.maximum_age) == (16, 25)
        assert svc.url == "http://www.youthhub.example" and svc.fees_description == "Free"
        assert svc.organization.name == "Youth Hub"
        assert svc.organization.description == "Drop-in & advice"
        shelter = s.get(Service, stable_id("mini-211", "service", "s3"))
        assert shelter.description == "Beds for 16\u201325 year olds"  # cp437 mojibake repaired
        assert shelter.organization_id is None and shelter.phones[0].number == "020 7946 0001"
        hub = s.get(Location, stable_id("mini-211", "location", "l1"))
        assert (hub.latitude, hub.longitude) == (51.5203, -0.0712)
        adr = hub.addresses[0]
        assert (adr.address_2, adr.postal_code, adr.country) == ("Unit 2", "E1 6AN", "GB")
        ops = hours.openings((x.byday, x.opens_at, x.closes_at) for x in svc.schedules)
        assert hours.weekly_summary(ops) == ["Mon-Fri 09:00-17:00", "Sat 10:00-14:00"]
        night = hours.openings((x.byday, x.opens_at, x.closes_at) for x in shelter.schedules)
        assert hours.open_status(night, datetime(2024, 1, 8, 2, 0)).state == "open"  # Sun→Mon
        term = s.scalars(select(TaxonomyTerm).where(TaxonomyTerm.code == "PH-6200")).one()
        assert term.taxonomy == "AIRS" and term.taxonomy_id is not None
        assert s.get(TaxonomyTerm, term.parent_id).code == "P"
        shelter_term = s.scalars(select(TaxonomyTerm).where(
            TaxonomyTerm.code == "BH-1800.8500-050")).one()
        assert s.get(TaxonomyTerm, shelter_term.parent_id).name == "Basic Needs"  # from parent_name
        assert [a.taxonomy_term.code for a in svc.attributes] == ["PH-6200"]


def test_hsds3_package_keeps_fields_and_links(sessions, v3_package):
    report = import_path(sessions, v3_package / "datapackage.json", progress=False)
    assert report.format == "hsds-3.0-csv" and (report.loaded, report.skipped) == (1, [])
    reasons = {reason for _, reason in report.row_problems}
    assert reasons == {"schedule for a location only; not imported",
                       "attribute for a service not in services.csv"}
    with sessions() as s:
        svc = s.get(Service, stable_id("mini3", "service", "svc"))
        assert svc.description == "Talk & listen" and svc.minimum_age == 12
        assert svc.last_modified.year == 2024 and svc.phones[0].number == "+44 1223 000000"
        assert [(x.byday, x.opens_at, x.closes_at) for x in svc.schedules] == [
            ("MO,WE", "09:00", "17:30")]
        term = svc.attributes[0].taxonomy_term
        assert term.code == "MH-1" and s.get(TaxonomyTerm, term.parent_id).code == "MH"
        assert s.get(Taxonomy, term.taxonomy_id).name == "Needs"
        assert svc.service_at_locations[0].location.latitude == 52.2


def test_reimport_changes_nothing(sessions, v1_package, v3_package):
    import_path(sessions, v1_package, progress=False)
    import_path(sessions, v3_package, progress=False)
    before = snapshot(sessions)
    again = import_path(sessions, v1_package, progress=False)
    import_path(sessions, v3_package, progress=False)
    assert again.loaded == 2 and snapshot(sessions) == before


def _drop_column(path: Path, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = [f for f in rows[0] if f != column]
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fields, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)


def _link_out(root: Path) -> None:
    """Issue 17, item 15: a resource that is a symbolic link out of the package."""
    phones = next(root.rglob("phones.csv"))
    outside = root.parent / "secret-elsewhere.csv"
    shutil.copy(phones, outside)
    phones.unlink()
    phones.symlink_to(outside)


BREAKAGES = {
    "a resource links out of the package": (_link_out, "outside the package"),
    "no descriptor": (lambda root: (root / "datapackage.json").unlink(), "no datapackage.json"),
    "descriptor not JSON": (lambda root: (root / "datapackage.json").write_text("{nope"),
                            "invalid JSON"),
    "service name column dropped": (lambda root: _drop_column(
        next(root.rglob("services.csv")), "name"), "services.csv: missing required column"),
    "invalid UTF-8 in a side table": (lambda root: next(root.rglob("taxonomy*.csv")).open(
        "ab").write(b"Z,\xff\xfe broken,,\n"), "not UTF-8"),
    "unclosed quote": (lambda root: next(root.rglob("phones.csv")).open("a").write(
        'x,,,,,,"020 unclosed\n'), "unreadable CSV"),
    "services file missing": (lambda root: next(root.rglob("services.csv")).unlink(),
                              "services.*missing"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_package_raises_and_changes_nothing(sample_sessions, v1_package, breakage):
    import_path(sample_sessions, v1_package, progress=False)
    before = snapshot(sample_sessions)
    damage, needle = BREAKAGES[breakage]
    damage(v1_package)
    with pytest.raises(ImportFileError, match=needle):
        import_path(sample_sessions, v1_package, progress=False)
    assert snapshot(sample_sessions) == before


def test_unknown_sources_are_clear_errors(sessions, tmp_path):
    with pytest.raises(ImportFileError, match="cannot read"):
        import_path(sessions, tmp_path / "nope.json", progress=False)
    (tmp_path / "services.csv").write_text("id,name\n1,x\n")
    with pytest.raises(ImportFileError, match="expected an HSDS .json file"):
        import_path(sessions, tmp_path / "services.csv", progress=False)
    with pytest.raises(ImportFileError, match="no datapackage.json"):
        import_path(sessions, tmp_path, progress=False)


def test_json_still_imports_through_the_same_entry_point(sessions):
    from bot.directory.loader import sample_directory_path

    report = import_path(sessions, sample_directory_path(), progress=False)
    assert report.format == "hsds-3.0-json" and report.loaded >= 60 and not report.skipped
    assert report.locations > 0 and report.schedules > 0 and report.taxonomy_links > 0


@pytest.mark.parametrize("raw,expected", [
    ("9:00am", "09:00"), ("830am", "08:30"), ("12:00pm (dispensing)", "12:00"),
    ("12:00am", "00:00"), ("7:30 am ", "07:30"), ("17:00:00", "17:00"), ("9am", "09:00"),
    ("6:300pm", None), ("", None), ("noon", None), ("13:00pm", None)])
def test_parse_clock(raw, expected):
    assert parse_clock(raw)[0] == expected


def test_fix_text_and_stable_ids():
    assert fix_text("A\\nB GÇÖs GÇ£q GÇ¥ ###COL###") == "A\nB \u2019s \u201cq \u201d"
    assert stable_id("a", "service", "1") == stable_id("a", "service", "1")
    assert stable_id("a", "service", "1") != stable_id("b", "service", "1")
    assert stable_id("a", "service", "1") != stable_id("a", "location", "1")
    uid = "AC148810-D857-441C-9679-408F346DE14B"
    assert stable_id("a", "service", uid) == uid.lower()


def test_cli_imports_a_datapackage(tmp_path, monkeypatch, capsys, v1_package):
    from app import cli
    from bot import db

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    cli.get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        assert cli.main(["db", "upgrade"]) == 0
        assert cli.main(["import", str(v1_package)]) == 0
        out = capsys.readouterr().out
        assert "2 services loaded, 1 skipped" in out and "3 locations (1 with coordinates)" in out
        assert "skipped service s2: missing required field 'name'" in out
        assert "1 x eligibility without service_id; cannot be linked" in out
        (v1_package / "datapackage.json").unlink()
        assert cli.main(["import", str(v1_package)]) == 2
        assert "no datapackage.json" in capsys.readouterr().err
    finally:
        cli.get_settings.cache_clear()
        db.get_engine.cache_clear()


@needs_hsds3
def test_hsds3_csv_example_imports(sessions):
    report = import_path(sessions, HSDS3_CSV, progress=False)
    assert report.format == "hsds-3.0-csv" and (report.loaded, report.skipped) == (1, [])
    assert (report.phones, report.schedules, report.locations) == (1, 1, 1)
    assert ("attributes.csv row 2", "attribute for a service not in services.csv") in \
        report.row_problems  # the example's attribute points at another service
    with sessions() as s:
        svc = s.get(Service, "ac148810-d857-441c-9679-408f346de14b")  # UUIDs are kept
        assert (svc.minimum_age, svc.maximum_age) == (12, 100)
        assert svc.organization.name == "Example Organization Inc."
        ops = hours.openings((x.byday, x.opens_at, x.closes_at) for x in svc.schedules)
        assert hours.weekly_summary(ops) == ["Thu, Fri 10:00-18:00"]


@needs_miami
def test_miami_imports_fast_and_reimports_unchanged(sessions):
    started = time.perf_counter()
    report = import_path(sessions, MIAMI, progress=False)
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"Miami took {elapsed:.1f}s"
    assert (report.loaded, report.skipped) == (4089, [])
    assert (report.locations, report.locations_with_coordinates) == (4089, 2260)
    assert report.organizations == 1074 and report.taxonomy_terms >= 1990
    assert report.schedules > 2000 and report.taxonomy_links > 17000
    groups = dict(report.problem_groups())
    assert groups["eligibility without service_id; cannot be linked"] == 2244
    with sessions() as s:
        term = s.scalars(select(TaxonomyTerm).where(TaxonomyTerm.code == "PN-8100.4500-240")).one()
        assert term.taxonomy == "AIRS" and s.get(TaxonomyTerm, term.parent_id).code == "P"
        linked = s.execute(select(func.count()).select_from(Attribute).where(
            Attribute.taxonomy_term_id == term.id)).scalar_one()
        assert linked > 0
        text = " ".join(filter(None, s.scalars(select(Service.description))))
        assert "###MON###" not in text and "\\n" not in text and "GÇÖ" not in text
    before = snapshot(sessions)
    import_path(sessions, MIAMI, progress=False)
    assert snapshot(sessions) == before


MIAMI_BREAKAGES = {
    "no descriptor": (lambda root: (root / "datapackage.json").unlink(), "no datapackage.json"),
    "name column dropped": (lambda root: _drop_column(root / "data" / "services.csv", "name"),
                            "services.csv: missing required column"),
    "invalid UTF-8": (lambda root: (root / "data" / "organizations.csv").open("ab").write(
        b"999,\xc3\x28 broken,,,,,,,,\n"), "organizations.csv: not UTF-8"),
}


@needs_miami
@pytest.mark.parametrize("breakage", sorted(MIAMI_BREAKAGES))
def test_broken_copy_of_miami_changes_nothing(sessions, tmp_path, breakage):
    root = tmp_path / "miami"
    (root / "data").mkdir(parents=True)
    shutil.copy(MIAMI / "datapackage.json", root)
    for name in ("services.csv", "organizations.csv", "phones.csv"):
        shutil.copy(MIAMI / "data" / name, root / "data")
    assert import_path(sessions, root, progress=False).loaded == 4089  # a partial package is fine
    before = snapshot(sessions)
    damage, needle = MIAMI_BREAKAGES[breakage]
    damage(root)
    with pytest.raises(ImportFileError, match=needle):
        import_path(sessions, root, progress=False)
    assert snapshot(sessions) == before
