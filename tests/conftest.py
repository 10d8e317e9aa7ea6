"""Fixtures: a freshly migrated database per test (SQLite or PostgreSQL), the app, users per role.

Set DATABASE_URL to a PostgreSQL database to run the suite there: it is migrated once
and used as the template from which every test gets its own database (a copy, or one emptied
after an earlier test: see PostgresDatabases).

What makes the suite slow is kept out of each test: users' passwords are hashed at a cheaper
scrypt cost (TEST_CONFIG), and the demo department is seeded once per worker (`seeded_demo`).

Safe under pytest-xdist (`make test` runs the suite in several worker processes): each
worker has its own instance folder, its own SQLite template or PostgreSQL template database
(`<DATABASE_URL database>_<worker>`), and tests that restart PostgreSQL run alone (see
PostgresClusterLock).
"""

import contextlib
import fcntl
import itertools
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy.engine import make_url

# The app's instance folder (its secret key, the default photo folder): a temporary one, and
# in a pytest-xdist worker (PYTEST_XDIST_WORKER="gw0", ...) a subfolder of its own.
os.environ["CSO_INSTANCE_PATH"] = str(
    Path(os.environ.get("CSO_INSTANCE_PATH") or tempfile.mkdtemp(prefix="cso-test-instance-"))
    / os.environ.get("PYTEST_XDIST_WORKER", "")
)

from cso_field import create_app
from cso_field.config import database_url
from cso_field.extensions import db
from tests.factories import DEMO_PASSWORD, PASSWORD, TOTP_SECRET, UserFactory, totp_code

# Fixtures kept beside the helpers they use: `postgres_cluster` (tests that stop or restart
# the local PostgreSQL cluster; marked restarts_postgresql below, so they run alone).
pytest_plugins = ["tests.fault_helpers"]

# "gw0", "gw1", ... in a pytest-xdist worker; empty in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SESSION_COOKIE_SECURE": False,
    "WTF_CSRF_ENABLED": False,
    # The department's default second-factor policy (Senior CSOs and admins) is off in tests
    # unless a test turns it on (tests/auth/test_second_factor.py): users the factory makes
    # have no second factor, so one password logs them in as before. A user enrolled with
    # UserFactory(..., totp=True) is asked for a code; the login fixture types it.
    "SECOND_FACTOR_ROLES": [],
    # scrypt at 1/32 of the production cost: every test signs users in, and the full cost
    # (about 0.1 s of a core a hash) was a large part of the suite's time.
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
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

    def create(self, template_url: str | None = None) -> str:
        template = Path(make_url(template_url).database) if template_url else self.template
        copy = self.template.with_name(f"test-{next(self.counter)}.sqlite")
        shutil.copyfile(template, copy)
        return f"sqlite:///{copy}"

    def drop(self, url: str) -> None:
        Path(make_url(url).database).unlink(missing_ok=True)


# Empties every table of a test's database and restarts its sequences, in one round trip;
# session_replication_role = replica skips the triggers (append-only audit, kept tallies) and
# the foreign keys' checks for the transaction.
_EMPTY_DATABASE = """
DO $$
DECLARE name text;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  FOR name IN SELECT quote_ident(tablename) FROM pg_tables
              WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE 'DELETE FROM ' || name;
  END LOOP;
  FOR name IN SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE 'ALTER SEQUENCE ' || name || ' RESTART';
  END LOOP;
END $$
"""
# What a test may not change for its database to be emptied and used again: the schema.
_SCHEMA_FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
  SELECT relname || ':' || relkind::text || ':' || relnatts AS item FROM pg_class
  WHERE relnamespace = 'public'::regnamespace
  UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL SELECT version_num FROM alembic_version
) AS schema
"""
# The template holds no rows but its migration number, as an emptied database does (a
# migration that adds rows would make copies the only way: see PostgresDatabases.reuse).
_ROWS_IN_TEMPLATE = """
SELECT count(*) FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'alembic_version'
  AND (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I', relname),
                                           false, true, '')))[1]::text::int > 0
"""
_TERMINATE_OTHERS = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


class PostgresDatabases:
    """Each test gets a database of its own, copied from a migrated template database.

    Without xdist the template is the DATABASE_URL database itself. Under xdist each worker
    makes and migrates its own, `<database>_<worker>`, and drops it at the end: workers must
    not migrate one database at once, and CREATE DATABASE ... TEMPLATE fails while another
    session is connected to the template. Every name starts with the DATABASE_URL
    database's, so dropping databases by that prefix (.ci/run) clears up after any run.

    Copying the template (CREATE DATABASE ... TEMPLATE) took longer than most tests, so a
    test's database is emptied after it and handed to the next one, as a copy would be: the
    same schema (checked), no rows, sequences from 1. A database whose schema a test changed,
    or that cannot be emptied, is dropped instead.
    """

    def __init__(self, url: str, worker: str = ""):
        base_url = make_url(url)
        self.server_url = base_url.set(database="postgres")
        self.owns_template = bool(worker)
        self.template_url = (
            base_url.set(database=f"{base_url.database}_{worker}") if worker else base_url
        )
        self.counter = itertools.count()
        self.emptied: list[str] = []  # databases made from the template, emptied, free
        self.own_copies: set[str] = set()  # made from the template, so they may be emptied
        if self.owns_template:  # afresh: an interrupted run may have left one behind
            self._drop(self.template_url.database)
            self._execute(f'CREATE DATABASE "{self.template_url.database}"')
        template = self.template_url.render_as_string(hide_password=False)
        _migrate(template)
        with psycopg.connect(
            make_url(template).set(drivername="postgresql").render_as_string(hide_password=False)
        ) as connection:
            self.schema = connection.execute(_SCHEMA_FINGERPRINT).fetchone()
            self.reuse = connection.execute(_ROWS_IN_TEMPLATE).fetchone()[0] == 0

    def _execute(self, statement: str) -> None:
        conninfo = self.server_url.set(drivername="postgresql")
        with psycopg.connect(
            conninfo.render_as_string(hide_password=False), autocommit=True
        ) as connection:
            connection.execute(statement)

    def _drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create(self, template_url: str | None = None) -> str:
        if template_url is None and self.emptied:
            return self.emptied.pop()
        template = make_url(template_url).database if template_url else self.template_url.database
        name = f"{self.template_url.database}_{os.getpid()}_{next(self.counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = self.template_url.set(database=name).render_as_string(hide_password=False)
        if template_url is None:
            self.own_copies.add(url)
        return url

    def drop(self, url: str) -> None:
        if self.reuse and url in self.own_copies and self._emptied(url):
            self.emptied.append(url)
        else:
            self.own_copies.discard(url)
            self._drop(make_url(url).database)

    def _emptied(self, url: str) -> bool:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(_TERMINATE_OTHERS)
                if connection.execute(_SCHEMA_FINGERPRINT).fetchone() != self.schema:
                    return False
                connection.execute(_EMPTY_DATABASE)
                return True
        except psycopg.Error:
            return False

    def close(self) -> None:
        for url in self.own_copies:
            self._drop(make_url(url).database)
        if self.owns_template:
            self._drop(self.template_url.database)


class PostgresClusterLock:
    """Keeps a test that restarts the PostgreSQL cluster (marked `restarts_postgresql`)
    apart from every other test using that cluster, in any xdist worker or concurrent run.

    Each test using PostgreSQL holds a shared lock on a file named after the server for its
    whole run (setup to teardown); a restarting test holds it exclusively. Whoever takes the
    lock passes through a gate first, and the exclusive holder keeps the gate while it waits,
    so that new shared holders queue behind it instead of starving it.
    """

    def __init__(self, url: str):
        server = make_url(url)
        stem = f"cso-tests-postgresql-{server.host}-{server.port or 5432}"
        self.gate_path = Path(tempfile.gettempdir()) / f"{stem}.gate"
        self.lock_path = Path(tempfile.gettempdir()) / f"{stem}.lock"

    @contextlib.contextmanager
    def hold(self, exclusive: bool):
        with self.gate_path.open("a") as gate, self.lock_path.open("a") as lock:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            finally:
                if not exclusive:
                    fcntl.flock(gate, fcntl.LOCK_UN)
            yield  # closing the files releases whatever is still held


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "restarts_postgresql: restarts the local PostgreSQL cluster; runs while no other "
        "test uses it",
    )


def pytest_collection_modifyitems(items):
    for item in items:
        if "postgres_cluster" in item.fixturenames:  # tests/test_faults.py's restart test
            item.add_marker(pytest.mark.restarts_postgresql)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """On PostgreSQL, every test using it runs under PostgresClusterLock; so does each worker's
    last test, whose teardown drops the worker's template database."""
    url = os.environ.get("DATABASE_URL")
    if not url or ("databases" not in item.fixturenames and nextitem is not None):
        return (yield)
    exclusive = item.get_closest_marker("restarts_postgresql") is not None
    with PostgresClusterLock(url).hold(exclusive):
        return (yield)


@pytest.fixture(autouse=True)
def _pillow_pixel_limit_restored():
    """Photo uploads set Pillow's process-wide Image.MAX_IMAGE_PIXELS from the app's
    PHOTO_MAX_PIXELS; put it back after each test, so that a test's tiny limit does not reach
    the images that the next tests in the same process open (in whatever order an xdist
    worker gets them)."""
    limit = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = limit


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        postgres = PostgresDatabases(database_url(""), WORKER)
        yield postgres
        postgres.close()
    else:
        yield SQLiteDatabases(tmp_path_factory.mktemp("db"))


@pytest.fixture
def database_url_for_test(databases):
    url = databases.create()
    yield url
    databases.drop(url)


@contextlib.contextmanager
def _app_builder(url: str):
    """Builds apps on the database at `url`; extra settings override the test defaults."""
    created = []

    def build(**overrides):
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
        app.test_client_class = FreshContextClient
        created.append(app)
        return app

    yield build
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def make_app(database_url_for_test):
    """Build the app on this test's database; extra settings override the test defaults."""
    with _app_builder(database_url_for_test) as build:
        yield build


@dataclass
class SeededDemo:
    url: str  # a database with the demo department, copied for each test that uses it
    output: str  # what `flask seed-demo` printed


@pytest.fixture(scope="session")
def seeded_demo(databases):
    """`flask seed-demo` run once per worker (it takes seconds): `demo_app` copies it."""
    url = databases.create()
    with _app_builder(url) as build, pytest.MonkeyPatch.context() as environment:
        environment.setenv("CSO_DEMO_PASSWORD", DEMO_PASSWORD)
        environment.setenv("CSO_DEMO_TOTP_SECRET", TOTP_SECRET)
        app = build()
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    yield SeededDemo(url, result.output)
    databases.drop(url)


@pytest.fixture
def demo_app(databases, seeded_demo):
    """The app on this test's own copy of the demo department (see `seeded_demo`)."""
    url = databases.create(seeded_demo.url)
    with _app_builder(url) as build:
        app = build()
        with app.app_context():
            yield app
    databases.drop(url)


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


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
        if response.location == "/login/verify":  # the second step: the code of the moment
            response = test_client.post("/login/verify", data={"code": totp_code(user)})
        assert response.status_code in (302, 303), response.get_data(as_text=True)
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


# -- Photo storage: the local folder, and an S3-compatible bucket -------------------------


class LocalPhotoStore:
    """Photos in a folder of the test's own (the default storage)."""

    kind = "local"

    def __init__(self, folder: Path):
        self.folder = folder

    @property
    def config(self) -> dict:
        return {"PHOTO_STORAGE_URL": "", "PHOTO_STORAGE_DIR": str(self.folder)}

    def stored_keys(self) -> list[str]:
        if not self.folder.exists():
            return []
        files = (path for path in self.folder.rglob("*") if path.is_file())
        return sorted(path.relative_to(self.folder).as_posix() for path in files)

    def write(self, key: str, data: bytes) -> None:
        """Change a stored file behind the app's back."""
        (self.folder / key).write_bytes(data)

    def use(self, app) -> None:
        app.config.update(self.config)
        app.extensions.pop("cso_storage", None)  # made afresh from these settings


class S3PhotoStore(LocalPhotoStore):
    """Photos in the test S3 server's bucket, under a prefix of the test's own."""

    kind = "s3"

    def __init__(self, server, prefix: str):
        self.server = server
        self.prefix = prefix

    @property
    def config(self) -> dict:
        return self.server.app_config(self.prefix)

    def stored_keys(self) -> list[str]:
        return self.server.keys(self.prefix)

    def write(self, key: str, data: bytes) -> None:
        self.server.write(self.prefix, key, data)


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 with one bucket, for the whole run (of this worker)."""
    from tests.s3_server import S3Server

    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_credentials(monkeypatch):
    """The test server's keys in the environment, where the app's boto3 reads them; never a
    developer's own AWS profile or configuration."""
    from tests.s3_server import CREDENTIALS

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture(params=["local", "s3"])
def photo_store(request, tmp_path):
    """Where photos go: every test using it runs once on the local folder and once on S3."""
    if request.param == "local":
        return LocalPhotoStore(tmp_path / "photos")
    request.getfixturevalue("s3_credentials")
    return S3PhotoStore(request.getfixturevalue("s3_server"), f"test-{os.urandom(6).hex()}")
