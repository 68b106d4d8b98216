"""The public HSDS 3.0 API over the sample directory (FastAPI TestClient)."""
from __future__ import annotations

import json
import math
import uuid
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator

from tests.bot.directory.test_export import LEGACY, _load, page_schema, schema_errors

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

ENVELOPE = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page",
            "empty", "contents"]
LEEDS = (53.7997, -1.5492)


@pytest.fixture
def client(sample_sessions, db_url):
    from bot.api import create_app
    from bot.settings import load_settings

    with TestClient(create_app(sample_sessions, load_settings({"DATABASE_URL": db_url}))) as c:
        yield c


@pytest.fixture(scope="module")
def shared_client(tmp_path_factory):
    """A read-only client over its own copy of the sample directory, shared by the many
    parametrized error cases (built like the ``sample_sessions`` fixture, once per module)."""
    from sqlalchemy.orm import sessionmaker

    from bot.api import create_app
    from bot.db import make_engine
    from bot.directory.loader import load_file, sample_directory_path
    from bot.migrate import upgrade
    from bot.settings import load_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'navigator.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    assert load_file(factory, sample_directory_path()).loaded == 78
    with TestClient(create_app(factory, load_settings({"DATABASE_URL": url}))) as c:
        yield c
    engine.dispose()


@pytest.fixture
def exported(sample_sessions):
    from bot.directory.export import export_services

    with sample_sessions() as s:
        return {x["id"]: x for x in export_services(s)}


def get_page(client, path, **params):
    """GET a list; check the envelope and return it."""
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ENVELOPE
    assert Draft202012Validator(page_schema()).is_valid(body)
    return body


def all_items(client, path, **params):
    """Every item of a list, walking the pages."""
    items, page = [], 1
    while True:
        body = get_page(client, path, page=page, per_page=100, **params)
        items += body["contents"]
        if body["last_page"]:
            return items
        page += 1


def assert_error(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert isinstance(r.json()["message"], str) and r.json()["message"]


# --- meta ---------------------------------------------------------------------------------
def test_create_app_opens_no_database(tmp_path):
    from bot.api import create_app
    from bot.settings import load_settings

    db_dir = tmp_path / "not-yet"
    app = create_app(settings=load_settings({"DATABASE_URL": f"sqlite:///{db_dir}/x.db"}))
    with TestClient(app) as c:
        assert c.get("/").status_code == 200
        assert c.get("/openapi.json").status_code == 200
    assert not db_dir.exists()


def test_root_describes_the_api(client):
    body = client.get("/").json()
    assert body["version"] == "3.0" and body["profile"].startswith("https://")
    assert body["openapi_url"].endswith("/openapi.json")
    assert client.get(body["openapi_url"]).json()["openapi"].startswith("3.")


def test_openapi_document_covers_the_hsds_paths_and_parameters(client):
    ours = client.get("/openapi.json").json()
    spec = _load("openapi.json")
    components = spec["components"]["parameters"]
    for path, item in spec["paths"].items():
        assert path in ours["paths"], path
        op = ours["paths"][path]["get"]
        assert op["operationId"]
        names = {p["name"] for p in op.get("parameters", [])}
        wanted = {components[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
                  for p in item["get"].get("parameters", []) + item.get("parameters", [])}
        assert wanted <= names, (path, wanted - names)
        assert "200" in op["responses"]
        if "{id}" in path:
            assert "404" in op["responses"]


# --- paging -------------------------------------------------------------------------------
@pytest.mark.parametrize("per_page", [1, 7, 50, 77, 78, 100])
def test_paging_envelope_maths(client, exported, per_page):
    pages = math.ceil(78 / per_page)
    seen = []
    for page in range(1, pages + 1):
        body = get_page(client, "/services", page=page, per_page=per_page)
        expected_size = per_page if page < pages else 78 - per_page * (pages - 1)
        assert (body["total_items"], body["total_pages"], body["page_number"], body["size"],
                body["first_page"], body["last_page"], body["empty"]) == \
            (78, pages, page, expected_size, page == 1, page == pages, False)
        assert len(body["contents"]) == expected_size
        seen += [s["id"] for s in body["contents"]]
    assert len(seen) == 78 and set(seen) == set(exported)
    beyond = get_page(client, "/services", page=pages + 1, per_page=per_page)
    assert (beyond["size"], beyond["empty"], beyond["last_page"], beyond["first_page"],
            beyond["contents"]) == (0, True, True, False, [])


def test_default_page_and_ordering(client):
    body = get_page(client, "/services")
    assert body["page_number"] == 1 and body["size"] == 50 and body["total_pages"] == 2
    names = [s["name"] for s in all_items(client, "/services")]
    assert names == sorted(names)


def test_empty_result_envelope(client):
    body = get_page(client, "/services", search="zzzz-no-such-words")
    assert (body["total_items"], body["total_pages"], body["size"], body["first_page"],
            body["last_page"], body["empty"]) == (0, 0, 0, True, True, True)


# --- bodies validate against HSDS ---------------------------------------------------------
def test_service_list_items_validate(client):
    brief = all_items(client, "/services")
    assert len(brief) == 78
    for s in brief:
        assert schema_errors("compiled/service_list.json", s) == []
        assert "phones" not in s and s["organization"]["id"] == s["organization_id"]
    for s in all_items(client, "/services", full="true"):
        assert schema_errors("compiled/service.json", s) == []
    for s in all_items(client, "/services", minimal="true"):
        assert set(s) == {"id", "last_modified"}


def test_service_detail_equals_the_export_for_every_service(client, exported):
    for sid, expected in exported.items():
        r = client.get(f"/services/{sid}")
        assert r.status_code == 200
        assert r.json() == expected
    assert schema_errors("compiled/service.json", r.json()) == []


def test_organizations(client, exported):
    orgs = all_items(client, "/organizations")
    assert {o["id"] for o in orgs} == {s["organization_id"] for s in exported.values()}
    for o in orgs:
        assert schema_errors("compiled/organization_list.json", o) == []
    for full in ({"full": "true"}, {"full_service": "true"}):
        for o in all_items(client, "/organizations", **full)[:5]:
            assert schema_errors("schema/organization.json", o) == []
            assert o["services"]
    for o in orgs:
        r = client.get(f"/organizations/{o['id']}")
        assert r.status_code == 200
        detail = r.json()
        assert schema_errors("schema/organization.json", detail) == []
        mine = {sid for sid, s in exported.items() if s["organization_id"] == o["id"]}
        assert {s["id"] for s in detail["services"]} == mine
        assert all("phones" not in s for s in detail["services"])
    full = client.get(f"/organizations/{orgs[0]['id']}", params={"full_service": "true"}).json()
    for s in full["services"]:
        assert schema_errors("compiled/service.json", s) == []
        assert s == exported[s["id"]]


def test_taxonomies_and_terms(client, exported):
    from bot.directory.needs import taxonomy

    taxes = all_items(client, "/taxonomies")
    assert [t["id"] for t in taxes] == [taxonomy().id]
    for t in taxes:
        assert schema_errors("schema/taxonomy.json", t) == []
        assert client.get(f"/taxonomies/{t['id']}").json() == t
    terms = all_items(client, "/taxonomy_terms")
    assert {t["code"] for t in terms} == {t.code for t in taxonomy().terms}
    for t in terms:
        assert schema_errors("schema/taxonomy_term.json", t) == []
        assert t["taxonomy_detail"]["id"] == taxonomy().id
        assert client.get(f"/taxonomy_terms/{t['id']}").json() == t
    assert len(all_items(client, "/taxonomy_terms", taxonomy_id=taxonomy().id)) == len(terms)
    top = all_items(client, "/taxonomy_terms", top_only="true")
    assert len(top) == 12 and len(terms) == 20  # the needs; the sub-needs sit under them
    health = next(t for t in terms if t["code"] == "health")
    assert [t["code"] for t in all_items(client, "/taxonomy_terms", parent_id=health["id"])] == [
        "sexual_health"]
    crisis = next(t for t in terms if t["code"] == "crisis")
    assert all_items(client, "/taxonomy_terms", parent_id=crisis["id"]) == []
    assert all_items(client, "/taxonomy_terms", taxonomy_id=str(uuid.uuid4())) == []
    found = all_items(client, "/taxonomy_terms", search="crisis")
    assert "crisis" in {t["code"] for t in found}


def test_service_at_locations(client, exported):
    items = all_items(client, "/service_at_locations")
    assert len(items) == sum(len(s["service_at_locations"]) for s in exported.values())
    for item in items:
        assert schema_errors("compiled/service_at_location_list.json", item) == []
        assert item["service"]["id"] == item["service_id"]
        assert "addresses" not in item["location"]
        detail = client.get(f"/service_at_locations/{item['id']}").json()
        assert schema_errors("schema/service_at_location.json", detail) == []
        assert schema_errors("compiled/service.json", detail["service"]) == []
        expected = exported[item["service_id"]]
        assert detail["service"] == {k: v for k, v in expected.items()
                                     if k != "service_at_locations"}
        (sal,) = [x for x in expected["service_at_locations"] if x["id"] == item["id"]]
        assert detail["location"] == sal["location"]


# --- filters ------------------------------------------------------------------------------
def test_filter_by_taxonomy_term_and_taxonomy(client, exported):
    from bot.directory.needs import taxonomy

    crisis = taxonomy().by_code()["crisis"].id
    got = {s["id"] for s in all_items(client, "/services", taxonomy_term_id=crisis)}
    want = {sid for sid, s in exported.items()
            if any(a["taxonomy_term_id"] == crisis for a in s["attributes"])}
    assert got == want and len(got) == 8
    sal = all_items(client, "/service_at_locations", taxonomy_term_id=crisis)
    assert {x["service_id"] for x in sal} == want
    assert len(all_items(client, "/services", taxonomy_id=taxonomy().id)) == 78
    assert all_items(client, "/services", taxonomy_id=str(uuid.uuid4())) == []
    assert all_items(client, "/services", taxonomy_term_id="not-a-term") == []


def test_filter_by_organization(client, exported):
    org = next(iter(exported.values()))["organization_id"]
    got = {s["id"] for s in all_items(client, "/services", organization_id=org)}
    assert got == {sid for sid, s in exported.items() if s["organization_id"] == org}
    assert all_items(client, "/services", organization_id=str(uuid.uuid4())) == []


@pytest.mark.parametrize("value", ["2026-10-01", "2026-10-01T00:00:00Z",
                                   "2026-10-01T01:00:00+01:00", "2026-10-01T00:00:00"])
def test_filter_modified_after(client, exported, value):
    cut = datetime(2026, 10, 1, tzinfo=timezone.utc)
    want = {sid for sid, s in exported.items() if datetime.fromisoformat(
        s["last_modified"].replace("Z", "+00:00")) >= cut}
    assert 0 < len(want) < 78
    assert {s["id"] for s in all_items(client, "/services", modified_after=value)} == want


def test_search(client, exported):
    found = all_items(client, "/services", search="Crisis LINE")
    assert found
    for s in found:
        text = " ".join([s["name"], s.get("description", ""), s.get("alternate_name", ""),
                         s["organization"]["name"]]).lower()
        assert "crisis" in text and "line" in text
    by_org = all_items(client, "/services", search="Northgate")
    assert {s["organization"]["name"] for s in by_org} >= {"Northgate Youth Trust"}
    for wildcard in ("%", "_", "\\"):
        assert all_items(client, "/services", search=wildcard) == []
    assert all_items(client, "/organizations", search="Northgate")[0]["name"] == \
        "Northgate Youth Trust"


# --- proximity ----------------------------------------------------------------------------
def distances(items, point):
    from bot.directory.places import haversine_km

    return [haversine_km(point[0], point[1], i["location"]["latitude"],
                         i["location"]["longitude"]) * 1000 for i in items]


def test_proximity_with_latitude_longitude(client, exported):
    items = all_items(client, "/service_at_locations", latitude=LEEDS[0], longitude=LEEDS[1],
                      proximity=3000)
    d = distances(items, LEEDS)
    assert items and d == sorted(d) and max(d) <= 3000
    within = [sal for s in exported.values() for sal in s["service_at_locations"]
              if "latitude" in sal["location"] and distances([sal], LEEDS)[0] <= 3000]
    assert {i["id"] for i in items} == {sal["id"] for sal in within}


def test_point_without_radius_orders_everything_nearest_first(client):
    items = all_items(client, "/service_at_locations", latitude=LEEDS[0], longitude=LEEDS[1])
    assert len(items) == 78
    located = [i for i in items if "latitude" in i["location"]]
    assert items[:len(located)] == located  # phone/online services last
    d = distances(located, LEEDS)
    assert d == sorted(d)
    first = get_page(client, "/service_at_locations", latitude=LEEDS[0], longitude=LEEDS[1],
                     per_page=5, page=2)
    assert [i["id"] for i in first["contents"]] == [i["id"] for i in items[5:10]]


@pytest.mark.parametrize("postcode", ["LS1 6PD", "ls16pd", "LS1", "LS99 9ZZ"])
def test_proximity_with_postcode(client, postcode):
    items = all_items(client, "/service_at_locations", postcode=postcode, proximity=5000)
    assert items and max(distances(items, LEEDS)) < 10_000  # all in Leeds
    sheffield = all_items(client, "/service_at_locations", postcode="S1 2HE", proximity=5000)
    assert not {i["id"] for i in items} & {i["id"] for i in sheffield}


def test_proximity_radius_bounds(client):
    tiny = all_items(client, "/service_at_locations", latitude=0, longitude=0, proximity=1)
    assert tiny == []
    world = all_items(client, "/service_at_locations", latitude=-89.9, longitude=179.9,
                      proximity=20_000_000)
    assert len(world) == 71  # every located service, none of the 7 without coordinates


# --- ndjson ----------------------------------------------------------------------------------
def test_ndjson_streams_every_match(client, exported):
    r = client.get("/services", params={"format": "ndjson", "per_page": 1})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == 78 and {x["id"] for x in lines} == set(exported)
    r = client.get("/service_at_locations", params={"format": "ndjson", "latitude": LEEDS[0],
                                                    "longitude": LEEDS[1], "proximity": 3000})
    assert len(r.text.splitlines()) == len(all_items(
        client, "/service_at_locations", latitude=LEEDS[0], longitude=LEEDS[1], proximity=3000))


# --- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path,params", [
    ("/services", {"page": 0}), ("/services", {"page": -1}), ("/services", {"page": "abc"}),
    ("/services", {"page": 10**7}), ("/services", {"per_page": 0}),
    ("/services", {"per_page": 10000}), ("/services", {"modified_after": "notadate"}),
    ("/services", {"modified_after": "2024-13-01"}), ("/services", {"format": "xml"}),
    ("/services", {"full": "maybe"}), ("/services", {"search": "x" * 201}),
    ("/service_at_locations", {"proximity": "abc"}),
    ("/service_at_locations", {"proximity": -5, "latitude": 1, "longitude": 1}),
    ("/service_at_locations", {"proximity": "nan", "latitude": 1, "longitude": 1}),
    ("/service_at_locations", {"proximity": "inf", "latitude": 1, "longitude": 1}),
    ("/service_at_locations", {"latitude": 91, "longitude": 0}),
    ("/organizations", {"per_page": 101}), ("/taxonomy_terms", {"top_only": "perhaps"}),
    ("/organizations/x", {"full_service": "2"}),
])
def test_invalid_parameters_are_422_with_a_json_message(shared_client, path, params):
    r = shared_client.get(path, params=params)
    assert_error(r, 422)
    assert r.json()["errors"][0]["parameter"] in params


@pytest.mark.parametrize("params", [
    {"proximity": 1000}, {"latitude": 53.8}, {"longitude": -1.5},
    {"postcode": "LS1 6PD", "latitude": 53.8, "longitude": -1.5},
    {"postcode": "ZZ"}, {"postcode": "NOWHERE 1"}, {"postcode": "   "},
])
def test_parameters_that_do_not_fit_together_are_400(shared_client, params):
    assert_error(shared_client.get("/service_at_locations", params=params), 400)


@pytest.mark.parametrize("kind", ["services", "organizations", "taxonomies", "taxonomy_terms",
                                  "service_at_locations"])
@pytest.mark.parametrize("bad_id", [str(uuid.uuid4()), "nope", "x" * 300, "%00", " "])
def test_unknown_ids_are_404(shared_client, kind, bad_id):
    assert_error(shared_client.get(f"/{kind}/{bad_id}"), 404)


def test_unknown_paths_and_methods(client):
    assert_error(client.get("/nope"), 404)
    r = client.post("/services")
    assert_error(r, 405)
    assert "GET" in r.headers["allow"]


# --- ids ------------------------------------------------------------------------------------
@pytest.fixture
def legacy_client(sample_sessions, client):
    from bot.directory.loader import load_services

    with sample_sessions() as s, s.begin():
        assert load_services(s, [json.loads(json.dumps(LEGACY))]).loaded == 1
    return client


def test_non_uuid_ids_round_trip_through_the_api(legacy_client):
    from bot.directory.export import hsds_id

    client = legacy_client
    sid = hsds_id("svc-legacy-1")
    listed = [s for s in all_items(client, "/services") if s["name"] == "Legacy Youth Hub"]
    assert [s["id"] for s in listed] == [sid]
    detail = client.get(f"/services/{sid}").json()
    assert detail["id"] == sid and schema_errors("compiled/service.json", detail) == []
    assert_error(client.get("/services/svc-legacy-1"), 404)
    org = detail["organization_id"]
    assert client.get(f"/organizations/{org}").json()["name"] == "Legacy Trust"
    assert [s["id"] for s in all_items(client, "/services", organization_id=org)] == [sid]
    term = detail["attributes"][0]["taxonomy_term_id"]
    assert client.get(f"/taxonomy_terms/{term}").json()["code"] == "legacy"
    assert [s["id"] for s in all_items(client, "/services", taxonomy_term_id=term)] == [sid]
    sal = detail["service_at_locations"][0]["id"]
    assert client.get(f"/service_at_locations/{sal}").json()["service"]["id"] == sid


# --- CLI hooks ------------------------------------------------------------------------------
def test_cli_export_and_api_commands(sample_sessions, db_url, tmp_path, capsys, monkeypatch):
    import argparse

    from bot import api
    from bot.settings import load_settings

    parser = argparse.ArgumentParser()
    api.register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["export", str(tmp_path / "dir.json"), "--bare"])
    assert api._cmd_export(args, sample_sessions) == 0
    assert "78 services exported" in capsys.readouterr().out
    assert len(json.loads((tmp_path / "dir.json").read_text(encoding="utf-8"))) == 78
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setattr("bot.settings.get_settings",
                        lambda: load_settings({"DATABASE_URL": db_url}))
    args = parser.parse_args(["api", "--port", "8123"])
    assert args.func(args) == 0
    app, kw = calls[0]
    assert (kw["host"], kw["port"], kw["access_log"], kw["ws"]) == \
        ("127.0.0.1", 8123, False, "none")
    assert app.title.endswith("(HSDS 3.0)")
