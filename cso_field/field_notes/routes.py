from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from cso_field.access import staff
from cso_field.districts.services import district_filter_arg, districts_for_filter
from cso_field.extensions import db
from cso_field.field_notes.forms import FieldNoteForm, NewFieldNoteForm
from cso_field.field_notes.models import FieldNote
from cso_field.field_notes.services import FIELD_NOTES
from cso_field.geo import nearest_first
from cso_field.geocoding import locate
from cso_field.htmx import form_error, see_other
from cso_field.photos.services import (
    PhotoError,
    discard_files,
    discard_files_unless_committed,
    photos_for,
    save_photos,
)
from cso_field.records import services as records
from cso_field.records.models import Status
from cso_field.records.registry import can_edit, can_view

bp = Blueprint("field_notes", __name__, url_prefix="/notes")

LIST_LIMIT = 50
NEAR_RADIUS_M = 5_000


def _get_note_or_404(record_id: int) -> FieldNote:
    note = db.session.get(FieldNote, record_id)
    if not can_view(current_user, note):
        abort(404)
    return note


def _uploads():
    return [upload for upload in request.files.getlist("photos") if upload and upload.filename]


@bp.get("/")
@staff
def index():
    query = records.live(select(FieldNote), FieldNote)
    district = district_filter_arg()
    if district:
        query = query.where(FieldNote.district_id == district)
    latitude = request.args.get("lat", type=float)
    longitude = request.args.get("lon", type=float)
    if latitude is not None and longitude is not None and _plausible(latitude, longitude):
        rows = nearest_first(
            query, FieldNote, latitude, longitude, radius_m=NEAR_RADIUS_M, limit=LIST_LIMIT
        )
    else:
        notes = db.session.scalars(query.order_by(FieldNote.created_at.desc()).limit(LIST_LIMIT))
        rows = [(note, None) for note in notes]
    return render_template(
        "field_notes/index.html", rows=rows, district=district, districts=districts_for_filter()
    )


def _plausible(latitude: float, longitude: float) -> bool:
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = NewFieldNoteForm()
    if request.method == "GET":
        return render_template("field_notes/new.html", form=form)
    if not form.validate():
        return form_error("field_notes/new.html", "field_notes/_form.html", 422, form=form)
    uploads = _uploads()
    status = Status.DRAFT if form.save_draft.data else Status.SUBMITTED
    content = form.content()
    digest = records.submission_hash(
        {**content, "status": status.value}, records.uploaded_digests(uploads)
    )
    saved_photos = []

    def attach(note):
        saved_photos.extend(save_photos(uploads, note, current_user))
        locate(note)

    try:
        note, created = records.create_record(
            FieldNote,
            client_uuid=form.client_uuid.data,
            content=content,
            author=current_user,
            digest=digest,
            status=status,
            attach=attach,
        )
    except records.SubmissionConflict:
        db.session.rollback()
        form.client_uuid.errors.append(
            _(
                "This form was already sent with different content. Reload the page to start "
                "a new note."
            )
        )
        return form_error("field_notes/new.html", "field_notes/_form.html", 422, form=form)
    except PhotoError as error:
        db.session.rollback()
        return form_error(
            "field_notes/new.html",
            "field_notes/_form.html",
            error.status,
            form=form,
            photo_error=str(error),
        )
    except Exception:
        db.session.rollback()
        discard_files(saved_photos)
        raise
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_files_unless_committed(saved_photos)
        raise
    if created:
        flash(_("Field note %(reference)s saved.", reference=note.reference), "success")
    return see_other(url_for("field_notes.view", record_id=note.id))


@bp.get("/<id:record_id>")
@staff
def view(record_id: int):
    note = _get_note_or_404(record_id)
    return render_template(
        "field_notes/view.html",
        note=note,
        record=note,
        photos=photos_for(note),
        history=records.history(note),
        fields=FIELD_NOTES.fields,
        can_edit=can_edit(current_user, note),
        can_review=records.can_review(current_user, note),
        can_delete=records.can_delete(current_user, note),
    )


@bp.route("/<id:record_id>/edit", methods=["GET", "POST"])
@staff
def edit(record_id: int):
    note = _get_note_or_404(record_id)
    if not can_edit(current_user, note):
        abort(403)
    form = FieldNoteForm(obj=note)
    if request.method == "GET":
        return render_template("field_notes/edit.html", form=form, note=note)
    if not form.validate():
        return form_error(
            "field_notes/edit.html", "field_notes/_form.html", 422, form=form, note=note
        )
    changes = records.update_record(note, current_user, form.content())
    if {"latitude", "longitude", "address"} & set(changes):
        locate(note)
    db.session.commit()
    flash(_("Changes saved.") if changes else _("Nothing had changed."), "success")
    return see_other(url_for("field_notes.view", record_id=note.id))
