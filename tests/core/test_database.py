"""SQLite writers take turns (cso_field/database.py): a writer waits for the one before it and
gets the database the moment that one's transaction ends, however it ends; readers never wait;
`begin_write()` takes the write lock before the unit's first read.

These use SQLite files of their own, whatever database the suite runs on.
"""

import multiprocessing
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from cso_field import create_app
from cso_field.database import QueuedWriterConnection, begin_write
from cso_field.extensions import db
from tests.conftest import TEST_CONFIG


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "turns.sqlite")
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE note (text TEXT NOT NULL UNIQUE)")
    return path


def connect(path: str, timeout: float = 30.0) -> sqlite3.Connection:
    return sqlite3.connect(
        path, timeout=timeout, factory=QueuedWriterConnection, check_same_thread=False
    )


def notes(path: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT text FROM note ORDER BY text")]


def test_a_writer_waits_its_turn_and_writes_when_the_transaction_before_it_ends(database):
    first, second = connect(database), connect(database)
    first.execute("INSERT INTO note VALUES ('first')")
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(lambda: (second.execute("INSERT INTO note VALUES ('second')"),))
        with pytest.raises(TimeoutError):
            waiting.result(timeout=0.3)  # still waiting: the first has not committed
        first.commit()
        waiting.result(timeout=30)
    second.commit()
    assert notes(database) == ["first", "second"]


def _end_by_commit(connection):
    connection.commit()


def _end_by_rollback(connection):
    connection.rollback()


def _end_by_close(connection):
    connection.close()


def _end_by_sql_commit(connection):
    connection.execute("COMMIT")


@pytest.mark.parametrize(
    "end", [_end_by_commit, _end_by_rollback, _end_by_close, _end_by_sql_commit]
)
def test_the_turn_comes_back_however_a_transaction_ends(database, end):
    first = connect(database)
    first.execute("INSERT INTO note VALUES ('first')")
    end(first)
    # A turn never given back would make this writer give up: "database is locked".
    impatient = connect(database, timeout=0.2)
    impatient.execute("INSERT INTO note VALUES ('next')")
    impatient.commit()
    assert "next" in notes(database)


def test_a_failed_first_write_gives_the_turn_back(database):
    first = connect(database)
    first.execute("INSERT INTO note VALUES ('same')")
    first.commit()
    with pytest.raises(sqlite3.IntegrityError):
        first.execute("INSERT INTO note VALUES ('same')")
    first.rollback()
    impatient = connect(database, timeout=0.2)
    impatient.execute("INSERT INTO note VALUES ('other')")
    impatient.commit()


def test_a_writer_that_cannot_get_its_turn_in_time_is_told_the_database_is_locked(database):
    holder = connect(database)
    holder.execute("INSERT INTO note VALUES ('held')")
    impatient = connect(database, timeout=0.2)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        impatient.execute("INSERT INTO note VALUES ('refused')")
    holder.commit()
    impatient.execute("INSERT INTO note VALUES ('later')")  # and it may try again
    impatient.commit()
    assert notes(database) == ["held", "later"]


def test_readers_never_wait_for_a_writer(database):
    writer = connect(database)
    writer.execute("INSERT INTO note VALUES ('uncommitted')")
    reader = connect(database, timeout=0.2)
    assert reader.execute("SELECT count(*) FROM note").fetchone() == (0,)
    writer.commit()


def _write_from_another_process(path: str, done) -> None:
    connection = connect(path)
    connection.execute("INSERT INTO note VALUES ('other process')")
    connection.commit()
    done.set()


def test_writers_in_another_process_wait_their_turn_too(database):
    holder = connect(database)
    holder.execute("INSERT INTO note VALUES ('this process')")
    context = multiprocessing.get_context("spawn")
    done = context.Event()
    other = context.Process(target=_write_from_another_process, args=(database, done))
    other.start()
    try:
        assert not done.wait(timeout=1.0)  # it waits for this transaction
        holder.commit()
        assert done.wait(timeout=60)
    finally:
        other.join(timeout=60)
    assert other.exitcode == 0
    assert notes(database) == ["other process", "this process"]


def _hold_the_turn_from_another_process(path: str, holding, release) -> None:
    connection = connect(path)
    connection.execute("INSERT INTO note VALUES ('held elsewhere')")
    holding.set()
    release.wait(timeout=60)
    connection.commit()


def test_a_writer_waiting_for_another_processs_turn_gives_up_at_the_busy_timeout(database):
    context = multiprocessing.get_context("spawn")
    holding, release = context.Event(), context.Event()
    other = context.Process(
        target=_hold_the_turn_from_another_process, args=(database, holding, release)
    )
    other.start()
    try:
        assert holding.wait(timeout=60)
        impatient = connect(database, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            impatient.execute("INSERT INTO note VALUES ('refused')")
        assert 0.3 <= time.monotonic() - started < 5
        release.set()
        other.join(timeout=60)
        impatient.execute("INSERT INTO note VALUES ('later')")  # its turn came back free
        impatient.commit()
    finally:
        release.set()
        other.join(timeout=60)
    assert other.exitcode == 0
    assert notes(database) == ["held elsewhere", "later"]


def test_begin_write_takes_the_write_lock_before_the_units_first_read(database):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        begin_write()
        # No write yet, and already no other writer gets in (a plain connection, no turns).
        outsider = sqlite3.connect(database, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            outsider.execute("BEGIN IMMEDIATE")
        assert db.session.execute(text("SELECT count(*) FROM note")).scalar() == 0
        db.session.execute(text("INSERT INTO note VALUES ('unit')"))
        db.session.commit()
        outsider.execute("BEGIN IMMEDIATE")  # free again once the unit committed
        outsider.rollback()
        db.session.remove()
        db.engine.dispose()
    assert notes(database) == ["unit"]
