"""Assignments, the staff blueprint: the list (a Senior CSO's team, an officer's own), giving
work, one assignment with Accept, Complete and Reassign."""

from datetime import timedelta

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_login import current_user

from cso_field import htmx
from cso_field.assignments import services
from cso_field.assignments.forms import (
    AssignmentForm,
    ButtonForm,
    CompleteForm,
    ReassignForm,
)
from cso_field.assignments.models import Assignment
from cso_field.districts.services import districts_for_filter
from cso_field.extensions import db
from cso_field.htmx import render, see_other
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.roles import SUPERVISORS, roles, staff
from cso_field.timeutil import utcnow

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

MESSAGES = {
    "not_supervisor": _l("Only a Senior CSO or an admin gives and reassigns work."),
    "one_target": _l("Choose who does the work."),
    "not_field": _l("Work goes to an active CSO or Senior CSO."),
    "no_district": _l("That district no longer exists."),
    "unknown_kind": _l("Choose one of the options shown."),
    "translation_language": _l("Choose the language to translate."),
    "not_yours": _l("This assignment is not yours."),
    "not_open": _l("This assignment was already accepted."),
    "not_accepted": _l("Accept the assignment before completing it."),
    "not_your_record": _l("Choose one of your own records of this kind."),
    "no_result": _l("Choose the record you made, or write the outcome."),
    "done": _l("This assignment is completed."),
    "same_target": _l("The work is already assigned there."),
}
STATUS = {"not_supervisor": 403, "not_yours": 403, "not_open": 409, "done": 409}


def _visible_or_404(task_id: int) -> Assignment:
    assignment = db.session.get(Assignment, task_id)
    if assignment is None or not services.may_see(current_user, assignment):
        abort(404)
    return assignment


@bp.get("/")
@staff
def index():
    show = request.args.get("show", "live")
    show = show if show in services.FILTERS else "live"
    page = htmx.page_arg()
    rows, has_more = services.listing(current_user, show, page)
    return render(
        "assignments/index.html",
        "assignments/_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        show=show,
        filters=services.FILTERS,
        names=services.names(rows),
        now=utcnow(),
    )


def _new_form() -> AssignmentForm:
    due = to_user_timezone(utcnow() + timedelta(hours=2))
    form = AssignmentForm(
        data={"due_on": due.date(), "due_time": due.time().replace(second=0, microsecond=0)}
        | {
            name: request.args[name]
            for name in ("kind", "language", "assign_to")
            if name in request.args
        }
    )
    form.set_choices(services.kinds(), services.field_staff(), districts_for_filter())
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new():
    form = _new_form()
    if request.method == "POST" and form.validate():
        try:
            assignment = services.assign(form.work(), current_user)
        except services.AssignmentError as error:
            form.assign_to.errors.append(MESSAGES[error.code])
        else:
            flash(_("Work assigned."), "success")
            return see_other(url_for("assignments.view", task_id=assignment.id))
    status = 422 if request.method == "POST" else 200
    return render_template("assignments/new.html", form=form), status


def _view_page(assignment: Assignment, status: int = 200, **forms):
    complete = forms.get("complete") or CompleteForm(formdata=None)
    complete.set_records(services.recent_records(assignment.kind, current_user))
    reassign = forms.get("reassign") or ReassignForm(formdata=None)
    reassign.set_targets(services.field_staff(), districts_for_filter())
    body = render_template(
        "assignments/view.html",
        assignment=assignment,
        names=services.names([assignment]),
        may_work=services.may_work(current_user, assignment),
        complete=complete,
        reassign=reassign,
        button=ButtonForm(),
        languages=RESIDENT_LANGUAGES,
        linked=services.linked_record(assignment),
        now=utcnow(),
    )
    return body, status


@bp.get("/<id:task_id>")
@staff
def view(task_id: int):
    return _view_page(_visible_or_404(task_id))


@bp.post("/<id:task_id>/accept")
@staff
def accept(task_id: int):
    assignment = _visible_or_404(task_id)
    if not ButtonForm().validate():
        abort(400)
    try:
        services.accept(assignment, current_user)
    except services.AssignmentError as error:
        flash(MESSAGES[error.code], "error")
        return _view_page(assignment, STATUS.get(error.code, 422))
    flash(_("Assignment accepted."), "success")
    return see_other(url_for("assignments.view", task_id=task_id))


@bp.post("/<id:task_id>/complete")
@staff
def complete(task_id: int):
    assignment = _visible_or_404(task_id)
    form = CompleteForm()
    form.set_records(services.recent_records(assignment.kind, current_user))
    if form.validate():
        try:
            services.complete(
                assignment, current_user, record_id=form.record_id, outcome=form.outcome.data
            )
        except services.AssignmentError as error:
            form.outcome.errors.append(MESSAGES[error.code])
            return _view_page(assignment, STATUS.get(error.code, 422), complete=form)
        flash(_("Assignment completed."), "success")
        return see_other(url_for("assignments.view", task_id=task_id))
    return _view_page(assignment, 422, complete=form)


@bp.post("/<id:task_id>/reassign")
@roles(*SUPERVISORS)
def reassign(task_id: int):
    assignment = _visible_or_404(task_id)
    form = ReassignForm()
    form.set_targets(services.field_staff(), districts_for_filter())
    if form.validate():
        assignee_id, district_id = form.target
        try:
            services.reassign(
                assignment, current_user, assignee_id=assignee_id, district_id=district_id
            )
        except services.AssignmentError as error:
            form.assign_to.errors.append(MESSAGES[error.code])
            return _view_page(assignment, STATUS.get(error.code, 422), reassign=form)
        flash(_("Assignment reassigned."), "success")
        return see_other(url_for("assignments.view", task_id=task_id))
    return _view_page(assignment, 422, reassign=form)
