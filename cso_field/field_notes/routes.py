"""Field notes, the staff screens: list, new, view and edit."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.districts.services import district_filter_arg, districts_for_filter
from cso_field.extensions import db
from cso_field.field_notes import services
from cso_field.field_notes.forms import FieldNoteForm, NewFieldNoteForm
from cso_field.field_notes.models import FieldNote
from cso_field.htmx import form_error, render, see_other
from cso_field.photos.services import PhotoError, photos_for, posted_photos
from cso_field.records import services as records
from cso_field.records.location import position_arg
from cso_field.records.registry import can_edit, can_view
from cso_field.roles import staff

bp = Blueprint("field_notes", __name__, url_prefix="/notes")


def _get_note_or_404(record_id: int) -> FieldNote:
    note = db.session.get(FieldNote, record_id)
    if not can_view(current_user, note):
        abort(404)
    return note


@bp.get("/")
@staff
def index():
    district = district_filter_arg()
    latitude, longitude = position_arg()
    page = htmx.page_arg()
    rows, has_more = services.list_notes(district, latitude, longitude, page)
    return render(
        "field_notes/index.html",
        "field_notes/_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        more_args={"district": district, "lat": latitude, "lon": longitude},
        district=district,
        districts=districts_for_filter(),
    )


def _new_form_error(form: NewFieldNoteForm, status: int = 422, **extra):
    return form_error("field_notes/new.html", "field_notes/_form.html", status, form=form, **extra)


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = NewFieldNoteForm()
    if request.method == "GET":
        return render_template("field_notes/new.html", form=form)
    if not form.validate():
        return _new_form_error(form)
    try:
        note, created = services.create_note(
            form.content(),
            draft=bool(form.save_draft.data),
            client_uuid=form.client_uuid.data,
            author=current_user,
            uploads=posted_photos(),
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(
            _(
                "This form was already sent with different content. Reload the page to start "
                "a new note."
            )
        )
        return _new_form_error(form)
    except PhotoError as error:
        return _new_form_error(form, error.status, photo_error=str(error))
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
        fields=services.FIELD_NOTES.fields,
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
    try:
        changes = services.edit_note(note, current_user, form.content())
    except records.RecordRuleError:
        flash(
            _("This note was approved or deleted meanwhile; your changes were not saved."), "error"
        )
        return see_other(url_for("field_notes.view", record_id=note.id))
    flash(_("Changes saved.") if changes else _("Nothing had changed."), "success")
    return see_other(url_for("field_notes.view", record_id=note.id))
