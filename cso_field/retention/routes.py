"""The Retention screen (admins): each record type's period, and the holds."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.retention import services
from cso_field.retention.forms import HoldForm, field_name, periods_form
from cso_field.retention.models import RetentionHold
from cso_field.retention.registry import rules
from cso_field.roles import Role, roles

bp = Blueprint("retention", __name__, url_prefix="/admin/retention")


def _periods_form(posted: bool = False):
    current = {rule.name: services.period_days(rule) for rule in rules()}
    return periods_form(rules(), current, request.form if posted else None)


def _page(periods=None, hold=None, status: int = 200):
    holds = services.active_holds()
    return render_template(
        "retention/settings.html",
        form=periods or _periods_form(),
        hold_form=hold or HoldForm(),
        rules=rules(),
        field_name=field_name,
        holds=holds,
        references=services.hold_references(holds),
    ), status


@bp.route("", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings():
    form = _periods_form(posted=request.method == "POST")
    if request.method == "GET":
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    days = {rule.name: form[field_name(rule.name)].data for rule in rules()}
    changed = services.save_periods(days)
    flash(_("Retention periods saved.") if changed else _("Nothing had changed."), "success")
    return see_other(url_for("retention.settings"))


@bp.post("/holds")
@roles(Role.ADMIN)
def add_hold():
    form = HoldForm()
    if not form.validate():
        return _page(hold=form, status=422)
    try:
        services.place_hold(form.reference.data, form.reason.data, current_user)
    except services.RetentionError as error:
        form.reference.errors.append(error.message)
        return _page(hold=form, status=422)
    flash(_("Hold placed: retention will not touch this record."), "success")
    return see_other(url_for("retention.settings"))


@bp.post("/holds/<id:hold_id>/release")
@roles(Role.ADMIN)
def release_hold(hold_id: int):
    hold = db.session.get(RetentionHold, hold_id) or abort(404)
    released = services.release_hold(hold, current_user)
    flash(_("Hold released.") if released else _("That hold was already released."), "success")
    return see_other(url_for("retention.settings"))
