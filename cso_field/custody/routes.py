"""Chain of custody, the staff blueprint: items, hand-overs, custody forms, trips."""

from flask import Blueprint, Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from cso_field import audit, htmx
from cso_field.custody import services
from cso_field.custody.forms import (
    CloseTransportForm,
    HandoverForm,
    ItemForm,
    MailForm,
    MovementForm,
    ReceiptForm,
    SeizureForm,
    SeizureStateForm,
    SupplyForm,
    TransportForm,
)
from cso_field.custody.models import (
    AssetSeizure,
    CustodyItem,
    CustodyTransfer,
    LabMailing,
    SupplyItem,
    Transport,
)
from cso_field.documents import pdf_response, render_pdf
from cso_field.extensions import db
from cso_field.htmx import form_error, render, see_other
from cso_field.photos.services import PhotoError, photos_for, posted_photos
from cso_field.records import services as records
from cso_field.records.registry import can_view
from cso_field.roles import SUPERVISORS, roles, staff
from cso_field.storage import StorageError
from cso_field.timeutil import department_today, utcnow

bp = Blueprint("custody", __name__, url_prefix="/custody")


def _item_or_404(record_id: int) -> CustodyItem:
    item = db.session.get(CustodyItem, record_id)
    if not can_view(current_user, item):
        abort(404)
    return item


def _transport_or_404(record_id: int) -> Transport:
    trip = db.session.get(Transport, record_id)
    if not can_view(current_user, trip):
        abort(404)
    return trip


@bp.get("/")
@staff
def index():
    page = htmx.page_arg()
    mine = request.args.get("show") == "mine"
    rows, has_more = services.list_items(page, current_user if mine else None)
    return render(
        "custody/index.html",
        "custody/_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        more_args={"show": "mine"} if mine else {},
        mine=mine,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff
def new_item():
    form = ItemForm()
    if request.method == "GET":
        return render_template("custody/new.html", form=form)
    if not form.validate():
        return form_error("custody/new.html", "custody/_item_form.html", 422, form=form)
    try:
        item, created = services.create_item(
            form.content(utcnow()),
            client_uuid=form.client_uuid.data,
            author=current_user,
            uploads=posted_photos(),
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(_("This form was already sent with different content."))
        return form_error("custody/new.html", "custody/_item_form.html", 422, form=form)
    except PhotoError as error:
        return form_error(
            "custody/new.html",
            "custody/_item_form.html",
            error.status,
            form=form,
            photo_error=str(error),
        )
    if created:
        flash(_("Item %(reference)s saved.", reference=item.reference), "success")
    return see_other(url_for("custody.item", record_id=item.id))


def _item_context(found: CustodyItem, **extra) -> dict:
    return {
        "item": found,
        "record": found,
        "photos": photos_for(found),
        "history": records.history(found),
        "fields": services.CUSTODY_ITEMS.fields,
        "problems": services.check_chain(found),
        "can_delete": records.can_delete(current_user, found),
        "overdue": found.mailing is not None and services.is_overdue(found.mailing),
        "receipt_form": ReceiptForm(formdata=None),
        **extra,
    }


@bp.get("/<id:record_id>")
@staff
def item(record_id: int):
    return render_template("custody/item.html", **_item_context(_item_or_404(record_id)))


@bp.get("/<id:record_id>/form")
@staff
def custody_form(record_id: int):
    found = _item_or_404(record_id)
    return render_template("custody/custody_form.html", item=found, pdf=False)


@bp.get("/<id:record_id>/form.pdf")
@staff
def custody_pdf(record_id: int):
    found = _item_or_404(record_id)
    rendered = render_pdf("custody/custody_form.html", item=found)
    audit.record("custody.pdf", object_type="custody_item", object_id=found.id)
    db.session.commit()
    return pdf_response(rendered, f"{found.reference}-custody.pdf")


@bp.get("/transfers/<id:transfer_id>/<any(giver, receiver):which>.png")
@staff
def signature(transfer_id: int, which: str):
    row = db.session.get(CustodyTransfer, transfer_id)
    if row is None or not can_view(current_user, row.item):
        abort(404)
    try:
        content = services.signature_image(row, which)
    except StorageError:
        abort(404)
    return Response(content, mimetype="image/png")


def _handover_page(form: HandoverForm, status: int = 200, trip: Transport | None = None, **extra):
    return form_error(
        "custody/handover.html",
        "custody/_handover_form.html",
        status,
        form=form,
        trip=trip,
        **extra,
    )


def _posted_trip(value) -> Transport | None:
    """The trip a hand-over belongs to (its pick-up or drop-off), or None for a hand-over
    outside any trip; 404 for a trip that is not there."""
    if not value:
        return None
    if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
        abort(404)
    return _transport_or_404(int(value))


@bp.route("/handover", methods=["GET", "POST"])
@staff
def handover():
    form = HandoverForm()
    trip = _posted_trip(form.transport.data or request.args.get("transport"))
    if request.method == "GET":
        services.prefill_handover(form, request.args, current_user, trip)
        return render_template("custody/handover.html", form=form, trip=trip)
    if not form.validate():
        return _handover_page(form, 422, trip)
    numbers = services.parse_numbers(form.items.data)
    try:
        made = services.hand_over(
            numbers, form.handover(utcnow()), current_user, trip=trip, step=form.step.data
        )
    except services.CustodyError as error:
        return _handover_page(form, 422, trip, refusal=error.message)
    flash(
        _("%(count)d item(s) handed over to %(name)s.", count=len(made), name=made[0].to_name),
        "success",
    )
    if trip is not None:
        return see_other(url_for("custody.transport", record_id=trip.id))
    return see_other(url_for("custody.item", record_id=made[0].item_id))


@bp.get("/transports/")
@staff
def transports():
    page = htmx.page_arg()
    open_only = request.args.get("show") != "all"
    rows, has_more = services.list_transports(page, open_only)
    return render(
        "custody/transports.html",
        "custody/_transport_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        more_args={} if open_only else {"show": "all"},
        open_only=open_only,
    )


@bp.route("/transports/new", methods=["GET", "POST"])
@staff
def new_transport():
    form = TransportForm()
    if request.method == "GET":
        form.items.data = request.args.get("items", "")[:1000]
        return render_template("custody/new_transport.html", form=form)
    if not form.validate():
        return form_error(
            "custody/new_transport.html", "custody/_transport_form.html", 422, form=form
        )
    try:
        trip, created = services.create_transport(
            form.content(),
            services.parse_numbers(form.items.data),
            client_uuid=form.client_uuid.data,
            author=current_user,
        )
    except (services.CustodyError, records.SubmissionConflict) as error:
        message = getattr(error, "message", _("This form was already sent with different content."))
        return form_error(
            "custody/new_transport.html",
            "custody/_transport_form.html",
            422,
            form=form,
            refusal=message,
        )
    if created:
        flash(_("Trip %(reference)s started.", reference=trip.reference), "success")
    return see_other(url_for("custody.transport", record_id=trip.id))


@bp.get("/transports/<id:record_id>")
@staff
def transport(record_id: int):
    trip = _transport_or_404(record_id)
    return render_template(
        "custody/transport.html",
        trip=trip,
        form=CloseTransportForm(),
        **services.transport_context(trip),
    )


@bp.post("/transports/<id:record_id>/close")
@staff
def close_transport(record_id: int):
    trip = _transport_or_404(record_id)
    form = CloseTransportForm()
    if not form.validate():
        return form_error(
            "custody/transport.html",
            "custody/_close_form.html",
            422,
            trip=trip,
            form=form,
            **services.transport_context(trip),
        )
    try:
        services.close_transport(
            trip, current_user, form.lab_receipt_number.data, form.witness_name.data
        )
    except services.CustodyError as error:
        return form_error(
            "custody/transport.html",
            "custody/_close_form.html",
            422,
            trip=trip,
            form=form,
            refusal=error.message,
            **services.transport_context(trip),
        )
    flash(_("Trip %(reference)s closed.", reference=trip.reference), "success")
    return see_other(url_for("custody.transport", record_id=trip.id))


@bp.get("/samples")
@staff
def samples():
    page = htmx.page_arg()
    overdue_only = request.args.get("show") == "overdue"
    rows, has_more = services.list_samples(overdue_only, page)
    return render(
        "custody/samples.html",
        "custody/_sample_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        more_args={"show": "overdue"} if overdue_only else {},
        overdue_only=overdue_only,
        days=services.confirmation_days(),
        is_overdue=services.is_overdue,
    )


@bp.route("/<id:record_id>/mail", methods=["GET", "POST"])
@staff
def mail(record_id: int):
    found = _item_or_404(record_id)
    form = MailForm()
    if request.method == "GET":
        return render_template("custody/mail.html", form=form, item=found)
    if not form.validate():
        return form_error(
            "custody/mail.html", "custody/_mail_form.html", 422, form=form, item=found
        )
    try:
        services.mail_sample(found, form.content(department_today()), current_user)
    except services.CustodyError as error:
        return form_error(
            "custody/mail.html",
            "custody/_mail_form.html",
            422,
            form=form,
            item=found,
            refusal=error.message,
        )
    flash(_("Mailing of %(reference)s recorded.", reference=found.reference), "success")
    return see_other(url_for("custody.item", record_id=found.id))


@bp.post("/mailings/<id:mailing_id>/receipt")
@staff
def receipt(mailing_id: int):
    mailing = db.session.get(LabMailing, mailing_id)
    if mailing is None or not can_view(current_user, mailing.item):
        abort(404)
    form = ReceiptForm()
    refusal = None
    if form.validate():
        try:
            received_on = form.received_on.data or department_today()
            services.confirm_receipt(mailing, received_on, current_user)
        except services.CustodyError as error:
            refusal = error.message
        else:
            flash(_("The laboratory's receipt is recorded."), "success")
            return see_other(url_for("custody.item", record_id=mailing.item_id))
    context = _item_context(mailing.item, receipt_form=form, refusal=refusal)
    return form_error("custody/item.html", "custody/_receipt_form.html", 422, **context)


def _seizure_or_404(record_id: int) -> AssetSeizure:
    seizure = db.session.get(AssetSeizure, record_id)
    if not can_view(current_user, seizure):
        abort(404)
    return seizure


@bp.get("/seizures/")
@staff
def seizures():
    page = htmx.page_arg()
    state = request.args.get("state") or None
    rows, has_more = services.list_seizures(state, page)
    return render(
        "custody/seizures.html",
        "custody/_seizure_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        more_args={"state": state} if state else {},
        state=state,
        states=list(services.SeizureState),
    )


def _seizure_form() -> SeizureForm:
    form = SeizureForm()
    nobody = SelectChoice("", _("Nobody: no cash"))
    counters = [SelectChoice(str(user_id), name) for user_id, name in services.counters()]
    form.second_counter.choices = [nobody, *counters]
    return form


@bp.route("/seizures/new", methods=["GET", "POST"])
@staff
def new_seizure():
    form = _seizure_form()
    if request.method == "GET":
        return render_template("custody/new_seizure.html", form=form)
    page = ("custody/new_seizure.html", "custody/_seizure_form.html")
    if not form.validate():
        return form_error(*page, 422, form=form)
    count = services.CashCount(
        form.cash.data, form.counter_id(), form.first_signature.data, form.second_signature.data
    )
    try:
        seizure, created = services.record_seizure(
            form.content(utcnow()), count, client_uuid=form.client_uuid.data, author=current_user
        )
    except (services.CustodyError, records.SubmissionConflict) as error:
        message = getattr(error, "message", _("This form was already sent with different content."))
        return form_error(*page, 422, form=form, refusal=message)
    if created:
        flash(_("Seizure %(reference)s logged.", reference=seizure.reference), "success")
    return see_other(url_for("custody.seizure", record_id=seizure.id))


def _state_form(seizure: AssetSeizure) -> SeizureStateForm:
    form = SeizureStateForm()
    following = services.NEXT_STATES.get(services.SeizureState(seizure.state), ())
    form.state.choices = [SelectChoice(state.value, state.lazy_label) for state in following]
    return form


def _seizure_context(found: AssetSeizure, **extra) -> dict:
    return {
        "seizure": found,
        "record": found,
        "history": records.history(found),
        "fields": services.SEIZURES.fields,
        "form": _state_form(found),
        "counter_names": dict(services.counters()),
        "can_delete": records.can_delete(current_user, found),
        **extra,
    }


@bp.get("/seizures/<id:record_id>")
@staff
def seizure(record_id: int):
    return render_template("custody/seizure.html", **_seizure_context(_seizure_or_404(record_id)))


@bp.post("/seizures/<id:record_id>/state")
@roles(*SUPERVISORS)
def seizure_state(record_id: int):
    found = _seizure_or_404(record_id)
    form = _state_form(found)
    refusal = None
    if form.validate():
        try:
            services.change_seizure_state(found, form.state.data, current_user)
        except services.CustodyError as error:
            refusal = error.message
        else:
            flash(_("State changed."), "success")
            return see_other(url_for("custody.seizure", record_id=found.id))
    context = _seizure_context(found, form=form, refusal=refusal)
    return form_error("custody/seizure.html", "custody/_seizure_state_form.html", 422, **context)


@bp.get("/seizures/<id:record_id>/<any(first, second):which>.png")
@staff
def seizure_signature(record_id: int, which: str):
    found = _seizure_or_404(record_id)
    try:
        content = services.seizure_signature(found, which)
    except StorageError:
        abort(404)
    return Response(content, mimetype="image/png")


@bp.get("/seizures/report")
@roles(*SUPERVISORS)
def seizure_report():
    first, last = services.report_period(request.args.get("from"), request.args.get("to"))
    return render_template(
        "custody/seizure_report.html",
        lines=services.seizure_report(first, last),
        first=first,
        last=last,
    )


@bp.get("/supplies/")
@staff
def supplies():
    page = htmx.page_arg()
    low_only = request.args.get("show") == "low"
    rows, has_more = services.list_supplies(low_only, page)
    return render(
        "custody/supplies.html",
        "custody/_supply_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        more_args={"show": "low"} if low_only else {},
        low_only=low_only,
    )


@bp.route("/supplies/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_supply():
    form = SupplyForm()
    if request.method == "GET":
        return render_template("custody/new_supply.html", form=form)
    page = ("custody/new_supply.html", "custody/_supply_form.html")
    if not form.validate():
        return form_error(*page, 422, form=form)
    try:
        supply = services.add_supply(form.content(), current_user)
    except services.CustodyError as error:
        return form_error(*page, 422, form=form, refusal=error.message)
    flash(_("%(name)s added.", name=supply.name), "success")
    return see_other(url_for("custody.supply", supply_id=supply.id))


def _movement_form() -> MovementForm:
    form = MovementForm()
    form.kind.choices = [SelectChoice(m.value, m.lazy_label) for m in services.Movement]
    form.team.choices = [SelectChoice(t.value, t.lazy_label) for t in services.Team]
    return form


def _supply_page(supply: SupplyItem, form: MovementForm, status: int = 200, **extra):
    return form_error(
        "custody/supply.html",
        "custody/_movement_form.html",
        status,
        supply=supply,
        form=form,
        movements=services.movements(supply),
        **extra,
    )


@bp.get("/supplies/<id:supply_id>")
@staff
def supply(supply_id: int):
    found = db.get_or_404(SupplyItem, supply_id)
    return render_template(
        "custody/supply.html",
        supply=found,
        form=_movement_form(),
        movements=services.movements(found),
    )


@bp.post("/supplies/<id:supply_id>/move")
@staff
def move_supply(supply_id: int):
    found = db.get_or_404(SupplyItem, supply_id)
    form = _movement_form()
    if not form.validate():
        return _supply_page(found, form, 422)
    try:
        services.move_supply(
            found,
            form.kind.data,
            form.quantity.data,
            current_user,
            person=form.person_name.data,
            team=form.team.data,
            signature=form.signature.data,
        )
    except services.CustodyError as error:
        return _supply_page(found, form, 422, refusal=error.message)
    flash(
        _("Recorded: %(name)s, %(count)d on hand.", name=found.name, count=found.on_hand), "success"
    )
    return see_other(url_for("custody.supply", supply_id=found.id))
