"""Property-based tests of the public API against its own OpenAPI document (schemathesis 4.x).

For every operation, generated requests (valid and invalid) must never get a 5xx, and every
response must conform to the document: declared status code and content type, body matching
the response schema, valid input accepted and invalid input rejected with a 4xx.

Bounded for CI: a fixed seed, 15 examples per operation and mode, no coverage/stateful phases.
``positive_data_acceptance`` also accepts 400 (parameters that are each valid but do not fit
together, e.g. ``proximity`` without a point, or a postcode that cannot be located - rules an
OpenAPI document cannot express) and 404 (unknown ids); a 422 for schema-valid input fails.
"""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

CONFIG = {
    "seed": 20240501,
    "generation": {"max-examples": 15, "deterministic": False},
    "phases": {"coverage": {"enabled": True}, "stateful": {"enabled": False},
               "examples": {"enabled": True}, "fuzzing": {"enabled": True}},
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "404"]}},
}


@pytest.fixture
def api_schema(sample_sessions, db_url):
    """The API over the sample directory, loaded from its own /openapi.json."""
    from bot.api import create_app
    from bot.settings import load_settings

    app = create_app(sample_sessions, load_settings({"DATABASE_URL": db_url}))
    return schemathesis.openapi.from_asgi("/openapi.json", app,
                                          config=SchemathesisConfig.from_dict(CONFIG))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    """No 5xx, and every response as documented."""
    response = case.call_and_validate()
    assert response.status_code < 500


REAL_QUERIES = [
    ("/services", {}), ("/services", {"full": "true", "per_page": 100}),
    ("/services", {"minimal": "true"}), ("/services", {"format": "ndjson"}),
    ("/organizations", {"full": "true"}), ("/organizations", {"full_service": "true"}),
    ("/taxonomies", {}), ("/taxonomy_terms", {"top_only": "true"}),
    ("/service_at_locations", {"postcode": "LS1 6PD", "proximity": 5000}),
    ("/service_at_locations", {"latitude": 53.38, "longitude": -1.47, "full": "true"}),
]


def test_real_records_conform_to_the_openapi_document(api_schema):
    """Generated ids are all unknown (404), so also check every real record's responses."""
    for path, query in REAL_QUERIES:
        case = api_schema[path]["GET"].Case(query=query)
        response = case.call_and_validate()
        assert response.status_code == 200, (path, query)
        if query.get("format") == "ndjson":
            continue
        detail = api_schema[f"{path}/{{id}}"]["GET"] if path != "/" else None
        for item in response.json()["contents"][:25]:
            case = detail.Case(path_parameters={"id": item["id"]})
            assert case.call_and_validate().status_code == 200
