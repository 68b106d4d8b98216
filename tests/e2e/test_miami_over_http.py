"""Issue 3, acceptance 5 over the running servers: after `navigator import` of the real Miami
211 export, "I'm 19 and homeless in Miami" gets shelters or housing help, nearest first and
age-eligible, through NLU, the form and the action server, over HTTP."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import send
from tests.conftest import SHARED
from tests.e2e.conftest import start_servers, texts
from tests.rasa.conftest import trained_model  # noqa: F401 - fixture

MIAMI = SHARED / "datasets" / "miami-211-hsds-1.1"
MESSAGE = "I'm 19 and homeless in Miami"
pytestmark = [pytest.mark.rasa, pytest.mark.e2e,
              pytest.mark.skipif(not MIAMI.exists(), reason="../shared Miami 211 export absent")]


@pytest.fixture(scope="module")
def miami_server(tmp_path_factory, trained_model):  # noqa: F811 - pytest fixture injection
    yield from start_servers(
        tmp_path_factory.mktemp("miami"), trained_model,
        [["db", "upgrade"], ["import", str(MIAMI)]],
        {"NAVIGATOR_REGION": "US", "NAVIGATOR_TIMEZONE": "America/New_York"})


def _listed(body: str):
    """(name, miles) for each numbered result block."""
    found = []
    for block in body.split("\n\n"):
        head = re.match(r"\d+\. (.+)", block)
        miles = re.search(r"([\d.]+) miles away", block)
        if head and miles:
            found.append((head.group(1).strip(), float(miles.group(1))))
    return found


def _ranked_directly(env: dict) -> list:
    from bot.db import session_factory
    from bot.directory.navigator import Navigator
    from bot.settings import load_settings

    settings = load_settings(env)
    nav = Navigator(settings, session_factory(settings.database_url))
    place = nav.resolve_place("Miami", whole_message=True)
    # The same words as the bot's search: the message that asked, and the place it named.
    page = nav.search(["housing"], place.latitude, place.longitude, 19, text=MESSAGE,
                      place="Miami")
    return [r.name for r in page.results]


def test_young_and_homeless_in_miami(miami_server):
    from sqlalchemy import create_engine, text as sql

    sid = f"miami-{uuid.uuid4().hex[:8]}"
    body = texts(send(miami_server["url"], sid, MESSAGE))
    assert "somewhere to stay help near Miami" in body, body
    listed = _listed(body)
    assert len(listed) == 3, body
    miles = [m for _, m in listed]
    assert min(miles) < 5 and max(miles) < 25, body
    # The order is the directory's ranking (need match, youth focus, open now, then distance),
    # so it depends on the clock: the same query run on the same database right now must give
    # the same services in the same order. Nearest-first among equals is tested in
    # tests/bot/test_search.py.
    assert [n for n, _ in listed] == _ranked_directly(miami_server["env"]), body
    engine = create_engine(miami_server["env"]["DATABASE_URL"], future=True)
    with engine.connect() as conn:
        for name, _ in listed:
            row = conn.execute(sql(
                "SELECT s.minimum_age, s.maximum_age, group_concat(i.need_code) FROM service s "
                "JOIN search_index i ON i.service_id = s.id WHERE s.name = :n GROUP BY s.id"),
                {"n": name}).first()
            assert row is not None, name
            assert "housing" in row[2].split(","), (name, row)
            assert (row[0] or 0) <= 19 <= (row[1] or 200), (name, row)
    engine.dispose()
    detail = texts(send(miami_server["url"], sid, "tell me about the first one"))
    assert listed[0][0] in detail and "Phone:" in detail


def test_us_helplines_for_a_us_deployment(miami_server):
    body = texts(send(miami_server["url"], f"miami-{uuid.uuid4().hex[:8]}", "i want to die"))
    assert "988" in body and "911" in body
