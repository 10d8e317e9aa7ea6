"""Special check lists: today's checks for the CSO, the checks starting soon, the Today
card's counts, one check's visits, and the Senior CSO's overview.

Every list reads the latest visit of each check through the (check_id, created_at) index of
check_visit, so it stays fast with years of visits.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select

from cso_field.extensions import db
from cso_field.geo import nearest_page
from cso_field.special_checks.models import CheckVisit, SpecialCheck, VisitOutcome
from cso_field.timeutil import day_start_utc, utcnow

NEAR_RADIUS_M = 30_000.0
LIST_LIMIT = 50  # rows on one page of today's checks
ENDING_SOON_DAYS = 1  # ends today or tomorrow
STARTING_SOON_DAYS = 3  # starts tomorrow or within the next three days
STARTING_SOON_LIMIT = 50
OVERVIEW_PAGE_SIZE = 50
OVERVIEW_SECTION_LIMIT = 100
PROBLEM_LOOKBACK_DAYS = 7  # problems stay on the overview this long after a check ends
CHECK_VISITS_SHOWN = 20


# -- Which checks are active ------------------------------------------------------------------


def active_conditions(today: date) -> tuple:
    return (
        SpecialCheck.deleted_at.is_(None),
        SpecialCheck.cancelled_at.is_(None),
        SpecialCheck.start_date <= today,
        SpecialCheck.end_date >= today,
    )


def active_checks_query(today: date) -> Select:
    return select(SpecialCheck).where(*active_conditions(today))


# -- The latest visit of many checks at once --------------------------------------------------


@dataclass(frozen=True)
class LastVisit:
    visit_id: int
    created_at: datetime
    outcome: str


def _latest_visit(column, *conditions):
    """`column` of the check's newest live visit (meeting `conditions`): one backward step
    on the (check_id, created_at) index.

    A correlated scalar rather than EXISTS, which PostgreSQL turns into an anti join over
    every visit made today, read by scanning check_visit.
    """
    return (
        select(column)
        .where(CheckVisit.check_id == SpecialCheck.id, CheckVisit.deleted_at.is_(None), *conditions)
        .order_by(CheckVisit.created_at.desc())
        .limit(1)
        .correlate(SpecialCheck)
        .scalar_subquery()
    )


def latest_visits(checks: Select) -> dict[int, LastVisit]:
    """{check id: its latest visit} for the checks `checks` selects, in one query."""
    latest_ids = checks.order_by(None).limit(None).with_only_columns(_latest_visit(CheckVisit.id))
    rows = db.session.execute(
        select(CheckVisit.check_id, CheckVisit.id, CheckVisit.created_at, CheckVisit.outcome).where(
            CheckVisit.id.in_(latest_ids)
        )
    )
    return {check_id: LastVisit(visit_id, at, outcome) for check_id, visit_id, at, outcome in rows}


# -- Today's checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    check: SpecialCheck
    distance_m: float | None
    last_visit: LastVisit | None
    visited_today: bool
    ending_soon: bool

    @property
    def problem_last_time(self) -> bool:
        return self.last_visit is not None and self.last_visit.outcome != VisitOutcome.ALL_SECURE


def todays_checks(
    lat: float | None,
    lon: float | None,
    district_id: int | None,
    today: date,
    page: int = 1,
) -> tuple[list[CheckRow], bool]:
    """(one page of active checks, whether more follow): nearest first when a position is
    given, else the soonest to end first.

    Checks not yet placed on the map follow the located ones (they still need visiting);
    every officer sees every active check.
    """
    query = active_checks_query(today)
    if district_id:
        query = query.where(SpecialCheck.district_id == district_id)
    offset = (page - 1) * LIST_LIMIT
    if lat is not None and lon is not None:
        pairs, more = _nearest_then_unplaced(query, lat, lon, offset)
    else:
        checks = _by_end_date(query, LIST_LIMIT + 1, offset)
        pairs, more = [(check, None) for check in checks[:LIST_LIMIT]], len(checks) > LIST_LIMIT
    return _check_rows(pairs, today), more


def _nearest_then_unplaced(query: Select, lat: float, lon: float, offset: int):
    """A page of the located checks nearest first, then those without a position."""
    wanted = offset + LIST_LIMIT + 1
    pairs, found = nearest_page(query, SpecialCheck, lat, lon, NEAR_RADIUS_M, LIST_LIMIT, offset)
    if found >= wanted:
        return pairs, True
    unplaced = query.where(SpecialCheck.latitude.is_(None))
    start = max(0, offset - found)
    extra = _by_end_date(unplaced, wanted - max(found, offset), start)
    pairs += [(check, None) for check in extra]
    return pairs[:LIST_LIMIT], len(pairs) > LIST_LIMIT


def _check_rows(pairs: list, today: date) -> list[CheckRow]:
    if not pairs:
        return []
    ids = [check.id for check, _distance in pairs]
    latest = latest_visits(select(SpecialCheck).where(SpecialCheck.id.in_(ids)))
    since = day_start_utc(today)
    soon = today + timedelta(days=ENDING_SOON_DAYS)
    return [
        CheckRow(
            check=check,
            distance_m=distance,
            last_visit=latest.get(check.id),
            visited_today=check.id in latest and latest[check.id].created_at >= since,
            ending_soon=check.end_date <= soon,
        )
        for check, distance in pairs
    ]


# The order of the ix_special_check_active index (and the row id), so no sort is needed.
_END_DATE_ORDER = (SpecialCheck.end_date, SpecialCheck.start_date, SpecialCheck.id)


def _by_end_date(query: Select, limit: int, offset: int = 0) -> list[SpecialCheck]:
    if limit <= 0:
        return []
    ordered = query.order_by(*_END_DATE_ORDER).offset(offset).limit(limit)
    return list(db.session.scalars(ordered))


# -- Checks starting soon ---------------------------------------------------------------------


def starting_soon(today: date, district_id: int | None = None) -> list[SpecialCheck]:
    """Live checks starting in the next STARTING_SOON_DAYS days, soonest first, at most
    STARTING_SOON_LIMIT: a range on the start_date index, already in order."""
    query = select(SpecialCheck).where(
        SpecialCheck.deleted_at.is_(None),
        SpecialCheck.cancelled_at.is_(None),
        SpecialCheck.start_date > today,
        SpecialCheck.start_date <= today + timedelta(days=STARTING_SOON_DAYS),
    )
    if district_id:
        query = query.where(SpecialCheck.district_id == district_id)
    ordered = query.order_by(SpecialCheck.start_date, SpecialCheck.id).limit(STARTING_SOON_LIMIT)
    return list(db.session.scalars(ordered))


@dataclass(frozen=True)
class TodaySummary:
    active: int
    not_visited: int


def today_summary(today: date) -> TodaySummary:
    """For the Today screen: how many checks are active, and how many nobody visited yet.

    Counted from today's visits (an index range on check_visit.created_at), not per check,
    so the cost follows the day's visits rather than the number of active checks.
    """
    active = db.session.scalar(select(func.count(SpecialCheck.id)).where(*active_conditions(today)))
    visited_today = select(CheckVisit.check_id).where(
        CheckVisit.created_at >= day_start_utc(today), CheckVisit.deleted_at.is_(None)
    )
    visited = db.session.scalar(
        select(func.count(SpecialCheck.id)).where(
            SpecialCheck.id.in_(visited_today), *active_conditions(today)
        )
    )
    return TodaySummary(active=active or 0, not_visited=(active or 0) - (visited or 0))


# -- One check and its visits -----------------------------------------------------------------


def visits_of(check: SpecialCheck, limit: int = CHECK_VISITS_SHOWN) -> list[CheckVisit]:
    query = (
        select(CheckVisit)
        .where(CheckVisit.check_id == check.id, CheckVisit.deleted_at.is_(None))
        .order_by(CheckVisit.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def visit_count(check: SpecialCheck) -> int:
    return _visit_counts([check.id]).get(check.id, 0)


def _visit_counts(check_ids: list[int]) -> dict[int, int]:
    if not check_ids:
        return {}
    query = (
        select(CheckVisit.check_id, func.count())
        .where(CheckVisit.check_id.in_(check_ids), CheckVisit.deleted_at.is_(None))
        .group_by(CheckVisit.check_id)
    )
    return {check_id: count for check_id, count in db.session.execute(query)}


# -- The Senior CSO's overview ----------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    check: SpecialCheck
    visit_count: int
    last_visit: LastVisit | None


@dataclass(frozen=True)
class StaleRow:
    check: SpecialCheck
    last_visit_at: datetime | None


@dataclass(frozen=True)
class ProblemRow:
    check: SpecialCheck
    visit: CheckVisit | None  # the latest visit that found a problem


@dataclass(frozen=True)
class Overview:
    active_count: int
    not_visited_today: int
    stale_days: int
    stale_count: int
    stale: list[StaleRow]
    problems: list[ProblemRow]
    starting_soon: list[SpecialCheck]
    rows: list[OverviewRow]
    page: int
    pages: int


def overview(today: date, stale_days: int, page: int = 1) -> Overview:
    summary = today_summary(today)
    pages = max(1, math.ceil(summary.active / OVERVIEW_PAGE_SIZE))
    page = min(max(page, 1), pages)
    stale_count, stale = _stale(today, stale_days)
    return Overview(
        active_count=summary.active,
        not_visited_today=summary.not_visited,
        stale_days=stale_days,
        stale_count=stale_count,
        stale=stale,
        problems=_problems(today),
        starting_soon=starting_soon(today),
        rows=_overview_page(today, page),
        page=page,
        pages=pages,
    )


def _overview_page(today: date, page: int) -> list[OverviewRow]:
    query = (
        active_checks_query(today)
        .order_by(*_END_DATE_ORDER)
        .offset((page - 1) * OVERVIEW_PAGE_SIZE)
        .limit(OVERVIEW_PAGE_SIZE)
    )
    checks = list(db.session.scalars(query))
    ids = [check.id for check in checks]
    counts = _visit_counts(ids)
    latest = latest_visits(select(SpecialCheck).where(SpecialCheck.id.in_(ids))) if ids else {}
    return [OverviewRow(check, counts.get(check.id, 0), latest.get(check.id)) for check in checks]


def _stale(today: date, stale_days: int) -> tuple[int, list[StaleRow]]:
    """Active checks nobody visited in `stale_days` days (counted from the start when never),
    never visited first, then the longest without a visit."""
    cutoff = utcnow() - timedelta(days=stale_days)
    started_before = today - timedelta(days=stale_days)
    last_visit_at = _latest_visit(CheckVisit.created_at)
    # One index probe per active check; sorting a few thousand tuples here is cheaper than
    # letting the database evaluate the subquery again for the filter and the order.
    rows = db.session.execute(
        active_checks_query(today).with_only_columns(
            SpecialCheck.id, SpecialCheck.start_date, last_visit_at
        )
    ).all()
    stale = sorted(
        (
            (at is not None, at, check_id)
            for check_id, start, at in rows
            if (at < cutoff if at is not None else start <= started_before)
        ),
        key=lambda row: (row[0], row[1] or datetime.min, row[2]),
    )
    shown = stale[:OVERVIEW_SECTION_LIMIT]
    loaded = _load_checks([check_id for _visited, _at, check_id in shown])
    return len(stale), [StaleRow(loaded[check_id], at) for _visited, at, check_id in shown]


def _problems(today: date) -> list[ProblemRow]:
    """Flagged checks, active or ended lately, newest problem first, with that visit."""
    problem_visit_id = _latest_visit(
        CheckVisit.id, CheckVisit.outcome != VisitOutcome.ALL_SECURE.value
    )
    query = (
        select(SpecialCheck, problem_visit_id)
        .where(
            SpecialCheck.deleted_at.is_(None),
            SpecialCheck.problem_flagged_at.is_not(None),
            SpecialCheck.end_date >= today - timedelta(days=PROBLEM_LOOKBACK_DAYS),
            SpecialCheck.start_date <= today,
        )
        .order_by(SpecialCheck.problem_flagged_at.desc())
        .limit(OVERVIEW_SECTION_LIMIT)
    )
    rows = db.session.execute(query).all()
    visit_ids = [visit_id for _check, visit_id in rows if visit_id is not None]
    visits = {
        visit.id: visit
        for visit in db.session.scalars(select(CheckVisit).where(CheckVisit.id.in_(visit_ids)))
    }
    return [ProblemRow(check, visits.get(visit_id)) for check, visit_id in rows]


def _load_checks(ids: list[int]) -> dict[int, SpecialCheck]:
    if not ids:
        return {}
    query = select(SpecialCheck).where(SpecialCheck.id.in_(ids))
    return {check.id: check for check in db.session.scalars(query)}
