"""Betterment committees as plain functions: progress counts the actions done, and an action
past its due date and unfinished is overdue (and counted for the Senior CSO's Today)."""

from datetime import timedelta

from cso_field.betterment import services
from cso_field.timeutil import department_today


def _committee(senior):
    fields = {"name": "Southside", "area": "8th to 10th St", "district_id": None}
    return services.create_committee({**fields, "languages": "en,es"}, senior)


def test_progress_and_overdue_actions(app, users):
    senior = users.senior()
    committee = _committee(senior)
    goal = services.add_goal(committee, {"problem": "lighting", "goal": "Light it"}, senior)
    today = department_today()
    late = services.add_action(
        goal,
        {"what": "Poles", "owner": "PW", "partners": None, "due_on": today - timedelta(1)},
        senior,
    )
    done = services.add_action(
        goal,
        {"what": "Survey", "owner": "CSO", "partners": None, "due_on": today - timedelta(9)},
        senior,
    )
    services.add_action(
        goal, {"what": "Pledge", "owner": "Chair", "partners": None, "due_on": today}, senior
    )
    assert services.set_status(done, "done", senior)
    assert not services.set_status(done, "done", senior)

    progress = services.progress(committee)
    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)
    assert [action.what for action in progress.goals[0].actions] == ["Survey", "Poles", "Pledge"]
    assert services.overdue_actions() == [late] and services.overdue_count() == 1
    services.set_status(late, "started", senior)
    assert services.overdue_count() == 1  # under way, still late
    services.set_status(late, "done", senior)
    assert services.overdue_count() == 0 and late.done_on == today
    assert services.language_names(committee) == "English, Español"
