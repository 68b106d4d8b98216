"""Search actions pick compact texts for SMS: a result in about one segment."""
from actions.search import ActionMoreResults, ActionServiceDetail
from bot.directory.render import short_address
from bot.channels.smstext import is_gsm, segments, split_sms, to_gsm

from tests.actions.helpers import results, run, slots_of, tracker

LEEDS = {"location": "Leeds", "latitude": 53.7997, "longitude": -1.5492}


def _search(channel):
    trk = tracker("19", "inform", slots={**LEEDS, "needs": ["housing", "money"],
                                         "current_need": "housing", "age": 19}, channel=channel)
    return results(trk)


def test_sms_results_are_compact_one_segment_per_result(navigator):
    events, msgs = _search("sms")
    _, full = _search("rest")
    text = msgs[0]["text"]
    assert text.startswith("Somewhere to stay help near Leeds:") and "1. " in text
    assert len(text) < len(full[0]["text"]) / 1.5
    assert msgs[0]["buttons"] == full[0]["buttons"]  # same choices, shown as a numbered menu
    blocks = text.split("\n\n")
    assert len(blocks) == 3 and all(segments(to_gsm(b)) == 1 for b in blocks)
    assert "miles away" not in text and "mi" in text
    parts = split_sms(to_gsm(text))
    assert len(parts) <= 4 and all(segments(p) == 1 for p in parts)
    assert msgs[1]["text"].startswith("For money:") and segments(msgs[1]["text"]) == 1
    assert slots_of(events)["result_ids"]


def test_sms_more_and_detail(navigator):
    events, _ = _search("sms")
    ids = slots_of(events)["result_ids"]
    slots = {**LEEDS, "current_need": "housing", "age": 19, "result_ids": ids}
    _, more = run(ActionMoreResults(), tracker("more", "request_more", slots=slots,
                                               channel="sms"))
    assert more[0]["text"].startswith("More somewhere to stay help") and "4. " in more[0]["text"]
    _, detail = run(ActionServiceDetail(), tracker("2", "ask_detail", slots=slots,
                                                   entities=[{"entity": "result_number",
                                                              "value": "2"}], channel="sms"))
    text = detail[0]["text"]
    assert "Call " in text and is_gsm(to_gsm(text)) and segments(to_gsm(text)) <= 3
    _, full = run(ActionServiceDetail(), tracker("2", "ask_detail", slots=slots,
                                                 entities=[{"entity": "result_number",
                                                            "value": "2"}]))
    assert "Phone:" in full[0]["text"] and len(text) < len(full[0]["text"])


def test_short_address():
    assert short_address("7 Calder Row, Leeds, LS2 7EW") == "7 Calder Row, LS2 7EW"
    assert short_address("Leeds, LS2") == "Leeds, LS2" and short_address(None) is None
