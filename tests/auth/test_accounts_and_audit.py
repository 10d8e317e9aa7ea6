"""Admins manage accounts; Senior CSOs and admins browse the audit trail."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from cso_field import audit
from cso_field.accounts import services as accounts_services
from cso_field.audit.models import AuditEvent
from cso_field.auth.models import User
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.timeutil import utcnow
from tests.factories import PASSWORD, post_note

NEW_ACCOUNT = {
    "username": "J.Garcia",
    "display_name": "Juana García",
    "role": "cso",
    "password": "a long enough password",
}


def test_admin_creates_an_account_that_can_log_in(app, client, users, login):
    login(users.admin())
    response = client.post("/accounts/new", data=NEW_ACCOUNT)
    assert response.status_code == 303
    created = db.session.scalars(select(User).where(User.username == "j.garcia")).one()
    assert created.display_name == "Juana García" and created.role == "cso"
    creation = select(AuditEvent).where(
        AuditEvent.action == "account.create", AuditEvent.object_id == str(created.id)
    )
    assert db.session.scalars(creation).one().actor_role == "admin"
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"username": "j.garcia", "password": "a long enough password"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "", "Enter a user name"),
        ("username", "x" * 10_000, "between 3 and 64"),
        ("username", "juana garcia", "lower-case letters"),
        ("username", "ju\x00ana", "control characters"),
        ("display_name", "", "Enter the person"),
        ("display_name", "N" * 10_000, "at most 120"),
        ("display_name", "Ana\u0007", "control characters"),
        ("role", "superuser", "roles in the list"),
        ("password", "short", "between 12 and 128"),
    ],
)
def test_bad_account_input_is_refused_and_kept(client, users, login, field, value, message):
    login(users.admin())
    response = client.post("/accounts/new", data={**NEW_ACCOUNT, field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    kept = "Juana García" if field != "display_name" else "j.garcia"
    assert kept in page
    assert (
        db.session.scalars(select(User).where(User.display_name == "Juana García")).first() is None
    )


def test_duplicate_user_name_is_refused(client, users, login):
    login(users.admin())
    users.cso(username="j.garcia")
    response = client.post("/accounts/new", data=NEW_ACCOUNT)
    assert response.status_code == 422
    assert "taken" in response.get_data(as_text=True)


def test_admin_changes_a_role_and_the_change_is_audited(client, users, login):
    cso = users.cso()
    login(users.admin(totp=True))  # the sign-in's code counts as the step-up for a while
    response = client.post(
        f"/accounts/{cso.id}/edit",
        data={"display_name": "New Name", "role": "senior_cso", "is_active_account": "y"},
    )
    assert response.status_code == 303
    db.session.refresh(cso)
    assert cso.role == "senior_cso" and cso.display_name == "New Name"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.update")
    ).one()
    assert event.detail == "display_name, role"


def test_admin_cannot_demote_or_disable_themself(client, users, login):
    admin = users.admin()
    login(admin)
    response = client.post(
        f"/accounts/{admin.id}/edit", data={"display_name": admin.display_name, "role": "cso"}
    )
    assert response.status_code == 422
    assert "your own role" in response.get_data(as_text=True)


def test_editing_a_missing_account_is_404(client, users, login):
    login(users.admin())
    assert client.get("/accounts/9999/edit").status_code == 404


def test_audit_trail_is_append_only_in_the_database(app, users):
    audit.record("test.event")
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE audit_event SET action = 'forged'"))
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_event"))
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "test.event"


def test_audit_rows_carry_who_where_and_how(client, users):
    cso = users.cso()
    client.post(
        "/login",
        data={"username": cso.username, "password": PASSWORD},
        headers={"User-Agent": "PhoneBrowser/1.0"},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).one()
    assert (event.actor_name, event.actor_role, event.outcome) == (cso.username, "cso", "success")
    assert event.client_address == "192.0.2.44" and event.user_agent == "PhoneBrowser/1.0"


def _add_events(count, **fields):
    for number in range(count):
        db.session.add(
            AuditEvent(action="login", outcome="success", object_id=str(number), **fields)
        )
    db.session.commit()


def test_audit_search_filters_as_you_type(client, users, login):
    login(users.senior(username="senior.sam"))
    _add_events(3, actor_name="maria.lopez")
    db.session.add(AuditEvent(action="account.lock", outcome="success", actor_name="tom.vue"))
    db.session.commit()
    response = client.get("/audit/?q=tom", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "tom.vue" in fragment and "maria.lopez" not in fragment
    full_page = client.get("/audit/?q=tom").get_data(as_text=True)
    assert "<html" in full_page and 'value="tom"' in full_page


def test_audit_search_by_outcome_and_dates(client, users, login):
    login(users.admin())
    old = AuditEvent(
        action="login",
        outcome="failure",
        actor_name="old.one",
        occurred_at=utcnow() - timedelta(days=40),
    )
    db.session.add(old)
    db.session.commit()
    page = client.get("/audit/?outcome=failure").get_data(as_text=True)
    assert "old.one" in page
    since = (old.occurred_at + timedelta(days=2)).date().isoformat()
    assert "old.one" not in client.get(f"/audit/?outcome=failure&since={since}").get_data(
        as_text=True
    )


def test_audit_is_paginated(make_app, users):
    app = make_app(AUDIT_PAGE_SIZE=5)
    with app.app_context():
        from tests.factories import UserFactory

        admin = UserFactory(app).admin()
        _add_events(12, actor_name="bulk.user")
        client = app.test_client()
        client.post("/login", data={"username": admin.username, "password": PASSWORD})
        first = client.get("/audit/?q=bulk").get_data(as_text=True)
        assert first.count("bulk.user") == 5 and "page=2" in first
        third = client.get("/audit/?q=bulk&page=3").get_data(as_text=True)
        assert third.count("bulk.user") == 2 and "page=4" not in third


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-02-30",
        "until=yesterday",
        "since=2026-05-01&until=2026-04-01",
        "outcome=<script>",
        "page=-1",
        "page=abc",
        "q=" + "x" * 10_000,
        "q=ab",
    ],
)
def test_bad_audit_filters_get_a_message_not_an_error(client, users, login, query):
    login(users.senior())
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 422
    assert 'class="error-summary"' in response.get_data(as_text=True)


def test_like_wildcards_are_searched_literally(client, users, login):
    login(users.admin())
    _add_events(1, actor_name="percent.user")
    _add_events(1, actor_name="under_score")
    for wildcards in ("%25%25%25", "t_u", "t%25u", "___"):
        page = client.get(f"/audit/?q={wildcards}").get_data(as_text=True)
        assert "percent.user" not in page and "under_score" not in page, wildcards
    assert "under_score" in client.get("/audit/?q=R_S").get_data(as_text=True)


def test_audit_names_the_record_in_words_and_links_to_it(app, client, users, login):
    login(users.cso())
    note_id = post_note(client)
    note = db.session.get(FieldNote, note_id)
    audit.record("old.row", object_type="user", object_id=7)
    db.session.commit()
    admin = login(users.admin(), test_client=app.test_client())
    body = admin.get("/audit/").get_data(as_text=True)
    assert f'href="/notes/{note_id}"' in body
    assert f"Field note {note.reference}" in body
    assert "field_note 1" not in body
    assert "Account 7" in body and "user 7" not in body  # other objects read sensibly too


def _statements_for(client, path: str) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_audit_names_many_records_without_a_query_for_each(app, client, users, login):
    login(users.cso())
    notes = [post_note(client, observation=f"Note {number}") for number in range(2)]
    admin = login(users.admin(), test_client=app.test_client())
    few = _statements_for(admin, "/audit/")

    notes += [post_note(client, observation=f"Note {number}") for number in range(2, 12)]
    audit.record("field_note.lost", object_type="field_note", object_id=999_999)
    db.session.commit()
    assert _statements_for(admin, "/audit/") == few
    body = admin.get("/audit/").get_data(as_text=True)
    for note_id in notes:
        reference = db.session.get(FieldNote, note_id).reference
        assert f'href="/notes/{note_id}">Field note {reference}</a>' in body
    assert "Field note 999999" in body  # a record no longer there still reads sensibly


def test_accounts_list_pages_with_load_more_locked_first(app, client, users, login, monkeypatch):
    monkeypatch.setattr(accounts_services, "ACCOUNTS_PAGE", 3)
    login(users.admin(username="zz.admin"))
    for number in range(1, 7):
        users.cso(username=f"cso.{number}")
    locked = users.cso(username="zz.locked", locked_until=utcnow() + timedelta(minutes=10))

    first = client.get("/accounts/").get_data(as_text=True)
    assert first.count('<li class="record"') == 3 and "Load more" in first
    assert first.index("zz.locked") < first.index("cso.1")  # locked accounts come first
    names = []
    path = "/accounts/"
    while path:
        text = client.get(path, headers={"HX-Request": "true"} if "page" in path else {})
        text = text.get_data(as_text=True)
        assert text.count('<li class="record"') <= 3
        names += re.findall(r'<span class="muted">([a-z0-9.]+) · ', text)
        more = re.search(r'<li class="load-more"><a class="button-secondary" href="([^"]+)"', text)
        path = more.group(1) if more else None
    expected = [locked.username, *(f"cso.{n}" for n in range(1, 7)), "zz.admin"]
    assert names == expected
