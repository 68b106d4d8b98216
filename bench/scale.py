"""Directory scale benchmark: import N services, then time need + words + proximity + age +
open-now searches, on SQLite or PostgreSQL.

    .venv/bin/python bench/scale.py --services 100000 [--source FILE_OR_DATAPACKAGE]
        [--skip-search] [--profile FILE.prof] [--postgres URL]

Each search carries a young person's words for its need ("cant stop betting on slots", "need
somewhere to stay tonight"), so the full-text index (bot/directory/fulltext.py) is part of
every timed search, as in the bot. ``--postgres URL`` (a server URL, e.g.
postgresql://root@localhost:5432/postgres) runs the same in a fresh database there, dropped
afterwards.

``--skip-search`` stops after the import (the import figure only); ``--profile`` writes a
cProfile of the timed loader calls only (view it with ``python -m pstats FILE.prof``).

The source (default: the bundled sample directory) is replicated with fresh ids and coordinates
jittered by up to ~5 km until N services exist; the import goes through the same loader as
`navigator import`, and search through the same code the bot uses.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from bot.db import make_engine  # noqa: E402
from bot.directory import fulltext  # noqa: E402
from bot.directory.index import after_import  # noqa: E402
from bot.directory.loader import load_services, read_services_file, sample_directory_path  # noqa: E402
from bot.directory.search import SearchQuery, search  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from bot.directory.needs import need_codes  # noqa: E402

NS = uuid.UUID("7d7c0c3e-2b9a-4b1e-9a43-2f6d3b1f0b10")
# What a young person might say for each need (the words go through the full-text search).
WORDS = {
    "housing": ["need somewhere to stay tonight", "kicked out and sofa surfing, need a hostel"],
    "food": ["no food till payday, is there a food bank", "need a free meal"],
    "money": ["in debt and my universal credit got sanctioned", "skint, need help with bills"],
    "work": ["looking for a job or apprenticeship, help with my cv"],
    "education": ["want to go back to college for english and maths"],
    "mental_health": ["feeling anxious and low, any free counselling"],
    "health": ["need to register with a gp and a dentist"],
    "substance_use": ["drinking too much and using coke at weekends"],
    "family": ["arguing with my parents all the time"],
    "legal": ["my landlord is evicting me, need legal advice"],
    "lgbtq": ["im gay and want an lgbt group"],
    "sexual_health": ["need an sti test and contraception"],
    "eating": ["i binge and make myself sick"],
    "gambling": ["cant stop betting on slots"],
    "carers": ["i look after my mum, young carers group"],
    "care_leavers": ["left care last year, care leavers support"],
    "immigration": ["my visa runs out, need immigration advice"],
    "domestic_abuse": ["my ex used to hit me, want support"],
    "loneliness": ["so lonely, any youth clubs to meet people"],
}


def _fresh_ids(obj, copy_no: int):
    """Give every nested object a new deterministic id (shared term ids are kept)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in ("taxonomy_term", "taxonomy_term_id"):
                out[k] = v
            elif k in ("id", "link_id", "organization_id") and isinstance(v, str):
                out[k] = str(uuid.uuid5(NS, f"{copy_no}:{v}"))
            else:
                out[k] = _fresh_ids(v, copy_no)
        return out
    if isinstance(obj, list):
        return [_fresh_ids(v, copy_no) for v in obj]
    return obj


def replicate(records, n: int, rng: random.Random):
    """Yield ``n`` services: copies of ``records`` with new ids and jittered coordinates."""
    i = 0
    while True:
        for rec in records:
            if i >= n:
                return
            copy_no = i // len(records)
            new = _fresh_ids(rec, copy_no) if copy_no else copy.deepcopy(rec)
            for sal in new.get("service_at_locations") or []:
                loc = sal.get("location") or {}
                if copy_no and loc.get("latitude") is not None:
                    loc["latitude"] += rng.uniform(-0.045, 0.045)
                    loc["longitude"] += rng.uniform(-0.07, 0.07)
            yield new
            i += 1


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def _timed_load(session_cls, batch, prof, import_s: float, loaded: int):
    """Load one batch in its own transaction; only this is timed (and profiled)."""
    t0 = time.perf_counter()
    if prof is not None:
        prof.enable()
    with session_cls() as s, s.begin():
        loaded += load_services(s, batch).loaded
    if prof is not None:
        prof.disable()
    return import_s + time.perf_counter() - t0, loaded


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--source", default=str(sample_directory_path()))
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--skip-search", action="store_true", help="time the import only")
    ap.add_argument("--warmup", type=int, default=20,
                    help="searches run first and not timed (520: every term counted once)")
    ap.add_argument("--profile", metavar="FILE", help="cProfile the loader calls into FILE")
    ap.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a fresh database)")
    ap.add_argument("--reuse", metavar="FILE", type=Path,
                    help="SQLite file kept between runs (with --postgres: a database named "
                         "after it): imported once, then only searched (for profiling "
                         "search; the import figure is then 0)")
    args = ap.parse_args()
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
    rng = random.Random(42)
    src = Path(args.source)
    if src.is_dir() or src.name == "datapackage.json":
        from bot.directory.tabular import read_datapackage

        records = list(read_datapackage(src))
    else:
        records = read_services_file(src)
    with tempfile.TemporaryDirectory() as d, \
            _database(args.postgres, d, args.reuse) as (url, reused):
        upgrade(url)
        engine = make_engine(url)
        session_cls = sessionmaker(bind=engine, future=True)
        # Only the loader is timed: making the replicas (deep copies, new ids) is not import.
        import_s = 0.0
        batch = []
        loaded = 0
        for rec in ([] if reused else replicate(records, args.services, rng)):
            batch.append(rec)
            if len(batch) >= args.batch:
                import_s, loaded = _timed_load(session_cls, batch, prof, import_s, loaded)
                batch = []
        if batch:
            import_s, loaded = _timed_load(session_cls, batch, prof, import_s, loaded)
        if loaded:  # the importer's own finishing steps (word counts; statistics, VACUUM)
            t0 = time.perf_counter()
            with session_cls() as s, s.begin():
                fulltext.count_words(s)
            after_import(engine)
            import_s += time.perf_counter() - t0
        if prof is not None:
            prof.dump_stats(args.profile)
        with engine.connect() as c:
            if reused:
                loaded = c.execute(text("SELECT count(*) FROM service")).scalar_one()
            counts = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in
                      ("service", "location", "schedule", "attribute", "search_index")}
            c.execute(text("ANALYZE"))
            c.commit()
        if args.skip_search:
            out = {"services": loaded, "counts": counts, "import_s": round(import_s, 1),
                   "source": Path(args.source).name, "machine": _machine()}
            print(json.dumps(out, indent=2))
            return
        with engine.connect() as c:  # query near real places of this directory
            points = [tuple(r) for r in c.execute(text(
                "SELECT latitude, longitude FROM location WHERE latitude IS NOT NULL "
                "ORDER BY id"))]
        # The queries have their own generator: the same mix whether or not this run imported.
        rng = random.Random(7)
        points = rng.sample(points, min(50, len(points)))
        needs = [n for n in need_codes() if n != "crisis"]
        tz = ZoneInfo("Europe/London")
        lat = []
        with session_cls() as s:
            for q in range(args.queries + args.warmup):
                la, lo = rng.choice(points)
                need = rng.choice(needs)
                query = SearchQuery([need], la + rng.uniform(-0.02, 0.02),
                                    lo + rng.uniform(-0.02, 0.02), age=rng.randint(16, 25),
                                    open_now=rng.random() < 0.5, limit=3,
                                    text=rng.choice(WORDS.get(need, [""])))
                now = datetime(2026, 12, 1, rng.randint(0, 23), 0, tzinfo=tz)
                t1 = time.perf_counter()
                search(s, query, now=now)
                if q >= args.warmup:  # warm-up excluded
                    lat.append((time.perf_counter() - t1) * 1000)
            la, lo = points[0]
            explain = "EXPLAIN QUERY PLAN" if not args.postgres else "EXPLAIN"
            plan = [r[-1] for r in s.execute(text(
                f"{explain} SELECT service_id, need_code, latitude, longitude, youth, "
                "hours FROM search_index WHERE active = true AND need_code IN ('housing') AND "
                "latitude BETWEEN :a AND :b AND longitude BETWEEN :c AND :d ORDER BY "
                "(latitude - :la) * (latitude - :la) + (longitude - :lo) * (longitude - :lo) "
                "LIMIT 120"), {"a": la - 0.02, "b": la + 0.02, "c": lo - 0.03, "d": lo + 0.03,
                               "la": la, "lo": lo})]
        lat.sort()
        out = {"services": loaded, "counts": counts, "import_s": round(import_s, 1),
               "search_ms": {"p50": round(statistics.median(lat), 2),
                             "p95": round(lat[int(0.95 * (len(lat) - 1))], 2),
                             "max": round(lat[-1], 2), "queries": len(lat)},
               "plan": plan, "source": Path(args.source).name,
               "database": "postgresql" if args.postgres else "sqlite",
               "machine": _machine()}
        engine.dispose()
        print(json.dumps(out, indent=2))
        (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
        (ROOT / "bench" / "out" / f"scale_{out['database']}_{loaded}.json").write_text(
            json.dumps(out, indent=2))


@contextlib.contextmanager
def _database(postgres: Optional[str], tmp: str, reuse: Optional[Path] = None):
    """(URL, whether it already holds the directory): a SQLite file in ``tmp`` (or ``reuse``),
    or a fresh PostgreSQL database on the ``postgres`` server (with ``reuse``, one named after
    it and kept)."""
    if not postgres:
        yield (f"sqlite:///{reuse.resolve() if reuse else tmp + '/scale.db'}",
               reuse is not None and reuse.exists())
        return
    import sqlalchemy as sa

    name = (f"navscale_keep_{re.sub(r'[^a-z0-9]', '_', reuse.stem.lower())}" if reuse
            else f"navscale_{uuid.uuid4().hex[:8]}")
    admin = sa.create_engine(postgres.replace("postgresql://", "postgresql+psycopg2://", 1),
                             isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as c:
        exists = c.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": name}).first() is not None
        if not exists:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield postgres.rsplit("/", 1)[0] + "/" + name, exists
    finally:
        if not reuse:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
