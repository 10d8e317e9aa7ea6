"""A database that cannot be reached, or that stays locked past its busy timeout, is a 503
that says nothing was saved and when to try again: never a 500, never half a record."""

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from tests.factories import FORM, PASSWORD, note_data, page, resident_text, spanish_request

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/cso_nowhere"  # port 9: refused


def test_a_resident_request_with_the_database_down_is_a_503_in_spanish(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE)
    with app.test_request_context():
        request = spanish_request()
    response = app.test_client().post(f"{FORM}?lang=es", data=request)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    text = page(response)
    assert '<html lang="es"' in text
    assert resident_text(app, "es", "We cannot take your request right now") in text
    assert f'href="{FORM}?lang=es"' in text


def test_staff_sign_in_with_the_database_down_is_a_503_that_says_try_again(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI=UNREACHABLE)
    response = app.test_client().post("/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 503
    assert "The system is busy" in page(response)
    assert "Your work was not saved." in page(response)


def test_a_note_that_waits_past_the_busy_timeout_is_a_503_and_nothing_is_kept(
    make_app, users, login
):
    app = make_app(SQLITE_BUSY_TIMEOUT_SECONDS=0.2)
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock; PostgreSQL writers wait on row locks instead")
        officer = login(users.cso(), test_client=app.test_client())
        holder = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            response = officer.post("/notes/new", data=note_data())
        finally:
            holder.rollback()
            holder.close()
        assert response.status_code == 503
        assert "Your work was not saved." in page(response)
        assert db.session.scalar(select(func.count(FieldNote.id))) == 0
