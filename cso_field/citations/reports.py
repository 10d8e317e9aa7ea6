"""What blight citations add to District numbers (cases by state; citations issued and their
fines, an indexed aggregate of the few cited cases) and to exports."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from cso_field.citations.lists import OWED
from cso_field.citations.models import BlightCase, CaseViolation
from cso_field.citations.states import OPEN_STATES, CaseState
from cso_field.exports.fields import list_filters, list_rows, record_fields, status_filter
from cso_field.extensions import db
from cso_field.records import registry
from cso_field.records.registry import (
    DistrictFigures,
    ExportField,
    ExportSource,
    Figure,
    Personal,
    Tally,
)
from cso_field.timeutil import department_today

COLUMNS = ("observed_on", "district_id", "state", "deleted_at")


def case_tally(case) -> list[Tally]:
    if case.deleted_at is not None or case.observed_on is None:
        return []
    return [Tally("blight_case", case.observed_on, case.district_id, case.state)]


def _cited(district_id: int | None, first: date, last: date):
    query = select(BlightCase.id).where(
        BlightCase.cited_on.between(first, last), BlightCase.deleted_at.is_(None)
    )
    return query.where(BlightCase.district_id == district_id) if district_id else query


def citation_totals(district_id: int | None, first: date, last: date) -> dict:
    """{("citation", ""): (citations issued, their fines in cents)} over the period."""
    cited = _cited(district_id, first, last).subquery()
    count = db.session.scalar(select(func.count()).select_from(cited)) or 0
    amount = CaseViolation.override_cents
    fines = db.session.scalar(
        select(func.sum(func.coalesce(amount, CaseViolation.fine_cents))).where(
            CaseViolation.case_id.in_(select(cited.c.id))
        )
    )
    return {("citation", ""): (count, fines or 0)}


def _fines(case) -> int:
    return sum(item.amount_cents or 0 for item in case.violations)


FIELDS = (
    *record_fields(BlightCase),
    ExportField("state", lambda case: case.state),
    ExportField("parcel_number", lambda case: case.parcel_number),
    ExportField("observation", lambda case: case.observation, Personal.FREE_TEXT),
    ExportField("observed_on", lambda case: case.observed_on),
    ExportField("party_kind", lambda case: case.party_kind),
    ExportField("party_name", lambda case: case.party_name, Personal.NAME),
    ExportField("warned_on", lambda case: case.warned_on),
    ExportField("correction_due", lambda case: case.correction_due),
    ExportField("cited_on", lambda case: case.cited_on),
    ExportField("fines_cents", _fines),
    ExportField("paid_on", lambda case: case.paid_on),
    ExportField("closed_on", lambda case: case.closed_on),
)


def _state(model, value: str):
    """A case state, or one of the lists' own: "open", "due" (Reinspections due) and
    "overdue" (the Overdue list), as those lists choose them on the department's today."""
    today = department_today()
    if value == "open":
        return model.state.in_([state.value for state in OPEN_STATES])
    if value == "due":
        return and_(model.state == CaseState.WARNED.value, model.correction_due <= today)
    if value == "overdue":
        warned = and_(model.state == CaseState.WARNED.value, model.correction_due < today)
        owed = and_(model.state.in_(OWED), model.payment_due < today)
        return or_(warned, owed)
    return model.state == value


def _with_violation(model, value: str):
    found = select(CaseViolation.id).where(
        CaseViolation.case_id == model.id, CaseViolation.violation_id == int(value)
    )
    return found.exists()


# The lists' own filters: a case's state ("open": any but closed), a codebook section found
# (the overview's drill-down), the review.
OWN_FILTERS = (
    registry.ListFilter(
        "state",
        _l("Case state"),
        {
            "open": _l("Open"),
            "due": _l("Reinspection due"),
            "overdue": _l("Overdue"),
            **{state.value: state.lazy_label for state in CaseState},
        },
        _state,
    ),
    registry.ListFilter("violation", _l("Violation"), None, _with_violation),
    status_filter(),
)


def _rows(args: dict):
    query = select(BlightCase).options(selectinload(BlightCase.violations))
    return list_rows(BlightCase, args, query, OWN_FILTERS)


def register_reports() -> None:
    registry.register_district_figures(
        DistrictFigures(
            name="blight_cases",
            figures=(
                Figure("blight_case", _l("Blight cases"), {s.value: s.label for s in CaseState}),
            ),
            model=BlightCase,
            columns=COLUMNS,
            tally=case_tally,
            order=40,
        )
    )
    registry.register_district_figures(
        DistrictFigures(
            name="citations",
            figures=(Figure("citation", _l("Citations issued"), money=_l("Fines")),),
            totals=citation_totals,
            order=41,
        )
    )
    registry.register_export(
        ExportSource(
            name="blight_cases",
            label=_l("Blight cases"),
            list_endpoint="citations.index",
            fields=FIELDS,
            rows=_rows,
            filters=lambda args: list_filters(args, OWN_FILTERS),
            own_filters=OWN_FILTERS,
        )
    )
