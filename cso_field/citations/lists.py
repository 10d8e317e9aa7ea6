"""The case lists, each a bounded page with "Load more": my open cases, reinspections due
(nearest first around the officer), overdue deadlines, and the Senior CSOs' counts."""

import math
from datetime import date
from typing import NamedTuple

from sqlalchemy import Select, func, select

from cso_field.auth.models import User
from cso_field.citations.models import BlightCase, CaseViolation, Violation
from cso_field.citations.states import OPEN_STATES, CaseState
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.geo import (
    FIRST_SEARCH_M,
    bounding_box,
    box_condition,
    planar_distance_sq,
    validate_coordinates,
)
from cso_field.records.services import live, load_users

PAGE = 25
COUNTS_SHOWN = 50
NEAR_RADIUS_M = 20_000
OPEN = [state.value for state in OPEN_STATES]
OWED = [CaseState.CITED.value, CaseState.ORDER_FINAL.value]


def _page(query: Select, order, page: int) -> tuple[list, bool]:
    offset = (page - 1) * PAGE
    cases = list(db.session.scalars(query.order_by(*order).offset(offset).limit(PAGE + 1)))
    load_users(case.created_by_id for case in cases)
    return [(case, None) for case in cases[:PAGE]], len(cases) > PAGE


def my_open_cases(user: User, page: int = 1) -> tuple[list, bool]:
    """The user's cases not yet closed, newest first."""
    query = live(select(BlightCase), BlightCase).where(
        BlightCase.created_by_id == user.id, BlightCase.state.in_(OPEN)
    )
    return _page(query, (BlightCase.created_at.desc(), BlightCase.id.desc()), page)


def _due_query(today: date) -> Select:
    return live(select(BlightCase), BlightCase).where(
        BlightCase.state == CaseState.WARNED.value, BlightCase.correction_due <= today
    )


class DueRow(NamedTuple):
    """A row of Reinspections due: only what the list shows."""

    id: int
    reference: str
    address: str | None
    party_name: str
    correction_due: date
    distance_m: float | None


DUE_COLUMNS = (
    BlightCase.id,
    BlightCase.reference,
    BlightCase.address,
    BlightCase.party_name,
    BlightCase.correction_due,
)


def _due_where(today: date) -> tuple:
    return (
        BlightCase.state == CaseState.WARNED.value,
        BlightCase.correction_due <= today,
        BlightCase.deleted_at.is_(None),
    )


def reinspections_due(
    today: date, lat: float | None, lon: float | None, page: int = 1
) -> tuple[list[DueRow], bool]:
    """Warnings whose correction deadline is today or past: nearest first around a position
    (those without one follow), else the longest overdue first. Rows of the shown columns
    only; near a position one query per search circle ranks and reads them (a box on the
    index led by the state and the position, then the planar distance: geo.py's)."""
    offset = (page - 1) * PAGE
    if lat is None or lon is None:
        shown = _due_rows(today, offset, PAGE + 1, unplaced_only=False)
        return shown[:PAGE], len(shown) > PAGE
    validate_coordinates(lat, lon)
    rows = _nearest_due(today, lat, lon, offset + PAGE + 1)
    if len(rows) > offset + PAGE:
        return rows[offset : offset + PAGE], True
    shown = rows[offset:]
    start = max(0, offset - len(rows))
    shown += _due_rows(today, start, PAGE + 1 - len(shown), unplaced_only=True)
    return shown[:PAGE], len(shown) > PAGE


def _due_rows(today: date, offset: int, limit: int, unplaced_only: bool) -> list[DueRow]:
    """The longest overdue first (optionally only those without a position)."""
    query = select(*DUE_COLUMNS).where(*_due_where(today))
    if unplaced_only:
        query = query.where(BlightCase.latitude.is_(None))
    query = query.order_by(BlightCase.correction_due, BlightCase.id).offset(offset).limit(limit)
    return [DueRow(*row, None) for row in db.session.execute(query)]


def _nearest_due(today: date, lat: float, lon: float, wanted: int) -> list[DueRow]:
    """Up to `wanted` due warnings within NEAR_RADIUS_M, nearest first: a circle that starts
    small and widens (four times) until it holds enough or reaches the radius."""
    searched = FIRST_SEARCH_M
    while True:
        box = bounding_box(lat, lon, searched)
        wraps = box[2] > box[3] or box[3] - box[2] >= 180
        distance_sq = planar_distance_sq(BlightCase, lat, lon, wraps)
        query = (
            select(*DUE_COLUMNS, distance_sq)
            .where(*_due_where(today), box_condition(BlightCase, box))
            .where(distance_sq <= searched * searched)
            .order_by(distance_sq, BlightCase.id)
            .limit(wanted)
        )
        rows = db.session.execute(query).all()
        if len(rows) >= wanted or searched >= NEAR_RADIUS_M:
            return [DueRow(*row[:-1], math.sqrt(row[-1])) for row in rows]
        searched = min(searched * 4, NEAR_RADIUS_M)


def reinspections_due_count(today: date) -> int:
    return db.session.scalar(
        _due_query(today).with_only_columns(func.count(BlightCase.id)).order_by(None)
    )


def overdue(today: date, page: int = 1) -> tuple[list, bool]:
    """Warnings past their correction date and fines unpaid past their payment date, the
    longest overdue first: each read in its index's order, then merged (a page is bounded)."""
    wanted = page * PAGE + 1
    base = live(select(BlightCase), BlightCase)
    warned = base.where(
        BlightCase.state == CaseState.WARNED.value, BlightCase.correction_due < today
    ).order_by(BlightCase.correction_due, BlightCase.id)
    cases = [(case.correction_due, case) for case in db.session.scalars(warned.limit(wanted))]
    for state in OWED:
        owed = base.where(BlightCase.state == state, BlightCase.payment_due < today)
        owed = owed.order_by(BlightCase.payment_due, BlightCase.id).limit(wanted)
        cases += [(case.payment_due, case) for case in db.session.scalars(owed)]
    cases.sort(key=lambda pair: (pair[0], pair[1].id))
    shown = [case for _due, case in cases[(page - 1) * PAGE : page * PAGE]]
    load_users(case.created_by_id for case in shown)
    return [(case, None) for case in shown], len(cases) > page * PAGE


def per_violation() -> list[tuple[int, str, str, int]]:
    """(violation id, code section, English title, open cases), the most frequent first."""
    counted = db.session.execute(
        select(Violation.id, Violation.code_section, func.count(CaseViolation.case_id))
        .join(CaseViolation, CaseViolation.violation_id == Violation.id)
        .join(BlightCase, BlightCase.id == CaseViolation.case_id)
        .where(BlightCase.deleted_at.is_(None), BlightCase.state.in_(OPEN))
        .group_by(Violation.id, Violation.code_section)
        .order_by(func.count(CaseViolation.case_id).desc(), Violation.code_section)
        .limit(COUNTS_SHOWN)
    ).all()
    ids = [violation_id for violation_id, _section, _count in counted]
    titles = dict(
        db.session.execute(
            select(Violation.id, Violation.titles).where(Violation.id.in_(ids))
        ).all()
    )
    return [
        (violation_id, section, (titles.get(violation_id) or {}).get("en", ""), count)
        for violation_id, section, count in counted
    ]


def per_district() -> list[tuple[int | None, str | None, int]]:
    """(district id, its name; None for cases outside every district; open cases), the
    busiest first."""
    rows = db.session.execute(
        select(District.id, District.name, func.count(BlightCase.id))
        .select_from(BlightCase)
        .outerjoin(District, District.id == BlightCase.district_id)
        .where(BlightCase.deleted_at.is_(None), BlightCase.state.in_(OPEN))
        .group_by(District.id, District.name)
        .order_by(func.count(BlightCase.id).desc(), District.name)
        .limit(COUNTS_SHOWN)
    )
    return [(district_id, name, count) for district_id, name, count in rows]


def _open_cases() -> Select:
    return live(select(BlightCase), BlightCase).where(BlightCase.state.in_(OPEN))


NEWEST_FIRST = (BlightCase.created_at.desc(), BlightCase.id.desc())


def open_cases_with(violation_id: int, page: int = 1) -> tuple[list, bool]:
    """The open cases where a codebook section was found (a count's drill-down), newest first."""
    found = select(CaseViolation.case_id).where(CaseViolation.violation_id == violation_id)
    return _page(_open_cases().where(BlightCase.id.in_(found)), NEWEST_FIRST, page)


def open_cases_in(district_id: int | None, page: int = 1) -> tuple[list, bool]:
    """The open cases in a district (None: outside every district), newest first."""
    if district_id is None:
        query = _open_cases().where(BlightCase.district_id.is_(None))
    else:
        query = _open_cases().where(BlightCase.district_id == district_id)
    return _page(query, NEWEST_FIRST, page)
