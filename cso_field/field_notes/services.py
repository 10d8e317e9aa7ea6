"""Field notes: registration with the shared record features, and their search."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.records.registry import RecordType, SearchHit, register
from cso_field.records.services import live
from cso_field.search import contains_pattern

TITLE_LENGTH = 80


def title(note: FieldNote) -> str:
    first_line = note.observation.strip().splitlines()[0] if note.observation.strip() else ""
    return first_line[:TITLE_LENGTH] + ("…" if len(first_line) > TITLE_LENGTH else "")


def search(text: str, user, limit: int) -> list[SearchHit]:
    pattern = contains_pattern(text)
    query = (
        live(select(FieldNote), FieldNote)
        .where(
            or_(
                FieldNote.reference.ilike(pattern, escape="\\"),
                FieldNote.address.ilike(pattern, escape="\\"),
                FieldNote.observation.ilike(pattern, escape="\\"),
            )
        )
        .order_by(FieldNote.created_at.desc())
        .limit(limit)
    )
    return [
        SearchHit(
            "field_note",
            note.reference,
            title(note),
            note.address,
            url_for("field_notes.view", record_id=note.id),
            note.status_enum.label,
        )
        for note in db.session.scalars(query)
    ]


FIELD_NOTES = register(
    RecordType(
        name="field_note",
        model=FieldNote,
        label=_l("Field note"),
        view_endpoint="field_notes.view",
        list_endpoint="field_notes.index",
        new_endpoint="field_notes.new",
        description=_l("A free-text observation with its location and photos."),
        search=search,
        fields={
            "observation": _l("Observation"),
            "latitude": _l("Latitude"),
            "longitude": _l("Longitude"),
            "accuracy_m": _l("Accuracy (m)"),
            "address": _l("Address"),
            "status": _l("Status"),
        },
    )
)
