"""The `flask users` and `flask seed-demo` commands."""

from sqlalchemy import select

from cso_field.audit.models import AuditEvent
from cso_field.auth.models import User, UserSession
from cso_field.extensions import db
from tests.factories import DEMO_PASSWORD, PASSWORD, totp_code


def _run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_user_reads_the_password_from_stdin(app, client):
    result = _run(
        app, "users", "create", "Ana.Vue", "--role", "senior_cso", input="a long passphrase here\n"
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/login", data={"username": "ana.vue", "password": "a long passphrase here"}
    )
    assert response.status_code == 302
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.create")
    ).one()
    assert event.actor_role == "cli"


def test_create_user_refuses_a_short_password_and_a_bad_role(app):
    assert _run(app, "users", "create", "ana", "--role", "cso", input="short\n").exit_code != 0
    assert _run(app, "users", "create", "ana", "--role", "chief", input="x" * 20).exit_code != 0
    assert db.session.scalars(select(User)).first() is None


def test_list_unlock_and_disable(app, client, users):
    cso = users.cso(username="kim.lee")
    for _ in range(5):
        client.post("/login", data={"username": "kim.lee", "password": "wrong password 1"})
    assert "kim.lee\tcso\tlocked" in _run(app, "users", "list").output
    assert _run(app, "users", "unlock", "kim.lee").exit_code == 0
    assert (
        client.post("/login", data={"username": "kim.lee", "password": PASSWORD}).status_code == 302
    )
    assert _run(app, "users", "disable", "kim.lee").exit_code == 0
    assert client.get("/today").status_code == 302  # the session ended with the account
    assert (
        db.session.scalars(select(UserSession).where(UserSession.user_id == cso.id)).one().ended_at
    )
    assert _run(app, "users", "unlock", "nobody").exit_code != 0


def test_seed_demo_uses_the_configured_password_once(
    seeded_demo, demo_app, demo_client, monkeypatch
):
    assert DEMO_PASSWORD not in seeded_demo.output  # the fixture set CSO_DEMO_PASSWORD
    for username in ("cso.demo", "senior.demo", "admin.demo"):
        login = demo_client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert login.status_code == 302
        demo_client.post("/logout")
    monkeypatch.setenv("CSO_DEMO_PASSWORD", "another demo password")
    assert "already has accounts" in _run(demo_app, "seed-demo").output


def test_seed_demo_prints_a_generated_password(app, client, monkeypatch):
    monkeypatch.delenv("CSO_DEMO_PASSWORD", raising=False)
    monkeypatch.delenv("CSO_DEMO_TOTP_SECRET", raising=False)
    output = _run(app, "seed-demo", "--accounts-only").output
    password = output.split("set CSO_DEMO_PASSWORD to choose it): ")[1].split()[0]
    key = output.split("set CSO_DEMO_TOTP_SECRET to choose it): ")[1].split()[0]
    response = client.post("/login", data={"username": "cso.demo", "password": password})
    assert response.location == "/login/verify"  # then the code from the printed key
    assert client.post("/login/verify", data={"code": totp_code(key)}).location == "/today"
