"""SMS cost: segments the navigator's SMS channel sends, next to Rasa's built-in Twilio channel.

Replays every conversation in tests/test_stories.yml (the user's words, in order, a fresh phone
per story) against the real servers (`navigator serve`, trained model, sample directory):

* through the SMS channel (connectors/sms.py), signed webhooks in, replies recorded by a fake
  Twilio REST API: exactly what would be sent and billed;
* over the REST channel, collecting the bot's responses (text + buttons) and formatting them the
  way Rasa's built-in ``twilio`` channel sends them: the text cut on blank lines, one SMS per
  part, then one SMS per button ("1: Food (/need_food)"), characters unchanged (any character
  outside GSM-7 makes that SMS UCS-2).

    .venv/bin/python bench/sms_segments.py

Prints a Markdown table and writes bench/out/sms_segments.json.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.conftest import send  # noqa: E402 - the test servers' REST token
from bot.channels.smstext import is_gsm, segments  # noqa: E402
from tests.e2e.conftest import start_servers  # noqa: E402
from tests.e2e.test_sms_conversation import Phone, _env  # noqa: E402
from tests.connectors.fake_twilio import FakeTwilioServer  # noqa: E402


def conversations() -> List[List[str]]:
    """The user's messages of every test story, in order."""
    data = yaml.safe_load((ROOT / "tests" / "test_stories.yml").read_text("utf-8"))
    return [[step["user"].strip() for step in story["steps"] if "user" in step]
            for story in data["stories"]]


def builtin_sms(response: dict) -> List[str]:
    """What rasa.core.channels.twilio.TwilioOutput sends for one bot response."""
    out = [p for p in (response.get("text") or "").strip().split("\n\n")]
    for idx, b in enumerate(response.get("buttons") or []):
        out.append(f"{idx}: {b.get('title', '')} ({b.get('payload')})")
    return out


def pct(values: List[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(per_sms: List[int], per_turn: List[int], per_conv: List[int], ucs2: int) -> dict:
    return {"sms": len(per_sms), "segments": sum(per_sms),
            "segments_per_sms": {"median": statistics.median(per_sms), "p95": pct(per_sms, .95),
                                 "max": max(per_sms)},
            "ucs2_share": ucs2 / len(per_sms),
            "segments_per_turn": {"median": statistics.median(per_turn),
                                  "p95": pct(per_turn, .95), "max": max(per_turn)},
            "segments_per_conversation": {"median": statistics.median(per_conv),
                                          "mean": round(statistics.mean(per_conv), 1),
                                          "max": max(per_conv)}}


def main() -> None:
    convs = conversations()
    twilio = FakeTwilioServer()
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    tmp = Path(tempfile.mkdtemp(prefix="sms-bench-"))
    servers = start_servers(tmp, models[-1], [["setup"]], _env(twilio))
    server = next(servers)
    ours: Dict[str, list] = {"sms": [], "turn": [], "conv": [], "ucs2": 0}
    base: Dict[str, list] = {"sms": [], "turn": [], "conv": [], "ucs2": 0}
    samples: List[List[str]] = []
    t0 = time.perf_counter()
    try:
        for i, conv in enumerate(convs):
            phone = Phone(server, twilio, number=f"+4477009{i:05d}")
            rest_sender = f"bench-{uuid.uuid4().hex[:8]}"
            conv_ours = conv_base = 0
            for text in conv:
                sent = phone.text(text, quiet=1.0)
                segs = [segments(b) for b in sent]
                ours["sms"] += segs
                ours["ucs2"] += sum(not is_gsm(b) for b in sent)
                ours["turn"].append(sum(segs))
                conv_ours += sum(segs)
                if i == 0:
                    samples.append([f"> {text}"] + sent)
                builtin = [m for r in send(server["url"], rest_sender, text, timeout=60) or []
                           for m in builtin_sms(r)]
                bsegs = [segments(m) for m in builtin]
                base["sms"] += bsegs
                base["ucs2"] += sum(not is_gsm(m) for m in builtin)
                base["turn"].append(sum(bsegs))
                conv_base += sum(bsegs)
            ours["conv"].append(conv_ours)
            base["conv"].append(conv_base)
    finally:
        servers.close()
        twilio.close()
    result = {"conversations": len(convs), "turns": len(ours["turn"]),
              "navigator_sms": summary(ours["sms"], ours["turn"], ours["conv"], ours["ucs2"]),
              "rasa_builtin_twilio": summary(base["sms"], base["turn"], base["conv"],
                                             base["ucs2"]),
              "seconds": round(time.perf_counter() - t0, 1), "sample": samples}
    result["segment_ratio"] = round(result["navigator_sms"]["segments"]
                                    / result["rasa_builtin_twilio"]["segments"], 3)
    out = ROOT / "bench" / "out" / "sms_segments.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), "utf-8")
    n, b = result["navigator_sms"], result["rasa_builtin_twilio"]
    rows = [("SMS sent", n["sms"], b["sms"]), ("segments billed", n["segments"], b["segments"])]
    for key in ("median", "p95", "max"):
        rows.append((f"segments per SMS, {key}", n["segments_per_sms"][key],
                     b["segments_per_sms"][key]))
    rows.append(("UCS-2 share", f"{n['ucs2_share']:.1%}", f"{b['ucs2_share']:.1%}"))
    for key in ("median", "p95", "max"):
        rows.append((f"segments per turn, {key}", n["segments_per_turn"][key],
                     b["segments_per_turn"][key]))
    for key in ("median", "mean", "max"):
        rows.append((f"segments per conversation, {key}", n["segments_per_conversation"][key],
                     b["segments_per_conversation"][key]))
    print(f"{len(convs)} conversations, {len(ours['turn'])} turns, ratio "
          f"{result['segment_ratio']}")
    print("| figure | navigator SMS | Rasa built-in twilio |\n|---|---|---|")
    for name, x, y in rows:
        print(f"| {name} | {x} | {y} |")


if __name__ == "__main__":
    main()
