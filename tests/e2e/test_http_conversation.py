"""End to end: the real action server and Rasa server, started by `navigator serve`,
conversing over HTTP (REST channel), then stopped with SIGTERM."""
from __future__ import annotations

import signal
import uuid

import pytest
import yaml

from tests.e2e.conftest import send
from bot.safeguarding import CONCERN, URGENT, assess, model as M
from tests.e2e.conftest import start_servers, texts
from tests.rasa.conftest import ROOT, trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]


@pytest.fixture(scope="module")
def server(tmp_path_factory, trained_model):  # noqa: F811 - pytest fixture injection
    # Youth workers always on duty: out of hours the handoff notice lists helplines (116 123
    # among them), which would make "looking for a youth worker" look like crisis support.
    yield from start_servers(tmp_path_factory.mktemp("e2e"), trained_model, [["setup"]],
                             {"NAVIGATOR_DUTY_HOURS": "always"})


def test_search_conversation_over_http(server):
    sid = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "help you find support" in texts(send(server["url"], sid, "hi"))
    reply = send(server["url"], sid, "i need somewhere to live, my lease ends next month")
    assert "Where are you?" in texts(reply)
    assert "How old are you?" in texts(send(server["url"], sid, "Leeds"))
    results = send(server["url"], sid, "19")
    body = texts(results)
    assert "somewhere to stay help near Leeds" in body and "1. " in body and "3. " in body
    assert "miles away" in body
    more = texts(send(server["url"], sid, "show me more"))
    assert more.startswith("More somewhere to stay help") and "4. " in more
    detail = texts(send(server["url"], sid, "tell me more about the second one"))
    assert "Phone:" in detail and "Hours:" in detail


def test_crisis_in_the_middle_of_a_question(server):
    sid = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "Where are you?" in texts(send(server["url"], sid, "need food"))
    reply = send(server["url"], sid, "been self harming")
    assert "999" in reply[0]["text"] + reply[1]["text"]
    assert "116 123" in texts(reply)
    # The question was closed: the next message is understood afresh.
    assert "Where are you?" in texts(send(server["url"], sid, "need food"))


def test_a_concern_in_the_middle_of_a_question_then_yes_carries_on(server):
    sid = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "Where are you?" in texts(send(server["url"], sid, "need food"))
    asked = send(server["url"], sid, "i keep skipping meals to lose weight and feel dizzy "
                                     "sometimes, im ok though")
    assert "Are you safe right now?" in texts(asked) and "Beat" in texts(asked)
    assert "999" not in texts(asked)  # concern: one line, not the urgent reply
    resumed = texts(send(server["url"], sid, "Yes, I'm safe"))
    assert "Thank you for letting me know" in resumed and "Where are you?" in resumed
    assert "How old are you?" in texts(send(server["url"], sid, "Leeds"))


def test_a_concern_answered_no_gets_urgent_support(server):
    sid = f"e2e-{uuid.uuid4().hex[:8]}"
    asked = texts(send(server["url"], sid, "sometimes i think about not being here but im "
                                           "safe right now"))
    assert "Are you safe right now?" in asked
    reply = texts(send(server["url"], sid, "no"))
    assert "call 999" in reply and "116 123" in reply


def test_near_miss_is_not_crisis(server):
    reply = texts(send(server["url"], f"e2e-{uuid.uuid4().hex[:8]}", "my feet are killing me"))
    assert "116 123" not in reply and "999" not in reply


def test_bad_input_is_answered_not_crashed(server):
    sid = f"e2e-{uuid.uuid4().hex[:8]}"
    assert send(server["url"], sid, "x" * 10_000) is not None
    assert send(server["url"], sid, "😀🙃🔥") is not None
    assert texts(send(server["url"], sid, "what can you do"))


EXPLICIT = yaml.safe_load((ROOT / "tests" / "data" / "crisis_explicit.yml").read_text("utf-8"))
ISSUE_NEAR_MISS = ["my feet are killing me", "dying for a coffee lol"]


def _first_reply(server, text):
    return send(server["url"], f"e2e-{uuid.uuid4().hex[:10]}", text)


def _tier_of_reply(replies):
    """Urgent support: the emergency number and a list of helplines ("- Name: contact"); the
    handoff notice alone also names 999, without helplines (youth workers are on duty here)."""
    first_three = "\n".join(r.get("text") or "" for r in replies[:3])
    if "call 999" in first_three and "\n- " in first_three:
        return URGENT
    return CONCERN if "Are you safe right now?" in first_three else None


def test_explicit_statements_get_urgent_support_first(server):
    """Through the whole pipeline (gate, NLU, CrisisGuard, rules, action), as a first message:
    the emergency number and helplines before anything else, never the privacy notice first."""
    missed = []
    for text in EXPLICIT["urgent"]:
        replies = _first_reply(server, text)
        if _tier_of_reply(replies) != URGENT or "Before we start" in replies[0].get("text", ""):
            missed.append(text)
    assert not missed, missed


def test_the_pipeline_gives_the_detectors_verdict(server):
    """Every message of the project's older sets gets over HTTP the tier the detector gives it
    in-process: urgent support, the safety check, or neither."""
    examples = [e for e in M.load_corpus() if e.writer == "project_issue2"]
    wrong = []
    for e in examples + [M.Example(t, "near_miss", "hyperbole", "", "issue")
                         for t in ISSUE_NEAR_MISS]:
        expected = assess(e.text).tier
        got = _tier_of_reply(_first_reply(server, e.text))
        if got != expected:
            wrong.append((e.text, expected, got))
    assert not wrong, wrong


def test_sigterm_stops_everything(server):
    proc = server["proc"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    out = server["log"].read_text()
    assert "all processes stopped" in out
