"""Actions every record type shares: submit, approve, return and delete."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.database import lock_for_update
from cso_field.extensions import db
from cso_field.htmx import form_error, see_other
from cso_field.records import services as records
from cso_field.records.forms import DeleteForm, ReturnForm
from cso_field.records.models import Status
from cso_field.records.registry import RECORD_TYPES, can_view, get_record, record_url
from cso_field.roles import Role, roles, staff

bp = Blueprint("records", __name__, url_prefix="/records")
STATUSES = {status.value for status in Status}

RULE_MESSAGES = {
    "not_author": lambda: _("Only the author can do that."),
    "not_reviewer": lambda: _("Only a Senior CSO who did not write the record can review it."),
    "wrong_state": lambda: _("The record is not in a state that allows this."),
    "comment_required": lambda: _("Say what the author needs to change."),
    "cannot_delete": lambda: _("You cannot delete this record."),
}


def _record_or_404(record_type: str, record_id: int):
    record = get_record(record_type, record_id)
    if not can_view(current_user, record):
        abort(404)
    return record


def _apply(rule, record, *args) -> bool:
    """Run a review or deletion rule; on refusal flash why and keep nothing."""
    lock_for_update(record)  # the rule judges the record as the last writer left it
    try:
        rule(record, current_user, *args)
    except records.RecordRuleError as error:
        db.session.rollback()
        flash(RULE_MESSAGES[error.code](), "error")
        return False
    db.session.commit()
    return True


@bp.post("/<record_type>/<id:record_id>/submit")
@staff
def submit(record_type: str, record_id: int):
    record = _record_or_404(record_type, record_id)
    if _apply(records.submit, record):
        flash(_("%(reference)s sent for review.", reference=record.reference), "success")
    return see_other(record_url(record))


def _after_review(record):
    """Straight on to the next record waiting, or back to the queue when it is empty."""
    following = records.next_to_review(current_user)
    if following is None:
        flash(_("Nothing else is waiting for review."), "success")
        return see_other(url_for("records.review_queue"))
    return see_other(record_url(following))


@bp.get("/mine")
@staff
def mine():
    record_type = request.args.get("type") if request.args.get("type") in RECORD_TYPES else None
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    page = htmx.page_arg()
    rows, has_more = records.my_records(current_user, record_type, status, page)
    return htmx.render(
        "records/mine.html",
        "records/_mine_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        record_types=RECORD_TYPES.values(),
        statuses=Status,
        selected_type=record_type,
        selected_status=status,
    )


@bp.get("/review")
@roles(Role.SENIOR_CSO)  # those who approve and return records
def review_queue():
    reviewed = records.reviewed_types()
    record_type = request.args.get("type") or None
    if record_type not in {kind.name for kind in reviewed}:
        record_type = None
    author_id = request.args.get("cso", type=int)
    page = htmx.page_arg()
    counts = records.review_counts()
    authors = records.queue_authors(counts)
    queue, has_more = records.review_queue(record_type, author_id, page, counts=counts)
    return htmx.render(
        "records/review_queue.html",
        # "Load more" asks for the next rows only; a filter change for the whole list.
        "records/_review_page.html" if page > 1 else "records/_review_rows.html",
        queue=queue,
        has_more=has_more,
        page=page,
        record_types=reviewed,
        counts=counts,
        authors=authors,
        selected_type=record_type,
        selected_author=author_id,
    )


@bp.post("/<record_type>/<id:record_id>/approve")
@roles(Role.SENIOR_CSO)
def approve(record_type: str, record_id: int):
    record = _record_or_404(record_type, record_id)
    if not _apply(records.approve, record):
        return see_other(record_url(record))
    flash(_("%(reference)s approved.", reference=record.reference), "success")
    return _after_review(record)


@bp.post("/<record_type>/<id:record_id>/return")
@roles(Role.SENIOR_CSO)
def return_for_changes(record_type: str, record_id: int):
    record = _record_or_404(record_type, record_id)
    form = ReturnForm()
    if not form.validate():
        return form_error(
            "records/return.html", "records/_return_form.html", 422, form=form, record=record
        )
    if not _apply(records.return_for_changes, record, form.comment.data):
        return see_other(record_url(record))
    flash(_("%(reference)s returned to its author.", reference=record.reference), "success")
    return _after_review(record)


@bp.route("/<record_type>/<id:record_id>/delete", methods=["GET", "POST"])
@staff
def delete(record_type: str, record_id: int):
    record = _record_or_404(record_type, record_id)
    if not records.can_delete(current_user, record):
        abort(403)
    form = DeleteForm()
    if request.method == "GET":
        return render_template("records/delete.html", form=form, record=record)
    if not form.validate():
        return form_error(
            "records/delete.html", "records/_delete_form.html", 422, form=form, record=record
        )
    records.delete(record, current_user, form.reason.data)
    db.session.commit()
    flash(
        _("%(reference)s deleted. Administrators can still see it.", reference=record.reference),
        "success",
    )
    return see_other(url_for(RECORD_TYPES[record.record_type].list_endpoint))
