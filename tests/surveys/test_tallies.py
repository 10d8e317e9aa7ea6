"""The survey tallies (tallies.py) against a recount, after every kind of write.

Every check compares the results read from the tallies (choice counts, completed contacts,
a canvass's progress, the needs assessment's outcomes) with a recount in Python over every
response's stored answers, for several districts and date ranges, and the tally rows the
triggers keep with a recount of the rows from scratch.
"""

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from cso_field.districts.models import District
from cso_field.extensions import db
from cso_field.records import services as records
from cso_field.surveys import results, services, tallies
from cso_field.surveys.models import (
    CHOICE_KINDS,
    Answer,
    ChoiceTally,
    OutcomeTally,
    SurveyResponse,
    SurveyVersion,
)
from cso_field.timeutil import department_today
from tests.factories import contact, door_survey

BOX = {"min_latitude": 0, "max_latitude": 1, "min_longitude": 0, "max_longitude": 1}
SAFE = {"people": ["2"], "feel_safe": ["yes"], "concerns": ["lighting", "speeding"]}
UNSAFE = {"people": ["4"], "feel_safe": ["no"], "why_unsafe": ["Dark"], "concerns": ["dumping"]}


@pytest.fixture
def world(app, users):
    north, south = (
        District(name="North", geometry="{}", **BOX),
        District(name="South", geometry="{}", **BOX),
    )
    db.session.add_all([north, south])
    db.session.commit()
    cso = users.cso()
    with app.test_request_context():
        survey = door_survey(users.senior())
        canvass = services.start_canvass(survey, "Elm", cso, uuid.uuid4())[0]
    return {"districts": (north, south), "cso": cso, "survey": survey, "canvass": canvass}


def _filters(world) -> list[results.Filters]:
    today = department_today()
    districts = [None, *(district.id for district in world["districts"])]
    ranges = [(None, None), (today, today), (today - timedelta(days=3), today - timedelta(days=1))]
    return [results.Filters(d, start, end) for d in districts for start, end in ranges]


def _live(filters: results.Filters) -> list[SurveyResponse]:
    responses = db.session.scalars(
        select(SurveyResponse).execution_options(populate_existing=True)
    ).all()
    return [
        r
        for r in responses
        if r.deleted_at is None
        and (not filters.district_id or r.district_id == filters.district_id)
        and (not filters.start or r.day >= filters.start)
        and (not filters.end or r.day <= filters.end)
    ]


def _expected_choices(version: SurveyVersion, filters: results.Filters) -> dict:
    picked: Counter = Counter()
    for response in _live(filters):
        if response.version_id != version.id or response.outcome != "completed":
            continue
        for name, value in response.answers.items():
            for one in value if isinstance(value, list) else [value]:
                picked[(name, str(one))] += 1
    return {
        (q.name, c.name): picked[(q.name, c.name)]
        for q in version.questions
        if q.kind in CHOICE_KINDS
        for c in q.choices
    }


def _shown_choices(version: SurveyVersion, filters: results.Filters) -> dict:
    return {
        (chart.question.name, choice.name): bar.count
        for chart in results.choice_results(version, filters, "en")
        for choice, bar in zip(chart.question.choices, chart.bars, strict=True)
    }


def _nonzero(query) -> set:
    return {tuple(row) for row in db.session.execute(query).all() if row[-1] != 0}


def assert_tallies_exact(world) -> None:
    db.session.commit()
    kept_choices = select(
        ChoiceTally.question_id,
        ChoiceTally.value,
        ChoiceTally.district_id,
        ChoiceTally.day,
        ChoiceTally.count,
    )
    kept_outcomes = select(
        OutcomeTally.canvass_id,
        OutcomeTally.version_id,
        OutcomeTally.outcome,
        OutcomeTally.district_id,
        OutcomeTally.day,
        OutcomeTally.count,
    )
    assert _nonzero(kept_choices) == _nonzero(tallies.choice_recount())
    assert _nonzero(kept_outcomes) == _nonzero(tallies.outcome_recount())
    versions = db.session.scalars(select(SurveyVersion)).all()
    labels = services.outcome_labels()
    for filters in _filters(world):
        live = _live(filters)
        for version in versions:
            assert _shown_choices(version, filters) == _expected_choices(version, filters)
            completed = [r for r in live if r.version_id == version.id]
            completed = [r for r in completed if r.outcome == "completed"]
            assert results.completed_count(version, filters) == len(completed)
        needs = results.needs_assessment(filters, "en", labels)
        by_outcome = Counter(r.outcome for r in live)
        assert {bar.label: bar.count for bar in needs.outcomes} == {
            label: by_outcome[value] for value, label in labels.items()
        }
    progress = Counter(r.outcome for r in _live(results.Filters()) if r.canvass_id)
    shown = services.canvass_progress(world["canvass"])
    assert {k: v for k, v in shown.items() if v} == dict(progress)


def _place(response, district) -> None:
    db.session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == response.id)
        .values(district_id=district.id if district else None)
    )


def test_tallies_follow_doors_recorded_placed_and_moved_in_time(app, world):
    north, south = world["districts"]
    canvass, cso = world["canvass"], world["cso"]
    assert_tallies_exact(world)
    doors = [
        contact(app, canvass, cso, "completed", form=SAFE),
        contact(app, canvass, cso, "completed", form=UNSAFE),
        contact(app, canvass, cso, "completed", form=SAFE),
        contact(app, canvass, cso, "no_answer"),
        contact(app, canvass, cso, "come_back"),
        contact(app, canvass, cso, "vacant"),
    ]
    assert_tallies_exact(world)
    _place(doors[0], north)
    _place(doors[1], south)
    _place(doors[3], north)
    assert_tallies_exact(world)
    yesterday = department_today() - timedelta(days=1)
    db.session.execute(
        update(SurveyResponse).where(SurveyResponse.id == doors[2].id).values(day=yesterday)
    )
    assert_tallies_exact(world)
    _place(doors[0], None)
    assert_tallies_exact(world)


def test_tallies_follow_corrections_and_removals(app, world, users):
    canvass, cso = world["canvass"], world["cso"]
    admin = users.admin()
    first = contact(app, canvass, cso, "completed", form=SAFE)
    second = contact(app, canvass, cso, "completed", form=UNSAFE)
    third = contact(app, canvass, cso, "declined")
    assert_tallies_exact(world)
    with app.test_request_context():
        records.delete(db.session.get(SurveyResponse, first.id), admin, "Typed twice")
        db.session.commit()
    assert_tallies_exact(world)
    # Corrections made straight in the database: an outcome, an answer, a restored door.
    db.session.execute(
        update(SurveyResponse).where(SurveyResponse.id == second.id).values(outcome="declined")
    )
    assert_tallies_exact(world)
    db.session.execute(
        update(SurveyResponse).where(SurveyResponse.id == second.id).values(outcome="completed")
    )
    db.session.execute(
        update(Answer)
        .where(Answer.response_id == second.id, Answer.value == "dumping")
        .values(value="speeding")
    )
    db.session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == second.id)
        .values(answers={**second.answers, "concerns": ["speeding"]})
    )
    assert_tallies_exact(world)
    db.session.execute(
        update(SurveyResponse).where(SurveyResponse.id == third.id).values(deleted_at=None)
    )
    db.session.execute(delete(Answer).where(Answer.response_id == second.id))
    db.session.execute(delete(SurveyResponse).where(SurveyResponse.id == second.id))
    assert_tallies_exact(world)


def test_a_new_version_keeps_its_own_tallies(app, world, users):
    survey, canvass, cso = world["survey"], world["canvass"], world["cso"]
    contact(app, canvass, cso, "completed", form=SAFE)
    with app.test_request_context():
        first = services.current_version(survey)
        definition = services.definition_of(first)
        concerns = next(q for q in definition.questions if q.name == "concerns")
        concerns.choices = concerns.choices[:2]  # "dumping" no longer offered
        second = services.revise_survey(survey, definition, users.senior())
        db.session.commit()
    assert second.number == 2
    contact(app, canvass, cso, "completed", form={**SAFE, "concerns": ["speeding"]})
    contact(app, canvass, cso, "no_answer")
    assert_tallies_exact(world)
    every = results.Filters()
    assert results.completed_count(db.session.get(SurveyVersion, first.id), every) == 1
    assert results.completed_count(db.session.get(SurveyVersion, second.id), every) == 1


def test_parallel_doors_keep_the_tallies_exact(app, world):
    """Eight officers' phones sending doors at once, the same choices and outcomes: each
    trigger adds to the row as the last writer left it, so no door is counted twice or lost."""
    canvass_id, cso_id = world["canvass"].id, world["cso"].id
    errors = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        with app.test_request_context():
            try:
                start.wait()
                for step in range(4):
                    canvass = db.session.get(type(world["canvass"]), canvass_id)
                    cso = db.session.get(type(world["cso"]), cso_id)
                    outcome = "completed" if (worker + step) % 3 else "no_answer"
                    form = SAFE if (worker + step) % 2 else UNSAFE
                    services.record_contact(
                        canvass,
                        cso,
                        outcome=outcome,
                        location={
                            "latitude": None,
                            "longitude": None,
                            "accuracy_m": None,
                            "address": f"{worker}{step} Elm St",
                        },
                        language="en",
                        form=form if outcome == "completed" else {},
                        client_uuid=uuid.uuid4(),
                        uploads=[],
                    )
                    db.session.commit()
                    db.session.remove()
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(db.session.scalars(select(SurveyResponse.id)).all()) == 32
    assert_tallies_exact(world)


def test_rebuild_command_restores_lost_tallies(app, world):
    contact(app, world["canvass"], world["cso"], "completed", form=SAFE)
    contact(app, world["canvass"], world["cso"], "declined")
    db.session.execute(update(ChoiceTally).values(count=7))
    db.session.execute(delete(OutcomeTally))
    db.session.commit()
    with app.test_request_context():
        assert services.canvass_progress(world["canvass"])["declined"] == 0
    result = app.test_cli_runner().invoke(args=["surveys", "rebuild-tallies"])
    assert result.exit_code == 0, result.output
    assert "Recounted" in result.output
    assert_tallies_exact(world)
