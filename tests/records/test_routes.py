"""The review queue: Senior CSOs see what waits, act on it, and move straight on."""

from datetime import timedelta

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.timeutil import utcnow
from tests.factories import page, post_note


def _submitted_notes(app, client, login, users, count=2, **author):
    login(users.cso(**author), test_client=client)
    ids = [post_note(client, observation=f"Observation number {n}") for n in range(count)]
    for age, note_id in enumerate(reversed(ids)):  # the first posted is the oldest
        db.session.get(FieldNote, note_id).created_at = utcnow() - timedelta(hours=age + 1)
    db.session.commit()
    return [db.session.get(FieldNote, note_id) for note_id in ids]


def test_cso_is_refused_the_review_queue(client, users, login):
    login(users.cso())
    assert client.get("/records/review").status_code == 403


def test_queue_lists_submitted_records_oldest_first(app, client, users, login):
    oldest, newer = _submitted_notes(app, client, login, users)
    senior = login(users.senior(), test_client=app.test_client())
    body = page(senior.get("/records/review"))
    assert oldest.reference in body and newer.reference in body
    assert body.index(oldest.reference) < body.index(newer.reference)
    assert "2 records are waiting for review." in page(senior.get("/today"))


def test_queue_filters_by_cso(app, client, users, login):
    (first,) = _submitted_notes(app, client, login, users, count=1, username="ana")
    other = app.test_client()
    (second,) = _submitted_notes(app, other, login, users, count=1, username="ben")
    senior = login(users.senior(), test_client=app.test_client())
    body = page(senior.get(f"/records/review?cso={first.created_by_id}"))
    assert first.reference in body and second.reference not in body
    body = page(senior.get("/records/review?type=field_note", headers={"HX-Request": "true"}))
    assert first.reference in body and second.reference in body and "<html" not in body


def test_approving_goes_to_the_next_record_then_back_to_the_queue(app, client, users, login):
    oldest, newer = _submitted_notes(app, client, login, users)
    senior = login(users.senior(), test_client=app.test_client())
    response = senior.post(f"/records/field_note/{oldest.id}/approve")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/notes/{newer.id}")
    landed = page(senior.get(response.headers["Location"]))
    assert f"{oldest.reference} approved." in landed
    response = senior.post(
        f"/records/field_note/{newer.id}/return", data={"comment": "Add the pole number"}
    )
    assert response.headers["Location"].endswith("/records/review")
    assert "Nothing else is waiting for review." in page(senior.get("/records/review"))
    db.session.expire_all()
    assert db.session.get(FieldNote, oldest.id).status == "approved"
    assert db.session.get(FieldNote, newer.id).status == "returned"


def test_approved_record_shows_no_empty_actions_card(app, client, users, login):
    (note,) = _submitted_notes(app, client, login, users, count=1)
    senior = login(users.senior(), test_client=app.test_client())
    senior.post(f"/records/field_note/{note.id}/approve")
    assert "record-actions-card" not in page(senior.get(f"/notes/{note.id}"))


def test_my_records_lists_what_i_wrote_newest_first_with_filters(app, client, users, login):
    older, newest = _submitted_notes(app, client, login, users)
    login(users.cso(), test_client=(other := app.test_client()))
    post_note(other, observation="Someone else's note")
    body = page(client.get("/records/mine")).split("<h1>", 1)[1]
    assert body.index(newest.reference) < body.index(older.reference)
    assert "Field note · Observation number 1" in body and "Someone else" not in body
    assert 'class="ref"' in body
    assert older.reference not in page(client.get("/records/mine?status=approved"))
    assert older.reference in page(client.get("/records/mine?type=field_note&status=submitted"))
    assert "My records" in page(client.get("/menu")) and "/records/mine" in page(
        client.get("/today")
    )


def test_my_records_pages_twenty_five_at_a_time(app, client, users, login):
    _submitted_notes(app, client, login, users, count=26)
    first = page(client.get("/records/mine"))
    assert first.count('class="record"') == 25 and "Load more" in first
    more = page(client.get("/records/mine?page=2", headers={"HX-Request": "true"}))
    assert more.count('class="record"') == 1 and "Load more" not in more and "<html" not in more


def test_review_queue_pages_25_at_a_time_and_load_more_reaches_every_record(
    app, client, users, login
):
    notes = _submitted_notes(app, client, login, users, count=27)
    senior = login(users.senior(), test_client=app.test_client())
    first = page(senior.get("/records/review"))
    assert first.count('<li class="record"') == 25 and "Load more" in first
    assert "records are waiting for review." not in first  # the page does not know them all
    more = page(senior.get("/records/review?page=2", headers={"HX-Request": "true"}))
    assert more.count('<li class="record"') == 2 and "Load more" not in more
    assert "<html" not in more and "<section" not in more  # rows only, swapped for the link
    shown = first + more
    positions = [shown.index(f">{note.reference}<") for note in notes]
    assert positions == sorted(positions)  # oldest first across the pages, none missed


def test_today_leads_to_my_records_even_when_nothing_was_recorded_today(app, client, users, login):
    (yesterdays,) = _submitted_notes(app, client, login, users, count=1)
    yesterdays.created_at = utcnow() - timedelta(days=1, hours=1)  # before the department's today
    db.session.commit()
    client.get("/today")  # shows, and so clears, the "saved" message
    today = page(client.get("/today"))
    assert yesterdays.reference not in today and 'href="/records/mine"' in today
    assert yesterdays.reference in page(client.get("/records/mine"))
