"""How the app talks to its database: SQLite's settings, and starting a write transaction.

SQLite allows one writer at a time. Every connection gets WAL (readers never wait for the
writer), foreign keys, and a busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS, set here and nowhere
else): a writer waits that long for the lock before "database is locked". Transactions that
write stay short, so the wait is short: slow work (photos, geocoding, any network call) is
done before a unit of work's first write, and the unit commits once.

pysqlite starts a transaction just before its first INSERT, UPDATE or DELETE; reads before that
see whatever was committed at the time. A unit of work that reads and then decides what to write
(is this client UUID new? is this record still waiting for review?) calls `begin_write()` first:
on SQLite it opens the transaction with BEGIN IMMEDIATE, which takes the write lock at once
(waiting up to the busy timeout), so its reads and writes are one step that no other writer
interleaves with. A transaction that read first and only then asked for the lock could not
wait for it (SQLite answers "database is locked" at once rather than deadlock), so nothing
here ever upgrades a read to a write. On PostgreSQL `begin_write()` does nothing: there
row locks and unique constraints decide (see `locks.hold()`, `lock_for_update()`).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from cso_field.extensions import db


def configure(app: Flask) -> None:
    """WAL, foreign keys and the busy timeout on every new SQLite connection."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    busy_timeout_ms = round(float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]) * 1000)
    _set_pragmas_on_connect(engine, busy_timeout_ms)


def _set_pragmas_on_connect(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # First, so that switching to WAL also waits rather than failing at once.
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def begin_write() -> None:
    """Start the session's transaction as a writer: on SQLite take the write lock now.

    Call it where a unit of work's slow preparation ends and its reads-then-writes begin.
    A transaction that has already written holds the lock; then this does nothing.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_for_update(record) -> None:
    """Begin writing and read `record` afresh, locked against other writers until the commit
    (SELECT … FOR UPDATE on PostgreSQL, the write lock on SQLite): a rule checked on it next
    sees what the last writer committed."""
    begin_write()
    db.session.refresh(record, with_for_update=True)


@contextmanager
def write_transaction(record=None) -> Iterator[None]:
    """A short unit of work: begin writing (locking `record` if given), commit at the end of
    the block, roll back if it raises; the lock is never held past the block."""
    try:
        if record is None:
            begin_write()
        else:
            lock_for_update(record)
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
