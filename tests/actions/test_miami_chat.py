"""Issue 3, acceptance 5: after importing the real Miami 211 export, "I'm 19 and homeless in
Miami" gets housing help near Miami, nearest first, age-eligible — through the bot's actions."""
from pathlib import Path

import pytest

from actions.search import ValidateSearchForm
from tests.actions.helpers import run, slots_of, tracker

MIAMI = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "miami-211-hsds-1.1"
pytestmark = pytest.mark.skipif(not MIAMI.exists(), reason="../shared Miami 211 export absent")


@pytest.fixture
def miami_navigator(sessions, monkeypatch, db_url):
    from bot.directory import navigator as nav_mod
    from bot.directory.importer import import_path
    from bot.settings import load_settings

    report = import_path(sessions, MIAMI, progress=False)
    assert report.loaded == 4089
    nav = nav_mod.Navigator(load_settings({"DATABASE_URL": db_url, "NAVIGATOR_TIMEZONE":
                                           "America/New_York"}), sessions)
    import actions.search as search_actions
    monkeypatch.setattr(search_actions, "get_navigator", lambda: nav)
    return nav


def test_young_and_homeless_in_miami(miami_navigator):
    text = "I'm 19 and homeless in Miami"
    events, msgs = run(ValidateSearchForm(), tracker(text, "need_housing",
                                                     active_loop="search_form"))
    # one call: the need, the place and the age from the message, so the form is complete
    # and shows the results
    slots = slots_of(events)
    assert slots["needs"][0] == "housing" and slots["requested_slot"] is None
    assert slots["age"] == 19 and slots["location"] == "Miami"
    ids = slots["result_ids"]
    assert len(ids) == 3 and "somewhere to stay help near Miami" in msgs[0]["text"]
    distances = []
    for sid in ids:
        svc = miami_navigator.service(sid, slots["latitude"], slots["longitude"])
        assert "housing" in svc.needs
        assert (svc.minimum_age or 0) <= 19 <= (svc.maximum_age or 200)
        distances.append(svc.distance_km if svc.distance_km is not None else 1e9)
    assert distances[0] < 10  # local help, not across the state
