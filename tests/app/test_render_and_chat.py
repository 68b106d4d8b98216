import io
from datetime import datetime

from app.chat import render
from bot.directory.search import ServiceResult
from bot.directory.hours import OpenStatus
from bot.directory.render import detail_text, result_block, results_text


def result(**kw):
    base = dict(id="1", name="Kirkgate Pantry", description="Free food parcels", needs=["food"],
                phone="0113 496 0001", website="https://k.example.org", email=None,
                address="1 Kirkgate, Leeds, LS1 6AB", location_name=None, distance_km=1.6,
                status=OpenStatus("open", until=datetime(2026, 1, 1, 17, 0)), minimum_age=16,
                maximum_age=25, youth=True, eligibility=None)
    base.update(kw)
    return ServiceResult(**base)


def test_result_block_has_name_contact_distance_open():
    text = result_block(1, result())
    assert text.splitlines()[0] == "1. Kirkgate Pantry"
    assert "Call 0113 496 0001" in text and "1.0 miles away" in text
    assert "Open now until 17:00" in text


def test_results_text_paging_note():
    text = results_text("food", [result()], 0, 5, "Leeds")
    assert text.startswith("Here's food help near Leeds:") and "Showing 1 of 5." in text


def test_detail_text_mentions_ages_when_no_eligibility_text():
    text = detail_text(result(application_process="Walk in", fees="Free"))
    assert "Who it's for: ages 16-25" in text and "How to get help: Walk in" in text


def test_chat_render_numbers_buttons():
    out = io.StringIO()
    buttons = render([{"text": "Hi", "buttons": [{"title": "Food", "payload": "/need_food"}]}], out)
    assert buttons[0]["payload"] == "/need_food" and "[1] Food" in out.getvalue()


def test_chat_render_mentions_a_data_export():
    import io

    out = io.StringIO()
    render([{"text": "Here's what we keep"},
            {"custom": {"navigator_export": {"conversation": [{"text": "a"}, {"text": "b"}]}}}],
           out)
    assert "2 lines of conversation" in out.getvalue()
