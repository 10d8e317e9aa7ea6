"""What missing persons add to exports. A juvenile's identity (WIC 827) is only ever in the
`juvenile_*` columns (Personal.JUVENILE), which the agency and public records profiles drop:
their rows keep the reference, type, state, times and last-seen place, never who the child is
or who reported them. Only the internal profile (Senior CSOs and admins) carries them."""

from flask_babel import lazy_gettext as _l

from cso_field.exports.fields import list_filters, list_rows, located_fields, tracked_fields
from cso_field.missing_persons.models import MissingPerson, ReportType, State, age, is_juvenile
from cso_field.records import registry
from cso_field.records.registry import ExportField, ExportSource, ListFilter, Personal


def _adult(value):
    """The column's value for an adult's report, empty for a juvenile's."""
    return lambda report: None if is_juvenile(report) else value(report)


def _juvenile(value):
    """The column's value for a juvenile's report only."""
    return lambda report: value(report) if is_juvenile(report) else None


IDENTITY = (
    ("name", lambda r: r.full_name, Personal.NAME),
    ("aliases", lambda r: r.aliases, Personal.NAME),
    ("birth_date", lambda r: r.birth_date, Personal.BIRTH_DATE),
    ("description", lambda r: r.description, Personal.FREE_TEXT),
    ("clothing", lambda r: r.clothing, Personal.FREE_TEXT),
    ("party_name", lambda r: r.party_name, Personal.NAME),
    ("party_phone", lambda r: r.party_phone, Personal.PHONE),
    ("guardian_name", lambda r: r.guardian_name, Personal.NAME),
    ("guardian_phone", lambda r: r.guardian_phone, Personal.PHONE),
    ("found_place", lambda r: r.found_place, Personal.FREE_TEXT),
    ("custody_order", lambda r: r.custody_order, Personal.FREE_TEXT),
    ("case_contact", lambda r: r.case_contact, Personal.NAME),
)

FIELDS = (
    *tracked_fields(),
    ExportField("report_type", lambda r: r.report_type),
    ExportField("state", lambda r: r.state),
    ExportField("reported_at", lambda r: r.reported_at),
    ExportField("juvenile", lambda r: "yes" if is_juvenile(r) else "no"),
    ExportField("age", age),
    ExportField("at_risk", lambda r: " ".join(r.at_risk or ())),
    ExportField("last_seen_at", lambda r: r.last_seen_at),
    ExportField("found_at", lambda r: r.found_at),
    *located_fields(),
    *(ExportField(name, _adult(value), kind) for name, value, kind in IDENTITY),
    *(
        ExportField(f"juvenile_{name}", _juvenile(value), Personal.JUVENILE)
        for name, value, _kind in IDENTITY
    ),
)

OWN_FILTERS = (
    ListFilter("state", _l("State"), {state.value: state.lazy_label for state in State}),
    ListFilter(
        "report_type", _l("Report type"), {kind.value: kind.lazy_label for kind in ReportType}
    ),
)


def register_reports() -> None:
    registry.register_export(
        ExportSource(
            name="missing_persons",
            label=_l("Missing persons"),
            list_endpoint="missing_persons.index",
            fields=FIELDS,
            rows=lambda args: list_rows(MissingPerson, args, own=OWN_FILTERS),
            filters=lambda args: list_filters(args, OWN_FILTERS),
            own_filters=OWN_FILTERS,
        )
    )
