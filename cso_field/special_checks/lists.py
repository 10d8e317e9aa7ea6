"""Special check lists: today's checks for the CSO, the checks starting soon, the Today
card's counts, one check's visits, and the Senior CSO's overview.

Every list reads the latest visit of each check through the (check_id, created_at) index of
check_visit, so it stays fast with years of visits.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select, union_all

from cso_field.extensions import db
from cso_field.geo import nearest_page
from cso_field.records.services import load_users
from cso_field.special_checks import counts
from cso_field.special_checks.models import (
    CheckVisit,
    PositionSource,
    SpecialCheck,
    VisitOutcome,
)
from cso_field.timeutil import day_start_utc, utcnow

NEAR_RADIUS_M = 30_000.0
LIST_LIMIT = 20  # rows on one page of today's checks; "Starting soon" shows 5 more
STARTING_SOON_SHOWN = 5
ENDING_SOON_DAYS = 1  # ends today or tomorrow
STARTING_SOON_DAYS = 3  # starts tomorrow or within the next three days
STARTING_SOON_LIMIT = 20
OVERVIEW_PAGE_SIZE = 25  # rows a page of one overview section (and of Starting soon)
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


@dataclass(frozen=True, slots=True)
class LastVisit:
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


# -- Today's checks ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedCheck:
    """What a row of today's checks (and the map) shows of a check: a few columns, read as
    they are, without loading the whole record."""

    id: int
    reference: str | None
    address: str
    kind: str
    end_date: date
    latitude: float | None
    longitude: float | None
    position_source: str | None
    last_visit_at: datetime | None  # its newest live visit (kept on the check)
    last_outcome: str | None  # that visit's outcome

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def placed_from_visit(self) -> bool:
        return self.has_location and self.position_source == PositionSource.VISIT


def _listed_columns() -> tuple:
    return (
        SpecialCheck.id,
        SpecialCheck.reference,
        SpecialCheck.address,
        SpecialCheck.kind,
        SpecialCheck.end_date,
        SpecialCheck.latitude,
        SpecialCheck.longitude,
        SpecialCheck.position_source,
        SpecialCheck.last_visit_at,
        _latest_visit(CheckVisit.outcome).label("last_outcome"),
    )


@dataclass(frozen=True, slots=True)
class CheckRow:
    check: ListedCheck
    distance_m: float | None
    visited_today: bool
    ending_soon: bool
    problem_last_time: bool


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
    every officer sees every active check. Each row's columns and its latest visit's outcome
    are read in the query that loads the page.
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
    pairs, found = nearest_page(
        query, SpecialCheck, lat, lon, NEAR_RADIUS_M, LIST_LIMIT, offset, _listed_columns()
    )
    if found >= wanted:
        return pairs, True
    unplaced = query.where(SpecialCheck.latitude.is_(None))
    start = max(0, offset - found)
    extra = _by_end_date(unplaced, wanted - max(found, offset), start)
    pairs += [(check, None) for check in extra]
    return pairs[:LIST_LIMIT], len(pairs) > LIST_LIMIT


def _check_rows(pairs: list, today: date) -> list[CheckRow]:
    since = day_start_utc(today)
    soon = today + timedelta(days=ENDING_SOON_DAYS)
    rows = []
    for found, distance in pairs:
        check = ListedCheck(*found)
        rows.append(
            CheckRow(
                check=check,
                distance_m=distance,
                visited_today=check.last_visit_at is not None and check.last_visit_at >= since,
                ending_soon=check.end_date <= soon,
                problem_last_time=check.last_outcome not in (None, VisitOutcome.ALL_SECURE),
            )
        )
    return rows


# The order of the ix_special_check_active index (and the row id), so no sort is needed.
_END_DATE_ORDER = (SpecialCheck.end_date, SpecialCheck.start_date, SpecialCheck.id)


def _by_end_date(query: Select, limit: int, offset: int = 0) -> list:
    """Rows of _listed_columns(), soonest to end first."""
    if limit <= 0:
        return []
    ordered = query.with_only_columns(*_listed_columns()).order_by(*_END_DATE_ORDER)
    return list(db.session.execute(ordered.offset(offset).limit(limit)))


# -- Checks starting soon ---------------------------------------------------------------------


def starting_soon(
    today: date,
    district_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list:
    """Live checks starting in the next STARTING_SOON_DAYS days, soonest first: a range on
    the start_date index, already in order. Rows of the id, address, kind and start date (what
    a row shows), not whole records."""
    shown = (SpecialCheck.id, SpecialCheck.address, SpecialCheck.kind, SpecialCheck.start_date)
    query = select(*shown).where(
        SpecialCheck.deleted_at.is_(None),
        SpecialCheck.cancelled_at.is_(None),
        SpecialCheck.start_date > today,
        SpecialCheck.start_date <= today + timedelta(days=STARTING_SOON_DAYS),
    )
    if district_id:
        query = query.where(SpecialCheck.district_id == district_id)
    ordered = query.order_by(SpecialCheck.start_date, SpecialCheck.id).offset(offset)
    return list(db.session.execute(ordered.limit(limit or STARTING_SOON_LIMIT)))


@dataclass(frozen=True)
class TodaySummary:
    active: int
    not_visited: int
    stale: int = 0
    problems: int = 0


def today_summary(today: date, stale_days: int = 0) -> TodaySummary:
    """How many checks are active, not visited yet today, stale, and with a problem.

    One statement, so the four agree with each other at every moment: the active and
    flagged checks from the day counts (counts.py), the rest by seeks on the stale index,
    for each day on which active checks end, to the checks visited today, visited not since
    the stale cutoff, or never visited and started before it: entries for those checks
    only, never for every active check or the years of ended ones.
    """
    active, problems = counts.active_and_problems(
        today, today - timedelta(days=PROBLEM_LOOKBACK_DAYS)
    )
    query = select(
        active,
        _count_active(today, SpecialCheck.last_visit_at >= day_start_utc(today)),
        *_stale_counts(today, stale_days),
        problems,
    )
    active, visited_today, stale_visited, stale_never, problems = db.session.execute(query).one()
    return TodaySummary(active, active - visited_today, stale_visited + stale_never, problems)


def active_counts(today: date) -> TodaySummary:
    """How many checks are active today and how many of those nobody visited yet (the Today
    card), as today_summary counts them."""
    active, _problems = counts.active_and_problems(today, today)
    visited = _count_active(today, SpecialCheck.last_visit_at >= day_start_utc(today))
    active, visited_today = db.session.execute(select(active, visited)).one()
    return TodaySummary(active, active - visited_today)


def _open_on(today: date) -> tuple:
    """Active on `today`, in the terms of the stale index: its predicate, and an end day on
    which some active check ends (a seek for each)."""
    return (
        SpecialCheck.deleted_at.is_(None),
        SpecialCheck.cancelled_at.is_(None),
        SpecialCheck.end_date.in_(counts.end_days_from(today)),
        SpecialCheck.start_date <= today,
    )


def _count_active(today: date, *conditions):
    query = select(func.count()).select_from(SpecialCheck).where(*_open_on(today), *conditions)
    return query.scalar_subquery()


def _stale_counts(today: date, stale_days: int) -> tuple:
    """(active checks visited but not since the cutoff, active checks never visited that
    started at least `stale_days` days ago): together the stale checks (_stale_condition)."""
    visited, never = _stale_parts(today, stale_days)
    return _count_active(today, visited), _count_active(today, never)


def _stale_parts(today: date, stale_days: int) -> tuple:
    cutoff = utcnow() - timedelta(days=stale_days)
    return (
        SpecialCheck.last_visit_at < cutoff,
        and_(
            SpecialCheck.last_visit_at.is_(None),
            SpecialCheck.start_date <= today - timedelta(days=stale_days),
        ),
    )


def _stale_condition(today: date, stale_days: int):
    """Not visited in `stale_days` days (counted from its start when never visited)."""
    return or_(*_stale_parts(today, stale_days))


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


# -- The Senior CSO's overview: counts, and each section's first rows -----------------------


@dataclass(frozen=True, slots=True)
class ShownCheck:
    """The columns of a check an overview row shows."""

    id: int
    address: str
    end_date: date
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ShownVisit:
    """The columns of a visit a problems row shows."""

    id: int
    created_at: datetime
    created_by_id: int | None
    outcome: str
    notes: str | None


@dataclass(frozen=True, slots=True)
class OverviewRow:
    check: ShownCheck
    visit_count: int
    last_visit: LastVisit | None


@dataclass(frozen=True, slots=True)
class ProblemRow:
    check: ShownCheck
    visit: ShownVisit | None  # the latest visit that found a problem


@dataclass(frozen=True)
class Section:
    """One page of an overview section: its rows, and whether more follow."""

    name: str
    rows: list
    page: int
    has_more: bool


@dataclass(frozen=True)
class Overview:
    summary: TodaySummary
    stale_days: int
    sections: dict[str, Section]


# Rows each section shows on the overview itself: 5 + 5 + 5 + 10 = 25 at most ("See all" for
# the rest): rendering rows is most of what a list page costs.
OVERVIEW_SHOWN = {"problems": 5, "stale": 5, "starting": 5, "active": 10}


def overview(today: date, stale_days: int) -> Overview:
    return Overview(
        summary=today_summary(today, stale_days),
        stale_days=stale_days,
        sections={
            name: overview_section(name, today, stale_days, 1, shown)
            for name, shown in OVERVIEW_SHOWN.items()
        },
    )


def overview_section(
    name: str, today: date, stale_days: int, page: int = 1, size: int = OVERVIEW_PAGE_SIZE
) -> Section:
    """Page `page` (of `size` rows) of one overview section, by name (OVERVIEW_SHOWN)."""
    offset = (page - 1) * size
    if name == "problems":
        rows = _problems(today, offset, size + 1)
    elif name == "stale":
        rows = _stale(today, stale_days, offset, size + 1)
    elif name == "starting":
        rows = starting_soon(today, None, offset, size + 1)
    else:
        rows = _active_rows(today, offset, size + 1)
    return Section(name, rows[:size], page, len(rows) > size)


def _active_rows(today: date, offset: int, limit: int) -> list[OverviewRow]:
    """Active checks soonest to end first, as rows of the columns shown, each with its number
    of live visits and its latest visit's outcome: one query on the active index, the count
    and the outcome read by seeks on the (check_id, created_at) index of check_visit."""
    visits = (
        select(func.count())
        .where(CheckVisit.check_id == SpecialCheck.id, CheckVisit.deleted_at.is_(None))
        .correlate(SpecialCheck)
        .scalar_subquery()
    )
    shown = (
        SpecialCheck.id,
        SpecialCheck.address,
        SpecialCheck.end_date,
        SpecialCheck.last_visit_at,
        _latest_visit(CheckVisit.outcome),
        visits,
    )
    query = active_checks_query(today).with_only_columns(*shown).order_by(*_END_DATE_ORDER)
    rows = db.session.execute(query.offset(offset).limit(limit))
    return [
        OverviewRow(
            ShownCheck(check_id, address, end_date),
            count,
            LastVisit(at, outcome) if at is not None and outcome is not None else None,
        )
        for check_id, address, end_date, at, outcome, count in rows
    ]


def _stale(today: date, stale_days: int, offset: int, limit: int) -> list:
    """Active checks nobody visited in `stale_days` days, never visited first, then the
    longest without a visit: the stale checks' entries of the stale index (two seeks for
    each day on which active checks end), a top-N sort of those, and the columns a row shows
    (id, address, end date, last visit) of only the rows shown, in one query."""
    visited, never = _stale_parts(today, stale_days)
    stale = union_all(
        *(
            select(SpecialCheck.id, SpecialCheck.last_visit_at).where(*_open_on(today), part)
            for part in (visited, never)
        )
    ).subquery()
    order = (stale.c.last_visit_at.is_not(None), stale.c.last_visit_at, stale.c.id)
    ranked = select(stale.c.id).order_by(*order).offset(offset).limit(limit).subquery()
    check = SpecialCheck  # in the outer query; the ranking reads it in its own subquery
    query = (
        select(check.id, check.address, check.end_date, check.last_visit_at)
        .join(ranked, ranked.c.id == check.id)
        .order_by(check.last_visit_at.is_not(None), check.last_visit_at, check.id)
    )
    return list(db.session.execute(query))


def _problems(today: date, offset: int, limit: int) -> list[ProblemRow]:
    """Flagged checks, active or ended lately, newest problem first, with that visit: a walk
    of the problem index that stops at the LIMIT, then the shown columns of those checks and
    of each one's latest visit that found a problem, in one query."""
    ranked = (
        select(SpecialCheck.id)
        .where(
            SpecialCheck.deleted_at.is_(None),
            SpecialCheck.problem_flagged_at.is_not(None),
            SpecialCheck.end_date >= today - timedelta(days=PROBLEM_LOOKBACK_DAYS),
            SpecialCheck.start_date <= today,
            SpecialCheck.start_date <= SpecialCheck.end_date,  # as counted (counts.py)
        )
        .order_by(SpecialCheck.problem_flagged_at.desc(), SpecialCheck.id.desc())
        .offset(offset)
        .limit(limit)
    )
    check_ids = list(db.session.scalars(ranked))
    if not check_ids:
        return []
    problem_visit = _latest_visit(
        CheckVisit.id, CheckVisit.outcome != VisitOutcome.ALL_SECURE.value
    ).label("visit_id")
    checks = select(
        SpecialCheck.id,
        SpecialCheck.address,
        SpecialCheck.end_date,
        SpecialCheck.reference,
        problem_visit,
    ).where(SpecialCheck.id.in_(check_ids))
    found = checks.subquery()
    visit = CheckVisit
    query = select(
        found, visit.created_at, visit.created_by_id, visit.outcome, visit.notes
    ).outerjoin(visit, visit.id == found.c.visit_id)
    rows = {row[0]: row for row in db.session.execute(query)}
    load_users(row.created_by_id for row in rows.values())
    return [_problem_row(rows[check_id]) for check_id in check_ids if check_id in rows]


def _problem_row(row) -> ProblemRow:
    check_id, address, end_date, reference, visit_id, at, author, outcome, notes = row
    visit = ShownVisit(visit_id, at, author, outcome, notes) if visit_id is not None else None
    return ProblemRow(ShownCheck(check_id, address, end_date, reference), visit)
