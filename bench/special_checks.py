"""Today's checks with 10,000 active special checks and five years of visits.

    .venv/bin/python bench/special_checks.py                                  # SQLite
    DATABASE_URL=postgresql://user@host/empty_db .venv/bin/python bench/special_checks.py

Builds a fresh database (SQLite in a temporary folder; with DATABASE_URL, that database, which
must be empty: it is migrated and filled) with 10,000 active checks across Stockton, 30,000
ended ones and about 500,000 visits over five years. Times `todays_checks` for 30 random
positions (and once without a position, and the Senior CSO's overview), then prints the plan
of every SQL statement those run: none may scan the whole check_visit table.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

from flask_migrate import upgrade
from sqlalchemy import event, insert, text

from cso_field import create_app
from cso_field.accounts.services import create_account
from cso_field.config import database_url
from cso_field.extensions import db
from cso_field.special_checks.lists import overview, todays_checks
from cso_field.special_checks.models import CheckVisit, SpecialCheck
from cso_field.timeutil import department_today

ACTIVE_CHECKS = 10_000
ENDED_CHECKS = 30_000
VISITS = 500_000
ACTIVE_VISIT_SHARE = 0.1  # the rest belong to checks that have ended
YEARS = 5
QUERIES = 30
BATCH = 5_000
SOUTH, NORTH, WEST, EAST = 37.90, 38.05, -121.40, -121.23
OUTCOMES = ["all_secure"] * 95 + ["open_door_or_window", "forced_entry", "suspicious", "other"] * 1
OFFICERS = 20


def _check_row(rng: random.Random, number: int, start: date, end: date) -> dict:
    return {
        "client_uuid": uuid.uuid4(),
        "submission_hash": "x" * 64,
        "reference": f"SC-B-{number:07d}",
        "kind": "vacation_house",
        "source": "online",
        "created_at": datetime.combine(start, datetime.min.time()) - timedelta(days=3),
        "requester_name": f"Resident {number}",
        "language": "en",
        "address": f"{number % 9000 + 100} Bench St",
        "latitude": rng.uniform(SOUTH, NORTH),
        "longitude": rng.uniform(WEST, EAST),
        "start_date": start,
        "end_date": end,
        "notify_emergency_contact": False,
    }


def _checks(rng: random.Random, today: date) -> list[dict]:
    rows = []
    for number in range(ACTIVE_CHECKS):
        start = today - timedelta(days=rng.randint(0, 20))
        rows.append(_check_row(rng, number, start, today + timedelta(days=rng.randint(0, 20))))
    for number in range(ACTIVE_CHECKS, ACTIVE_CHECKS + ENDED_CHECKS):
        start = today - timedelta(days=rng.randint(31, YEARS * 365))
        rows.append(_check_row(rng, number, start, start + timedelta(days=rng.randint(3, 30))))
    return rows


def _visit_row(rng, check_id: int, start: date, end: date, officers: list[int], now) -> dict:
    window_start = datetime.combine(start, datetime.min.time())
    window_end = min(datetime.combine(end, datetime.max.time()), now)
    seconds = max(1, int((window_end - window_start).total_seconds()))
    created = window_start + timedelta(seconds=rng.randrange(seconds))
    return {
        "client_uuid": uuid.uuid4(),
        "submission_hash": "x" * 64,
        "created_at": created,
        "updated_at": created,
        "status": "submitted",
        "created_by_id": rng.choice(officers),
        "check_id": check_id,
        "outcome": rng.choice(OUTCOMES),
        "latitude": rng.uniform(SOUTH, NORTH),
        "longitude": rng.uniform(WEST, EAST),
        "accuracy_m": rng.uniform(3, 40),
    }


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def fill(rng: random.Random, officers: list[int]) -> None:
    today = department_today()
    checks = _checks(rng, today)
    _insert(SpecialCheck.__table__, checks)
    db.session.commit()
    ids = [row[0] for row in db.session.execute(text("SELECT id FROM special_check ORDER BY id"))]
    windows = [
        (check_id, row["start_date"], row["end_date"])
        for check_id, row in zip(ids, checks, strict=True)
    ]
    active, ended = windows[:ACTIVE_CHECKS], windows[ACTIVE_CHECKS:]
    now = datetime.now()
    for share, pool in ((ACTIVE_VISIT_SHARE, active), (1 - ACTIVE_VISIT_SHARE, ended)):
        rows = [
            _visit_row(rng, *rng.choice(pool), officers, now) for _ in range(int(VISITS * share))
        ]
        _insert(CheckVisit.__table__, rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


class StatementLog:
    """Records the SQL and parameters the code under test sends, to EXPLAIN them afterwards."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def explain(statement: str, parameters) -> list[str]:
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return [row[0] for row in rows]
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return [row[-1] for row in rows]


def scans_check_visit(line: str) -> bool:
    if db.engine.dialect.name == "postgresql":
        return "Seq Scan on check_visit" in line
    words = line.split()
    return len(words) >= 2 and words[0] == "SCAN" and words[1] in ("check_visit", "check_visit_1")


def _percentiles(timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[int(0.95 * (len(timings) - 1))]
    return f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"


def _timed(function, *args) -> tuple[float, object]:
    db.session.expunge_all()  # no help from objects loaded by the previous call
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def run(url: str) -> bool:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
    rng = random.Random(20261122)  # noqa: S311 (repeatable test data, not secrets)
    with app.app_context(), app.test_request_context():
        upgrade()
        officers = [
            create_account(f"bench.cso{number}", f"Bench {number}", "cso", "benchmark password 1")
            for number in range(OFFICERS)
        ]
        db.session.commit()
        user = officers[0]
        started = time.perf_counter()
        fill(rng, [officer.id for officer in officers])
        seconds = time.perf_counter() - started
        print(
            f"{db.engine.dialect.name}: {ACTIVE_CHECKS + ENDED_CHECKS:,} checks "
            f"({ACTIVE_CHECKS:,} active) and {VISITS:,} visits inserted in {seconds:.1f} s"
        )
        today = department_today()
        timings, listed = [], []
        for _ in range(QUERIES):
            lat, lon = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
            elapsed, rows = _timed(todays_checks, user, lat, lon, None, today)
            timings.append(elapsed)
            listed.append(len(rows))
        print(
            f"todays_checks with a position, {QUERIES} random points: {_percentiles(timings)}; "
            f"checks listed: median {statistics.median(listed):.0f}"
        )
        no_position = [_timed(todays_checks, user, None, None, None, today)[0] for _ in range(5)]
        print(f"todays_checks without a position, 5 runs: {_percentiles(no_position)}")
        overview_times = [_timed(overview, today, 3)[0] for _ in range(5)]
        print(f"overview (Senior CSO), 5 runs: {_percentiles(overview_times)}")

        log = StatementLog()
        event.listen(db.engine, "before_cursor_execute", log)
        todays_checks(37.97, -121.31, None, today)
        todays_checks(None, None, None, today)
        overview(today, 3)
        event.remove(db.engine, "before_cursor_execute", log)
        full_scans = 0
        for number, (statement, parameters) in enumerate(log.statements, start=1):
            print(f"\nquery {number}: {' '.join(statement.split())[:160]}…")
            for line in explain(statement, parameters):
                print(f"  {line}")
                full_scans += scans_check_visit(line)
        print(f"\nfull scans of check_visit: {full_scans}")
        db.session.remove()
        db.engine.dispose()
    return full_scans == 0


def main() -> None:
    sqlite_file = Path(os.environ["CSO_INSTANCE_PATH"]) / "bench-special-checks.sqlite"
    sqlite_file.unlink(missing_ok=True)
    ok = run(f"sqlite:///{sqlite_file}")
    if os.environ.get("DATABASE_URL"):
        print()
        ok = run(database_url("")) and ok
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
