"""The HSDS profile (docs/hsds_profile/, bot.measurement.hsds_profile, GET /open/hsds_extension.json): the
schema files are valid and merge with HSDS 3.0, the extension objects validate against them,
carry exactly the open export's suppressed figures (no cell 1-4, no new totals) and nothing
personal."""
from __future__ import annotations

import copy
import json
from functools import lru_cache

import pytest
from jsonschema import Draft202012Validator

from bot.measurement import hsds_profile, open_export
from bot.directory.export import hsds_id
from tests.bot.directory.test_export import _load as hsds_file, format_checker
from tests.bot.measurement.test_open_export import NOW, RATINGS, _ints, rated, seeded  # noqa: F401
from tests.conftest import ROOT

PROFILE_DIR = ROOT / "docs" / "hsds_profile"
NEW_OBJECTS = ("service_feedback.json", "service_outcomes.json", "hsds_extension.json")


@lru_cache(maxsize=None)
def _profile_file(name: str) -> dict:
    return json.loads((PROFILE_DIR / "profile" / name).read_text(encoding="utf-8"))


def _inline(schema):
    """The schema with every ``{"$ref": "<profile file>"}`` replaced by that file."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and (PROFILE_DIR / "profile" / ref).is_file():
            target = {k: v for k, v in _profile_file(ref).items() if k not in ("$schema", "$id")}
            return _inline(target)
        return {k: _inline(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v) for v in schema]
    return schema


def merge_patch(target, patch):
    """JSON Merge Patch (RFC 7386), as the HSDS profile mechanism applies it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_inline(_profile_file(name)), format_checker=format_checker())


def _errors(name: str, instance) -> list:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _validator(name).iter_errors(instance)]


@lru_cache(maxsize=1)
def _profiled_service() -> Draft202012Validator:
    """HSDS 3.0 compiled service.json merged with the profile's service.json."""
    schema = _inline(merge_patch(hsds_file("compiled/service.json"), _profile_file("service.json")))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=format_checker())


# --- the schema files -------------------------------------------------------------------------
def test_profile_files_are_valid_json_schema_and_name_the_profile():
    for name in NEW_OBJECTS:
        schema = _profile_file(name)
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"{hsds_profile.PROFILE_URI}/profile/{name}"
        Draft202012Validator.check_schema(_inline(schema))
    patch = _profile_file("service.json")
    assert set(patch) == {"properties"}
    assert set(patch["properties"]) == {"service_feedback", "service_outcomes"}
    assert _profiled_service().schema["required"] == ["id", "name", "status"]  # HSDS kept
    readme = (PROFILE_DIR / "README.md").read_text(encoding="utf-8")
    for needle in (hsds_profile.PROFILE_URI, f"`{hsds_profile.PROFILE_VERSION}`", "CC BY 4.0",
                   "GET /open/hsds_extension.json", "service_feedback", "service_outcomes"):
        assert needle in readme, needle
    doc_schema = _profile_file("hsds_extension.json")["properties"]
    assert doc_schema["profile"]["const"] == hsds_profile.PROFILE_URI
    assert doc_schema["schema"]["const"] == hsds_profile.DOCUMENT_SCHEMA


def test_openapi_patch_adds_the_endpoint_to_hsds():
    merged = merge_patch(hsds_file("openapi.json"), _profile_file("openapi.json"))
    assert "/services/{id}" in merged["paths"]  # nothing of HSDS removed
    op = merged["paths"]["/open/hsds_extension.json"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert (PROFILE_DIR / "profile" / ref).is_file()


def test_schemas_reject_small_counts_and_extra_fields():
    good = {"id": "3c3e2f0b-8f3c-5a45-9a0e-6d3e1b9c2f10",
            "service_id": "3c3e2f0b-8f3c-5a45-9a0e-6d3e1b9c2f11", "period": "2026-08",
            "rating_count": 7, "average_rating": 4.0, "suppressed": []}
    assert _errors("service_feedback.json", good) == []
    for bad in ({"rating_count": 3}, {"average_rating": 6}, {"period": "2026-13"},
                {"sender_id": "telegram-1"}, {"comment": "great"}):
        assert _errors("service_feedback.json", {**good, **bad}), bad
    outcome = {"id": good["id"], "service_id": good["service_id"], "period": "2026-08",
               "need": "housing", "framework_version": "1.0.0", "referrals": 12,
               "checkins_answered": 0, "checkin_response_rate": 0.0,
               "outcome_counts": [{"code": "reached", "count": None},
                                  {"code": "got_help", "count": 0}],
               "median_days_to_help": None, "suppressed": ["outcome_counts.reached"]}
    assert _errors("service_outcomes.json", outcome) == []
    for bad in ({"referrals": 4}, {"checkins_answered": 1},
                {"outcome_counts": [{"code": "reached", "count": 2}]},
                {"outcome_counts": [{"code": "reached", "count": 5, "reason": "full"}]},
                {"suppressed": ["sender_id"]}, {"goal_title": "Find somewhere to stay"}):
        assert _errors("service_outcomes.json", {**outcome, **bad}), bad


# --- the figures --------------------------------------------------------------------------------
def test_extensions_validate_and_are_the_exports_suppressed_figures(seeded):  # noqa: F811 - pytest fixture
    sessions, services, senders, texts = seeded
    export = open_export.build(sessions, now=NOW)
    ext = hsds_profile.service_extensions(sessions, now=NOW)
    assert ext == hsds_profile.from_export(export)
    assert set(ext) == {hsds_id(sid) for sid, _ in services}
    feedback = [o for e in ext.values() for o in e["service_feedback"]]
    outcomes_ = [o for e in ext.values() for o in e["service_outcomes"]]
    # one object per published row: nothing summed, so no new total to subtract from
    assert len(feedback) == len(export["ratings"]) == len(RATINGS)
    assert len(outcomes_) == len([r for r in export["rows"] if r["service_id"]])
    for obj in feedback:
        assert _errors("service_feedback.json", obj) == []
        row = next(r for r in export["ratings"]
                   if (r["service_id"], r["month"]) == (obj["service_id"], obj["period"]))
        assert (obj["rating_count"], obj["average_rating"]) == (row["ratings"],
                                                                row["mean_stars"])
    for obj in outcomes_:
        assert _errors("service_outcomes.json", obj) == []
        row = next(r for r in export["rows"] if (r["service_id"], r["month"], r["need"])
                   == (obj["service_id"], obj["period"], obj["need"]))
        assert obj["referrals"] == row["referrals"]
        assert obj["checkin_response_rate"] == row["checkin_response_rate"]
        assert {c["code"]: c["count"] for c in obj["outcome_counts"]} == row["outcomes"]
        assert len(obj["suppressed"]) == len(row["suppressed"])
    ints = list(_ints(ext))
    assert ints and all(v == 0 or v >= 5 for _, v in ints), [x for x in ints if 0 < x[1] < 5]
    big = ext[hsds_id(services[0][0])]
    aug = next(o for o in big["service_outcomes"] if (o["period"], o["need"])
               == ("2026-08", "housing"))
    assert (aug["referrals"], aug["checkins_answered"], aug["median_days_to_help"]) == \
        (12, 10, 3.5)
    assert aug["suppressed"] == ["outcome_counts.got_help", "outcome_counts.turned_away"]
    assert [(o["period"], o["rating_count"], o["average_rating"])
            for o in big["service_feedback"]] == [("2026-08", 7, 4.0), ("2026-09", None, None)]
    serialised = json.dumps(ext, ensure_ascii=False)
    for needle in senders + texts + ["full", "Acacia", "Morgan"]:
        assert needle not in serialised, needle


def test_each_service_with_its_extensions_validates_against_the_profile(rated):  # noqa: F811 - pytest fixture
    from bot.directory.export import export_services

    sessions = rated[0]
    ext = hsds_profile.service_extensions(sessions, now=NOW)
    assert ext
    with sessions() as s:
        exported = {svc["id"]: svc for svc in export_services(s)}
    for sid, props in ext.items():
        service = {**exported[sid], **props}
        errors = list(_profiled_service().iter_errors(service))
        assert errors == [], errors[:3]
        broken = copy.deepcopy(service)
        broken["service_feedback"][0]["rating_count"] = 2
        assert list(_profiled_service().iter_errors(broken))
    plain = next(iter(exported.values()))
    assert list(_profiled_service().iter_errors(plain)) == []  # the extensions are optional


def test_document_and_endpoint(rated, db_url):  # noqa: F811 - pytest fixture
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from bot.api import create_app
    from bot.settings import load_settings

    sessions, senders = rated[0], rated[2]
    doc = hsds_profile.document(sessions, now=NOW)
    assert _errors("hsds_extension.json", doc) == []
    assert doc["generated_at"] == "2026-12-01T09:00:00+00:00"
    assert [s["id"] for s in doc["services"]] == sorted(s["id"] for s in doc["services"])
    with TestClient(create_app(sessions, load_settings({"DATABASE_URL": db_url}))) as c:
        r = c.get("/open/hsds_extension.json")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        body = r.json()
        assert _errors("hsds_extension.json", body) == []
        assert body["profile"] == hsds_profile.PROFILE_URI
        assert body["services"] == doc["services"]
        assert not any(sender in r.text for sender in senders)
        assert c.post("/open/hsds_extension.json").status_code in (404, 405)


def test_empty_database(sessions):
    assert hsds_profile.service_extensions(sessions, now=NOW) == {}
    doc = hsds_profile.document(sessions, now=NOW)
    assert doc["services"] == [] and _errors("hsds_extension.json", doc) == []
