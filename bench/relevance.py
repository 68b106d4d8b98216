"""Search relevance as a young person meets it: first messages over REST, top 3 judged by hand.

Imports a directory into a fresh database (`navigator db upgrade` + `navigator import`), starts
`navigator serve`, and sends each query of a judged set as a first message. When the bot asks
for the place or the age the script answers as the writer would (the query's `place` / `age`),
and it records that it was asked. The top 3 services shown (the conversation's `result_ids`,
read from Rasa's tracker API) are scored against the judgments:

* P@3: the share of the services shown first (at most 3) that are relevant (grade >= 1, or >= 2
  with --strict) and not ineligible; a query answered with no service counts 1 when the
  judges found nothing relevant in the whole directory (saying so is then the right answer),
  else 0. The bot shows fewer than 3 when the others fit far worse (bot/directory/search.py).
  Also reported: P@3 over 3 (fewer than 3 shown counts the missing ones as not relevant);
* ineligible: services in a top 3 that the judge marked ineligible for the writer's age;
* asked again: queries where the bot asked for something the message already said.

    .venv/bin/python bench/relevance.py                       # this checkout
    .venv/bin/python bench/relevance.py --ref f13c396         # + a git commit, same run
    .venv/bin/python bench/relevance.py --directory FILE --queries Q.yml --judgments J.yml

Needs `../shared` for the default directory (skips with a message without it). Writes
bench/out/relevance.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.turn_latency import API_TOKEN, env, free_port, navigator_cmd  # noqa: E402
from bench.turn_latency import send  # noqa: E402
from app.process import wait_ready  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets" / "oruk-north-lincolnshire-2024" / "services.json"
QUERIES = ROOT / "tests" / "data" / "relevance" / "north_lincs_queries.yml"
JUDGMENTS = ROOT / "tests" / "data" / "relevance" / "north_lincs_judgments.yml"
ASKS_PLACE, ASKS_AGE = "Where are you?", "How old are you?"
ASKS_NEED = ("What do you need help with?", "Sorry, I didn't get that", "What would you like me "
             "to look for?")


def start(tmp: Path, directory: Path, root: Path = ROOT, name: str = "nav"):
    """`navigator serve` from ``root`` over a database holding only ``directory``."""
    e = env()
    e.update({"DATABASE_URL": f"sqlite:///{tmp / (name + '.db')}",
              "TRACKER_DB": str(tmp / f"{name}-t.db"), "RASA_PORT": str(free_port()),
              "ACTION_SERVER_PORT": str(free_port()), "NAVIGATOR_DUTY_HOURS": "always"})
    if root != ROOT:
        e.update({"PYTHONPATH": str(root), "MODEL_DIR": str(root / "models")})
        subprocess.run([*navigator_cmd(root), "train"], cwd=root, env=e, check=True,
                       capture_output=True)
    for args in (["db", "upgrade"], ["import", str(directory)]):
        done = subprocess.run([*navigator_cmd(root), *args], cwd=root, env=e,
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"navigator {' '.join(args)} failed: {done.stderr[-2000:]}")
    proc = subprocess.Popen([*navigator_cmd(root), "serve"], cwd=root, env=e,
                            stdout=open(tmp / f"{name}.log", "wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{e['RASA_PORT']}"
    if not wait_ready(f"{url}/status?token={API_TOKEN}", 300, [proc]):
        raise SystemExit(f"navigator did not start; see {tmp / (name + '.log')}")
    return proc, url


def converse(url: str, query: dict, age: Optional[int], place: Optional[str]) -> dict:
    """One first message, answering the place and age questions; what was shown and asked."""
    sender = f"rel-{uuid.uuid4().hex[:10]}"
    asked: List[str] = []
    replies = send(url, sender, query["text"], timeout=60)
    for _ in range(4):
        body = " ".join(r.get("text") or "" for r in replies)
        if "Are you safe right now?" in body:  # the concern tier's check: they are safe
            asked.append("safe")
            replies = send(url, sender, "Yes, I'm safe", timeout=60)
        elif ASKS_PLACE in body and place:
            asked.append("place")
            replies = send(url, sender, query.get("place") or place, timeout=60)
        elif ASKS_AGE in body and age is not None:
            asked.append("age")
            replies = send(url, sender, str(query.get("age") or age), timeout=60)
        else:
            break
    body = " ".join(r.get("text") or "" for r in replies)
    tracker = httpx.get(f"{url}/conversations/{sender}/tracker", params={"token": API_TOKEN},
                        timeout=30).json()
    slots = tracker.get("slots") or {}
    shown = list(slots.get("result_ids") or [])[:3]
    return {"id": query["id"], "shown": shown, "asked": asked,
            "asked_need": any(a in body for a in ASKS_NEED) and not shown,
            "slots": {k: slots.get(k) for k in ("current_need", "needs", "need_text", "location",
                                                "latitude", "longitude", "age")}}


def score(runs: List[dict], judgments: Dict[str, list], strict: bool) -> dict:
    per = []
    cut = 2 if strict else 1
    for run in runs:
        graded = {j["id"]: j for j in judgments.get(run["id"]) or []}
        good = sum(1 for sid in run["shown"]
                   if graded.get(sid, {}).get("grade", 0) >= cut
                   and graded[sid].get("eligible", "yes") != "no")
        bad = [sid for sid in run["shown"] if graded.get(sid, {}).get("eligible") == "no"]
        exists = any(j.get("grade", 0) >= cut and j.get("eligible", "yes") != "no"
                     for j in graded.values())
        precision = good / len(run["shown"]) if run["shown"] else float(not exists)
        per.append({**run, "relevant": good, "p_at_3": precision, "p_over_3": good / 3,
                    "ineligible": bad, "relevant_exists": exists})
    return {"p_at_3": round(sum(p["p_at_3"] for p in per) / max(1, len(per)), 3),
            "p_over_3": round(sum(p["p_over_3"] for p in per) / max(1, len(per)), 3),
            "ineligible_in_top3": sum(len(p["ineligible"]) for p in per),
            "asked_again": sum(1 for p in per if set(p["asked"]) - {"safe"}),
            "no_results": sum(1 for p in per if not p["shown"]), "queries": per}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--directory", type=Path, default=SHARED)
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--judgments", type=Path, default=JUDGMENTS)
    ap.add_argument("--ref", help="also measure the navigator at this git commit")
    ap.add_argument("--strict", action="store_true", help="count grade 2 only as relevant")
    args = ap.parse_args()
    if not args.directory.exists():
        raise SystemExit(f"{args.directory} not found (../shared is needed for the default)")
    qdoc = yaml.safe_load(args.queries.read_text("utf-8"))
    judgments = (yaml.safe_load(args.judgments.read_text("utf-8")) or {})["queries"]
    age, place = qdoc.get("age"), qdoc.get("place", "Scunthorpe")
    out: Dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bots = [("this checkout", lambda: start(tmp, args.directory))]
        if args.ref:
            tree = tmp / "ref"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.ref],
                           cwd=ROOT, check=True, capture_output=True)
            bots.append((args.ref, lambda: start(tmp, args.directory, tree, "ref")))
        try:
            for name, starter in bots:
                proc, url = starter()
                try:
                    t0 = time.time()
                    runs = [converse(url, q, age, place) for q in qdoc["queries"]]
                    out[name] = score(runs, judgments, args.strict)
                    out[name]["seconds"] = round(time.time() - t0, 1)
                finally:
                    proc.terminate()
                    proc.wait(timeout=60)
        finally:
            if args.ref:
                subprocess.run(["git", "worktree", "remove", "--force", str(tmp / "ref")],
                               cwd=ROOT, capture_output=True)
    for name, res in out.items():
        print(f"{name}: P@3 {res['p_at_3']:.3f} ({'strict' if args.strict else 'grade >= 1'}; "
              f"over 3: {res['p_over_3']:.3f}), "
              f"{res['ineligible_in_top3']} ineligible in a top 3, {res['asked_again']} asked "
              f"again, {res['no_results']} without results")
        for q in res["queries"]:
            asked = " ASKED " + ",".join(q["asked"]) if q["asked"] else ""
            bad = f" INELIGIBLE {len(q['ineligible'])}" if q["ineligible"] else ""
            none = " (nothing relevant in the directory)" if not q["relevant_exists"] else ""
            print(f"  {q['id']}: {q['relevant']}/{len(q['shown'])} relevant{asked}{bad}"
                  f"{' NO RESULTS' if not q['shown'] else ''}{none}")
    dest = ROOT / "bench" / "out" / "relevance.json"
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(json.dumps(out, indent=1), "utf-8")


if __name__ == "__main__":
    main()
