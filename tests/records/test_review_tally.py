"""The review tally (records/tally.py) that the queue's counts and Today read stays equal to
a count of the records through every kind of write, on every reviewed table, whatever code
writes: records made, returned, resubmitted, approved, deleted and restored, authors changed,
rows removed."""

from sqlalchemy import delete, inspect, select, text, update

from cso_field.extensions import db
from cso_field.records import services as records
from cso_field.records.models import ReviewTally
from cso_field.records.registry import get_record
from cso_field.records.tally import recount
from tests.factories import make_check, page, post_note, visit


def _tallied(model) -> set:
    rows = db.session.execute(
        select(ReviewTally.status, ReviewTally.author_id, ReviewTally.count).where(
            ReviewTally.record_type == model.record_type, ReviewTally.count != 0
        )
    )
    return set(rows)


def _assert_in_step():
    for model in records.reviewed_models():
        assert _tallied(model) == set(db.session.execute(recount(model))), model.record_type


def _trigger_names(table_name: str) -> set:
    if db.engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:name AS regclass)"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :name"
    return set(db.session.scalars(text(query), {"name": table_name}))


def test_every_reviewed_table_keeps_the_tally(app):
    with app.app_context():
        for model in records.reviewed_models():
            names = _trigger_names(model.__tablename__)
            assert any(name.startswith("review_tally") for name in names), model.__tablename__


def test_the_tally_follows_every_write(app, client, users, login):
    officer, other = users.cso(username="ana"), users.cso(username="ben")
    login(officer, test_client=client)
    note_ids = [post_note(client, observation=f"Streetlight {n} out") for n in range(3)]
    check = make_check()
    visits = [visit(check, officer, outcome="suspicious") for _ in range(2)]
    db.session.commit()
    _assert_in_step()
    note = get_record("field_note", note_ids[0])
    for status in ("returned", "resubmitted", "approved"):
        note.status = status
        db.session.commit()
        _assert_in_step()
    visits[0].deleted_at = visits[0].created_at  # deleted, then restored
    db.session.commit()
    _assert_in_step()
    visits[0].deleted_at = None
    db.session.commit()
    _assert_in_step()
    model = type(visits[1])
    db.session.execute(update(model).where(model.id == visits[1].id).values(created_by_id=other.id))
    db.session.execute(delete(model).where(model.id == visits[0].id))
    db.session.commit()
    _assert_in_step()


def test_the_queue_counts_and_today_read_the_tally(app, client, users, login):
    officer = users.cso(username="ana")
    login(officer, test_client=client)
    post_note(client, observation="Graffiti on the bridge")
    post_note(client, observation="Abandoned sofa")
    senior = login(users.senior(), test_client=app.test_client())
    body = page(senior.get("/records/review"))
    assert 'data-type="field_note">2<' in body and f'data-cso="{officer.id}">2<' in body
    # A tally row that disagrees with the records shows: the counts come from the tally.
    db.session.execute(
        update(ReviewTally)
        .where(ReviewTally.record_type == "field_note", ReviewTally.author_id == officer.id)
        .values(count=ReviewTally.count + 5)
    )
    db.session.commit()
    assert 'data-type="field_note">7<' in page(senior.get("/records/review"))
    assert records.review_count() == 7
    assert "review_tally" in inspect(db.engine).get_table_names()
