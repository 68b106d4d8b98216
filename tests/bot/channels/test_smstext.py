"""SMS text: GSM-7 rewriting, segment counting, splitting, menus and keywords."""
import pytest

from bot.channels.smstext import (is_gsm, keyword, menu_choice, menu_text, number_buttons, pack_sms,
                                  segments, septets, split_sms, to_gsm)


def test_segments_follow_the_gsm_and_ucs2_limits():
    assert [segments("a" * n) for n in (0, 1, 160, 161, 306, 307)] == [0, 1, 1, 2, 2, 3]
    assert septets("€[]") == 6 and segments("€" * 80) == 1 and segments("€" * 81) == 2
    assert segments("é" * 160) == 1  # é is in the GSM alphabet
    assert segments("á" * 70) == 1 and segments("á" * 71) == 2  # á is not: UCS-2
    assert segments("😀" * 35) == 1 and segments("😀" * 36) == 2  # two UTF-16 units each


@pytest.mark.parametrize("text, expected", [
    ("It’s “fine” — really…", 'It\'s "fine" - really...'),
    ("😀 hi 👍🏽 there 🙂.", "hi there."),
    ("Łódź Café\u00a0Zoë", "Lodz Café Zoe"),
    ("naïve façade", "naive facade"),
    ("`quoted´", "'quoted'"),
    ("plain text", "plain text"),
])
def test_to_gsm(text, expected):
    assert to_gsm(text) == expected and is_gsm(expected)


def test_split_on_sentences_and_cap():
    text = "One short sentence here. " * 40
    parts = split_sms(text, max_segments=4)
    assert len(parts) == 4 and all(septets(p) <= 160 for p in parts)
    assert parts[0].endswith("here.") and parts[-1].endswith("...")
    assert split_sms("hello") == ["hello"]


def test_pack_caps_each_message_and_shares_segments():
    assert pack_sms(["Hi.", "How old are you?"]) == ["Hi.\n\nHow old are you?"]
    long = "Words in a sentence go here. " * 30
    parts = pack_sms([long, long, "Last."], max_segments=4)
    assert len(parts) == 8 and parts[-1].endswith("Last.")  # each message capped, none lost
    assert all(segments(p) == 1 and is_gsm(p) for p in parts)


def _detail(n):
    return {"title": f"More about {n}", "payload": f'/ask_detail{{"result_number":"{n}"}}'}


def test_menu_numbers_match_result_numbers():
    items = number_buttons([_detail(4), _detail(5), {"title": "Show more",
                                                     "payload": "/request_more"}])
    assert [n for n, _, _ in items] == [4, 5, 6]
    assert menu_text(items) == "Reply:\n4-5 Details\n6 Show more"
    assert menu_text(number_buttons([{"title": "Skip", "payload": "/skip"}])) == \
        "Reply 1 for Skip"
    assert menu_text(number_buttons([_detail(4)])) == "Reply 4 for details"
    assert [n for n, _, _ in number_buttons([{"title": "x", "payload": "/x"}], [1, 2])] == [3]


@pytest.mark.parametrize("text, n", [("1", 1), (" 2. ", 2), ("two", 2), ("the first one", 1),
                                     ("the second one", 2), ("option 3", 3), ("#4", 4),
                                     ("3rd", 3), ("0", None), ("I'm 19", None),
                                     ("need 2 beds", None), ("", None)])
def test_menu_choice(text, n):
    assert menu_choice(text) == n


@pytest.mark.parametrize("text, kind", [
    ("STOP", "stop"), ("stop", "stop"), (" Stop! ", "stop"), ("stopall", "stop"),
    ("Unsubscribe.", "stop"), ("cancel", "stop"), ("END", "stop"), ("Quit", "stop"),
    ("start", "opt_in"), ("UNSTOP", "opt_in"), ("Yes!", "opt_in"), ("help", "help"),
    ("INFO?", "help"), ("I want to end it", None), ("can't stop crying", None),
    ("stop stop", None), ("stopping", None), ("", None), ("Forget", "forget"),
    ("DELETE.", "forget"), ("forget it", None), ("privacy?", "privacy")])
def test_keywords_only_as_a_whole_message(text, kind):
    assert keyword(text) == kind
