"""Long first messages: need, place and age understood from one message, over REST.

Each message of a labelled set (JSON lines: ``text``, ``need``, ``place``, ``age``) is sent as
the first message of a new conversation to `navigator serve` over the bundled sample directory.
If the bot first asks whether the writer is safe (the concern tier), the script answers that
they are, as a writer who is would. Then it reads the conversation's slots from Rasa's tracker
API and the bot's replies:

* need right: the need the bot searched first (``current_need``) is the labelled need
  (also reported: the labelled need among everything the bot took from the message);
* place right: the bot's point (``latitude``/``longitude``) is within 15 km of where the
  navigator's own place lookup puts the labelled place name (so the figure measures reading
  the place out of the message, not the gazetteer);
* age right: the ``age`` slot is the labelled age;
* understood: all three right, and the bot asked for none of them;
* asked the need: a reply asked what the person needs ("What do you need help with?") although
  the message stated one. Must be 0.

    .venv/bin/python bench/first_messages.py                      # the held-out set
    .venv/bin/python bench/first_messages.py --messages FILE.jsonl [--show]

Writes bench/out/first_messages.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.relevance import ASKS_AGE, ASKS_NEED, ASKS_PLACE, start  # noqa: E402
from bench.turn_latency import API_TOKEN  # noqa: E402
from bench.turn_latency import send  # noqa: E402
from bot.directory.places import haversine_km  # noqa: E402

MESSAGES = ROOT / "tests" / "data" / "first_messages_heldout.jsonl"
SAMPLE = ROOT / "bot" / "resources" / "sample_directory.json"
PLACE_KM = 15.0


def converse(url: str, text: str) -> dict:
    """The first message (and "yes" to a safety check); the slots and what the bot asked."""
    sender = f"first-{uuid.uuid4().hex[:10]}"
    replies = send(url, sender, text, timeout=60)
    bodies = [" ".join(r.get("text") or "" for r in replies)]
    safe_asked = False
    if "Are you safe right now?" in bodies[0]:
        safe_asked = True
        replies = send(url, sender, "Yes, I'm safe", timeout=60)
        bodies.append(" ".join(r.get("text") or "" for r in replies))
    slots = httpx.get(f"{url}/conversations/{sender}/tracker", params={"token": API_TOKEN},
                      timeout=30).json().get("slots", {})
    body = " ".join(bodies)
    return {"slots": {k: slots.get(k) for k in ("current_need", "needs", "location", "latitude",
                                                  "longitude", "age")},
            "asked_place": ASKS_PLACE in body, "asked_age": ASKS_AGE in body,
            "asked_need": any(a in body for a in ASKS_NEED), "safety_check": safe_asked}


def place_point(url: str, name: str, cache: Dict[str, Optional[tuple]]) -> Optional[tuple]:
    """Where the navigator puts a place name said on its own (the label's point)."""
    if name not in cache:
        sender = f"place-{uuid.uuid4().hex[:10]}"
        send(url, sender, "i need food", timeout=60)
        send(url, sender, name, timeout=60)
        slots = httpx.get(f"{url}/conversations/{sender}/tracker", params={"token": API_TOKEN},
                          timeout=30).json().get("slots", {})
        lat, lon = slots.get("latitude"), slots.get("longitude")
        cache[name] = (lat, lon) if lat is not None and lon is not None else None
    return cache[name]


def judge(row: dict, got: dict, label_point: Optional[tuple]) -> dict:
    s = got["slots"]
    need_ok = s.get("current_need") == row["need"]
    need_any = row["need"] in (s.get("needs") or []) or need_ok
    place_ok = (label_point is not None and s.get("latitude") is not None
                and haversine_km(label_point[0], label_point[1], float(s["latitude"]),
                                 float(s["longitude"])) <= PLACE_KM)
    try:
        age_ok = s.get("age") is not None and int(float(s["age"])) == int(row["age"])
    except (TypeError, ValueError):
        age_ok = False
    understood = (need_ok and place_ok and age_ok and not got["asked_place"]
                  and not got["asked_age"] and not got["asked_need"])
    return {"need": need_ok, "need_any": need_any, "place": place_ok, "age": age_ok,
            "understood": understood, "asked_need": got["asked_need"],
            "asked_again": got["asked_place"] or got["asked_age"],
            "label_place_unknown": label_point is None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=Path, default=MESSAGES)
    ap.add_argument("--show", action="store_true", help="print every message not understood")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.messages.read_text("utf-8").splitlines()
            if line.strip()]
    results: List[dict] = []
    with tempfile.TemporaryDirectory() as d:
        proc, url = start(Path(d), SAMPLE)
        try:
            t0 = time.time()
            points: Dict[str, Optional[tuple]] = {}
            for row in rows:
                got = converse(url, row["text"])
                verdict = judge(row, got, place_point(url, row["place"], points))
                results.append({"text": row["text"], "label": {k: row[k] for k in (
                    "need", "place", "age")}, **verdict, "slots": got["slots"]})
            seconds = round(time.time() - t0, 1)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    n = len(results)
    share = {k: round(sum(r[k] for r in results) / max(1, n), 3)
             for k in ("understood", "need", "need_any", "place", "age")}
    out = {"messages": n, **share,
           "asked_need": sum(r["asked_need"] for r in results),
           "asked_again": sum(r["asked_again"] for r in results),
           "label_place_unknown": sorted({r["label"]["place"] for r in results
                                          if r["label_place_unknown"]}),
           "seconds": seconds, "source": args.messages.name, "results": results}
    print(f"{args.messages.name}: understood {share['understood']:.3f} of {n} (need "
          f"{share['need']:.3f}, among needs {share['need_any']:.3f}, place {share['place']:.3f},"
          f" age {share['age']:.3f}); asked the need {out['asked_need']}, asked place or age "
          f"again {out['asked_again']}")
    if out["label_place_unknown"]:
        print("labelled places the navigator does not know:", ", ".join(out["label_place_unknown"]))
    if args.show:
        for r in results:
            if not r["understood"]:
                wrong = [k for k in ("need", "place", "age") if not r[k]]
                print(f"  [{','.join(wrong) or 'asked'}] {r['text'][:110]!r} -> "
                      f"{r['slots'].get('current_need')}, {r['slots'].get('location')}, "
                      f"{r['slots'].get('age')} (label {r['label']['need']}, {r['label']['place']}, "
                      f"{r['label']['age']})")
    dest = ROOT / "bench" / "out" / "first_messages.json"
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(json.dumps(out, indent=1), "utf-8")


if __name__ == "__main__":
    main()
