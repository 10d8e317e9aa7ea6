"""Calls and the office log, the staff screens: the calls a CSO handled, the office log, the
report per period (chart and CSV), and the department's call types."""

import csv
import io

from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.calls import services
from cso_field.calls.forms import CallForm, CallTypeForm, PeriodForm, VisitForm
from cso_field.calls.models import CallType
from cso_field.districts.services import districts_for_filter
from cso_field.extensions import db
from cso_field.htmx import form_error, render, see_other
from cso_field.records.services import SubmissionConflict
from cso_field.roles import SUPERVISORS, Role, roles, staff

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.get("/")
@staff
def index():
    page = htmx.page_arg()
    rows, has_more = services.list_calls(page)
    return render("calls/index.html", "calls/_rows.html", rows=rows, has_more=has_more, page=page)


@bp.get("/log")
@staff
def log():
    page = htmx.page_arg()
    rows, has_more = services.list_visits(page)
    return render("calls/log.html", "calls/_log_rows.html", rows=rows, has_more=has_more, page=page)


def _conflict(form) -> None:
    form.client_uuid.errors.append(
        _("This form was already sent with different content. Reload the page to start anew.")
    )


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = CallForm(types=services.type_choices(), districts=districts_for_filter())
    if request.method == "GET":
        form.fill_now()
        return render_template("calls/new.html", form=form)
    if form.validate():
        try:
            call, created = services.record_call(
                form.content(), form.client_uuid.data, current_user
            )
        except SubmissionConflict:
            _conflict(form)
        else:
            if created:
                flash(_("Call %(reference)s recorded.", reference=call.reference), "success")
            return see_other(url_for("calls.index"))
    return form_error("calls/new.html", "calls/_form.html", 422, form=form)


@bp.route("/log/new", methods=["GET", "POST"])
@staff
def new_visit():
    form = VisitForm()
    if request.method == "GET":
        form.fill_now()
        return render_template("calls/new_visit.html", form=form)
    if form.validate():
        try:
            entry, created = services.record_visit(
                form.content(), form.client_uuid.data, current_user
            )
        except SubmissionConflict:
            _conflict(form)
        else:
            if created:
                flash(_("%(reference)s logged.", reference=entry.reference), "success")
            return see_other(url_for("calls.log"))
    return form_error("calls/new_visit.html", "calls/_visit_form.html", 422, form=form)


def _report_for_request():
    form = PeriodForm(request.args, districts=districts_for_filter())
    default = services.default_period()
    if not form.validate():
        return form, services.calls_report(default), 422
    first, last = form.period(default)
    district = int(form.district.data) if form.district.data else None
    return form, services.calls_report(services.Period(first, last), district), 200


@bp.get("/report")
@roles(*SUPERVISORS)
def report():
    form, report, status = _report_for_request()
    bars = services.chart_bars(report)
    return render_template("calls/report.html", form=form, report=report, bars=bars), status


@bp.get("/report.csv")
@roles(*SUPERVISORS)
def report_csv():
    _form, report, status = _report_for_request()
    if status != 200:
        abort(400)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(services.csv_rows(report))
    name = f"calls-{report.period.first.isoformat()}-{report.period.last.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/types", methods=["GET", "POST"])
@roles(Role.ADMIN)
def types():
    form = CallTypeForm()
    if request.method == "POST" and form.validate():
        try:
            services.create_type(form.name.data.strip(), form.sworn_minutes.data, current_user)
        except services.CallTypeError:
            form.name.errors.append(_("A call type of this name exists already."))
        else:
            flash(_("Call type added."), "success")
            return see_other(url_for("calls.types"))
    status = 422 if request.method == "POST" else 200
    return render_template("calls/types.html", form=form, kinds=services.call_types()), status


@bp.route("/types/<id:type_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_type(type_id: int):
    kind = db.session.get(CallType, type_id) or abort(404)
    form = CallTypeForm(obj=kind)
    if request.method == "POST" and form.validate():
        try:
            changed = services.update_type(kind, form.fields(), current_user)
        except services.CallTypeError:
            form.name.errors.append(_("A call type of this name exists already."))
        else:
            flash(_("Changes saved.") if changed else _("Nothing had changed."), "success")
            return see_other(url_for("calls.types"))
    status = 422 if request.method == "POST" else 200
    return render_template("calls/edit_type.html", form=form, kind=kind), status
