"""What the rest of the type shares: the labels of kinds, roles and equipment, the refusals
(Problem, their messages, TrafficError), the period rule, and which period runs now."""

from datetime import datetime
from enum import Enum

from flask_babel import lazy_gettext as _l

from cso_field.timeutil import utcnow
from cso_field.traffic_posts.models import EquipmentItem, IncidentKind, PostRole, TrafficIncident

KIND_LABELS = {
    IncidentKind.COLLISION: _l("Collision"),
    IncidentKind.PARADE: _l("Parade"),
    IncidentKind.SPECIAL_EVENT: _l("Special event"),
    IncidentKind.SCHOOL_CROSSING: _l("School crossing"),
    IncidentKind.ROAD_CLOSURE: _l("Road closure"),
    IncidentKind.OTHER: _l("Other"),
}
ROLE_LABELS = {
    PostRole.TRAFFIC_DIRECTION: _l("Traffic direction"),
    PostRole.ROAD_CLOSURE: _l("Road closure"),
    PostRole.CROWD_CONTROL: _l("Crowd control"),
    PostRole.PERIMETER: _l("Perimeter"),
    PostRole.OTHER: _l("Other"),
}
ITEM_LABELS = {
    EquipmentItem.CONES: _l("Cones"),
    EquipmentItem.BARRICADES: _l("Barricades"),
    EquipmentItem.FLARES: _l("Flares"),
    EquipmentItem.SIGNS: _l("Signs"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(IncidentKind(kind), kind))


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(PostRole(role), role))


def role_labels() -> dict[str, str]:
    """{role: its label}, translated once for a whole board."""
    return {role.value: str(label) for role, label in ROLE_LABELS.items()}


def item_label(item: str) -> str:
    return str(ITEM_LABELS.get(EquipmentItem(item), item))


# -- Refusals ---------------------------------------------------------------------------------


class Problem(Enum):
    NOT_ON_POST = "not_on_post"
    ALREADY_ON_POST = "already_on_post"
    OVERLAP = "overlap"
    END_BEFORE_START = "end_before_start"
    RELIEVED_BEFORE_ON_POST = "relieved_before_on_post"
    IN_FUTURE = "in_future"
    CLOSED = "closed"
    NOT_YOURS = "not_yours"
    HANDOVER_TO_SELF = "handover_to_self"
    NOT_A_CSO = "not_a_cso"
    NOT_FIELD_STAFF = "not_field_staff"
    ALREADY_ASSIGNED = "already_assigned"
    RECOVERED_MORE = "recovered_more"
    NOT_RECOVERED = "not_recovered"
    BADGE_REQUIRED = "badge_required"
    OFFICER_REQUIRED = "officer_required"
    UNTIL_IN_PAST = "until_in_past"


MESSAGES = {
    Problem.NOT_ON_POST: _l("This CSO is not on post, so they cannot be relieved."),
    Problem.ALREADY_ON_POST: _l("This CSO is already on post here."),
    Problem.OVERLAP: _l(
        "This CSO is already on post elsewhere at that time. Relieve them there first."
    ),
    Problem.END_BEFORE_START: _l("The end must be after the start."),
    Problem.RELIEVED_BEFORE_ON_POST: _l("The relief time must be after the time on post."),
    Problem.IN_FUTURE: _l("That time has not come yet. Enter a time that has passed."),
    Problem.CLOSED: _l("This incident is closed: nothing more can be recorded."),
    Problem.NOT_YOURS: _l("Only the assigned CSO or the person in charge can do this."),
    Problem.HANDOVER_TO_SELF: _l("Hand over to another CSO, not to the one on post."),
    Problem.NOT_A_CSO: _l("Choose an active staff account."),
    Problem.NOT_FIELD_STAFF: _l(
        "Only a CSO or a Senior CSO can be assigned to a post. "
        "An administrator's account has no field role: choose a CSO."
    ),
    Problem.ALREADY_ASSIGNED: _l("This CSO is already assigned to this post for this period."),
    Problem.RECOVERED_MORE: _l("More cannot be recovered than were deployed."),
    Problem.NOT_RECOVERED: _l(
        "Equipment is still out. Recover it, or tick the box to close the incident anyway."
    ),
    Problem.BADGE_REQUIRED: _l("Enter the sworn officer's badge number."),
    Problem.OFFICER_REQUIRED: _l("Enter the name of the accompanying sworn officer."),
    Problem.UNTIL_IN_PAST: _l("The last day must be today or later."),
}


class TrafficError(Exception):
    """A change the rules refuse; `message` says why, in the user's language."""

    def __init__(self, problem: Problem):
        super().__init__(problem.value)
        self.problem = problem

    @property
    def message(self) -> str:
        return str(MESSAGES[self.problem])


def period_problem(starts_at: datetime | None, ends_at: datetime | None) -> Problem | None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        return Problem.END_BEFORE_START
    return None


def current_period(incident: TrafficIncident, now: datetime | None = None):
    """The period running now; before the first, the first; after the last, the last."""
    now = now or utcnow()
    periods = incident.periods
    for period in periods:
        if period.starts_at <= now < period.ends_at:
            return period
    upcoming = [period for period in periods if period.starts_at > now]
    return upcoming[0] if upcoming else (periods[-1] if periods else None)
