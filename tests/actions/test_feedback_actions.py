"""Ratings and tips in the conversation: the forms read stars and text, the comment and the
tip wait for moderation, and a crisis or a new need lets the form go."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import (ActionAskRatingStars, ActionLeaveTip, ActionRateService,
                              ActionRatingDone, ActionTipDone, ValidateRatingForm,
                              ValidateTipForm)
from bot.pathway import pathway
from bot.feedback import reviews
from tests.actions.helpers import results, run, slots_of, tracker

SENDER = "sms-feedback"


def _service(nav) -> str:
    page = nav.search(["food"], 53.7997, -1.5492, 19)
    return page.results[0].id


def _extract(method, text, intent="inform", requested="rating_stars", **slots):
    trk = tracker(text, intent, sender=SENDER, active_loop="rating_form",
                  slots={"requested_slot": requested, **slots})
    d = CollectingDispatcher()
    return asyncio.run(method(d, trk, {})), d.messages


def test_review_on_request_rates_the_newest_referral(navigator):
    events, msgs = run(ActionRateService(), tracker("review", "rate_service", sender=SENDER))
    assert not events and "Which service" in msgs[0]["text"]
    sid = _service(navigator)
    pathway.add_referral(navigator.sessions, SENDER, "food", sid, "Food bank",
                         timedelta(days=3))
    events, _ = run(ActionRateService(), tracker("review", "rate_service", sender=SENDER))
    assert slots_of(events)["rating_service"] == sid
    assert events[-1]["name"] == "rating_form"
    _, msgs = run(ActionAskRatingStars(), tracker("", "", sender=SENDER,
                                                  slots={"rating_service": sid}))
    assert "Would you rate" in msgs[0]["text"] and len(msgs[0]["buttons"]) == 6


def test_the_rating_form_reads_stars_and_the_comment():
    form = ValidateRatingForm()
    assert _extract(form.extract_rating_stars, "4")[0] == {"rating_stars": 4.0}
    assert _extract(form.extract_rating_stars, "four stars")[0] == {"rating_stars": 4.0}
    got, msgs = _extract(form.extract_rating_stars, "great")
    assert got == {"rating_stars": None} and "1 to 5" in msgs[0]["text"]
    assert _extract(form.extract_rating_stars, "i want to die", "crisis")[0] == {}
    assert _extract(form.extract_rating_stars, "need food", "need_food")[0] == {}
    assert _extract(form.extract_rating_stars, "skip", "skip")[0] == {
        "rating_stars": "skipped", "rating_comment": "skipped"}
    got, _ = _extract(form.extract_rating_comment, "ask for Sam", requested="rating_comment")
    assert got == {"rating_comment": "ask for Sam"}
    got, _ = _extract(form.extract_rating_comment, "skip", "skip", requested="rating_comment")
    assert got == {"rating_comment": "skipped"}
    assert _extract(form.extract_rating_stars, "4", requested="rating_comment")[0] == {}


def test_a_rating_is_saved_and_its_comment_waits_for_moderation(navigator):
    sid = _service(navigator)
    trk = tracker("call me on 07700 900123", "inform", sender=SENDER, slots={
        "rating_service": sid, "rating_stars": 4.0,
        "rating_comment": "Kind staff, call me on 07700 900123"})
    events, msgs = run(ActionRatingDone(), trk)
    assert "youth worker has checked it" in msgs[0]["text"]
    assert all(v is None for v in slots_of(events).values())
    [item] = reviews.pending(navigator.sessions)
    assert item.stars == 4 and "07700 900123" not in item.text
    assert reviews.approved_comments(navigator.sessions, sid) == []


def test_skipped_rating_saves_nothing(navigator):
    sid = _service(navigator)
    _, msgs = run(ActionRatingDone(), tracker("skip", "skip", sender=SENDER, slots={
        "rating_service": sid, "rating_stars": "skipped"}))
    assert msgs[0]["text"] == "No problem." and reviews.summaries(navigator.sessions, [sid]) == {}


def test_a_tip_is_asked_for_and_held_for_moderation(navigator):
    sid = _service(navigator)
    events, _ = run(ActionLeaveTip(), tracker("leave a tip", "peer_tip", sender=SENDER,
                                              slots={"last_detail": sid}))
    assert slots_of(events)["tip_service"] == sid and events[-1]["name"] == "tip_form"
    trk = tracker("go early, it gets busy", "inform", sender=SENDER, active_loop="tip_form",
                  slots={"requested_slot": "tip_text"})
    got = asyncio.run(ValidateTipForm().extract_tip_text(CollectingDispatcher(), trk, {}))
    assert got == {"tip_text": "go early, it gets busy"}
    _, msgs = run(ActionTipDone(), tracker("", "", sender=SENDER, slots={
        "tip_service": sid, "tip_text": "go early, it gets busy"}))
    assert "youth worker will check it" in msgs[0]["text"]
    [item] = reviews.pending(navigator.sessions)
    assert item.kind == "tip" and reviews.approved_tips(navigator.sessions, sid) == []


def test_others_see_approved_words_and_the_average_from_three_ratings(navigator):
    from actions.search import ActionServiceDetail
    from bot.accounts import accounts

    sid = _service(navigator)
    s = navigator.sessions
    reviews.rate(s, "yp-1", sid, 5, "They gave me a hot meal")
    reviews.add_tip(s, "yp-2", sid, "Go before 11, it gets busy")
    reviews.add_tip(s, "yp-3", sid, "Rejected tip")
    accounts.add_org(s, "org", "Org")
    worker = accounts.add_worker(s, "w@example.org", "correct horse battery", "org").id
    for item in reviews.pending(s):
        reviews.moderate(s, item.kind, item.id, item.text != "Rejected tip", worker)
    slots = {"location": "Leeds", "latitude": 53.7997, "longitude": -1.5492, "age": 19,
             "needs": ["food"], "current_need": "food"}
    _, msgs = results(tracker("19", "inform", slots=slots))
    assert "young people" not in msgs[0]["text"]  # one rating: no average yet
    reviews.rate(s, "yp-2", sid, 4)
    reviews.rate(s, "yp-3", sid, 3)
    events, msgs = results(tracker("19", "inform", slots=slots))
    assert "4.0★ from 3 young people" in msgs[0]["text"]
    ids = slots_of(events)["result_ids"]
    number = str(ids.index(sid) + 1)
    _, msgs = run(ActionServiceDetail(), tracker(number, "ask_detail", slots={
        **slots, "result_ids": ids}, entities=[{"entity": "result_number", "value": number}]))
    text = msgs[0]["text"]
    assert "4.0★ from 3 young people" in text and '"They gave me a hot meal"' in text
    assert "Tip: Go before 11, it gets busy" in text and "Rejected tip" not in text
    assert msgs[0]["buttons"][0]["payload"] == f'/choose_service{{"result_number":"{number}"}}'
    _, sms = results(tracker("19", "inform", slots=slots, channel="sms"))
    assert "★" not in sms[0]["text"]
