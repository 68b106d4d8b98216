"""HSDS 3.0 export: every service validates against the vendored HSDS schema.

Also holds the schema helpers the API tests share (``hsds_validator`` and friends): the
vendored files live in tests/data/hsds3 (see its README.md for source and licence).
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker, RefResolver
from tests.conftest import ROOT

HSDS_DIR = ROOT / "tests" / "data" / "hsds3"
_BASE = "https://hsds.invalid/schema/"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def format_checker() -> FormatChecker:
    """Format checking for uuid, date and email (built in) plus uri and date-time (whose
    jsonschema checkers need optional packages that are not installed)."""
    checker = FormatChecker()

    @checker.checks("uri")
    def _uri(value) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path) and \
            not any(c.isspace() for c in value)

    @checker.checks("date-time")
    def _date_time(value) -> bool:
        if not isinstance(value, str):
            return True
        if not _RFC3339.match(value):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    @checker.checks("email")
    def _email(value) -> bool:
        return not isinstance(value, str) or bool(_EMAIL.match(value))

    return checker


@lru_cache(maxsize=None)
def _load(relative: str) -> dict:
    return json.loads((HSDS_DIR / relative).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def hsds_validator(relative: str) -> Draft202012Validator:
    """A Draft 2020-12 validator (format checking on) for a vendored schema file, e.g.
    ``compiled/service.json`` or ``schema/organization.json`` (relative ``$ref``s resolved
    within tests/data/hsds3/schema)."""
    schema = _load(relative)
    store = {_BASE + p.name: _load(f"schema/{p.name}")
             for p in (HSDS_DIR / "schema").glob("*.json")}
    resolver = RefResolver(_BASE + Path(relative).name, schema, store=store)
    return Draft202012Validator(schema, resolver=resolver, format_checker=format_checker())


def schema_errors(relative: str, instance) -> list:
    """Readable validation errors of ``instance`` against a vendored schema."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in hsds_validator(relative).iter_errors(instance)]


def page_schema() -> dict:
    """The paging envelope schema of the HSDS OpenAPI document."""
    return _load("openapi.json")["components"]["schemas"]["Page"]


def walk_values(obj):
    """Every value nested in ``obj``."""
    if isinstance(obj, dict):
        for v in obj.values():
            yield v
            yield from walk_values(v)
    elif isinstance(obj, list):
        for v in obj:
            yield v
            yield from walk_values(v)


# --- tests -------------------------------------------------------------------------------
@pytest.fixture
def exported(sample_sessions):
    from bot.directory.export import export_services

    with sample_sessions() as s:
        return list(export_services(s, batch_size=16))


def test_vendored_schema_files_and_readme_are_present():
    readme = (HSDS_DIR / "README.md").read_text(encoding="utf-8")
    assert "Open Referral" in readme and "CC BY-SA 4.0" in readme
    assert "ShareAlike" in (HSDS_DIR / "LICENSE").read_text(encoding="utf-8")
    assert _load("compiled/service.json")["required"] == ["id", "name", "status"]


def test_sample_export_has_all_78_services_with_unique_ids(exported):
    assert len(exported) == 78
    assert len({s["id"] for s in exported}) == 78


def test_every_exported_service_validates_against_compiled_schema(exported):
    problems = {s["id"]: schema_errors("compiled/service.json", s) for s in exported}
    assert {k: v for k, v in problems.items() if v} == {}


def test_export_omits_nulls_and_nests_everything(exported):
    assert not any(v is None for s in exported for v in walk_values(s))
    for s in exported:
        assert s["organization"]["id"] == s["organization_id"]
        assert s["service_at_locations"] and s["attributes"]
        for sal in s["service_at_locations"]:
            assert sal["service_id"] == s["id"] and sal["location"]["id"] == sal["location_id"]
            assert all(a["location_id"] == sal["location_id"]
                       for a in sal["location"]["addresses"])
        for att in s["attributes"]:
            assert att["link_id"] == s["id"]
            assert att["taxonomy_term"]["id"] == att["taxonomy_term_id"]
            assert att["taxonomy_term"]["taxonomy_detail"]["name"]
        for sch in s["schedules"]:
            assert re.fullmatch(r"\d{2}:\d{2}", sch["opens_at"])
            assert re.fullmatch(r"\d{2}:\d{2}", sch["closes_at"])


def test_export_keeps_the_source_records(exported):
    from bot.directory.loader import read_services_file, sample_directory_path

    source = {s["id"]: s for s in read_services_file(sample_directory_path())}
    assert set(source) == {s["id"] for s in exported}
    for s in exported:
        src = source[s["id"]]
        assert s["name"] == src["name"] and s["last_modified"] == src["last_modified"]
        assert [p["number"] for p in s["phones"]] == \
            [p["number"] for p in sorted(src["phones"], key=lambda p: p["id"])]
        assert {a["taxonomy_term"]["code"] for a in s["attributes"]} == \
            {a["taxonomy_term"]["code"] for a in src["attributes"]}


def test_format_checker_is_strict_enough():
    bad = {"id": "not-a-uuid", "name": "x", "status": "open", "url": "no scheme",
           "email": "nobody", "last_modified": "2024-01-01"}
    paths = {e.split(":")[0] for e in schema_errors("compiled/service.json", bad)}
    assert paths == {"id", "status", "url", "email", "last_modified"}


LEGACY = {
    "id": "svc-legacy-1", "name": "Legacy Youth Hub", "status": "ACTIVE",
    "url": "www.legacy.example.org/hub", "email": "not an email", "minimum_age": "16.0",
    "last_modified": "2025-02-03T04:05:06.250Z",
    "organization": {"id": "org legacy", "name": "Legacy Trust", "website": "mailto:x@y.z"},
    "phones": [{"id": "ph1", "number": "0113 496 0000", "extension": "12"}],
    "schedules": [{"id": "sch1", "freq": "weekly", "byday": "MO, TU", "opens_at": "9:00:00",
                   "closes_at": "1730", "valid_from": "2025-01-01T00:00:00"},
                  {"id": "sch2", "freq": "daily", "opens_at": "noon", "closes_at": "25:00"}],
    "service_at_locations": [{"id": "sal1", "location": {
        "id": "loc1", "location_type": "branch", "latitude": 53.8, "longitude": -1.55,
        "addresses": [{"id": "adr1", "address_1": "1 Test St", "city": "Leeds",
                       "postal_code": "ls1 1aa", "country": "GB", "address_type": "home"}]}}],
    "attributes": [{"id": "att1", "taxonomy_term": {"id": "term-legacy", "name": "Legacy",
                                                   "code": "legacy"}}],
}


@pytest.fixture
def legacy_sessions(sessions):
    from bot.directory.loader import load_services

    with sessions() as s, s.begin():
        report = load_services(s, [json.loads(json.dumps(LEGACY))])
    assert report.loaded == 1, report.skipped
    return sessions


def test_non_uuid_ids_get_a_deterministic_uuid5_everywhere(legacy_sessions):
    from bot.directory.export import ID_NAMESPACE, export_services, hsds_id

    with legacy_sessions() as s:
        first = list(export_services(s))
    with legacy_sessions() as s:
        assert list(export_services(s)) == first
    (svc,) = first
    expected = str(uuid.uuid5(ID_NAMESPACE, "svc-legacy-1"))
    assert svc["id"] == expected == hsds_id("svc-legacy-1")
    assert hsds_id(expected) == expected  # UUIDs are kept as they are
    assert svc["organization_id"] == svc["organization"]["id"] == hsds_id("org legacy")
    assert svc["phones"][0]["service_id"] == expected
    sal = svc["service_at_locations"][0]
    assert sal["id"] == hsds_id("sal1") and sal["service_id"] == expected
    assert sal["location_id"] == sal["location"]["id"] == hsds_id("loc1")
    assert sal["location"]["addresses"][0]["location_id"] == hsds_id("loc1")
    att = svc["attributes"][0]
    assert att["link_id"] == expected
    assert att["taxonomy_term_id"] == att["taxonomy_term"]["id"] == hsds_id("term-legacy")
    assert schema_errors("compiled/service.json", svc) == []


def test_messy_values_are_normalised_or_omitted(legacy_sessions):
    from bot.directory.export import export_services

    with legacy_sessions() as s:
        (svc,) = list(export_services(s))
    assert svc["status"] == "active" and svc["minimum_age"] == 16
    assert svc["url"] == "http://www.legacy.example.org/hub"
    assert "email" not in svc
    assert svc["last_modified"] == "2025-02-03T04:05:06Z"
    assert svc["organization"]["website"] == "mailto:x@y.z"
    assert svc["organization"]["description"] == ""
    assert svc["phones"][0]["extension"] == 12
    sch1, sch2 = svc["schedules"]
    assert (sch1["freq"], sch1["byday"], sch1["opens_at"], sch1["closes_at"],
            sch1["valid_from"]) == ("WEEKLY", "MO,TU", "09:00", "17:30", "2025-01-01")
    assert "freq" not in sch2 and "opens_at" not in sch2 and "closes_at" not in sch2
    loc = svc["service_at_locations"][0]["location"]
    assert loc["location_type"] == "physical"
    assert loc["addresses"][0]["address_type"] == "physical"
    assert loc["addresses"][0]["state_province"] == ""
    assert schema_errors("compiled/service.json", svc) == []


@pytest.mark.parametrize("raw,expected", [
    ("09:00", "09:00"), ("9:00", "09:00"), ("09:00:00", "09:00"), ("0930", "09:30"),
    ("24:00", "23:59"), ("09:00Z", "09:00"), ("10:00-05:00", "10:00"), ("", None),
    (None, None), ("25:00", None), ("9am", None), ("12:60", None)])
def test_hsds_time(raw, expected):
    from bot.directory.export import hsds_time

    assert hsds_time(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("https://a.example/x?y=1", "https://a.example/x?y=1"), ("example.org", "http://example.org"),
    ("http://", None), ("not a url", None), ("", None), ("tel:+441134960000", "tel:+441134960000")])
def test_hsds_uri(raw, expected):
    from bot.directory.export import hsds_uri

    assert hsds_uri(raw) == expected


def test_unknown_status_is_published_as_inactive():
    from bot.directory.export import service_status

    assert service_status("Temporarily_Closed") == "temporarily closed"
    assert service_status("closed for refurb") == "inactive"
    assert service_status(None) == "inactive"


@pytest.mark.parametrize("bare", [False, True])
def test_write_export_round_trips_through_the_loader(sample_sessions, sessions, tmp_path,
                                                     bare, exported):
    from bot.directory.export import export_services, write_export
    from bot.directory.loader import load_file, read_services_file

    path = tmp_path / "out" / "directory.json"
    with sample_sessions() as s:
        assert write_export(s, path, bare=bare, indent=2 if bare else None) == 78
    raw = json.loads(path.read_text(encoding="utf-8"))
    if bare:
        assert isinstance(raw, list) and len(raw) == 78
    else:
        assert list(raw)[-1] == "contents"
        assert {k: v for k, v in raw.items() if k != "contents"} == {
            "total_items": 78, "total_pages": 1, "page_number": 1, "size": 78,
            "first_page": True, "last_page": True, "empty": False}
        assert hsds_validator("openapi.json")  # the spec document itself loads
        assert Draft202012Validator(page_schema()).is_valid(raw)
    assert read_services_file(path) == exported
    assert not list(path.parent.glob(".export-*"))  # no temp files left behind
    report = load_file(sessions, path)  # a fresh database
    assert report.loaded == 78 and not report.skipped
    with sessions() as s:
        assert list(export_services(s)) == exported


def test_write_export_of_an_empty_directory(sessions, tmp_path):
    from bot.directory.export import write_export

    path = tmp_path / "empty.json"
    with sessions() as s:
        assert write_export(s, path) == 0
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["contents"] == [] and raw["empty"] is True and raw["total_items"] == 0


def test_id_resolver_maps_published_ids_back(legacy_sessions):
    from bot.api.ids import IdResolver
    from bot.directory.export import hsds_id
    from bot.directory.models import Organization, Service

    ids = IdResolver()
    with legacy_sessions() as s:
        assert ids.stored_id(s, Service, hsds_id("svc-legacy-1")) == "svc-legacy-1"
        assert ids.stored_id(s, Organization, hsds_id("org legacy")) == "org legacy"
        assert ids.stored_id(s, Service, "svc-legacy-1") is None  # raw ids are not published
        assert ids.stored_id(s, Service, str(uuid.uuid4())) is None
        assert ids.stored_id(s, Service, "x" * 500) is None
