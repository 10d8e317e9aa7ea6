"""Fixtures: a freshly migrated database per test (SQLite or PostgreSQL), the app, users per role.

Set DATABASE_URL to a PostgreSQL database to run the suite there: it is migrated once
and used as the template from which every test gets its own database.
"""

import itertools
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-test-instance-"))

from cso_field import create_app
from cso_field.config import database_url
from cso_field.extensions import db
from tests.factories import PASSWORD, UserFactory

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SESSION_COOKIE_SECURE": False,
    "WTF_CSRF_ENABLED": False,
}


def _migrate(url: str) -> None:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class SQLiteDatabases:
    def __init__(self, folder: Path):
        self.template = folder / "template.sqlite"
        self.counter = itertools.count()
        _migrate(f"sqlite:///{self.template}")

    def create(self) -> str:
        copy = self.template.with_name(f"test-{next(self.counter)}.sqlite")
        shutil.copyfile(self.template, copy)
        return f"sqlite:///{copy}"

    def drop(self, url: str) -> None:
        Path(make_url(url).database).unlink(missing_ok=True)


class PostgresDatabases:
    """Each test gets CREATE DATABASE ... TEMPLATE <the migrated DATABASE_URL database>."""

    def __init__(self, url: str):
        self.template_url = make_url(url)
        self.counter = itertools.count()
        _migrate(url)

    def _admin(self):
        conninfo = self.template_url.set(drivername="postgresql", database="postgres")
        return psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True)

    def create(self) -> str:
        name = f"{self.template_url.database}_{os.getpid()}_{next(self.counter)}"
        with self._admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template_url.database}"')
        return self.template_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        return PostgresDatabases(database_url(""))
    return SQLiteDatabases(tmp_path_factory.mktemp("db"))


@pytest.fixture
def database_url_for_test(databases):
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def make_app(database_url_for_test):
    """Build the app on this test's database; extra settings override the test defaults."""
    created = []

    def build(**overrides):
        app = create_app(
            {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url_for_test, **overrides}
        )
        app.test_client_class = FreshContextClient
        created.append(app)
        return app

    yield build
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Sends each request from its own thread, so it gets its own app context and `g`,
    as under a real server, even while the test holds an app context to read the database.

    The test's transaction is committed before and after, so each side sees the other's rows.
    """

    def open(self, *args, **kwargs):
        holds_context = has_app_context()
        if holds_context:
            db.session.commit()
        with ThreadPoolExecutor(max_workers=1) as executor:
            response = executor.submit(super().open, *args, **kwargs).result()
        if holds_context:
            db.session.commit()
        return response


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    return UserFactory(app)


@pytest.fixture
def login(client):
    def log_in(user, password=PASSWORD, test_client=None):
        test_client = test_client or client
        response = test_client.post(
            "/login", data={"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return test_client

    return log_in


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; `smtp_server.configure(app)` points the app at it."""
    from tests.smtp_server import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()
