"""Issue 8, acceptance 1: search → choose → the check-in reminder fires (time travelled) →
"they turned me away" → outcome logged, another service offered → rating → moderated → visible.

Rasa runs in this process (the trained model, a SQLite tracker store, Rasa's own scheduler) and
the real action server in a subprocess (`navigator serve --only actions`). Between choosing and
the check-in the Rasa process "restarts": the scheduler and the agent are thrown away, a new
agent is loaded over the same tracker store and ``connectors.reminders.rearm`` schedules the
reminder again from it. Time travel: the re-armed job, due in three days, is moved to now.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List

import pytest

from app.process import wait_ready
from tests.e2e.conftest import free_port, stop_servers
from tests.rasa.conftest import ROOT, rasa_env, trained_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.rasa, pytest.mark.e2e]
BIN = Path(sys.executable).parent
SENDER = "rest-checkin-e2e"


@pytest.fixture(scope="module")
def actions_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("checkin")
    env = rasa_env()
    port = free_port()
    env.update({"DATABASE_URL": f"sqlite:///{tmp / 'app.db'}", "ACTION_SERVER_PORT": str(port),
                "TRACKER_DB": str(tmp / "tracker.db"), "NAVIGATOR_CHECKIN_HOURS": "always",
                "NAVIGATOR_CHECKIN_DAYS": "3", "NAVIGATOR_DUTY_HOURS": "always"})
    done = subprocess.run([str(BIN / "navigator"), "setup"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    log = open(tmp / "actions.log", "wb")
    proc = subprocess.Popen([str(BIN / "navigator"), "serve", "--only", "actions"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    if not wait_ready(f"http://127.0.0.1:{port}/health", 240, [proc]):
        stop_servers(proc)
        pytest.fail("action server did not start:\n" + (tmp / "actions.log").read_text()[-4000:])
    try:
        yield {"url": f"http://127.0.0.1:{port}/webhook", "tmp": tmp, "env": env}
    finally:
        stop_servers(proc)
        log.close()


async def _agent(model: Path, tracker_db: Path, action_url: str):
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import EndpointConfig

    store = SQLTrackerStore(dialect="sqlite", db=str(tracker_db))
    return Agent.load(str(model), tracker_store=store,
                      action_endpoint=EndpointConfig(url=action_url))


async def _say(agent, text: str) -> List[str]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    out = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, out, SENDER, input_channel="rest"))
    return [m.get("text") or "" for m in out.messages]


async def _bot_texts_since(agent, count: int) -> List[str]:
    tracker = await agent.tracker_store.retrieve(SENDER)
    texts = [e.text or "" for e in tracker.events if e.type_name == "bot"]
    return texts[count:]


async def _bot_count(agent) -> int:
    return len(await _bot_texts_since(agent, 0))


def test_search_choose_checkin_turned_away_rating_moderated_visible(actions_server,
                                                                   trained_model):  # noqa: F811 - pytest fixture
    from rasa.core import jobs

    from bot.pathway import pathway
    from bot.feedback import reviews
    from bot.db import session_factory
    from connectors.reminders import rearm

    env, tmp = actions_server["env"], actions_server["tmp"]
    sessions = session_factory(env["DATABASE_URL"])
    tracker_db = tmp / "tracker.db"

    async def conversation() -> None:
        jobs.kill_scheduler()
        agent = await _agent(trained_model, tracker_db, actions_server["url"])
        await _say(agent, "I got kicked out and need somewhere to sleep")
        await _say(agent, "Leeds")
        results = "\n".join(await _say(agent, "19"))
        assert "somewhere to stay help near Leeds" in results and "2. " in results
        chose = "\n".join(await _say(agent, "I'll try 2"))
        assert "added" in chose and "check in" in chose
        [step] = pathway.plan(sessions, SENDER).steps
        job = (await jobs.scheduler()).get_job(f"checkin_{step.id}")
        assert job is not None and (job.next_run_time - datetime.now(timezone.utc)).days >= 2

        # The Rasa process restarts: its scheduler and agent are gone.
        jobs.kill_scheduler()
        agent = await _agent(trained_model, tracker_db, actions_server["url"])
        assert await rearm(agent, sessions) == 1
        job = (await jobs.scheduler()).get_job(f"checkin_{step.id}")
        assert (job.next_run_time - datetime.now(timezone.utc)).days >= 2  # still 3 days away

        # Time travel: three days later.
        before = await _bot_count(agent)
        job.modify(next_run_time=datetime.now(timezone.utc))
        for _ in range(300):
            asked = await _bot_texts_since(agent, before)
            if asked:
                break
            await asyncio.sleep(0.1)
        assert any("How did it go" in t for t in asked), asked

        reply = "\n".join(await _say(agent, "they turned me away"))
        assert "What happened" in reply  # the reason
        reply = "\n".join(await _say(agent, "they were full"))
        [outcome] = pathway.export(sessions, SENDER)["referral_outcomes"]
        assert (outcome["outcome"], outcome["reason"]) == ("turned_away", "full")
        assert "Here are other places" in reply and "1. " in reply
        assert "Would you rate" in reply
        assert "Anything you'd tell" in "\n".join(await _say(agent, "2"))
        assert "Thank you" in "\n".join(await _say(agent, "Ask for Sam at the desk"))
        jobs.kill_scheduler()

    asyncio.run(conversation())
    [item] = reviews.pending(sessions)
    assert item.kind == "comment" and item.text == "Ask for Sam at the desk"
    assert reviews.approved_comments(sessions, item.service_id) == []  # not before moderation
    worker = _worker(sessions)
    reviews.moderate(sessions, "comment", item.id, True, worker)
    assert reviews.approved_comments(sessions, item.service_id) == ["Ask for Sam at the desk"]
    for n, stars in enumerate((3, 5)):  # two more young people rate it: the average shows
        reviews.rate(sessions, f"other-{n}", item.service_id, stars)
    assert reviews.summary(sessions, item.service_id).label() == \
        "3.3★ from 3 young people"


def _worker(sessions) -> int:
    from bot.accounts import accounts

    accounts.add_org(sessions, "youth-org", "Youth Org")
    return accounts.add_worker(sessions, "w@example.org", "correct horse battery", "youth-org").id
