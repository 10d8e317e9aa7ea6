"""Neighborhood Betterment Committees, the staff screens: the committees, a new committee, a
committee's progress page (goals and action plan), and the actions overdue."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.betterment import services
from cso_field.betterment.forms import (
    ActionForm,
    CommitteeForm,
    GoalForm,
    MeetingForm,
    StatusForm,
)
from cso_field.betterment.models import Committee, CommitteeAction, CommitteeGoal
from cso_field.districts.services import districts_for_filter
from cso_field.extensions import db
from cso_field.htmx import render, see_other
from cso_field.roles import SUPERVISORS, roles, staff

bp = Blueprint("betterment", __name__, url_prefix="/betterment")


def _committee_or_404(committee_id: int) -> Committee:
    return db.session.get(Committee, committee_id) or abort(404)


@bp.get("/")
@staff
def index():
    page = htmx.page_arg()
    rows, has_more = services.committees(page)
    return render(
        "betterment/index.html", "betterment/_rows.html", rows=rows, has_more=has_more, page=page
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new():
    form = CommitteeForm(districts=districts_for_filter())
    if request.method == "POST" and form.validate():
        committee = services.create_committee(form.fields(), current_user)
        flash(_("Committee created. Add its goals next."), "success")
        return see_other(url_for("betterment.committee", committee_id=committee.id))
    status = 422 if request.method == "POST" else 200
    return render_template("betterment/new.html", form=form), status


def _page(committee: Committee, status=200, goal_form=None, action_form=None, meeting_form=None):
    progress = services.progress(committee)
    goals = [(item.goal.id, item.goal.goal[:80]) for item in progress.goals]
    return render_template(
        "betterment/committee.html",
        committee=committee,
        progress=progress,
        goal_form=goal_form or GoalForm(formdata=None),
        action_form=action_form or ActionForm(formdata=None, goals=goals),
        status_form=StatusForm(formdata=None),
        meeting_form=meeting_form or MeetingForm(formdata=None),
        meetings=services.meetings_of(committee),
    ), status


@bp.get("/<id:committee_id>")
@staff
def committee(committee_id: int):
    return _page(_committee_or_404(committee_id))


@bp.post("/<id:committee_id>/goals")
@roles(*SUPERVISORS)
def add_goal(committee_id: int):
    committee = _committee_or_404(committee_id)
    form = GoalForm()
    if not form.validate():
        return _page(committee, 422, goal_form=form)
    services.add_goal(
        committee, {"problem": form.problem.data, "goal": form.goal.data.strip()}, current_user
    )
    flash(_("Goal added."), "success")
    return see_other(url_for("betterment.committee", committee_id=committee.id))


@bp.post("/<id:committee_id>/actions")
@roles(*SUPERVISORS)
def add_action(committee_id: int):
    committee = _committee_or_404(committee_id)
    form = ActionForm(goals=services.committee_choices_goals(committee))
    if not form.validate():
        return _page(committee, 422, action_form=form)
    goal = db.session.get(CommitteeGoal, int(form.goal.data))
    services.add_action(goal, form.fields(), current_user)
    flash(_("Action added."), "success")
    return see_other(url_for("betterment.committee", committee_id=committee.id))


@bp.post("/<id:committee_id>/meetings")
@roles(*SUPERVISORS)
def add_meeting(committee_id: int):
    committee = _committee_or_404(committee_id)
    form = MeetingForm()
    if not form.validate():
        return _page(committee, 422, meeting_form=form)
    services.record_meeting(committee, form.fields(), current_user)
    flash(_("Meeting recorded."), "success")
    return see_other(url_for("betterment.committee", committee_id=committee.id))


@bp.post("/actions/<id:action_id>/status")
@roles(*SUPERVISORS)
def action_status(action_id: int):
    action = db.session.get(CommitteeAction, action_id) or abort(404)
    form = StatusForm()
    if not form.validate():
        return _page(action.committee, 422)
    if services.set_status(action, form.status.data, current_user):
        flash(_("Status saved."), "success")
    return see_other(url_for("betterment.committee", committee_id=action.committee_id))


@bp.get("/overdue")
@roles(*SUPERVISORS)
def overdue():
    return render_template("betterment/overdue.html", actions=services.overdue_actions())
