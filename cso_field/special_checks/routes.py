"""Special checks, the staff blueprint: today's list and map, a check and its visits,
a check taken by phone or at the counter, the Senior CSO's overview and the admin's rules."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.districts.services import district_filter_arg, districts_for_filter
from cso_field.extensions import db
from cso_field.htmx import form_error, render, see_other
from cso_field.photos.services import PhotoError, photos_for, posted_photos
from cso_field.records import services as records
from cso_field.records.location import position_arg
from cso_field.records.registry import can_view
from cso_field.roles import SUPERVISORS, Role, roles, staff
from cso_field.settings import get_setting
from cso_field.special_checks import lists, services, visits
from cso_field.special_checks.forms import (
    CheckSettingsForm,
    StaffCheckForm,
    VisitForm,
    VisitNotesForm,
)
from cso_field.special_checks.models import CheckVisit, RequestSource, SpecialCheck, VisitOutcome
from cso_field.timeutil import department_today

bp = Blueprint("special_checks", __name__, url_prefix="/checks")


@bp.app_template_filter("language_name")
def language_name(code: str | None) -> str:
    """A requester's language by name, in the officer's own language."""
    return services.language_name(code)


# Where the map opens when no check has a position (Stockton City Hall).
DEFAULT_MAP_CENTRE = (37.9577, -121.2908)


# -- Today's checks and the map ---------------------------------------------------------------


def _list_context() -> dict:
    latitude, longitude = position_arg()
    district = district_filter_arg()
    today = department_today()
    page = htmx.page_arg()
    rows, has_more = lists.todays_checks(latitude, longitude, district, today, page)
    return {
        "rows": rows,
        "has_more": has_more,
        "page": page,
        "starting_soon": lists.starting_soon(today, district, limit=lists.STARTING_SOON_SHOWN + 1),
        "starting_soon_shown": lists.STARTING_SOON_SHOWN,
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
    if htmx.page_arg() > 1:  # "More": the next rows only
        return render("special_checks/index.html", "special_checks/_rows.html", **_list_context())
    return render("special_checks/index.html", "special_checks/_list.html", **_list_context())


@bp.get("/map")
@staff
def map_view():
    return render_template(
        "special_checks/map.html", default_centre=DEFAULT_MAP_CENTRE, **_list_context()
    )


# -- A check taken by phone or at the counter -------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = StaffCheckForm()
    if request.method == "GET":
        return render_template("special_checks/new.html", form=form)
    if not form.validate():
        return render_template("special_checks/new.html", form=form), 422
    try:
        check, created, _token = services.create_check(
            client_uuid=form.client_uuid.data,
            content=form.content(),
            source=RequestSource(form.source.data),
            client_address=request.remote_addr,
            created_by=current_user,
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(
            _("This form was already sent with other details. Reload the page to start anew.")
        )
        return render_template("special_checks/new.html", form=form), 422
    if created:
        flash(_("Special check %(reference)s saved.", reference=check.reference), "success")
    return see_other(url_for("special_checks.view", check_id=check.id))


# -- One check, and recording a visit ---------------------------------------------------------


def _get_check_or_404(check_id: int) -> SpecialCheck:
    check = db.session.get(SpecialCheck, check_id)
    if check is None or (check.deleted_at is not None and current_user.role != Role.ADMIN):
        abort(404)
    return check


def _check_context(check: SpecialCheck, form: VisitForm, **extra) -> dict:
    state = services.state_of(check)
    return {
        "check": check,
        "form": form,
        "active": state is services.CheckState.ACTIVE,
        "state": state.label,
        "visits": lists.visits_of(check),
        "visit_count": lists.visit_count(check),
        "outcomes": visits.OUTCOME_BUTTONS,
        **extra,
    }


@bp.get("/<id:check_id>")
@staff
def view(check_id: int):
    check = _get_check_or_404(check_id)
    return render_template("special_checks/view.html", **_check_context(check, VisitForm()))


def _visit_form_error(check: SpecialCheck, form: VisitForm, status: int, **extra):
    return form_error(
        "special_checks/view.html",
        "special_checks/_visit_form.html",
        status,
        **_check_context(check, form, **extra),
    )


@bp.post("/<id:check_id>/visits")
@staff
def record_visit(check_id: int):
    check = _get_check_or_404(check_id)
    form = VisitForm()
    if not form.validate():
        return _visit_form_error(check, form, 422)
    if not services.is_active(check):
        form.outcome.errors.append(_("This check is not active today: no visit can be recorded."))
        return _visit_form_error(check, form, 409)
    try:
        visit, created = visits.record_visit(
            check,
            current_user,
            outcome=form.outcome.data,
            notes=form.notes.data,
            position=(form.latitude.data, form.longitude.data, form.accuracy_m.data),
            client_uuid=form.client_uuid.data,
            uploads=posted_photos(),
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(
            _("This visit was already sent with a different answer. Reload the page to record it.")
        )
        return _visit_form_error(check, form, 422)
    except PhotoError as error:
        return _visit_form_error(check, form, error.status, photo_error=str(error))
    return _after_visit(check, visit, created)


def _after_visit(check: SpecialCheck, visit: CheckVisit, created: bool):
    """All secure: back to the list for the next check. A problem: the visit's page, with
    what to do next."""
    if visit.outcome != VisitOutcome.ALL_SECURE:
        return see_other(url_for("special_checks.visit", record_id=visit.id))
    if created:
        flash(_("%(address)s: all secure, recorded.", address=check.address), "success")
    return see_other(url_for("special_checks.index"))


@bp.get("/visits/<id:record_id>")
@staff
def visit(record_id: int):
    visit = db.session.get(CheckVisit, record_id)
    if not can_view(current_user, visit):
        abort(404)
    return render_template(
        "special_checks/visit.html",
        visit=visit,
        record=visit,
        check=visit.check,
        photos=photos_for(visit),
        history=records.history(visit),
        fields=visits.CHECK_VISITS.fields,
        contact_alerted=visits.emergency_contact_alerted(visit.check, visit),
        # Visits are observations: corrected (notes, photos) only once returned to the author.
        can_edit=visits.may_correct(current_user, visit),
        edit_url=url_for("special_checks.edit_visit", record_id=visit.id),
        can_review=records.can_review(current_user, visit),
        can_delete=records.can_delete(current_user, visit),
    )


@bp.route("/visits/<id:record_id>/edit", methods=["GET", "POST"])
@staff
def edit_visit(record_id: int):
    """The author corrects a returned visit's notes, then resubmits it from its page."""
    visit = db.session.get(CheckVisit, record_id)
    if not can_view(current_user, visit):
        abort(404)
    if not visits.may_correct(current_user, visit):
        abort(403)
    form = VisitNotesForm(obj=visit)
    if request.method == "POST" and form.validate():
        try:
            changes = visits.correct_visit(visit, current_user, form.notes.data)
        except records.RecordRuleError:
            flash(_("This visit is no longer returned for changes; nothing was saved."), "error")
        else:
            flash(_("Changes saved.") if changes else _("Nothing had changed."), "success")
        return see_other(url_for("special_checks.visit", record_id=visit.id))
    status = 422 if request.method == "POST" else 200
    return render_template("special_checks/visit_edit.html", form=form, visit=visit), status


# -- The Senior CSO's overview, and the admin's rules ------------------------------------------


@bp.get("/overview")
@roles(*SUPERVISORS)
def overview():
    stale_days = int(get_setting("check_stale_after_days"))
    summary = lists.overview(department_today(), stale_days)
    return render_template("special_checks/overview.html", overview=summary)


@bp.get("/overview/<any(problems, stale, active):name>")
@roles(*SUPERVISORS)
def overview_section(name: str):
    return _section_page(name)


@bp.get("/starting")
@staff
def starting_soon():
    return _section_page("starting")


def _section_page(name: str):
    """One overview section, 25 rows a page, with "Load more" for the next page."""
    stale_days = int(get_setting("check_stale_after_days"))
    page = htmx.page_arg()
    section = lists.overview_section(name, department_today(), stale_days, page)
    return render(
        "special_checks/section.html",
        "special_checks/_section_rows.html",
        section=section,
        stale_days=stale_days,
    )


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings():
    form = CheckSettingsForm(data={key: get_setting(key) for key in services.SETTINGS_DEFAULTS})
    if request.method == "GET":
        return render_template("special_checks/settings.html", form=form)
    if not form.validate():
        return render_template("special_checks/settings.html", form=form), 422
    changed = services.save_settings(form.values())
    flash(_("Settings saved.") if changed else _("Nothing had changed."), "success")
    return see_other(url_for("special_checks.settings"))
