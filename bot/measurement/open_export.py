"""The open outcomes export (issue 8, "Shared measurement"): referrals and how they went, per
month, service and need; ratings per month and service; and unmet need (searches that found no
eligible service) per month, need and area, with small-number suppression. Documented in
``docs/open_outcomes.md``.

:func:`build` aggregates the ``pathway_step`` referrals and their ``referral_outcome`` rows, the
``service_rating`` stars and the anonymous ``search_log`` (:mod:`bot.measurement.searchlog`) into a
JSON-ready dict; :func:`to_json` and :func:`to_csv` serialise it. Nothing personal leaves: no
sender ids, step text, goal titles, comments, postcodes beyond the outward code, or times finer
than the month; every count from 1 to ``THRESHOLD - 1`` is published as null (with secondary
suppression wherever a published total would give it back), and rates, means and medians built
on a suppressed count are null too.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import statistics
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.pathway import outcomes
from bot.measurement import searchlog
from bot.directory.models import Service
from bot.pathway.models import PathwayGoal, PathwayStep, ReferralOutcome
from bot.feedback.models import ServiceRating

logger = logging.getLogger(__name__)

SCHEMA = "navigator-open-outcomes/2"
THRESHOLD = 5
_CHUNK = 500  # service ids per IN (...)
GOT_HELP = "got_help"
LICENCE = "CC BY 4.0"
CSV_COLUMNS = ("month", "service_id", "service_name", "need", "referrals", "checkins_answered",
               "checkin_response_rate", "median_days_to_help", "outcome", "outcome_count",
               "suppressed")
RATINGS_CSV_COLUMNS = ("month", "service_id", "service_name", "ratings", "mean_stars",
                       "suppressed")
UNMET_CSV_COLUMNS = ("month", "need", "area", "searches", "searches_with_no_eligible_service",
                     "suppressed")
TABLES = {"outcomes": ("rows", CSV_COLUMNS), "ratings": ("ratings", RATINGS_CSV_COLUMNS),
          "unmet_need": ("unmet_need", UNMET_CSV_COLUMNS)}


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def _small(n: int) -> bool:
    """A count that could single people out: 1 to THRESHOLD - 1 (0 discloses nothing)."""
    return 0 < n < THRESHOLD


def _published_id(raw: Optional[str]) -> Optional[str]:
    if raw is None:
        return None
    from bot.directory.export import hsds_id  # the id the HSDS API publishes

    return hsds_id(raw)


def _suppress_distribution(counts: Dict[str, int]) -> Tuple[Dict[str, Optional[int]], List[str]]:
    """Small cells become None; if exactly one cell is suppressed, the next-smallest non-zero
    cell is suppressed too, so the small one cannot be recovered by subtraction."""
    hidden = [code for code, n in counts.items() if _small(n)]
    if len(hidden) == 1:
        others = sorted((n, code) for code, n in counts.items() if n > 0 and code not in hidden)
        if others:
            hidden.append(others[0][1])
    return ({code: (None if code in hidden else n) for code, n in counts.items()},
            sorted(hidden))


def _codes_for(need: str, seen: List[str]) -> List[str]:
    """Every code a row of ``need`` lists (zeros included): the check-in answers, the need's
    outcome codes, then any other code seen (from an older framework version)."""
    fw = outcomes.framework()
    codes = fw.checkin_codes() + (fw.outcome_codes(need) if need in fw.needs else [])
    return codes + sorted(c for c in set(seen) if c not in codes)


def _row(month: str, service_id: Optional[str], name: Optional[str], need: str,
         steps: List[Tuple[datetime, List[Tuple[str, datetime]]]]) -> Dict[str, Any]:
    referrals = len(steps)
    answered = sum(1 for _, done in steps if done)
    counts: Dict[str, int] = dict.fromkeys(
        _codes_for(need, [code for _, done in steps for code, _ in done]), 0)
    days: List[float] = []
    for created, done in steps:
        for code in {code for code, _ in done}:  # referrals with at least one such outcome
            counts[code] += 1
        helped = [at for code, at in done if code == GOT_HELP]
        if helped:
            days.append((min(helped) - created).total_seconds() / 86400)
    suppressed: List[str] = []
    row: Dict[str, Any] = {"month": month, "service_id": service_id, "service_name": name,
                           "need": need}
    for field, n in (("referrals", referrals), ("checkins_answered", answered)):
        row[field] = None if _small(n) else n
        if _small(n):
            suppressed.append(field)
    if referrals == 0 or _small(referrals) or _small(answered):
        row["checkin_response_rate"] = None
        if referrals:
            suppressed.append("checkin_response_rate")
    else:
        row["checkin_response_rate"] = round(answered / referrals, 3)
    dist, hidden = _suppress_distribution(counts)
    row["outcomes"] = dist
    suppressed += [f"outcomes.{code}" for code in hidden]
    if len(days) >= THRESHOLD:
        row["median_days_to_help"] = round(statistics.median(days), 1)
    else:
        row["median_days_to_help"] = None
        if days:
            suppressed.append("median_days_to_help")
    row["suppressed"] = suppressed
    return row


def _rating_row(month: str, service_id: Optional[str], name: Optional[str],
                stars: List[int]) -> Dict[str, Any]:
    """Ratings of one service in one month: the count and mean stars, both withheld when the
    count is 1-4 (the mean of a few ratings would give them back)."""
    n = len(stars)
    hidden = _small(n)
    return {"month": month, "service_id": service_id, "service_name": name,
            "ratings": None if hidden else n,
            "mean_stars": None if hidden or not n else round(sum(stars) / n, 2),
            "suppressed": ["ratings", "mean_stars"] if hidden else []}


def _unmet_row(month: str, need: str, area: Optional[str], searches: int,
               unmet: int) -> Dict[str, Any]:
    """Unmet need in one month, need and area. ``searches`` is the total of the searches that
    found something and those that found nothing, so both parts go through
    :func:`_suppress_distribution`: if either is 1-4, the unmet count is withheld."""
    dist, hidden = _suppress_distribution({"found": searches - unmet, "unmet": unmet})
    suppressed = (["searches"] if _small(searches) else []) + \
        (["searches_with_no_eligible_service"] if "unmet" in hidden else [])
    return {"month": month, "need": need, "area": area,
            "searches": None if _small(searches) else searches,
            "searches_with_no_eligible_service": dist["unmet"], "suppressed": suppressed}


def _ratings(ratings: List[Tuple[str, int, datetime]],
             names: Dict[str, str]) -> List[Dict[str, Any]]:
    cells: Dict[Tuple[str, str], List[int]] = defaultdict(list)
    for service_id, stars, created in ratings:
        cells[(f"{_aware(created):%Y-%m}", service_id)].append(int(stars))
    return [_rating_row(month, _published_id(sid), names.get(sid), cells[(month, sid)])
            for month, sid in sorted(cells)]


def build(sessions: sessionmaker, now: Optional[datetime] = None) -> Dict[str, Any]:
    """The open export: ``rows`` (one per month of the referral, service and need),
    ``ratings`` (one per month and service) and ``unmet_need`` (one per month, need and area),
    all suppressed."""
    now = _aware(now) if now else datetime.now(timezone.utc)
    with sessions() as s:
        steps = s.execute(select(PathwayStep.id, PathwayStep.created_at, PathwayStep.service_id,
                                 PathwayGoal.need)
                          .join(PathwayGoal, PathwayGoal.id == PathwayStep.goal_id)
                          .where(PathwayStep.kind == "referral")).all()
        done = s.execute(select(ReferralOutcome.step_id, ReferralOutcome.code,
                                ReferralOutcome.created_at)
                         .where(ReferralOutcome.step_id.isnot(None))).all()
        ratings = s.execute(select(ServiceRating.service_id, ServiceRating.stars,
                                   ServiceRating.created_at)).all()
        ids = {sid for _, _, sid, _ in steps if sid is not None} | {r[0] for r in ratings}
        names: Dict[str, str] = {}
        chunks = sorted(ids)
        for i in range(0, len(chunks), _CHUNK):  # well under SQLite's bound-parameter limit
            names.update(s.execute(select(Service.id, Service.name)
                                   .where(Service.id.in_(chunks[i:i + _CHUNK]))).all())
    by_step: Dict[int, List[Tuple[str, datetime]]] = defaultdict(list)
    for step_id, code, at in done:
        by_step[step_id].append((code, _aware(at)))
    cells: Dict[Tuple[str, Optional[str], str], list] = defaultdict(list)
    for step_id, created, service_id, need in steps:
        created = _aware(created)
        cells[(f"{created:%Y-%m}", service_id, need)].append((created, by_step.get(step_id, [])))
    rows = [_row(month, _published_id(sid), names.get(sid), need, cells[(month, sid, need)])
            for month, sid, need in sorted(cells, key=lambda k: (k[0], str(k[1] or ""), k[2]))]
    rated = _ratings(ratings, names)
    unmet = [_unmet_row(c["month"], c["need"], c["area"], c["searches"], c["unmet"])
             for c in searchlog.unmet(sessions)]
    logger.info("open outcomes export built (%d outcome, %d rating, %d unmet-need rows)",
                len(rows), len(rated), len(unmet))
    return {"schema": SCHEMA, "framework_version": outcomes.framework_version(),
            "licence": LICENCE, "generated_at": now.isoformat(timespec="seconds"),
            "suppression_threshold": THRESHOLD, "rows": rows, "ratings": rated,
            "unmet_need": unmet}


def to_json(export: Dict[str, Any]) -> str:
    """The export as JSON text."""
    return json.dumps(export, ensure_ascii=False, indent=1)


def to_csv(export: Dict[str, Any], table: str = "outcomes") -> str:
    """One table of the export as CSV (a suppressed value is an empty cell, ``suppressed`` is
    ``;``-separated). ``outcomes`` (default) is long: one line per row and outcome code, the
    row's own fields repeated; ``ratings`` and ``unmet_need`` have one line per row."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r} (one of {', '.join(TABLES)})")
    key, columns = TABLES[table]

    def cell(value: Any) -> Any:
        return "" if value is None else value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in export.get(key, []):
        if table == "outcomes":
            common = [cell(row[k]) for k in CSV_COLUMNS[:8]]
            for code, n in row["outcomes"].items():
                writer.writerow(common + [code, cell(n), ";".join(row["suppressed"])])
        else:
            writer.writerow([cell(row[k]) for k in columns[:-1]] + [";".join(row["suppressed"])])
    return out.getvalue()
