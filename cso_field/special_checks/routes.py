"""The CSO's and Senior CSO's side of special checks: today's list, the map, visits, overview."""

import re

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from cso_field.access import roles, staff
from cso_field.auth.models import Role
from cso_field.districts.services import district_filter_arg, districts_for_filter
from cso_field.extensions import db
from cso_field.geo import CoordinateError, validate_coordinates
from cso_field.htmx import form_error, render, see_other
from cso_field.photos.services import PhotoError, photos_for
from cso_field.records import services as records
from cso_field.records.registry import can_view
from cso_field.settings import get_setting
from cso_field.special_checks import visits as checks
from cso_field.special_checks.models import CheckVisit, SpecialCheck, VisitOutcome
from cso_field.special_checks.visit_forms import VisitForm

bp = Blueprint("checks", __name__, url_prefix="/checks")

# The order of the outcome buttons on a check's page.
OUTCOME_BUTTONS = [
    VisitOutcome.ALL_SECURE,
    VisitOutcome.OPEN_DOOR_OR_WINDOW,
    VisitOutcome.FORCED_ENTRY,
    VisitOutcome.SUSPICIOUS,
    VisitOutcome.OTHER,
]
# Where the map opens when no check has a position (Stockton City Hall).
DEFAULT_MAP_CENTRE = (37.9577, -121.2908)


# -- Template helpers -------------------------------------------------------------------------


@bp.app_template_filter("distance")
def format_distance(metres: float) -> str:
    """350 m, 2.4 km: in the viewer's locale."""
    if metres < 1000:
        return _("%(metres)s m", metres=format_decimal(round(metres / 10) * 10))
    return _("%(km)s km", km=format_decimal(metres / 1000, format="#,##0.0"))


@bp.app_template_filter("tel_href")
def tel_href(phone: str) -> str:
    """A phone number as printed, reduced to what a tel: link may hold."""
    return re.sub(r"[^0-9+]", "", phone)


@bp.app_template_global()
def special_checks_today():
    return checks.today_summary(checks.department_today())


@bp.app_template_global()
def visit_outcome_label(outcome: str) -> str:
    return checks.outcome_label(outcome)


@bp.app_template_global()
def check_kind_label(kind: str) -> str:
    return checks.kind_label(kind)


# -- Today's checks and the map ---------------------------------------------------------------


def _position() -> tuple[float | None, float | None]:
    latitude = request.args.get("lat", type=float)
    longitude = request.args.get("lon", type=float)
    if latitude is None or longitude is None:
        return None, None
    try:
        validate_coordinates(latitude, longitude)
    except CoordinateError:
        return None, None
    return latitude, longitude


def _list_context() -> dict:
    latitude, longitude = _position()
    district = district_filter_arg()
    today = checks.department_today()
    rows = checks.todays_checks(latitude, longitude, district, today)
    return {
        "rows": rows,
        "district": district,
        "districts": districts_for_filter(),
        "located": latitude is not None,
        "latitude": latitude,
        "longitude": longitude,
        "today": today,
    }


@bp.get("/")
@staff
def index():
    return render("checks/index.html", "checks/_list.html", **_list_context())


@bp.get("/map")
@staff
def map_view():
    return render_template("checks/map.html", default_centre=DEFAULT_MAP_CENTRE, **_list_context())


# -- One check, and recording a visit ---------------------------------------------------------


def _get_check_or_404(check_id: int) -> SpecialCheck:
    check = db.session.get(SpecialCheck, check_id)
    if check is None or (check.deleted_at is not None and current_user.role != Role.ADMIN):
        abort(404)
    return check


def _check_context(check: SpecialCheck, form: VisitForm, **extra) -> dict:
    today = checks.department_today()
    return {
        "check": check,
        "form": form,
        "active": checks.is_active(check, today),
        "state": checks.state_label(check, today),
        "visits": checks.visits_of(check),
        "visit_count": checks.visit_count(check),
        "outcomes": OUTCOME_BUTTONS,
        **extra,
    }


@bp.get("/<id:check_id>")
@staff
def view(check_id: int):
    check = _get_check_or_404(check_id)
    return render_template("checks/view.html", **_check_context(check, VisitForm()))


def _uploads():
    return [upload for upload in request.files.getlist("photos") if upload and upload.filename]


def _form_error(check: SpecialCheck, form: VisitForm, status: int, **extra):
    return form_error(
        "checks/view.html",
        "checks/_visit_form.html",
        status,
        **_check_context(check, form, **extra),
    )


@bp.post("/<id:check_id>/visits")
@staff
def record_visit(check_id: int):
    check = _get_check_or_404(check_id)
    form = VisitForm()
    if not form.validate():
        return _form_error(check, form, 422)
    if not checks.is_active(check, checks.department_today()):
        form.outcome.errors.append(_("This check is not active today: no visit can be recorded."))
        return _form_error(check, form, 409)
    try:
        visit, created = checks.record_visit(
            check,
            current_user,
            form.outcome.data,
            form.notes.data,
            form.latitude.data,
            form.longitude.data,
            form.accuracy_m.data,
            form.client_uuid.data,
            _uploads(),
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(
            _("This visit was already sent with a different answer. Reload the page to record it.")
        )
        return _form_error(check, form, 422)
    except PhotoError as error:
        return _form_error(check, form, error.status, photo_error=str(error))
    if visit.outcome == VisitOutcome.ALL_SECURE:
        if created:
            flash(_("%(address)s: all secure, recorded.", address=check.address), "success")
        return see_other(url_for("checks.index"))
    return see_other(url_for("checks.visit", record_id=visit.id))


@bp.get("/visits/<id:record_id>")
@staff
def visit(record_id: int):
    visit = db.session.get(CheckVisit, record_id)
    if not can_view(current_user, visit):
        abort(404)
    return render_template(
        "checks/visit.html",
        visit=visit,
        record=visit,
        check=visit.check,
        photos=photos_for(visit),
        history=records.history(visit),
        fields=checks.CHECK_VISITS.fields,
        contact_alerted=checks.emergency_contact_alerted(visit.check, visit),
        # Visits are observations: kept as made, deleted with a reason if wrong.
        can_edit=False,
        can_review=False,
        can_delete=records.can_delete(current_user, visit),
    )


# -- The Senior CSO's overview ----------------------------------------------------------------


@bp.get("/overview")
@roles(Role.SENIOR_CSO, Role.ADMIN)
def overview():
    stale_days = int(get_setting("check_stale_after_days"))
    page = request.args.get("page", 1, type=int)
    summary = checks.overview(checks.department_today(), stale_days, page)
    return render_template("checks/overview.html", overview=summary)
