"""Community programs, the staff screens: the calendar (day and week), opening fingerprint
slots, an appointment (its outcome, its assignment) and the messages to deliver."""

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_utc
from flask_login import current_user

from cso_field import htmx
from cso_field.assignments import services as assignments
from cso_field.assignments.services import AssignmentError
from cso_field.community import services
from cso_field.community.forms import (
    AssignForm,
    AttemptForm,
    MessageForm,
    OutcomeForm,
    SlotsForm,
)
from cso_field.community.models import (
    AppointmentOutcome,
    DeliveryOutcome,
    FingerprintAppointment,
    MessageDelivery,
)
from cso_field.community.services import BookingError, DeathNotification
from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.records.services import SubmissionConflict
from cso_field.roles import SUPERVISORS, roles, staff
from cso_field.timeutil import department_today

bp = Blueprint("community", __name__, url_prefix="/community")


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return department_today()


@bp.get("/")
@staff
def calendar():
    week = request.args.get("view") == "week"
    day = _day_arg()
    first = services.week_start(day) if week else day
    days, more = services.calendar(first, 7 if week else 1)
    step = timedelta(days=7 if week else 1)
    return render_template(
        "community/calendar.html",
        days=days,
        more=more,
        week=week,
        day=day,
        previous=first - step,
        following=first + step,
        today=department_today(),
        names=services.assignees(services.calendar_records(days)),
    )


@bp.route("/slots/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_slots():
    form = SlotsForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("community/new_slots.html", form=form), status
    first = to_utc(datetime.combine(form.day.data, form.start.data))
    plan = services.SlotPlan(
        first, form.count.data, form.minutes.data, form.capacity.data, form.place.data
    )
    slots = services.open_slots(plan, current_user)
    flash(_("%(count)d slots opened.", count=len(slots)), "success")
    return see_other(url_for("community.calendar", day=form.day.data.isoformat()))


# -- An appointment ----------------------------------------------------------------------------


def _appointment_or_404(appointment_id: int) -> FingerprintAppointment:
    appointment = db.session.get(FingerprintAppointment, appointment_id)
    if appointment is None or appointment.deleted_at is not None:
        abort(404)
    return appointment


def _appointment_page(appointment, status=200, outcome_form=None, assign_form=None):
    assign_form = assign_form or AssignForm()
    assign_form.set_people(assignments.field_staff())
    body = render_template(
        "community/appointment.html",
        appointment=appointment,
        state=services.state_of(appointment),
        outcome_form=outcome_form or OutcomeForm(print_type=appointment.method),
        assign_form=assign_form,
        may_assign=services.may_assign(current_user),
        names=services.assignees([appointment]),
    )
    return body, status


@bp.get("/appointments/<id:appointment_id>")
@staff
def appointment(appointment_id: int):
    return _appointment_page(_appointment_or_404(appointment_id))


@bp.post("/appointments/<id:appointment_id>/outcome")
@staff
def record_outcome(appointment_id: int):
    appointment = _appointment_or_404(appointment_id)
    form = OutcomeForm()
    if not form.validate():
        return _appointment_page(appointment, 422, outcome_form=form)
    try:
        services.record_outcome(
            appointment,
            current_user,
            outcome=AppointmentOutcome(form.outcome.data),
            prints_count=form.prints_count.data,
            print_type=form.print_type.data,
        )
    except (BookingError, AssignmentError):
        form.outcome.errors.append(_("This appointment was cancelled; nothing was recorded."))
        return _appointment_page(appointment, 409, outcome_form=form)
    flash(_("Outcome recorded."), "success")
    return see_other(url_for("community.appointment", appointment_id=appointment.id))


@bp.post("/appointments/<id:appointment_id>/assign")
@roles(*SUPERVISORS)
def assign_appointment(appointment_id: int):
    appointment = _appointment_or_404(appointment_id)
    form = _assign_form()
    if not _assigned(appointment, form):
        return _appointment_page(appointment, 422, assign_form=form)
    return see_other(url_for("community.appointment", appointment_id=appointment.id))


def _assign_form() -> AssignForm:
    form = AssignForm()
    form.set_people(assignments.field_staff())
    return form


def _assigned(record, form: AssignForm) -> bool:
    if not form.validate():
        return False
    try:
        services.assign(record, int(form.assignee.data), current_user)
    except AssignmentError:
        form.assignee.errors.append(_("This person cannot take field work."))
        return False
    flash(_("Assigned."), "success")
    return True


# -- Messages to deliver -----------------------------------------------------------------------


@bp.get("/messages/")
@staff
def messages():
    page = htmx.page_arg()
    rows, has_more = services.deliveries(page)
    return htmx.render(
        "community/messages.html",
        "community/_message_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
    )


@bp.route("/messages/new", methods=["GET", "POST"])
@staff
def new_message():
    form = MessageForm()
    if request.method == "GET":
        return render_template("community/new_message.html", form=form)
    if not form.validate():
        return render_template("community/new_message.html", form=form), 422
    try:
        delivery, _created = services.create_delivery(
            _message_content(form), client_uuid=form.client_uuid.data, author=current_user
        )
    except DeathNotification:
        return render_template("community/new_message.html", form=form, refused=True), 422
    except SubmissionConflict:
        form.client_uuid.errors.append(_("This form was already sent. Reload the page."))
        return render_template("community/new_message.html", form=form), 422
    return see_other(url_for("community.message", message_id=delivery.id))


def _message_content(form: MessageForm) -> dict:
    return {
        "recipient": form.recipient.data.strip(),
        "address": form.address.data.strip(),
        "message": form.message.data.strip(),
        "requested_by": form.requested_by.data.strip(),
        "due_at": to_utc(datetime.combine(form.due_day.data, form.due_time.data)),
    }


def _message_or_404(message_id: int) -> MessageDelivery:
    delivery = db.session.get(MessageDelivery, message_id)
    if delivery is None or delivery.deleted_at is not None:
        abort(404)
    return delivery


def _message_page(delivery, status=200, attempt_form=None, assign_form=None):
    body = render_template(
        "community/message.html",
        delivery=delivery,
        attempt_form=attempt_form or AttemptForm(),
        assign_form=assign_form or _assign_form(),
        may_assign=services.may_assign(current_user),
        names=services.assignees([delivery]),
    )
    return body, status


@bp.get("/messages/<id:message_id>")
@staff
def message(message_id: int):
    return _message_page(_message_or_404(message_id))


@bp.post("/messages/<id:message_id>/attempts")
@staff
def record_attempt(message_id: int):
    delivery = _message_or_404(message_id)
    form = AttemptForm()
    if not form.validate():
        return _message_page(delivery, 422, attempt_form=form)
    try:
        services.record_attempt(
            delivery, current_user, DeliveryOutcome(form.outcome.data), form.note.data or None
        )
    except (BookingError, AssignmentError):
        form.outcome.errors.append(_("This message was already delivered."))
        return _message_page(delivery, 409, attempt_form=form)
    flash(_("Attempt recorded."), "success")
    return see_other(url_for("community.message", message_id=delivery.id))


@bp.post("/messages/<id:message_id>/assign")
@roles(*SUPERVISORS)
def assign_message(message_id: int):
    delivery = _message_or_404(message_id)
    form = _assign_form()
    if not _assigned(delivery, form):
        return _message_page(delivery, 422, assign_form=form)
    return see_other(url_for("community.message", message_id=delivery.id))
