"""Search actions with real Tracker/CollectingDispatcher objects over a temporary DB."""

from actions.safety import ActionCrisisSupport
from actions.search import (ActionMoreResults, ActionServiceDetail,
                            ActionUpdateSearch, ValidateSearchForm)
from bot.safeguarding.models import SafeguardingAlert
from sqlalchemy import select

from tests.actions.helpers import results, run, slots_of, tracker

LEEDS = {"location": "Leeds", "latitude": 53.7997, "longitude": -1.5492}


def start(text: str, intent: str, **kwargs):
    """The search form's first call for a message that states a need (Rasa's FormAction
    calls the validation action when the need rule starts the form)."""
    return run(ValidateSearchForm(), tracker(text, intent, active_loop="search_form", **kwargs))


def test_a_stated_need_starts_a_search_ordered_by_urgency(navigator):
    events, msgs = start("homeless and broke", "need_housing")
    s = slots_of(events)
    assert s["needs"][:2] == ["housing", "money"] and s["current_need"] == "housing"
    assert s["result_ids"] == [] and s["result_offset"] == 0.0
    assert s["need_text"] == "homeless and broke"
    # the form's first question, asked in the same call (no call to an action_ask_*)
    assert "location" not in s and "age" not in s and s["requested_slot"] == "location"
    assert [m["text"] for m in msgs] == ["Where are you? A town, area or postcode is fine."]
    assert msgs[0]["buttons"] == [{"title": "Skip", "payload": "/skip"}]
    assert msgs[0]["custom"] == {"request_location": True}  # Telegram's location button


def test_a_stated_need_takes_channel_coordinates(navigator):
    events, _ = start("need food", "need_food",
                      metadata={"location": {"latitude": 53.38, "longitude": -1.47}})
    s = slots_of(events)
    assert s["needs"] == ["food"]
    assert s["latitude"] == 53.38 and s["location"] == "your location"


def test_a_new_need_naming_another_place_moves_the_search_there(navigator):
    leeds = {"location": "Leeds", "latitude": 53.8, "longitude": -1.55, "age": 19}
    events, _ = start("need food in sheffield", "need_food", slots=leeds)
    s = slots_of(events)
    assert s["needs"] == ["food"]
    assert s["location"] == "Sheffield" and abs(s["latitude"] - 53.38) < 0.1
    events, _ = start("need food", "need_food", slots=leeds)
    s = slots_of(events)
    assert s["needs"] == ["food"]
    # no place named: the one they gave stays (its events only repeat it)
    assert s.get("location", "Leeds") == "Leeds"


def test_a_new_place_wins_over_the_remembered_one_rasa_passes_for_validation(navigator):
    """As Rasa calls the form at its start after an earlier search: the slots already filled
    come as candidates (SlotSet events after the message) and rasa_sdk returns them as they
    were; the place this message names must win, in the slots and in the results."""
    leeds = {"location": "Leeds", "latitude": 53.8, "longitude": -1.55, "age": 19}
    trk = tracker("need food in sheffield", "need_food", slots=leeds, active_loop="search_form",
                  channel="rest")
    trk.events += [{"event": "slot", "name": name, "value": leeds[name]}
                   for name in ("location", "age")]
    events, msgs = run(ValidateSearchForm(), trk)
    placed = [e["value"] for e in events if e.get("name") == "location"]
    assert placed == ["Sheffield"]  # once, and not put back to Leeds
    s = slots_of(events)
    assert abs(s["latitude"] - 53.38) < 0.1 and s["requested_slot"] is None
    assert msgs[0]["text"].startswith("Here's food help near Sheffield")


def test_needs_are_set_once_per_message_and_only_for_a_stated_need(navigator):
    # an answer to the form's question is not a new search
    events, _ = run(ValidateSearchForm(), tracker("Leeds", "inform", slots={
        "requested_slot": "location", "needs": ["food"]}, active_loop="search_form"))
    assert "needs" not in slots_of(events)
    # Rasa calls the action again in the same turn only when the first call returned nothing;
    # were it called again, the needs already set for this message are not set twice
    trk = tracker("need food", "need_food", active_loop="search_form")
    trk.events.append({"event": "slot", "name": "needs", "value": ["food"]})
    events, _ = run(ValidateSearchForm(), trk)
    assert "needs" not in slots_of(events)


def test_a_need_in_the_middle_of_the_form_moves_the_search_to_it(navigator):
    events, _ = run(ValidateSearchForm(), tracker("actually i need food", "need_food", slots={
        "requested_slot": "location", "needs": ["housing"], "current_need": "housing"},
        active_loop="search_form"))
    s = slots_of(events)
    assert s["needs"] == ["food"] and s["current_need"] == "food"


def test_form_fills_place_with_coordinates(navigator):
    trk = tracker("Leeds", "inform", slots={"requested_slot": "location"},
                  active_loop="search_form")
    events, msgs = run(ValidateSearchForm(), trk)
    s = slots_of(events)
    assert s["location"] == "Leeds" and abs(s["latitude"] - 53.8) < 0.1 and s["longitude"]
    assert s["requested_slot"] == "age" and msgs[0]["text"].startswith("How old are you?")
    events, msgs = run(ValidateSearchForm(), tracker("19", "inform", slots={
        "requested_slot": "age", "needs": ["housing"], "current_need": "housing", **LEEDS},
        active_loop="search_form"))
    # complete: nothing more is asked, and the same call shows the results
    s = slots_of(events)
    assert s["requested_slot"] is None and s["age"] == 19 and len(s["result_ids"]) == 3
    assert [m["text"].split("\n")[0] for m in msgs] == ["Here's somewhere to stay help near Leeds:"]


def test_form_unknown_place_asks_again(navigator):
    trk = tracker("asdfgh", "nlu_fallback", slots={"requested_slot": "location"},
                  active_loop="search_form")
    events, msgs = run(ValidateSearchForm(), trk)
    assert slots_of(events)["location"] is None
    assert "couldn't find that place" in msgs[0]["text"]


def test_form_rejects_crisis_so_crisis_rule_runs(navigator):
    trk = tracker("i'm in leeds and i want to die", "crisis",
                  slots={"requested_slot": "location"}, active_loop="search_form")
    events, msgs = run(ValidateSearchForm(), trk)
    # No slot filled, so Rasa's form rejects the message (and drops these events, the question
    # included): the crisis rule answers it.
    assert set(slots_of(events)) == {"requested_slot"}


def test_form_skip_and_age(navigator):
    events, _ = run(ValidateSearchForm(), tracker("skip", "skip", slots={
        "requested_slot": "location"}, active_loop="search_form"))
    assert slots_of(events)["location"] == "skipped"
    events, _ = run(ValidateSearchForm(), tracker("19", "inform", slots={
        "requested_slot": "age", "location": "Leeds"}, active_loop="search_form"))
    assert slots_of(events)["age"] == 19


def test_first_message_fills_both(navigator):
    events, _ = run(ValidateSearchForm(), tracker("I'm 19 and homeless in Leeds",
                                                  "need_housing", active_loop="search_form"))
    s = slots_of(events)
    assert s["age"] == 19 and s["location"] == "Leeds"


def test_search_shows_three_nearest_age_eligible(navigator):
    trk = tracker("19", "inform", slots={**LEEDS, "age": 19, "needs": ["housing"],
                                         "current_need": "housing"})
    events, msgs = results(trk)
    ids = slots_of(events)["result_ids"]
    assert len(ids) == 3
    text = msgs[0]["text"]
    assert text.startswith("Here's somewhere to stay help near Leeds")
    assert "miles away" in text and "Call 0113" in text
    assert any(b["payload"] == "/request_more" for b in msgs[0]["buttons"])
    for sid in ids:
        svc = navigator.service(sid)
        assert "housing" in svc.needs
        assert (svc.minimum_age or 0) <= 19 <= (svc.maximum_age or 200)


def test_search_adds_secondary_need(navigator):
    trk = tracker("x", "inform", slots={**LEEDS, "age": 19, "needs": ["housing", "money"],
                                        "current_need": "housing"})
    _, msgs = results(trk)
    assert len(msgs) == 2 and "You also mentioned money" in msgs[1]["text"]
    assert msgs[1]["buttons"][0]["payload"] == "/need_money"


def test_more_and_detail(navigator):
    base = {**LEEDS, "age": 19, "needs": ["housing"], "current_need": "housing"}
    events, _ = results(tracker("x", "inform", slots=base))
    first = slots_of(events)["result_ids"]
    events, msgs = run(ActionMoreResults(), tracker("more", "request_more",
                                                    slots={**base, "result_ids": first}))
    ids = slots_of(events)["result_ids"]
    assert ids[:3] == first and len(ids) > 3 and msgs[0]["text"].startswith("More ")
    _, msgs = run(ActionServiceDetail(), tracker("tell me about the second one", "ask_detail",
                                                 slots={**base, "result_ids": ids}))
    second = navigator.service(ids[1])
    assert msgs[0]["text"].startswith(second.name) and "Phone:" in msgs[0]["text"]


def test_detail_by_name_or_not_understood(navigator):
    base = {**LEEDS, "age": 19, "needs": ["housing"], "current_need": "housing"}
    events, _ = results(tracker("x", "inform", slots=base))
    ids = slots_of(events)["result_ids"]
    names = navigator.service_names(ids + ["no-such-id"])
    assert set(names) == set(ids)  # an unknown id is left out
    third = names[ids[2]]
    word = max((w for w in third.split() if len(w) >= 4
                and not any(w in names[i] for i in ids[:2])), key=len)
    events, msgs = run(ActionServiceDetail(), tracker(f"what about {word.lower()}", "ask_detail",
                                                      slots={**base, "result_ids": ids}))
    assert msgs[0]["text"].startswith(third) and slots_of(events)["last_detail"] == ids[2]
    _, msgs = run(ActionServiceDetail(), tracker("no idea really", "ask_detail",
                                                 slots={**base, "result_ids": ids}))
    assert msgs[0]["text"].startswith("Which one do you mean?\n1. " + names[ids[0]])


def test_detail_without_results(navigator):
    _, msgs = run(ActionServiceDetail(), tracker("the first one", "ask_detail"))
    assert "haven't shown you any services" in msgs[0]["text"]


def test_bare_number_after_results_is_detail(navigator):
    base = {**LEEDS, "age": 19, "needs": ["food"], "current_need": "food"}
    events, _ = results(tracker("x", "inform", slots=base))
    ids = slots_of(events)["result_ids"]
    _, msgs = run(ActionUpdateSearch(), tracker("2", "inform", slots={**base, "result_ids": ids}))
    assert msgs[0]["text"].startswith(navigator.service(ids[1]).name)


def test_update_search_with_new_place(navigator):
    base = {"age": 19, "needs": ["food"], "current_need": "food"}
    events, msgs = run(ActionUpdateSearch(), tracker("im in sheffield now", "inform", slots=base))
    assert slots_of(events)["location"] == "Sheffield"
    assert "near Sheffield" in msgs[0]["text"]


def test_a_long_message_read_only_as_a_place_searches_its_likely_need(navigator):
    """"Diagnosed with diabetes ... 22, sheffield" read as only a place and age: the bot
    searches health, saying so, instead of asking what the person needs."""
    text = "Got diagnosed with type 1 diabetes last month and struggling to manage it, 22, sheffield"
    events, msgs = run(ActionUpdateSearch(), tracker(text, "inform", ranking=[
        {"name": "inform", "confidence": 0.38}, {"name": "need_money", "confidence": 0.08}]))
    slots = slots_of(events)
    assert slots["current_need"] == "health" and slots["needs"] == ["health"]
    assert slots["location"] == "Sheffield" and slots["age"] == 22
    assert any(e.get("event") == "followup" and e["name"] == "search_form" for e in events)
    assert "help with health" in msgs[0]["text"] and "What do you need" not in msgs[0]["text"]


def test_a_short_or_unplaceable_message_is_still_asked_what_it_needs(navigator):
    for text, ranking in (("im in leeds", []),
                          ("how do i reset my phone it keeps crashing on me all day",
                           [{"name": "need_gambling", "confidence": 0.19}])):
        events, msgs = run(ActionUpdateSearch(), tracker(text, "inform", ranking=ranking))
        assert "current_need" not in slots_of(events)
        assert msgs[-1]["text"].endswith("What do you need help with?") or \
            "didn't catch" in msgs[-1]["text"]


def test_no_results_is_honest(navigator):
    trk = tracker("x", "inform", slots={"age": 99, "needs": ["lgbtq"], "current_need": "lgbtq",
                                        "location": "skipped"})
    _, msgs = results(trk)
    assert "couldn't find" in msgs[0]["text"] and msgs[0]["buttons"]


def test_crisis_action_gives_helplines_and_flags(navigator, sample_sessions):
    trk = tracker("scared of my partner, he threatens me", "crisis", active_loop="search_form",
                  sender="abc123")
    events, msgs = run(ActionCrisisSupport(), trk)
    text = " ".join(m["text"] for m in msgs)
    assert "999" in text and "0808 2000 247" in text
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events if e["event"] == "active_loop"]
    with sample_sessions() as s:
        alert = s.execute(select(SafeguardingAlert)).scalar_one()
    assert alert.sender_key == "abc123" and "partner_violence" in alert.categories
    assert alert.urgency == "urgent" and alert.status == "open"
