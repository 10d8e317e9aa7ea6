"""Staff side of special check requests: a check taken by phone or at the counter, and the
admin's rules for them."""

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import audit
from cso_field.access import roles, staff
from cso_field.auth.models import Role
from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.records.services import SubmissionConflict
from cso_field.settings import DEFAULTS, get_setting, set_setting
from cso_field.special_checks import requests as checks
from cso_field.special_checks.forms import CheckSettingsForm, StaffCheckForm
from cso_field.special_checks.models import RequestSource

bp = Blueprint("check_intake", __name__, url_prefix="/checks")


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = StaffCheckForm()
    if request.method == "GET":
        return render_template("checks/new.html", form=form)
    if not form.validate():
        return render_template("checks/new.html", form=form), 422
    try:
        check, created, _token = checks.create_request(
            client_uuid=form.client_uuid.data,
            content=form.content(),
            source=RequestSource(form.source.data),
            client_address=request.remote_addr,
            created_by=current_user,
        )
        db.session.commit()
    except SubmissionConflict:
        db.session.rollback()
        form.client_uuid.errors.append(
            _("This form was already sent with other details. Reload the page to start anew.")
        )
        return render_template("checks/new.html", form=form), 422
    if created:
        flash(_("Special check %(reference)s saved.", reference=check.reference), "success")
    return see_other(url_for("checks.view", check_id=check.id))


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings():
    current = {key: get_setting(key) for key in DEFAULTS}
    form = CheckSettingsForm(data=current)
    if request.method == "GET":
        return render_template("checks/settings.html", form=form)
    if not form.validate():
        return render_template("checks/settings.html", form=form), 422
    changed = {key: value for key, value in form.values().items() if current[key] != value}
    for key, value in changed.items():
        set_setting(key, value)
    if changed:
        audit.record(
            "settings.update",
            object_type="setting",
            detail=", ".join(f"{key}: {current[key]} -> {value}" for key, value in changed.items()),
        )
    db.session.commit()
    flash(_("Settings saved.") if changed else _("Nothing had changed."), "success")
    return see_other(url_for("check_intake.settings"))
