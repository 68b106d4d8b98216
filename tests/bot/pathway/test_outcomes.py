"""The open outcomes framework (bot.pathway.outcomes): the bundled file and clear errors on bad ones."""
from __future__ import annotations

import copy

import pytest
import yaml

from bot.pathway import outcomes
from bot.directory.needs import need_codes


@pytest.fixture
def raw():
    """The bundled framework as parsed YAML (a fresh copy to break)."""
    from importlib import resources

    text = resources.files("bot.resources").joinpath("outcomes.yml").read_text("utf-8")
    return copy.deepcopy(yaml.safe_load(text))


def test_bundled_framework_loads_with_version_and_licence():
    fw = outcomes.framework()
    assert outcomes.framework_version() == fw.version == "1.0.0"
    assert "CC BY 4.0" in fw.licence and fw.name


def test_every_need_has_two_to_four_defined_outcomes():
    fw = outcomes.framework()
    assert set(fw.needs) == set(need_codes()) and len(need_codes()) == 20
    # the twelve needs have their own outcomes; a sub-need shares its broader need's
    assert outcomes.outcome_codes("gambling") == outcomes.outcome_codes("mental_health")
    assert outcomes.outcome_codes("sexual_health") == outcomes.outcome_codes("health")
    for need in need_codes():
        codes = outcomes.outcome_codes(need)
        assert 2 <= len(codes) <= 4, need
        assert all(c.definition.endswith(".") and len(c.definition) > 20 for c in fw.needs[need])
    assert "secured_emergency_accommodation" in outcomes.outcome_codes("housing")
    assert "secured_settled_accommodation" in outcomes.outcome_codes("housing")


def test_checkin_answers_and_reasons():
    assert outcomes.checkin_codes() == ["reached", "got_help", "turned_away", "still_waiting",
                                        "did_not_go"]
    assert outcomes.reason_codes() == ["full", "not_eligible", "closed", "no_answer", "other"]
    assert all(c.label for c in outcomes.framework().checkin + outcomes.framework().reasons)


def test_unknown_need_is_an_error():
    with pytest.raises(outcomes.FrameworkError, match="unknown need"):
        outcomes.outcome_codes("unicorns")


def _breaks(raw, match):
    with pytest.raises(outcomes.FrameworkError, match=match):
        outcomes.parse(raw, "test.yml")


def test_bad_version(raw):
    raw["version"] = 1.0
    _breaks(raw, "semantic version")


def test_missing_licence(raw):
    del raw["licence"]
    _breaks(raw, "licence is missing")


def test_missing_need(raw):
    del raw["needs"]["food"]
    _breaks(raw, r"missing: \['food'\]")


def test_unknown_need(raw):
    raw["needs"]["unicorns"] = raw["needs"]["food"]
    _breaks(raw, r"unknown: \['unicorns'\]")


def test_too_few_and_too_many_outcomes(raw):
    raw["needs"]["food"] = raw["needs"]["food"][:1]
    _breaks(raw, "needs.food has 1 outcomes")
    raw["needs"]["food"] = [{"code": f"food_{i}", "definition": "x."} for i in range(5)]
    _breaks(raw, "needs.food has 5 outcomes")


def test_outcome_without_definition(raw):
    raw["needs"]["housing"][0]["definition"] = "  "
    _breaks(raw, "has no definition")


def test_bad_and_duplicate_codes(raw):
    raw["needs"]["housing"][0]["code"] = "Secured Accommodation"
    _breaks(raw, "bad code")
    raw["needs"]["housing"][0]["code"] = raw["needs"]["food"][0]["code"]
    _breaks(raw, "more than once")


def test_missing_checkin_answer_and_reason(raw):
    broken = copy.deepcopy(raw)
    broken["checkin"] = [c for c in broken["checkin"] if c["code"] != "did_not_go"]
    _breaks(broken, r"checkin lacks \['did_not_go'\]")
    turned = next(c for c in raw["checkin"] if c["code"] == "turned_away")
    turned["reasons"] = [r for r in turned["reasons"] if r["code"] != "full"]
    _breaks(raw, r"reasons lack \['full'\]")


def test_checkin_answer_without_label(raw):
    del raw["checkin"][0]["label"]
    _breaks(raw, "has no label")


def test_bad_files(tmp_path):
    with pytest.raises(outcomes.FrameworkError, match="cannot be read"):
        outcomes.load(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("version: [1\n")
    with pytest.raises(outcomes.FrameworkError, match="not valid YAML"):
        outcomes.load(bad)
    bad.write_text("- just a list\n")
    with pytest.raises(outcomes.FrameworkError, match="bad.yml: expected a mapping"):
        outcomes.load(bad)


def test_a_good_file_from_disk(tmp_path, raw):
    raw["version"] = "1.1.0"
    path = tmp_path / "fw.yml"
    path.write_text(yaml.safe_dump(raw))
    assert outcomes.load(path).version == "1.1.0"
