"""Field notes: writing, editing and listing them, their search, and their registration."""

import uuid

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from cso_field.auth.models import User
from cso_field.database import write_transaction
from cso_field.demo import register_demo
from cso_field.districts.services import locate
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.field_notes.reports import register_reports
from cso_field.field_notes.retention import register_retention
from cso_field.geo import nearest_page
from cso_field.photos.services import unit_of_work
from cso_field.records import services as records
from cso_field.records.models import LOCATION_FIELD_LABELS, Status
from cso_field.records.registry import (
    RecordType,
    SearchHit,
    can_edit,
    register,
    register_offline_pages,
)

TITLE_LENGTH = 80
LIST_LIMIT = 25  # a page: rendering the rows is most of the cost of the list
NEAR_RADIUS_M = 5_000
PLACE_FIELDS = frozenset({"latitude", "longitude", "address"})


def title(note: FieldNote) -> str:
    first_line = note.observation.strip().splitlines()[0] if note.observation.strip() else ""
    return first_line[:TITLE_LENGTH] + ("…" if len(first_line) > TITLE_LENGTH else "")


def create_note(
    content: dict, *, draft: bool, client_uuid: uuid.UUID, author: User, uploads: list
) -> tuple[FieldNote, bool]:
    """Save a note once per client UUID, with its photos and place, and commit.

    Returns (note, created). Raises SubmissionConflict for a UUID reused with other content
    and PhotoError for a refused photo; nothing is kept then.
    """
    status = Status.DRAFT if draft else Status.SUBMITTED
    digest = records.submission_hash(
        {**content, "status": status.value}, records.uploaded_digests(uploads)
    )
    with unit_of_work() as photos:

        def prepare() -> dict:
            photos.store(uploads)  # the slow parts, before any write: photos,
            return locate(content)  # and the geocoder when a position or address is missing

        return records.create_record(
            FieldNote,
            client_uuid=client_uuid,
            content=content,
            author=author,
            digest=digest,
            status=status,
            prepare=prepare,
            attach=lambda note: photos.attach(note, author),
        )


def edit_note(note: FieldNote, user: User, content: dict) -> dict:
    """Apply an edit and commit; returns what changed ({field: [old, new]})."""
    moved = any(content[name] != getattr(note, name) for name in PLACE_FIELDS)
    if moved:
        content = {**content, **locate(content)}  # the geocoder, before any write
    with write_transaction(note):
        if not can_edit(user, note):  # approved or deleted while the officer was typing
            raise records.RecordRuleError("wrong_state")
        return records.update_record(note, user, content)


def list_notes(
    district_id: int | None, latitude: float | None, longitude: float | None, page: int = 1
) -> tuple[list, bool]:
    """(one page of (note, metres or None) pairs, whether more follow): nearest first around
    a position, else newest first."""
    query = records.live(select(FieldNote), FieldNote)
    if district_id:
        query = query.where(FieldNote.district_id == district_id)
    offset = (page - 1) * LIST_LIMIT
    if latitude is not None and longitude is not None:
        pairs, found = nearest_page(
            query, FieldNote, latitude, longitude, NEAR_RADIUS_M, LIST_LIMIT, offset
        )
        return pairs, found > offset + LIST_LIMIT
    newest = query.order_by(FieldNote.created_at.desc()).offset(offset).limit(LIST_LIMIT + 1)
    notes = list(db.session.scalars(newest))
    return [(note, None) for note in notes[:LIST_LIMIT]], len(notes) > LIST_LIMIT


def search(text: str, user, limit: int) -> list[SearchHit]:
    notes = records.search_records(FieldNote, text, limit)
    return [
        SearchHit(
            "field_note",
            note.reference,
            title(note),
            note.address,
            url_for("field_notes.view", record_id=note.id),
            note.status_enum.label,
        )
        for note in notes
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
        summary=lambda note: " ".join((note.observation or "").split()[:12]),
        fields={
            "observation": _l("Observation"),
            **LOCATION_FIELD_LABELS,
            "status": _l("Status"),
        },
    )
)
register_demo("field_notes", "cso_field.field_notes.demo:load_demo_notes")
register_offline_pages("field_notes.new")  # a note can be written with no signal
register_retention()
register_reports()
