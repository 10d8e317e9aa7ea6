"""What field notes add to District numbers (notes by review state) and to exports."""

from flask_babel import lazy_gettext as _l

from cso_field.exports.fields import list_filters, list_rows, record_fields, status_filter
from cso_field.field_notes.models import FieldNote
from cso_field.records import registry
from cso_field.records.models import Status
from cso_field.records.registry import (
    DistrictFigures,
    ExportField,
    ExportSource,
    Figure,
    Personal,
    Tally,
)
from cso_field.timeutil import department_day

COLUMNS = ("created_at", "district_id", "status", "deleted_at")


def note_tally(note) -> list[Tally]:
    if note.deleted_at is not None:
        return []
    return [Tally("field_note", department_day(note.created_at), note.district_id, note.status)]


FIELDS = (
    *record_fields(FieldNote),
    ExportField("observation", lambda note: note.observation, Personal.FREE_TEXT),
)


OWN_FILTERS = (status_filter(),)


def register_reports() -> None:
    registry.register_district_figures(
        DistrictFigures(
            name="field_notes",
            figures=(Figure("field_note", _l("Field notes"), {s.value: s.label for s in Status}),),
            model=FieldNote,
            columns=COLUMNS,
            tally=note_tally,
            order=20,
        )
    )
    registry.register_export(
        ExportSource(
            name="field_notes",
            label=_l("Field notes"),
            list_endpoint="field_notes.index",
            fields=FIELDS,
            rows=lambda args: list_rows(FieldNote, args, own=OWN_FILTERS),
            filters=lambda args: list_filters(args, OWN_FILTERS),
            own_filters=OWN_FILTERS,
        )
    )
