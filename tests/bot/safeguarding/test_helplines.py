"""Help that fits the risk: helplines per kind, region and age, as data."""
import pytest

from bot.safeguarding import helplines as H
from bot.safeguarding.kinds import KINDS
from bot.safeguarding.replies import concern_reply, concern_sms, urgent_reply


@pytest.mark.parametrize("region", ["GB", "US"])
def test_every_kind_has_its_own_line_in_gb_and_us(region):
    rh = H.region_help(region)
    for kind in KINDS:
        assert kind in rh.kinds, (region, kind)
        assert rh.for_kinds([kind])


@pytest.mark.parametrize("region,kind,age,expected", [
    ("GB", "eating_disorder", 20, "Beat"),
    ("GB", "forced_marriage", 19, "Forced Marriage Unit"),
    ("GB", "sexual_assault", 20, "Rape Crisis"),
    ("GB", "partner_violence", 22, "National Domestic Abuse Helpline"),
    ("GB", "exploitation", 17, "Modern Slavery"),
    ("GB", "sextortion", 15, "Report Remove"),
    ("GB", "sextortion", 20, "Revenge Porn Helpline"),
    ("GB", "suicidal_ideation", 20, "Samaritans"),
    ("GB", "unsafe_homelessness", 18, "Centrepoint"),
    ("US", "eating_disorder", 20, "ANAD"),
    ("US", "forced_marriage", 19, "Tahirih"),
    ("US", "sexual_assault", 20, "RAINN"),
    ("US", "partner_violence", 17, "love is respect"),
    ("US", "exploitation", 20, "Human Trafficking"),
    ("US", "sextortion", 15, "Take It Down"),
    ("US", "suicidal_ideation", 20, "988"),
    ("US", "unsafe_homelessness", 17, "Runaway Safeline"),
])
def test_the_most_fitting_line_comes_first(region, kind, age, expected):
    assert expected in H.concern_line(region, [kind], age)
    text = H.urgent_text(region, [kind], age)
    assert expected in text.splitlines()[1]
    assert H.region_help(region).emergency in text.splitlines()[0]


def test_age_limited_lines():
    assert "Report Remove" not in H.urgent_text("GB", ["sextortion"], 20)
    assert "Revenge Porn" not in H.urgent_text("GB", ["sextortion"], 15)
    unknown = H.urgent_text("GB", ["sextortion"])  # age unknown: both routes, labelled
    assert "Report Remove" in unknown and "under 18s" in unknown


def test_unknown_region_and_kind_fall_back():
    assert H.region_help("ZZ").region == "GB"
    assert "Samaritans" in H.urgent_text("GB", ["not_a_kind"])
    assert H.region_help("SG").for_kinds(["eating_disorder"])  # the default lines


def test_data_errors_are_clear():
    with pytest.raises(H.HelplineDataError, match="no such lines"):
        H._region("XX", {"emergency": "1", "lines": {}, "kinds": {"default": ["a"]},
                         "lead": {"default": "x"}})
    with pytest.raises(H.HelplineDataError, match="unknown kind"):
        H._region("XX", {"emergency": "1", "lines": {}, "kinds": {"typo": []},
                         "lead": {"default": "x"}})


def test_urgent_reply_is_worded_for_the_kind_and_not_for_suicide_only():
    abuse = urgent_reply("GB", ["partner_violence"], 20)
    assert "thoughts" not in " ".join(abuse) and "your fault" in abuse[0]
    assert "0808 2000 247" in abuse[1]
    suicide = urgent_reply("GB", ["suicidal_ideation"], 20)
    assert "thoughts" in suicide[1] and "116 123" in suicide[1]


def test_concern_reply_has_one_line_and_the_question():
    text = concern_reply("GB", ["eating_disorder"], 20)
    assert "Are you safe right now?" in text
    assert sum(line.startswith("- ") for line in text.splitlines()) == 1
    assert "Reply YES or NO" in concern_sms("GB", ["eating_disorder"])
