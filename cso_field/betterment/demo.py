"""A demo betterment committee for `seed-demo`: a Spanish and English speaking committee with a
lighting goal whose action plan is half done, one action overdue, and a meeting two weeks ago."""

from datetime import timedelta

from cso_field.betterment.services import (
    ActionStatus,
    add_action,
    add_goal,
    create_committee,
    record_meeting,
    set_status,
)
from cso_field.demo import DemoContext
from cso_field.timeutil import department_today


def load_demo_committees(context: DemoContext) -> str:
    senior = context.users["senior.demo"]
    today = department_today()
    committee = create_committee(
        {
            "name": "Demo: Southside Betterment Committee",
            "area": "Demo: S Airport Way to S Pilgrim St, 8th to 10th St",
            "district_id": None,
            "languages": "en,es",
        },
        senior,
    )
    goal = add_goal(
        committee, {"problem": "lighting", "goal": "Demo: Light every block by spring"}, senior
    )
    steps = (
        ("Demo: Survey the dark blocks", "Demo: Senior CSO", None, -30, ActionStatus.DONE),
        ("Demo: Report outages to the utility", "Demo: Committee chair", "PG&E", -10,
         ActionStatus.DONE),
        ("Demo: Ask Public Works for two new poles", "Demo: Senior CSO", "Public Works", -3,
         ActionStatus.STARTED),
        ("Demo: Porch-light pledge drive", "Demo: Committee secretary", "Southside School", 20,
         ActionStatus.OPEN),
    )  # fmt: skip
    for what, owner, partners, days, status in steps:
        fields = {"what": what, "owner": owner, "partners": partners}
        action = add_action(goal, {**fields, "due_on": today + timedelta(days=days)}, senior)
        set_status(action, status.value, senior)
    record_meeting(
        committee,
        {
            "held_on": today - timedelta(days=14),
            "agenda": "Demo: Street lighting; the porch-light pledge; the next clean-up",
            "attendance": 14,
            "minutes": "Demo: Public Works to be asked for two poles; the school joins the pledge.",
        },
        senior,
    )
    return "betterment: 1 committee, 1 goal, 4 actions (half done, one overdue), 1 meeting"
