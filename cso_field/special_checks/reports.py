"""What special checks add to District numbers (visits by outcome, requests) and to exports
(the checks and their visits, each field marked with the personal data it holds)."""

from flask_babel import lazy_gettext as _l

from cso_field.exports.fields import list_filters, list_rows, record_fields, status_filter
from cso_field.records import registry
from cso_field.records.registry import (
    DistrictFigures,
    ExportField,
    ExportSource,
    Figure,
    Personal,
    Tally,
)
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.special_checks.visits import OUTCOME_LABELS
from cso_field.timeutil import department_day

VISIT_COLUMNS = ("created_at", "district_id", "outcome", "deleted_at")
CHECK_COLUMNS = ("created_at", "district_id", "deleted_at")


def visit_tally(visit) -> list[Tally]:
    if visit.deleted_at is not None:
        return []
    return [
        Tally("check_visit", department_day(visit.created_at), visit.district_id, visit.outcome)
    ]


def check_tally(check) -> list[Tally]:
    if check.deleted_at is not None:
        return []
    return [Tally("special_check", department_day(check.created_at), check.district_id)]


def _text(name: str, personal: str | None = None) -> ExportField:
    return ExportField(name, lambda record, name=name: getattr(record, name), personal)


CHECK_FIELDS = (
    *record_fields(SpecialCheck),
    _text("kind"),
    _text("source"),
    _text("requester_name", Personal.NAME),
    _text("phone", Personal.PHONE),
    _text("email", Personal.EMAIL),
    _text("language"),
    _text("start_date"),
    _text("end_date"),
    _text("emergency_contact_name", Personal.NAME),
    _text("emergency_contact_phone", Personal.PHONE),
    _text("emergency_contact_email", Personal.EMAIL),
    _text("alarm_company"),
    _text("vehicles", Personal.FREE_TEXT),
    _text("lights_on_timers", Personal.FREE_TEXT),
    _text("pets", Personal.FREE_TEXT),
    _text("expected_visitors", Personal.FREE_TEXT),
    _text("instructions", Personal.FREE_TEXT),
    _text("description", Personal.FREE_TEXT),
    _text("cancelled_at"),
    _text("last_visit_at"),
)
VISIT_FIELDS = (
    *record_fields(CheckVisit),
    _text("check_id"),
    _text("outcome"),
    _text("notes", Personal.FREE_TEXT),
)


VISIT_FILTERS = (
    registry.ListFilter(
        "outcome",
        _l("Outcome"),
        {outcome.value: label for outcome, label in OUTCOME_LABELS.items()},
    ),
    status_filter(),
)


def register_reports() -> None:
    registry.register_district_figures(
        DistrictFigures(
            name="check_visits",
            figures=(Figure("check_visit", _l("Special checks done"), dict(OUTCOME_LABELS)),),
            model=CheckVisit,
            columns=VISIT_COLUMNS,
            tally=visit_tally,
            order=10,
        )
    )
    registry.register_district_figures(
        DistrictFigures(
            name="special_checks",
            figures=(Figure("special_check", _l("Special check requests")),),
            model=SpecialCheck,
            columns=CHECK_COLUMNS,
            tally=check_tally,
            order=11,
        )
    )
    registry.register_export(
        ExportSource(
            name="special_checks",
            label=_l("Special checks"),
            list_endpoint="special_checks.index",
            fields=CHECK_FIELDS,
            rows=lambda args: list_rows(SpecialCheck, args),
            filters=list_filters,
        )
    )
    registry.register_export(
        ExportSource(
            name="check_visits",
            label=_l("Check visits"),
            list_endpoint="special_checks.index",
            fields=VISIT_FIELDS,
            rows=lambda args: list_rows(CheckVisit, args, own=VISIT_FILTERS),
            filters=lambda args: list_filters(args, VISIT_FILTERS),
            own_filters=VISIT_FILTERS,
        )
    )
