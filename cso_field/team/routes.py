"""The team, the staff blueprint: the board, finding a speaker, each user's languages and
contact, starting and ending a shift, training sessions, certifications and their kinds."""

from datetime import timedelta

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_login import current_user

from cso_field import htmx
from cso_field.auth.models import User
from cso_field.certifications import services as certifications
from cso_field.districts.models import District
from cso_field.districts.services import districts_for_filter
from cso_field.districts.shifts import ShiftError, current_shift, end_shift, start_shift
from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.roles import SUPERVISORS, Role, roles, staff
from cso_field.team import services
from cso_field.team.forms import (
    CertificationForm,
    CertificationTypeForm,
    EndShiftForm,
    FindSpeakerForm,
    ProfileForm,
    ShiftForm,
    TrainingSessionForm,
)
from cso_field.timeutil import department_today, utcnow

bp = Blueprint("team", __name__, url_prefix="/team")

MESSAGES = {
    "not_yours": _l("Only a Senior CSO or an admin may do this for someone else."),
    "not_field": _l("Only active CSOs and Senior CSOs work shifts."),
    "in_future": _l("The date cannot be in the future."),
    "expiry_before_earned": _l("The expiry must be after the date earned."),
    "type_exists": _l("A certification with this name already exists."),
    "not_supervisor": _l("Only a Senior CSO or an admin records certifications."),
    "not_admin": _l("Only an admin defines certifications."),
}


@bp.get("/")
@staff
def board():
    page = htmx.page_arg()
    rows, has_more = services.board(current_user, page)
    return htmx.render(
        "team/board.html",
        "team/_board_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        short_time=services.short_times(),
        languages=RESIDENT_LANGUAGES,
        shift=current_shift(current_user.id),
        end_form=EndShiftForm(),
    )


@bp.get("/roster")
@staff
def roster():
    form = FindSpeakerForm(request.args if "language" in request.args else None)
    found = None
    if "language" in request.args and form.validate():
        found = services.speakers(form.language.data, form.on_shift.data)
    status = 422 if form.errors else 200
    return render_template(
        "team/roster.html", form=form, found=found, languages=RESIDENT_LANGUAGES
    ), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/me", methods=["GET", "POST"])
@staff
def my_profile():
    return _profile_page(current_user, url_for("team.my_profile"))


@bp.route("/people/<id:user_id>", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def profile(user_id: int):
    user = _user_or_404(user_id)
    return _profile_page(user, url_for("team.profile", user_id=user.id))


def _profile_form(user: User) -> ProfileForm:
    contact = services.contacts_of([user.id]).get(user.id)
    spoken = services.languages_of([user.id])[user.id]
    data = {f"lang_{row.language}": row.proficiency for row in spoken}
    if contact:
        data |= {"phone": contact.phone or "", "call_sign": contact.call_sign or ""}
    return ProfileForm(data=data)


def _profile_page(user: User, here: str):
    """A user's languages and contact: themself (/team/me), a Senior CSO or an admin."""
    form = _profile_form(user)
    if request.method == "POST" and form.validate():
        services.save_profile(
            user, form.languages(), form.phone.data, form.call_sign.data, current_user
        )
        flash(_("Languages and contact saved."), "success")
        return see_other(here)
    status = 422 if request.method == "POST" else 200
    return render_template("team/profile.html", form=form, person=user, action=here), status


def _shift_form() -> ShiftForm:
    form = ShiftForm(data={"person": str(current_user.id)})
    people = [(current_user.id, current_user.display_name)]
    if current_user.role in SUPERVISORS:
        people = [(u.id, u.display_name) for u in services.active_staff() if u.role != Role.ADMIN]
    form.person.set_choices(people)
    form.district.set_choices(districts_for_filter())
    return form


@bp.route("/shift", methods=["GET", "POST"])
@staff
def shift():
    form = _shift_form()
    if request.method == "POST" and form.validate():
        person = _user_or_404(int(form.person.data))
        try:
            start_shift(person, db.session.get(District, int(form.district.data)), current_user)
        except ShiftError as error:
            form.person.errors.append(MESSAGES[error.code])
        else:
            flash(_("%(name)s is on shift.", name=person.display_name), "success")
            return see_other(url_for("team.board"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "team/shift.html", form=form, shift=current_shift(current_user.id)
    ), status


@bp.post("/shift/end")
@staff
def end():
    if not EndShiftForm().validate():
        abort(400)
    if end_shift(current_user, current_user):
        flash(_("Shift ended."), "success")
    return see_other(url_for("main.today"))


# -- Training and certifications (Senior CSOs and admins) --------------------------------------


@bp.get("/training")
@roles(*SUPERVISORS)
def training():
    page = htmx.page_arg()
    rows, has_more = services.sessions(page)
    names = services.user_names(a.user_id for row in rows for a in row.attendees)
    return htmx.render(
        "team/training.html",
        "team/_sessions.html",
        rows=rows,
        has_more=has_more,
        page=page,
        names=names,
        expiring=certifications.expiring() if page == 1 else [],
        today=department_today(),
    )


@bp.route("/training/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_session():
    now = to_user_timezone(utcnow())
    form = TrainingSessionForm(
        data={
            "held_on": now.date(),
            "held_time": now.time().replace(minute=0, second=0, microsecond=0),
        }
    )
    form.attendees.set_choices([(u.id, u.display_name) for u in services.active_staff()])
    if request.method == "POST" and form.validate():
        services.record_session(form.session(), form.attendees.ids, current_user)
        flash(_("Training session saved."), "success")
        return see_other(url_for("team.training"))
    status = 422 if request.method == "POST" else 200
    return render_template("team/new_session.html", form=form), status


def _certifications_page(user: User, form: CertificationForm, status: int):
    today = department_today()
    return render_template(
        "team/certifications.html",
        form=form,
        person=user,
        held=certifications.of_user(user.id),
        today=today,
        soon=today + timedelta(days=certifications.EXPIRING_DAYS),
    ), status


@bp.route("/people/<id:user_id>/certifications", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def certifications_of(user_id: int):
    user = _user_or_404(user_id)
    form = CertificationForm(data={"earned_on": department_today()})
    kinds = {str(kind.id): kind for kind in certifications.types()}
    form.kind.set_choices([(key, kind.name) for key, kind in kinds.items()])
    if request.method == "POST" and form.validate():
        try:
            certifications.record(
                user,
                kinds[form.kind.data],
                earned_on=form.earned_on.data,
                expires_on=form.expires_on.data,
                note=form.note.data,
                by=current_user,
            )
        except certifications.CertificationError as error:
            db.session.rollback()
            form.earned_on.errors.append(MESSAGES[error.code])
        else:
            flash(_("Certification recorded."), "success")
            return see_other(url_for("team.certifications_of", user_id=user.id))
    return _certifications_page(user, form, 422 if request.method == "POST" else 200)


@bp.route("/certification-kinds", methods=["GET", "POST"])
@roles(Role.ADMIN)
def certification_kinds():
    form = CertificationTypeForm()
    if request.method == "POST" and form.validate():
        try:
            certifications.create_type(form.name.data, current_user)
        except certifications.CertificationError as error:
            form.name.errors.append(MESSAGES[error.code])
        else:
            flash(_("Certification added."), "success")
            return see_other(url_for("team.certification_kinds"))
    status = 422 if request.method == "POST" else 200
    return render_template("team/kinds.html", form=form, kinds=certifications.types()), status
