"""Neighborhood Betterment Committees as plain functions: committees, their goals and action
plans, an action's status, a committee's progress, and the actions overdue on the department's
today (the Senior CSO's Today card); then the registration.

Each function that writes is one unit of work: the row and its audit row commit together.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.betterment.models import (
    Committee,
    CommitteeAction,
    CommitteeGoal,
    CommitteeMeeting,
)
from cso_field.database import write_transaction
from cso_field.demo import register_demo
from cso_field.extensions import db
from cso_field.i18n import RESIDENT_LANGUAGES, LabelledEnum
from cso_field.records import registry
from cso_field.roles import SUPERVISORS
from cso_field.timeutil import department_today

LIST_LIMIT = 25
OVERDUE_SHOWN = 50


class Problem(LabelledEnum):
    DRUGS = "drugs", _l("Drugs")
    GANGS = "gangs", _l("Gangs")
    BLIGHT = "blight", _l("Blight")
    LIGHTING = "lighting", _l("Lighting")
    TRAFFIC = "traffic", _l("Traffic")
    OTHER = "other", _l("Other")


class ActionStatus(LabelledEnum):
    OPEN = "open", _l("Not started")
    STARTED = "started", _l("Under way")
    DONE = "done", _l("Done")


UNFINISHED = (ActionStatus.OPEN.value, ActionStatus.STARTED.value)


def _audit(action: str, committee_id: int, detail: str) -> None:
    audit.record(action, object_type="nbc_committee", object_id=committee_id, detail=detail)


def create_committee(fields: dict, user: User) -> Committee:
    """A committee from {name, area, district_id, languages}; commits."""
    with write_transaction():
        committee = Committee(created_by_id=user.id, **fields)
        db.session.add(committee)
        db.session.flush()
        _audit("nbc_committee.create", committee.id, committee.name)
    return committee


def add_goal(committee: Committee, fields: dict, user: User) -> CommitteeGoal:
    """A goal from {problem, goal}; commits."""
    with write_transaction():
        goal = CommitteeGoal(committee_id=committee.id, created_by_id=user.id, **fields)
        db.session.add(goal)
        db.session.flush()
        _audit("nbc_goal.create", committee.id, goal.goal[:200])
    return goal


def add_action(goal: CommitteeGoal, fields: dict, user: User) -> CommitteeAction:
    """An action of a goal's plan from {what, owner, partners, due_on}; commits."""
    with write_transaction():
        action = CommitteeAction(
            committee_id=goal.committee_id, goal_id=goal.id, created_by_id=user.id, **fields
        )
        db.session.add(action)
        db.session.flush()
        _audit("nbc_action.create", goal.committee_id, f"{action.what[:150]} ({action.due_on})")
    return action


def set_status(action: CommitteeAction, status: str, user: User) -> bool:
    """Move an action to `status` (done: today's date kept); commits. False when unchanged."""
    with write_transaction(action):
        if action.status == status:
            return False
        before = action.status
        action.status = status
        action.done_on = department_today() if status == ActionStatus.DONE else None
        _audit(
            "nbc_action.status", action.committee_id, f"{action.what[:150]}: {before} -> {status}"
        )
    return True


def record_meeting(committee: Committee, fields: dict, user: User) -> CommitteeMeeting:
    """A meeting held, from {held_on, agenda, attendance, minutes}; commits."""
    with write_transaction():
        meeting = CommitteeMeeting(committee_id=committee.id, created_by_id=user.id, **fields)
        db.session.add(meeting)
        db.session.flush()
        _audit("nbc_meeting.create", committee.id, meeting.held_on.isoformat())
    return meeting


MEETINGS_SHOWN = 10


def meetings_of(committee: Committee) -> list[CommitteeMeeting]:
    """The committee's last meetings, the latest first."""
    query = (
        select(CommitteeMeeting)
        .where(CommitteeMeeting.committee_id == committee.id)
        .order_by(CommitteeMeeting.held_on.desc(), CommitteeMeeting.id.desc())
        .limit(MEETINGS_SHOWN)
    )
    return list(db.session.scalars(query))


def committees(page: int = 1) -> tuple[list[Committee], bool]:
    query = select(Committee).order_by(Committee.name, Committee.id)
    rows = list(db.session.scalars(query.offset((page - 1) * LIST_LIMIT).limit(LIST_LIMIT + 1)))
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def committee_choices_goals(committee: Committee) -> list[tuple[int, str]]:
    return [(goal.id, goal.goal[:80]) for goal in goals_of(committee)]


def goals_of(committee: Committee) -> list[CommitteeGoal]:
    query = select(CommitteeGoal).where(CommitteeGoal.committee_id == committee.id)
    return list(db.session.scalars(query.order_by(CommitteeGoal.id).limit(50)))


@dataclass
class GoalProgress:
    goal: CommitteeGoal
    actions: list[CommitteeAction] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for action in self.actions if action.status == ActionStatus.DONE)


@dataclass
class Progress:
    goals: list[GoalProgress]
    today: date

    @property
    def total(self) -> int:
        return sum(len(goal.actions) for goal in self.goals)

    @property
    def done(self) -> int:
        return sum(goal.done for goal in self.goals)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def overdue(self, action: CommitteeAction) -> bool:
        return action.status in UNFINISHED and action.due_on < self.today


def progress(committee: Committee) -> Progress:
    """The committee's goals, each with its actions by due date, and how much is done."""
    goals = {goal.id: GoalProgress(goal) for goal in goals_of(committee)}
    query = (
        select(CommitteeAction)
        .where(CommitteeAction.goal_id.in_(list(goals)))
        .order_by(CommitteeAction.goal_id, CommitteeAction.due_on, CommitteeAction.id)
    )
    for action in db.session.scalars(query) if goals else ():
        goals[action.goal_id].actions.append(action)
    return Progress(list(goals.values()), department_today())


def _overdue_query(today: date):
    return select(CommitteeAction).where(
        CommitteeAction.status.in_(UNFINISHED), CommitteeAction.due_on < today
    )


def overdue_actions(today: date | None = None) -> list[CommitteeAction]:
    """Unfinished actions past their due date, the longest overdue first (at most 50)."""
    query = _overdue_query(today or department_today())
    return list(db.session.scalars(query.order_by(CommitteeAction.due_on).limit(OVERDUE_SHOWN)))


def overdue_count(today: date | None = None) -> int:
    query = _overdue_query(today or department_today()).with_only_columns(
        func.count(CommitteeAction.id)
    )
    return db.session.scalar(query)


def language_names(committee: Committee) -> str:
    return ", ".join(
        RESIDENT_LANGUAGES[code].name
        for code in committee.language_codes
        if code in RESIDENT_LANGUAGES
    )


def _today_card() -> dict:
    return {"overdue": overdue_count()}


def register_betterment() -> None:
    registry.register_today_card(
        registry.TodayCard("betterment/_today_card.html", _today_card, SUPERVISORS)
    )
    registry.register_template_globals(
        nbc_problem=lambda value: Problem(value).label,
        nbc_status=lambda value: ActionStatus(value).label,
        nbc_languages=language_names,
    )
    register_demo("betterment", "cso_field.betterment.demo:load_demo_committees")
    audit.register_labels(
        {
            "nbc_committee.create": _l("Betterment committee created"),
            "nbc_goal.create": _l("Betterment committee goal added"),
            "nbc_action.create": _l("Betterment committee action added"),
            "nbc_action.status": _l("Betterment committee action status changed"),
            "nbc_meeting.create": _l("Betterment committee meeting recorded"),
        }
    )
    audit.register_object_label("nbc_committee", _l("Betterment committee"))


register_betterment()
