"""Exports at scale: time and peak memory of a 100,000-row export, CSV and XLSX, under each
profile: internal, agency, and the public records profile (which also blots contact details
out of free text).

    .venv/bin/python -m bench.exports [--rows 100000] [--only public-XLSX ...]

It fills a temporary SQLite database (or DATABASE_URL) with 1/1000 of bench/generate.py's
data, then `--rows` special checks (the richest list in personal data: requester and
emergency contact phones and emails, instructions in free text, exact positions), inserted
in bulk. Then each export runs as the export route runs it (exports.services.csv_stream and
xlsx_file, the rows streamed from the database 1,000 at a time): wall time, then again under
tracemalloc for the peak of Python memory (what a flat-memory stream keeps low), and the
process's peak RSS at the end.
"""

import argparse
import hashlib
import resource
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fixed_cost import prepare_environment  # noqa: E402

BATCH = 5000
WORDS = "Key under the mat; neighbour Ana (209) 555-0142, ana@example.org, checks the mail."


def fill(app, rows: int) -> None:
    from sqlalchemy import func, insert, select

    from cso_field.extensions import db
    from cso_field.special_checks.models import SpecialCheck
    from cso_field.timeutil import utcnow

    with app.app_context():
        first_id = (db.session.scalar(select(func.max(SpecialCheck.id))) or 0) + 1
        start = utcnow() - timedelta(days=5 * 365)
        for first in range(0, rows, BATCH):
            batch = []
            for number in range(first, min(first + BATCH, rows)):
                record_id = first_id + number
                created = start + timedelta(minutes=26 * number)
                batch.append(
                    {
                        "id": record_id,
                        "reference": f"SC-{created:%Y}-{record_id:07d}",
                        "client_uuid": uuid.uuid4(),
                        "submission_hash": hashlib.sha256(str(number).encode()).hexdigest(),
                        "created_at": created,
                        "updated_at": created,
                        "kind": "vacation_house",
                        "source": "online",
                        "requester_name": f"Resident {number}",
                        "phone": f"209-555-{number % 10000:04d}",
                        "email": f"resident{number}@example.org",
                        "language": ("en", "es", "vi")[number % 3],
                        "address": f"{number % 900 + 100} N Hunter St",
                        "latitude": 37.95 + (number % 1000) / 100000,
                        "longitude": -121.29 - (number % 1000) / 100000,
                        "start_date": created.date(),
                        "end_date": created.date() + timedelta(days=10),
                        "emergency_contact_name": "Sister",
                        "emergency_contact_phone": "209-555-0199",
                        "instructions": WORDS,
                    }
                )
            db.session.execute(insert(SpecialCheck), batch)
            db.session.commit()


def measure(app, profile_name: str, kind: str) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak MB of Python memory, bytes) of one export."""
    from cso_field.exports import services
    from cso_field.exports.profiles import PROFILES
    from cso_field.records.registry import EXPORT_SOURCES

    def run() -> int:
        source, profile = EXPORT_SOURCES["special_checks"], PROFILES[profile_name]
        with app.test_request_context():
            if kind == "CSV":
                return sum(len(chunk) for chunk in services.csv_stream(app, source, profile, {}))
            with services.xlsx_file(source, profile, {}) as handle:
                return len(handle.read())

    started, cpu = time.perf_counter(), time.process_time()
    size = run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, cpu, peak, size


COMBINATIONS = tuple(
    (profile, kind) for profile in ("public", "agency", "internal") for kind in ("CSV", "XLSX")
)


def report(rows: int, combinations=COMBINATIONS) -> str:
    prepare_environment()
    from bench.wsgi import app

    fill(app, rows)
    lines = [
        f"{rows:,} special checks (plus 1/1000 of bench/generate.py's data), SQLite unless "
        "DATABASE_URL is set.",
        "",
        "| export | profile | size | wall time | CPU time | peak Python memory (tracemalloc) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for profile, kind in combinations:
        seconds, cpu, peak, size = measure(app, profile, kind)
        lines.append(
            f"| {kind} | {profile} | {size / 2**20:.1f} MB | {seconds:.1f} s | {cpu:.1f} s "
            f"| {peak:.1f} MB |"
        )
        print(lines[-1], flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak RSS of the whole process (data loading included): {rss:.0f} MB."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--only", nargs="*", help="profile-FORMAT pairs, e.g. public-XLSX (default: all six)"
    )
    args = parser.parse_args()
    wanted = [tuple(pair.split("-", 1)) for pair in args.only or ()]
    print(report(args.rows, tuple(wanted) or COMBINATIONS))


if __name__ == "__main__":
    main()
