"""The case lists, each a bounded page with "Load more": my open cases, reinspections due
(nearest first around the officer), overdue deadlines, and the Senior CSOs' counts."""

from datetime import date

from sqlalchemy import Select, func, select

from cso_field.auth.models import User
from cso_field.citations.models import BlightCase, CaseViolation, Violation
from cso_field.citations.states import OPEN_STATES, CaseState
from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.geo import nearest_page
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


def reinspections_due(
    today: date, lat: float | None, lon: float | None, page: int = 1
) -> tuple[list, bool]:
    """Warnings whose correction deadline is today or past: nearest first around a position
    (those without one follow), else the longest overdue first."""
    query = _due_query(today)
    order = (BlightCase.correction_due, BlightCase.id)
    if lat is None or lon is None:
        return _page(query, order, page)
    offset = (page - 1) * PAGE
    pairs, found = nearest_page(query, BlightCase, lat, lon, NEAR_RADIUS_M, PAGE, offset)
    if found > offset + PAGE:
        return pairs, True
    unplaced = query.where(BlightCase.latitude.is_(None)).order_by(*order)
    start = max(0, offset - found)
    extra = list(db.session.scalars(unplaced.offset(start).limit(PAGE + 1 - len(pairs))))
    pairs += [(case, None) for case in extra]
    return pairs[:PAGE], len(pairs) > PAGE


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


def per_violation() -> list[tuple[str, str, int]]:
    """(code section, English title, open cases) for the most frequent sections."""
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
        db.session.execute(select(Violation.id, Violation.titles).where(Violation.id.in_(ids)))
        .tuples()
        .all()
    )
    return [
        (section, (titles.get(violation_id) or {}).get("en", ""), count)
        for violation_id, section, count in counted
    ]


def per_district() -> list[tuple[str | None, int]]:
    """(district name or None, open cases), the busiest first."""
    rows = db.session.execute(
        select(District.name, func.count(BlightCase.id))
        .select_from(BlightCase)
        .outerjoin(District, District.id == BlightCase.district_id)
        .where(BlightCase.deleted_at.is_(None), BlightCase.state.in_(OPEN))
        .group_by(District.name)
        .order_by(func.count(BlightCase.id).desc(), District.name)
        .limit(COUNTS_SHOWN)
    )
    return [(name, count) for name, count in rows]
