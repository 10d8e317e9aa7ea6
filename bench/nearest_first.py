"""Nearest-first query time on 20,000 field notes spread over Stockton, CA.

    .venv/bin/python bench/nearest_first.py                                  # SQLite
    DATABASE_URL=postgresql://user@host/empty_db .venv/bin/python bench/nearest_first.py

Builds a fresh database (SQLite in a temporary folder; with DATABASE_URL, that database,
which must be empty: it is migrated and filled), runs `geo.nearest_first` for 50 random
points, prints the median and 95th percentile time and the query plan of the bounding-box
SQL, which must use the ix_field_note_location index.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

from flask_migrate import upgrade
from sqlalchemy import insert, select, text

from cso_field import create_app
from cso_field.accounts.services import create_account
from cso_field.config import database_url
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.geo import bounding_box, box_condition, nearest_first

ROWS = 20_000
QUERIES = 50
RADIUS_M = 1_000.0
LIMIT = 20
SOUTH, NORTH, WEST, EAST = 37.90, 38.05, -121.40, -121.23
INDEX = "ix_field_note_location"


def fill(user_id: int, rng: random.Random) -> None:
    rows = [
        {
            "client_uuid": uuid.uuid4(),
            "submission_hash": "x" * 64,
            "created_by_id": user_id,
            "observation": f"Benchmark note {number}",
            "latitude": rng.uniform(SOUTH, NORTH),
            "longitude": rng.uniform(WEST, EAST),
            "accuracy_m": rng.uniform(3, 60),
        }
        for number in range(ROWS)
    ]
    for start in range(0, ROWS, 2_000):
        db.session.execute(insert(FieldNote), rows[start : start + 2_000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE field_note"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def plan(lat: float, lon: float) -> list[str]:
    query = select(FieldNote).where(
        FieldNote.deleted_at.is_(None),
        box_condition(FieldNote, bounding_box(lat, lon, RADIUS_M)),
    )
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        return [row[0] for row in db.session.execute(text(f"EXPLAIN {sql}"))]
    return [row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]


def run(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
    rng = random.Random(20240601)  # noqa: S311 (repeatable test data, not secrets)
    with app.app_context():
        upgrade()
        user = create_account("bench.user", "Bench User", "cso", "benchmark password 1")
        db.session.commit()
        started = time.perf_counter()
        fill(user.id, rng)
        seconds = time.perf_counter() - started
        print(f"{db.engine.dialect.name}: {ROWS} notes inserted in {seconds:.1f} s")

        query = select(FieldNote).where(FieldNote.deleted_at.is_(None))
        timings, found = [], []
        for _ in range(QUERIES):
            lat, lon = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
            db.session.expunge_all()  # no help from objects loaded by the previous query
            started = time.perf_counter()
            result = nearest_first(query, FieldNote, lat, lon, radius_m=RADIUS_M, limit=LIMIT)
            timings.append((time.perf_counter() - started) * 1000)
            found.append(len(result))
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        print(
            f"nearest_first radius {RADIUS_M:.0f} m, limit {LIMIT}, {QUERIES} random points: "
            f"median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, "
            f"max {timings[-1]:.2f} ms; records returned: median {statistics.median(found):.0f}"
        )
        lines = plan(38.0, -121.3)
        print("plan of the bounding-box query:")
        for line in lines:
            print(f"  {line}")
        uses_index = any(INDEX in line for line in lines)
        print(f"uses {INDEX}: {'yes' if uses_index else 'NO'}")
        db.session.remove()
        db.engine.dispose()
    if not uses_index:
        sys.exit(1)


def main() -> None:
    sqlite_file = Path(os.environ["CSO_INSTANCE_PATH"]) / "bench-nearest.sqlite"
    sqlite_file.unlink(missing_ok=True)
    run(f"sqlite:///{sqlite_file}")
    if os.environ.get("DATABASE_URL"):
        print()
        run(database_url(""))


if __name__ == "__main__":
    main()
