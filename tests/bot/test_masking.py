"""``mask_text``: phone numbers and e-mail addresses a young person types are masked for youth
workers; helplines, short codes, postcodes, times, dates, ages, years and amounts are not."""
from __future__ import annotations

import re

import pytest

from bot.masking import BULLET, mask_text


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# (region, text, the personal number or address as typed, its masked form)
MASKED = [
    ("GB", "call me on 07700 900123", "07700 900123", "07••••••123"),
    ("GB", "+44 7700 900123", "+44 7700 900123", "+44•••••••123"),
    ("GB", "my number is +447700900123 x", "+447700900123", "+44•••••••123"),
    ("GB", "+44 (0) 7700 900123", "+44 (0) 7700 900123", "+44•••••••123"),
    ("GB", "0044 7700 900123 is mine", "0044 7700 900123", "+44•••••••123"),
    ("GB", "landline 0113 496 0000", "0113 496 0000", "01••••••000"),
    ("GB", "mums is 020 7946 0958.", "020 7946 0958", "02••••••958"),
    ("GB", "real one 07911123456", "07911123456", "07••••••456"),
    ("GB", "07700.900.123 ok", "07700.900.123", "07••••••123"),
    ("GB", "ring 07700-900-123!!", "07700-900-123", "07••••••123"),
    ("GB", "077 009 001 23", "077 009 001 23", "07••••••123"),
    ("GB", "0 7 7 0 0 9 0 0 1 2 3", "0 7 7 0 0 9 0 0 1 2 3", "07••••••123"),
    ("GB", "📞07700900123📞", "07700900123", "07••••••123"),
    ("GB", "num:07700900123pls", "07700900123", "07••••••123"),
    ("GB", "its 0770090012 i think", "0770090012", "07•••••012"),  # a digit short
    ("GB", "or 077009001234", "077009001234", "07•••••••234"),  # a digit too many
    ("GB", "call 07700 900 123 x12", "07700 900 123 x12", "07••••••123 x••"),
    ("GB", "+65 9123 4567", "+65 9123 4567", "+65•••••567"),
    ("GB", "my us cousin +1 305 555 0123", "+1 305 555 0123", "+1•••••••123"),
    ("GB", "(305) 555-0123", "(305) 555-0123", "30•••••123"),
    ("US", "call (305) 555-0123 tmrw", "(305) 555-0123", "30•••••123"),
    ("US", "305.555.0123", "305.555.0123", "30•••••123"),
    ("SG", "hp 9123 4567", "9123 4567", "•••••567"),
    ("SG", "+65 6123 4567", "+65 6123 4567", "+65•••••567"),
    ("XX", "+44 7700 900123", "+44 7700 900123", "+44•••••••123"),
    ("XX", "07700 900123", "07700 900123", "07••••••123"),
    ("uk", "07700 900123", "07700 900123", "07••••••123"),
    ("GB", "mail jo.bloggs+x@example.com", "jo.bloggs+x@example.com", "j•••@•••.com"),
    ("GB", "MUM.Smith@Mail.co.uk.", "MUM.Smith@Mail.co.uk", "M•••@•••.uk"),
    ("GB", "😀jo@example.com😀", "jo@example.com", "j•••@•••.com"),
    ("GB", "mailto:a_b-c@sub.domain.io", "a_b-c@sub.domain.io", "a•••@•••.io"),
    ("GB", "zoë@exämple.de", "zoë@exämple.de", "z•••@•••.de"),
]


@pytest.mark.parametrize("region, text, personal, masked", MASKED)
def test_personal_numbers_and_addresses_are_masked(region, text, personal, masked):
    out = mask_text(text, region)
    assert personal not in out
    assert out == text.replace(personal, masked)
    if "@" not in personal:
        digits = _digits(personal)
        assert digits[-7:] not in _digits(out)  # never more than the ends


KEPT = [
    "999", "call 999 now", "116 123", "samaritans 116 123 is free", "111", "ring 111",
    "text SHOUT to 85258", "childline 0800 1111", "nspcc 0808 800 5000", "mind 0300 123 3393",
    "0800 068 41 41", "im in LS1 4AP", "postcode M1 1AE or SW1A 1AA", "im 19", "16yo",
    "open 09:00-17:00", "from 9am-5pm", "at 0900", "on 15/01/2024", "on 2024-01-15",
    "born 15.01.2005", "from 15.01.2024 - 20.01.2024", "15.01.2024-20.01.2024",
    "2024-01-15T09:00:00", "15.01.2024 09:00", "i owe £150", "need 1500 by friday",
    "£1,500,000", "in 2024", "2019-2024", "2019 2020 2021", "1500-2000", "room 101",
    "bus 42 then 7", "i have 2 kids aged 3 and 5", "@handle on insta", "foo@bar",
    "name@localhost", "a @ b", "my dad threw me out, where do i go tonight", "",
]


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_personal_stays_readable(text):
    assert mask_text(text, "GB") == text


@pytest.mark.parametrize("region, text", [("US", "call 911 or 988"), ("US", "1-800-273-8255"),
                                          ("US", "555-0123"), ("SG", "995 or 1800 221 4444")])
def test_other_regions_keep_their_short_and_free_numbers(region, text):
    assert mask_text(text, region) == text


def test_several_of_each_in_one_message():
    text = ("hi 😊 im 17, in LS1 4AP. my num 07700 900123 or my mums +44 7700 900456, "
            "email jo.bloggs+x@example.com or jo@work.org. samaritans said 116 123, "
            "open 09:00-17:00 on 15/01/2024, i got £150")
    out = mask_text(text, "GB")
    for personal in ("07700 900123", "7700 900456", "jo.bloggs", "example.com", "jo@work",
                     "work.org", "900123", "900456"):
        assert personal not in out
    assert out == ("hi 😊 im 17, in LS1 4AP. my num 07••••••123 or my mums +44•••••••456, "
                   "email j•••@•••.com or j•••@•••.org. samaritans said 116 123, "
                   "open 09:00-17:00 on 15/01/2024, i got £150")


def test_masking_twice_changes_nothing_more():
    once = mask_text("07700 900123 jo@example.com +65 9123 4567", "GB")
    assert mask_text(once, "GB") == once and once.count(BULLET) > 10


def test_digits_inside_an_address_go_with_the_address():
    out = mask_text("jo07700900123@example.com", "GB")
    assert out == "j•••@•••.com"
