"""How the app talks to its database: SQLite's settings, and starting a write transaction.

SQLite allows one writer at a time. Every connection gets WAL (readers never wait for the
writer), foreign keys, and a busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS, passed here as the
driver's `timeout` and nowhere else): a writer waits that long for the lock before
"database is locked". Transactions that write stay short, so the wait is short: slow work
(photos, geocoding, any network call) is done before a unit of work's first write, and the
unit commits once.

Writers take turns. SQLite's own wait polls with growing sleeps (up to 100 ms apart), so
under a burst a writer that has waited long keeps losing the lock to newcomers: at 16
connections a few submissions waited past the busy timeout and failed. Here a writer first
takes its turn (`QueuedWriterConnection`, `_WriterTurn`): the turn passes to the next
writer the moment a transaction ends, so none waits inside SQLite, and none waits for long.

pysqlite starts a transaction just before its first INSERT, UPDATE or DELETE; reads before that
see whatever was committed at the time. A unit of work that reads and then decides what to write
(is this client UUID new? is this record still waiting for review?) calls `begin_write()` first:
on SQLite it opens the transaction with BEGIN IMMEDIATE, which takes the write lock at once
(waiting its turn), so its reads and writes are one step that no other writer interleaves with.
A transaction that read first and only then asked for the lock could not wait for it (SQLite
answers "database is locked" at once rather than deadlock), so nothing here ever upgrades a
read to a write. On PostgreSQL `begin_write()` does nothing: there row locks and unique
constraints decide (see `locks.hold()`, `lock_for_update()`).
"""

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import make_url

from cso_field.extensions import db

_WRITE_STARTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN")
# Between two asks for another process's writer turn (seconds).
_FLOCK_FIRST_PAUSE, _FLOCK_LONGEST_PAUSE = 0.0005, 0.005


class _WriterTurn:
    """The turn to write one database file: first among this process's threads (a lock that
    gives up after the busy timeout), then among processes (an flock on a file beside the
    database, which the kernel hands over the moment it is released, and drops if its
    process dies). Only the thread holding the first ever waits for the second, so the
    wait there is one other process's transaction at a time. Both waits together end at the
    busy timeout: a turn not had by then is "database is locked", which the app answers with
    a 503 (nothing saved)."""

    def __init__(self, database: str):
        self.threads = threading.Lock()
        in_a_file = database not in ("", ":memory:") and not database.startswith("file:")
        # Kept open while the process lives: closing it would drop the lock.
        self.file = open(f"{database}-writers", "a+b") if in_a_file else None  # noqa: SIM115

    def take(self, timeout: float) -> bool:
        """Whether the turn was had within `timeout` seconds, both waits together."""
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            return False
        try:
            if self.file is None or self._flock_until(deadline):
                return True
        except BaseException:
            self.threads.release()
            raise
        self.threads.release()
        return False

    def _flock_until(self, deadline: float) -> bool:
        """The flock, asked for without blocking until it comes or the deadline passes (a
        blocking flock cannot be given a time limit); the pause between asks stays short,
        so the turn changes hands within milliseconds of its release."""
        pause = _FLOCK_FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                time.sleep(min(pause, left))
                pause = min(pause * 2, _FLOCK_LONGEST_PAUSE)

    def give_back(self) -> None:
        try:
            if self.file is not None:
                fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
        finally:
            self.threads.release()


_turns: dict[tuple[int, str], _WriterTurn] = {}  # per process (a fork makes its own)
_turns_made = threading.Lock()


def _turn_for(database: str) -> _WriterTurn:
    key = (os.getpid(), database)
    with _turns_made:
        if key not in _turns:
            _turns[key] = _WriterTurn(database)
        return _turns[key]


class QueuedWriterConnection(sqlite3.Connection):
    """A pysqlite connection whose write transactions wait their turn in this process.

    The turn is taken when a statement would start a write transaction (pysqlite's implicit
    BEGIN before a write, or `begin_write()`'s BEGIN IMMEDIATE) and given back when the
    transaction ends, however it ends. Waiting for it is bounded by the busy timeout too.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._timeout = float(kwargs.get("timeout", 5.0))
        self._turn = _turn_for(str(database))
        self._has_turn = False

    def cursor(self, factory=None):
        return super().cursor(factory or _QueuedCursor)

    # pysqlite's shortcuts make a plain cursor of their own; these make a queued one.
    def execute(self, statement, parameters=(), /):
        return self.cursor().execute(statement, parameters)

    def executemany(self, statement, parameters, /):
        return self.cursor().executemany(statement, parameters)

    def commit(self):
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self):
        try:
            super().close()
        finally:
            self._end_turn()

    def _take_turn_for(self, statement: str) -> None:
        if self._has_turn or self.in_transaction:
            return
        if not statement.lstrip()[:7].upper().startswith(_WRITE_STARTS):
            return
        if not self._turn.take(self._timeout):
            raise sqlite3.OperationalError("database is locked")
        self._has_turn = True

    def _end_turn_unless_writing(self) -> None:
        if not self.in_transaction:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            self._turn.give_back()


class _QueuedCursor(sqlite3.Cursor):
    def execute(self, statement, parameters=(), /):
        self.connection._take_turn_for(statement)
        try:
            return super().execute(statement, parameters)
        finally:
            self.connection._end_turn_unless_writing()

    def executemany(self, statement, parameters, /):
        self.connection._take_turn_for(statement)
        try:
            return super().executemany(statement, parameters)
        finally:
            self.connection._end_turn_unless_writing()


def init_app(app: Flask) -> None:
    """Bind Flask-SQLAlchemy to the app; on SQLite with queued writers, the busy timeout,
    WAL and foreign keys, and no pool_pre_ping (a file has no connection to lose, so the
    ping would only be one more statement per request)."""
    sqlite = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite"
    if sqlite:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["pool_pre_ping"] = False
        options["connect_args"] = {
            **options.get("connect_args", {}),
            "timeout": float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]),
            "factory": QueuedWriterConnection,
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if sqlite:
        with app.app_context():
            event.listen(db.engine, "connect", _set_pragmas)


def _set_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


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
