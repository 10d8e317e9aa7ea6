"""Neighborhood Watch, the staff blueprint: groups (every officer sees them and records the
meetings they hold), Senior CSOs' sign-ups waiting for a group, creating groups, choosing the
block captain, and the groups with no recent meeting (admins set how many months)."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from cso_field import htmx
from cso_field.districts.services import district_name, districts_for_filter
from cso_field.extensions import db
from cso_field.htmx import render, see_other
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.neighborhood_watch import services
from cso_field.neighborhood_watch.forms import (
    AddToGroupForm,
    ButtonForm,
    GroupForm,
    MeetingForm,
    QuietMonthsForm,
)
from cso_field.neighborhood_watch.models import (
    WatchGroup,
    WatchMeeting,
    WatchMember,
    WatchSignup,
)
from cso_field.records import services as records
from cso_field.records.registry import can_edit, can_view
from cso_field.records.services import SubmissionConflict
from cso_field.roles import SUPERVISORS, Role, roles, staff

bp = Blueprint("neighborhood_watch", __name__, url_prefix="/watch")

RULE_MESSAGES = {
    "joined": _l("This sign-up is already in a group."),
    "dismissed": _l("This sign-up was set aside."),
    "archived": _l("This group is closed."),
}


def _group_or_404(group_id: int, *, archived: bool = False) -> WatchGroup:
    """The group; an archived one only where `archived` allows it (its page, for those who
    can restore it)."""
    group = db.session.get(WatchGroup, group_id)
    if group is None or (group.archived_at is not None and not archived):
        abort(404)
    return group


@bp.get("/")
@staff
def index():
    page = htmx.page_arg()
    groups, has_more = services.live_groups(page)
    waiting = services.waiting_count() if current_user.role in SUPERVISORS else None
    return render(
        "neighborhood_watch/index.html",
        "neighborhood_watch/_rows.html",
        groups=groups,
        members=services.member_counts(groups),
        has_more=has_more,
        page=page,
        waiting=waiting,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_group():
    form = GroupForm(districts=districts_for_filter())
    if request.method == "POST" and form.validate():
        group = services.create_group(form.fields(), current_user)
        flash(_("Group “%(name)s” created.", name=group.name), "success")
        return see_other(url_for("neighborhood_watch.group", group_id=group.id))
    body = render_template("neighborhood_watch/new.html", form=form)
    return body, 422 if request.method == "POST" else 200


@bp.get("/<id:group_id>")
@staff
def group(group_id: int):
    group = _group_or_404(group_id, archived=current_user.role in SUPERVISORS)
    return render_template(
        "neighborhood_watch/group.html",
        group=group,
        captain=services.captain_of(group),
        meetings=services.meetings_of(group),
        district=district_name(group.district_id),
        language=RESIDENT_LANGUAGES[group.language],
        languages=RESIDENT_LANGUAGES,
        button=ButtonForm(),
        can_manage=current_user.role in SUPERVISORS,
    )


@bp.route("/<id:group_id>/edit", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def edit_group(group_id: int):
    group = _group_or_404(group_id)
    form = GroupForm(obj=group, districts=districts_for_filter())
    if request.method == "GET":
        form.district.data = group.district_id or 0
    elif form.validate():
        if services.update_group(group, form.fields(), current_user):
            flash(_("Group “%(name)s” saved.", name=group.name), "success")
        return see_other(url_for("neighborhood_watch.group", group_id=group.id))
    body = render_template("neighborhood_watch/edit.html", form=form, group=group)
    return body, 422 if request.method == "POST" else 200


@bp.post("/<id:group_id>/archive")
@roles(*SUPERVISORS)
def archive_group(group_id: int):
    group = _group_or_404(group_id)
    if not ButtonForm().validate():
        abort(400)
    if services.archive_group(group, current_user):
        flash(_("Group “%(name)s” archived.", name=group.name), "success")
    return see_other(url_for("neighborhood_watch.index"))


@bp.post("/<id:group_id>/restore")
@roles(*SUPERVISORS)
def restore_group(group_id: int):
    group = _group_or_404(group_id, archived=True)
    if not ButtonForm().validate():
        abort(400)
    if services.restore_group(group, current_user):
        flash(_("Group “%(name)s” restored.", name=group.name), "success")
    return see_other(url_for("neighborhood_watch.group", group_id=group.id))


@bp.get("/archived")
@roles(*SUPERVISORS)
def archived():
    page = htmx.page_arg()
    groups, has_more = services.archived_groups(page)
    return render(
        "neighborhood_watch/archived.html",
        "neighborhood_watch/_archived_rows.html",
        groups=groups,
        has_more=has_more,
        page=page,
        button=ButtonForm(),
    )


@bp.post("/<id:group_id>/members/<id:member_id>/captain")
@roles(*SUPERVISORS)
def captain(group_id: int, member_id: int):
    member = _posted_member(group_id, member_id)
    if services.make_captain(member, current_user):
        flash(_("%(name)s is the block captain.", name=member.name), "success")
    return see_other(url_for("neighborhood_watch.group", group_id=group_id))


@bp.post("/<id:group_id>/members/<id:member_id>/remove")
@roles(*SUPERVISORS)
def remove_member(group_id: int, member_id: int):
    member = _posted_member(group_id, member_id)
    if services.remove_member(member, current_user):
        flash(_("%(name)s removed from the group.", name=member.name), "success")
    return see_other(url_for("neighborhood_watch.group", group_id=group_id))


def _posted_member(group_id: int, member_id: int) -> WatchMember:
    """A current member of the group, for a button's POST (404 otherwise, 400 without CSRF)."""
    group = _group_or_404(group_id)
    member = db.session.get(WatchMember, member_id)
    if member is None or member.group_id != group.id or member.left_at is not None:
        abort(404)
    if not ButtonForm().validate():
        abort(400)
    return member


@bp.route("/<id:group_id>/meetings/new", methods=["GET", "POST"])
@staff
def new_meeting(group_id: int):
    group = _group_or_404(group_id)
    form = MeetingForm()
    if request.method == "POST" and form.validate():
        try:
            services.record_meeting(group, current_user, form.fields(), form.client_uuid.data)
        except SubmissionConflict:
            form.client_uuid.errors.append(_("This meeting was already sent with other details."))
        else:
            flash(_("Meeting recorded."), "success")
            return see_other(url_for("neighborhood_watch.group", group_id=group.id))
    return htmx.form_error(
        "neighborhood_watch/meeting.html",
        "neighborhood_watch/_meeting_form.html",
        422 if request.method == "POST" else 200,
        group=group,
        form=form,
    )


def _meeting_or_404(meeting_id: int) -> WatchMeeting:
    meeting = db.session.get(WatchMeeting, meeting_id)
    if not can_view(current_user, meeting):
        abort(404)
    return meeting


@bp.get("/meetings/<id:meeting_id>")
@staff
def meeting(meeting_id: int):
    """A meeting, its review state (the returned comment to its author) and history."""
    meeting = _meeting_or_404(meeting_id)
    return render_template(
        "neighborhood_watch/meeting_view.html",
        meeting=meeting,
        record=meeting,
        history=records.history(meeting),
        fields=services.MEETING_FIELDS,
        can_edit=can_edit(current_user, meeting),
        edit_url=url_for("neighborhood_watch.edit_meeting", meeting_id=meeting.id),
        can_review=records.can_review(current_user, meeting),
        can_delete=False,
        with_photos=False,  # a meeting keeps no photos
    )


@bp.route("/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
@staff
def edit_meeting(meeting_id: int):
    """Its author corrects a meeting until it is approved."""
    meeting = _meeting_or_404(meeting_id)
    if not can_edit(current_user, meeting):
        abort(403)
    form = MeetingForm(obj=meeting)
    if request.method == "POST" and form.validate():
        try:
            changes = services.edit_meeting(meeting, current_user, form.fields())
        except services.MeetingLocked:
            flash(_("This meeting was approved meanwhile; your changes were not saved."), "error")
        else:
            flash(_("Changes saved.") if changes else _("Nothing had changed."), "success")
        return see_other(url_for("neighborhood_watch.meeting", meeting_id=meeting.id))
    return htmx.form_error(
        "neighborhood_watch/meeting.html",
        "neighborhood_watch/_meeting_form.html",
        422 if request.method == "POST" else 200,
        group=meeting.group,
        form=form,
        meeting=meeting,
    )


# -- Sign-ups (Senior CSOs and admins) ---------------------------------------------------------


def _signup_or_404(signup_id: int) -> WatchSignup:
    signup = db.session.get(WatchSignup, signup_id)
    if signup is None:
        abort(404)
    return signup


@bp.get("/signups")
@roles(*SUPERVISORS)
def signups():
    page = htmx.page_arg()
    rows, has_more = services.waiting_signups(page)
    groups = services.group_choices()
    return render(
        "neighborhood_watch/signups.html",
        "neighborhood_watch/_signup_rows.html",
        rows=[(signup, AddToGroupForm(formdata=None, groups=groups)) for signup in rows],
        has_more=has_more,
        page=page,
        languages=RESIDENT_LANGUAGES,
        button=ButtonForm(),
    )


@bp.get("/signups/<id:signup_id>")
@roles(*SUPERVISORS)
def signup(signup_id: int):
    signup = _signup_or_404(signup_id)
    return render_template(
        "neighborhood_watch/signup_view.html",
        signup=signup,
        state=services.signup_state(signup),
        source_url=services.source_url(signup),
        languages=RESIDENT_LANGUAGES,
    )


@bp.post("/signups/<id:signup_id>/add")
@roles(*SUPERVISORS)
def add_signup(signup_id: int):
    signup = _signup_or_404(signup_id)
    form = AddToGroupForm(groups=services.group_choices())
    if form.validate():
        try:
            services.add_to_group(
                signup, _group_or_404(form.group.data), current_user, captain=form.captain.data
            )
        except services.WatchRuleError as error:
            form.group.errors.append(RULE_MESSAGES[error.code])
        else:
            flash(_("%(name)s added to the group.", name=signup.name), "success")
            return see_other(url_for("neighborhood_watch.group", group_id=form.group.data))
    return htmx.form_error(
        "neighborhood_watch/signup.html",
        "neighborhood_watch/_signup_row.html",
        422,
        signup=signup,
        form=form,
        languages=RESIDENT_LANGUAGES,
        button=ButtonForm(),
    )


@bp.post("/signups/<id:signup_id>/dismiss")
@roles(*SUPERVISORS)
def dismiss_signup(signup_id: int):
    signup = _signup_or_404(signup_id)
    if not ButtonForm().validate():
        abort(400)
    try:
        services.dismiss_signup(signup, current_user)
    except services.WatchRuleError:
        abort(409)
    flash(_("Sign-up set aside."), "success")
    return see_other(url_for("neighborhood_watch.signups"))


# -- Groups with no recent meeting -------------------------------------------------------------


@bp.get("/quiet")
@roles(*SUPERVISORS)
def quiet():
    form = QuietMonthsForm(formdata=None, months=services.quiet_months())
    return _quiet_page(form, 200)


def _quiet_page(form: QuietMonthsForm, status: int):
    body = render_template(
        "neighborhood_watch/quiet.html",
        groups=services.quiet_groups(),
        months=services.quiet_months(),
        form=form if current_user.role == Role.ADMIN else None,
    )
    return body, status


@bp.post("/quiet/settings")
@roles(Role.ADMIN)
def quiet_settings():
    form = QuietMonthsForm()
    if not form.validate():
        return _quiet_page(form, 422)
    if services.save_quiet_months(form.months.data):
        message = ngettext(
            "Saved: groups with no meeting for %(num)d month are listed.",
            "Saved: groups with no meeting for %(num)d months are listed.",
            form.months.data,
        )
        flash(message, "success")
    return see_other(url_for("neighborhood_watch.quiet"))
