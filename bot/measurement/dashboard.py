"""The figures behind the console dashboard (issue 8): counts only, never anyone's identity.

Five aggregates, each a pure function over a sessionmaker that returns a plain frozen dataclass;
``since`` (a :class:`~datetime.date`, inclusive) limits each to recent data and :func:`window`
turns "the last N months" into that date. :func:`summary` computes all five at once.

* :func:`needs_over_time` — needs raised: searches per month and need (``search_log``: every
  search counts once; kept when a person is forgotten, as it holds no identity);
* :func:`outcomes_by_need` — how referrals went, per need: the latest answer per referral
  (``referral_outcome``), a need outcome code of the framework counting as "outcome achieved";
* :func:`checkin_response` — referrals whose check-in was asked, per month asked, and how many
  of them have an answer (``pathway_step`` ⟕ ``referral_outcome``);
* :func:`unmet_by_area` — searches that found no eligible service, per area (``search_log``);
* :func:`ratings_distribution` — service ratings by stars (``service_rating``, as they stand).

The definitions are documented in docs/dashboard.md. Month buckets are UTC calendar months.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Dict, List, Optional, Tuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import sessionmaker

from bot.pathway import outcomes
from bot.directory.needs import label as need_label
from bot.pathway.models import PathwayStep, ReferralOutcome
from bot.measurement.models import SearchLog
from bot.feedback.models import ServiceRating

logger = logging.getLogger(__name__)

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
TOP_NEEDS = 6  # needs shown on their own in "needs raised"; the rest are "Other needs"
TOP_AREAS = 10  # areas shown on their own in "unmet need"; the rest are "Other areas"
OTHER = "other"
NO_AREA = "Area not given"
STARS = (1, 2, 3, 4, 5)
NEED_OUTCOME = "need_outcome"  # any outcome code of a need (not a check-in answer)
# Outcome categories, best first: the framework's check-in answers plus "outcome achieved".
OUTCOME_CATEGORIES: Tuple[Tuple[str, str], ...] = (
    (NEED_OUTCOME, "Outcome achieved"), ("got_help", "Got help"), ("reached", "Got through"),
    ("still_waiting", "Still waiting"), ("turned_away", "Turned away"),
    ("did_not_go", "Didn't go"))


class DashboardError(ValueError):
    """A dashboard request that cannot be answered (a bad window)."""


@dataclass(frozen=True)
class Series:
    """One need's counts, one per month of :attr:`NeedsOverTime.months`."""

    key: str
    label: str
    values: Tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class NeedsOverTime:
    """Searches per month (``YYYY-MM``) for the top needs, the rest summed as "Other needs"."""

    months: Tuple[str, ...]
    series: Tuple[Series, ...]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.series)


@dataclass(frozen=True)
class NeedOutcomes:
    """Referrals of one need by outcome category (same order as ``OUTCOME_CATEGORIES``)."""

    need: str
    label: str
    counts: Tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class OutcomesByNeed:
    """Referral outcomes per need, most referrals first; ``versions``: framework versions seen."""

    categories: Tuple[Tuple[str, str], ...]
    rows: Tuple[NeedOutcomes, ...]
    versions: Tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


@dataclass(frozen=True)
class CheckinResponse:
    """Per month a check-in was asked: referrals asked and those answered."""

    months: Tuple[str, ...]
    asked: Tuple[int, ...]
    answered: Tuple[int, ...]

    @property
    def total_asked(self) -> int:
        return sum(self.asked)

    @property
    def total_answered(self) -> int:
        return sum(self.answered)

    @property
    def rate(self) -> Optional[float]:
        """Share of asked check-ins that were answered (None when none was asked)."""
        return self.total_answered / self.total_asked if self.total_asked else None


@dataclass(frozen=True)
class AreaUnmet:
    """Searches in one area, and how many found no eligible service."""

    area: str
    searches: int
    unmet: int

    @property
    def share(self) -> float:
        return self.unmet / self.searches if self.searches else 0.0


@dataclass(frozen=True)
class UnmetByArea:
    """Areas with unmet need, most first (at most ``TOP_AREAS`` + "Other areas")."""

    rows: Tuple[AreaUnmet, ...]
    searches: int  # all searches in the window, found something or not

    @property
    def total_unmet(self) -> int:
        return sum(r.unmet for r in self.rows)


@dataclass(frozen=True)
class Ratings:
    """How many ratings gave 1, 2, 3, 4 and 5 stars."""

    counts: Tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def average(self) -> Optional[float]:
        if not self.total:
            return None
        return sum(s * n for s, n in zip(STARS, self.counts)) / self.total


@dataclass(frozen=True)
class Dashboard:
    """All five figures for one window (``since`` inclusive, months ``YYYY-MM``)."""

    since: Optional[date]
    months: Tuple[str, ...]
    needs: NeedsOverTime
    outcomes: OutcomesByNeed
    checkins: CheckinResponse
    unmet: UnmetByArea
    ratings: Ratings


# -- windows and months ------------------------------------------------------------------------
def _today(today: Optional[date]) -> date:
    if today is None:
        return datetime.now(timezone.utc).date()
    if isinstance(today, datetime):
        return _utc_day(today)
    if not isinstance(today, date):
        raise DashboardError("today must be a date")
    return today


def _utc_day(ts: datetime) -> date:
    return (ts.astimezone(timezone.utc) if ts.tzinfo else ts).date()


def _since(since: Optional[date]) -> Optional[date]:
    if since is None:
        return None
    if isinstance(since, datetime):
        return _utc_day(since)
    if not isinstance(since, date):
        raise DashboardError("since must be a date")
    return since


def _start(since: Optional[date]) -> Optional[datetime]:
    """``since`` as the first instant of that day, UTC (for timestamp columns)."""
    return None if since is None else datetime.combine(since, time.min, tzinfo=timezone.utc)


def window(months: int = DEFAULT_MONTHS, today: Optional[date] = None) -> date:
    """The first day of the window "the last ``months`` calendar months, this one included"."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise DashboardError(f"months must be a whole number from 1 to {MAX_MONTHS}")
    day = _today(today)
    index = day.year * 12 + day.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def month_key(day: date) -> str:
    """``2025-03`` for any day in March 2025."""
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: date, last: date) -> Tuple[str, ...]:
    """Every month from ``first``'s to ``last``'s, inclusive (empty when first > last)."""
    out: List[str] = []
    index, end = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    while index <= end:
        out.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return tuple(out)


def _months(since: Optional[date], seen: List[date], today: date) -> Tuple[str, ...]:
    first = since if since is not None else (min(seen) if seen else today)
    return month_range(first, today)


def _utc_naive(ts: datetime) -> datetime:
    """Comparable timestamps whether the database gave them aware (PostgreSQL) or not (SQLite,
    where they are stored in UTC)."""
    return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts


# -- the five aggregates -----------------------------------------------------------------------
def needs_over_time(sessions: sessionmaker, since: Optional[date] = None,
                    today: Optional[date] = None, top: int = TOP_NEEDS) -> NeedsOverTime:
    """Needs raised: searches per month for each need, from ``since`` to ``today``'s month."""
    since, day = _since(since), _today(today)
    stmt = select(SearchLog.day, SearchLog.need, func.count()).group_by(SearchLog.day,
                                                                         SearchLog.need)
    if since is not None:
        stmt = stmt.where(SearchLog.day >= since)
    with sessions() as s:
        rows = s.execute(stmt).all()
    months = _months(since, [r[0] for r in rows], day)
    position = {m: i for i, m in enumerate(months)}
    cells: Dict[str, List[int]] = defaultdict(lambda: [0] * len(months))
    for when, need, n in rows:
        i = position.get(month_key(when))
        if i is not None:
            cells[need][i] += int(n)
    ranked = sorted(cells, key=lambda need: (-sum(cells[need]), need))
    series = [Series(need, need_label(need), tuple(cells[need])) for need in ranked[:top]]
    rest = ranked[top:]
    if rest:
        series.append(Series(OTHER, f"Other needs ({len(rest)})",
                             tuple(sum(cells[n][i] for n in rest) for i in range(len(months)))))
    return NeedsOverTime(months, tuple(series))


def outcomes_by_need(sessions: sessionmaker, since: Optional[date] = None) -> OutcomesByNeed:
    """How referrals went per need: the latest outcome recorded for each referral (from
    ``since``); an outcome whose referral step is gone (the person was forgotten) counts alone."""
    since = _since(since)
    stmt = select(ReferralOutcome.id, ReferralOutcome.step_id, ReferralOutcome.need,
                  ReferralOutcome.code, ReferralOutcome.framework_version,
                  ReferralOutcome.created_at)
    if since is not None:
        stmt = stmt.where(ReferralOutcome.created_at >= _start(since))
    with sessions() as s:
        rows = s.execute(stmt).all()
    latest: Dict[object, Tuple] = {}
    for row in rows:
        key = row.step_id if row.step_id is not None else ("unlinked", row.id)
        order = (_utc_naive(row.created_at), row.id)
        if key not in latest or order > latest[key][0]:
            latest[key] = (order, row.need, row.code)
    checkin = set(outcomes.checkin_codes())
    index = {code: i for i, (code, _label) in enumerate(OUTCOME_CATEGORIES)}
    counts: Dict[str, List[int]] = defaultdict(lambda: [0] * len(OUTCOME_CATEGORIES))
    for _order, need, code in latest.values():
        category = code if code in checkin and code in index else NEED_OUTCOME
        counts[need][index[category]] += 1
    ranked = sorted(counts, key=lambda need: (-sum(counts[need]), need))
    versions = tuple(sorted({r.framework_version for r in rows}))
    return OutcomesByNeed(OUTCOME_CATEGORIES,
                          tuple(NeedOutcomes(n, need_label(n), tuple(counts[n])) for n in ranked),
                          versions)


def checkin_response(sessions: sessionmaker, since: Optional[date] = None,
                     today: Optional[date] = None) -> CheckinResponse:
    """Referrals whose check-in was asked, by month asked, and how many have an answer (any
    outcome recorded for that referral, whenever it came)."""
    since, day = _since(since), _today(today)
    answered = (select(ReferralOutcome.id).where(ReferralOutcome.step_id == PathwayStep.id)
                .exists())
    stmt = select(PathwayStep.checkin_asked_at, answered).where(
        PathwayStep.kind == "referral", PathwayStep.checkin_asked_at.isnot(None))
    if since is not None:
        stmt = stmt.where(PathwayStep.checkin_asked_at >= _start(since))
    with sessions() as s:
        rows = [(_utc_day(asked), bool(ok)) for asked, ok in s.execute(stmt).all()]
    months = _months(since, [d for d, _ok in rows], day)
    position = {m: i for i, m in enumerate(months)}
    asked, done = [0] * len(months), [0] * len(months)
    for when, ok in rows:
        i = position.get(month_key(when))
        if i is not None:
            asked[i] += 1
            done[i] += int(ok)
    return CheckinResponse(months, tuple(asked), tuple(done))


def unmet_by_area(sessions: sessionmaker, since: Optional[date] = None,
                  top: int = TOP_AREAS) -> UnmetByArea:
    """Searches that found no eligible service, per area (most first; the area as logged,
    never finer than a district), with all searches in that area for the share."""
    since = _since(since)
    nothing = func.sum(case((SearchLog.results == 0, 1), else_=0))
    stmt = select(SearchLog.area, func.count(), nothing).group_by(SearchLog.area)
    if since is not None:
        stmt = stmt.where(SearchLog.day >= since)
    with sessions() as s:
        rows = s.execute(stmt).all()
    searches = sum(int(n) for _a, n, _u in rows)
    areas = [AreaUnmet(area or NO_AREA, int(n), int(u or 0)) for area, n, u in rows if u]
    areas.sort(key=lambda a: (-a.unmet, a.area == NO_AREA, a.area.lower()))
    shown, rest = areas[:top], areas[top:]
    if rest:
        shown.append(AreaUnmet(f"Other areas ({len(rest)})", sum(a.searches for a in rest),
                               sum(a.unmet for a in rest)))
    return UnmetByArea(tuple(shown), searches)


def ratings_distribution(sessions: sessionmaker, since: Optional[date] = None) -> Ratings:
    """Service ratings by stars, as they stand (a changed rating counts once, when last
    given; ratings of forgotten people stay as anonymous stars)."""
    since = _since(since)
    stmt = select(ServiceRating.stars, func.count()).group_by(ServiceRating.stars)
    if since is not None:
        stmt = stmt.where(ServiceRating.updated_at >= _start(since))
    with sessions() as s:
        found = Counter({int(stars): int(n) for stars, n in s.execute(stmt).all()})
    return Ratings(tuple(found.get(star, 0) for star in STARS))


def summary(sessions: sessionmaker, months: int = DEFAULT_MONTHS,
            today: Optional[date] = None) -> Dashboard:
    """All five figures for the last ``months`` calendar months (this one included)."""
    day = _today(today)
    since = window(months, day)
    board = Dashboard(since, month_range(since, day), needs_over_time(sessions, since, day),
                      outcomes_by_need(sessions, since), checkin_response(sessions, since, day),
                      unmet_by_area(sessions, since), ratings_distribution(sessions, since))
    logger.debug("dashboard computed (%d months)", months)
    return board
