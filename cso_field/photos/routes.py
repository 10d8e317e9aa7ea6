"""Photos of records: added by the record's author, served only to users who may see the record.

Responses keep the app-wide `Cache-Control: no-store`: photos can be evidence and phones
are shared, so after logout none may remain in the browser's cache.
"""

import base64
from collections.abc import Callable
from typing import BinaryIO

from flask import Blueprint, Response, abort, current_app, flash, make_response, send_file
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import audit
from cso_field.errors import render_error
from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.photos.models import Photo
from cso_field.photos.services import (
    OriginalMismatchError,
    PhotoError,
    add_to_record,
    open_original,
    posted_photos,
)
from cso_field.records.registry import can_edit, can_view, get_record, record_url
from cso_field.roles import staff
from cso_field.storage import MissingFileError, StorageError, get_storage

bp = Blueprint("photos", __name__)


@bp.get("/photos/<id:photo_id>/thumbnail")
@staff
def thumbnail(photo_id: int) -> Response:
    photo = _visible_photo(photo_id)
    file = _open(lambda: get_storage().open(photo.thumbnail_key))
    return _send(file, "image/jpeg", f"photo-{photo.id}-thumbnail.jpg")


@bp.get("/photos/<id:photo_id>/display")
@staff
def display(photo_id: int) -> Response:
    photo = _visible_photo(photo_id)
    file = _open(lambda: get_storage().open(photo.display_key))
    return _send(file, "image/jpeg", f"photo-{photo.id}.jpg")


@bp.get("/photos/<id:photo_id>/original")
@staff
def original(photo_id: int) -> Response:
    """The file exactly as uploaded, as a download, with its SHA-256 for evidence; only
    after checking that the stored file still has that SHA-256."""
    photo = _visible_photo(photo_id)
    try:
        file = _open(lambda: open_original(photo))
    except OriginalMismatchError as error:
        return _refuse_changed_original(photo, error)
    extension = photo.original_key.rsplit(".", 1)[-1]
    response = _send(
        file,
        photo.content_type,
        f"photo-{photo.id}-original.{extension}",
        as_attachment=True,
    )
    response.headers["X-Photo-SHA256"] = photo.sha256
    digest = base64.b64encode(bytes.fromhex(photo.sha256)).decode()
    response.headers["Repr-Digest"] = f"sha-256=:{digest}:"  # RFC 9530
    audit.record("photo.original.view", object_type="photo", object_id=photo.id)
    db.session.commit()
    return response


@bp.post("/records/<record_type>/<id:record_id>/photos")
@staff
def add(record_type: str, record_id: int):
    """More photos for a record its author may still edit."""
    record = get_record(record_type, record_id)
    if not can_view(current_user, record):
        abort(404)
    if not can_edit(current_user, record):
        abort(403)
    try:
        add_to_record(record, current_user, posted_photos())
    except PhotoError as error:
        return render_error(error.status, explanation=str(error))
    flash(_("Photos added."), "success")
    return see_other(record_url(record))


def _visible_photo(photo_id: int) -> Photo:
    """The photo, or 404 when it or its record is missing or hidden from this user."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or not can_view(current_user, get_record(photo.record_type, photo.record_id)):
        abort(404)
    return photo


def _open(open_file: Callable[[], BinaryIO]) -> BinaryIO:
    """The stored file; 404 if it is missing, 503 if the storage cannot be reached."""
    try:
        return open_file()
    except MissingFileError as error:
        current_app.logger.error("stored photo file missing: %s", error)
        abort(404)
    except StorageError as error:
        current_app.logger.error("photo storage failed: %s", error)
        explanation = _(
            "The photo could not be loaded. Try again in a moment; if it keeps happening, "
            "tell an administrator."
        )
        abort(make_response(render_error(503, explanation=explanation)))


def _refuse_changed_original(photo: Photo, error: OriginalMismatchError):
    """A stored original that no longer matches its SHA-256 is not handed out, and the
    finding goes in the log and the audit trail for an administrator to look into."""
    current_app.logger.error("%s", error)
    audit.record(
        "photo.original.mismatch", outcome=audit.FAILURE, object_type="photo", object_id=photo.id
    )
    db.session.commit()
    explanation = _(
        "The stored original of this photo does not match the fingerprint (SHA-256) taken "
        "when it was uploaded, so it is not shown. Tell an administrator."
    )
    return render_error(500, explanation=explanation)


def _send(file: BinaryIO, content_type: str, download_name: str, as_attachment: bool = False):
    # max_age=0 instead of the one-year default for static files; no-store is added later.
    return send_file(
        file,
        mimetype=content_type,
        as_attachment=as_attachment,
        download_name=download_name,
        max_age=0,
    )
