"""The traffic board with 50 posts against the reference list page, and the ICS 214's PDF time.

    .venv/bin/python -m bench.traffic_board [--scale 0.1] [--seconds 5] [--database-url URL]

Generates the department (bench/generate.py, at --scale; into a fresh SQLite file unless
--database-url names an empty database), adds a parade with 50 posts, a CSO on each, and 100
activity entries, then serves it with gunicorn as bench/speed.py does and measures, each
beside the reference list page in the same run: the board page, the polled fragment when the
board changed (the whole fragment) and when it did not (a 204). Prints the fragment's size
(raw and gzip) and how long WeasyPrint takes for the period's ICS 214 and ICS 204.
"""

import argparse
import gzip
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

from bench import speed  # noqa: E402
from bench.generate import database_url_from, generate  # noqa: E402

POSTS = 50
ENTRIES = 100


def add_parade(url: str) -> int:
    """A parade with POSTS posts, a bench CSO on each, ENTRIES log lines; returns its id."""
    from flask_login import login_user
    from sqlalchemy import select

    from cso_field import create_app
    from cso_field.auth.models import User
    from cso_field.extensions import db
    from cso_field.timeutil import utcnow
    from cso_field.traffic_posts import services

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url_from(url), "GEOCODER": "none"})
    with app.app_context(), app.test_request_context():
        senior = db.session.scalar(select(User).where(User.username == speed.SENIOR))
        csos = db.session.scalars(
            select(User).where(User.role == "cso").order_by(User.id).limit(POSTS)
        ).all()
        login_user(senior)
        now = utcnow().replace(microsecond=0)
        parade, _created = services.create_incident(
            client_uuid=uuid.uuid4(),
            content={
                "kind": "parade",
                "name": "Bench parade",
                "starts_at": now - timedelta(hours=1),
                "expected_end_at": now + timedelta(hours=6),
                "requested_by": None,
                "in_charge_id": senior.id,
                "address": "Main St & Center St",
                "latitude": speed.LAT,
                "longitude": speed.LON,
                "accuracy_m": None,
            },
            author=senior,
        )
        period = parade.periods[0]
        for number in range(POSTS):
            post = services.add_post(
                parade,
                {
                    "name": f"Post {number + 1}: Main St & {number + 1}th St",
                    "role": "traffic_direction",
                    "instructions": None,
                    "latitude": speed.LAT + number * 0.0005,
                    "longitude": speed.LON,
                    "accuracy_m": None,
                    "address": None,
                },
            )
            cso = csos[number % len(csos)]
            assignment = services.assign(post, period, cso.id)
            at = now - timedelta(minutes=50 - number % 40)
            if number < len(csos) and not _on_post_elsewhere(cso.id, at):
                services.go_on_post(assignment, cso, at=at)
        for number in range(ENTRIES):
            services.add_entry(parade, senior, f"Bench entry {number}: lane {number % 4} reopened")
        return parade.id


def _on_post_elsewhere(user_id: int, at) -> bool:
    """Whether the CSO is on a post at `at` or after (another incident's, e.g. the demo
    records of bench/record_types.py): going on a second one then is refused."""
    from sqlalchemy import or_, select

    from cso_field.extensions import db
    from cso_field.traffic_posts.models import PostAssignment

    on_post = select(PostAssignment.id).where(
        PostAssignment.user_id == user_id,
        PostAssignment.on_post_at.is_not(None),
        or_(PostAssignment.relieved_at.is_(None), PostAssignment.relieved_at > at),
    )
    return db.session.scalar(on_post.limit(1)) is not None


def fragment_size(browser: "speed.Browser", path: str) -> tuple[int, int]:
    status, body = browser.get(path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status}")
    raw = body.encode()
    return len(raw), len(gzip.compress(raw, 6))


def unchanged(pool, server, senior, incident_id: int, seconds: float):
    """The poll of a board that has not changed: the token read just before (it turns each
    minute, so a few polls at the turn get the whole fragment: see the statuses)."""
    browser = speed.Browser(server.port)  # the first one's keep-alive ran out meanwhile
    browser.cookies = dict(senior.cookies)
    board_page = browser.get(f"/traffic/{incident_id}")[1]
    browser.close()
    token = re.search(r"board\?v=([0-9-]+)", board_page).group(1)
    target = speed.Target(
        "board fragment, unchanged",
        [f"/traffic/{incident_id}/board?v={token}"],
        senior.cookie_header,
        None,
        (204, 200),
    )
    return speed.measure_target(pool, server, target, seconds, 1)


def pdf_seconds(url: str, incident_id: int, runs: int = 3) -> dict[str, float]:
    from flask_babel import force_locale

    from cso_field import create_app
    from cso_field.documents import render_pdf
    from cso_field.extensions import db
    from cso_field.timeutil import utcnow
    from cso_field.traffic_posts import board
    from cso_field.traffic_posts.models import TrafficIncident

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url_from(url)})
    times = {}
    with app.app_context(), app.test_request_context(), force_locale("en"):
        incident = db.session.get(TrafficIncident, incident_id)
        period = incident.periods[0]
        for name, build in (("ics214", board.ics214), ("ics204", board.ics204)):
            seconds = []
            for _run in range(runs):
                started = time.perf_counter()
                render_pdf(
                    f"traffic_posts/{name}.html",
                    document_lang="en",
                    prepared_by="Bench",
                    prepared_at=utcnow(),
                    **build(incident, period),
                )
                seconds.append(time.perf_counter() - started)
            times[name] = statistics.median(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--database-url")
    arguments = parser.parse_args()
    folder = None if arguments.database_url else tempfile.mkdtemp(prefix="cso-board-")
    url = arguments.database_url or f"sqlite:///{folder}/b.sqlite"
    try:
        run(url, arguments)
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def run(url: str, arguments) -> None:
    generate(url, arguments.scale)
    incident_id = add_parade(url)
    with speed.serve(url) as server:
        senior = speed.login(server.port, speed.SENIOR)
        cookie = senior.cookie_header
        fragment = f"/traffic/{incident_id}/board"
        raw, zipped = fragment_size(senior, f"{fragment}?v=stale")
        from bench.wsgi import REFERENCE_PATH

        targets = [
            speed.Target(speed.REFERENCE, [REFERENCE_PATH], cookie),
            speed.Target("board page", [f"/traffic/{incident_id}"], cookie),
            speed.Target("board fragment, changed", [f"{fragment}?v=stale"], cookie),
            speed.Target(f"{speed.REFERENCE} (again)", [REFERENCE_PATH], cookie),
        ]
        context = multiprocessing.get_context("fork")
        rows = []
        with context.Pool(speed.PROCESSES) as pool:
            speed.measure_target(pool, server, targets[0], 1, 0)
            for target in targets:
                rows.append(speed.measure_target(pool, server, target, arguments.seconds, 1))
                if target.name == "board fragment, changed":  # the token of this minute
                    rows.append(unchanged(pool, server, senior, incident_id, arguments.seconds))
        senior.close()
    reference = statistics.mean(
        row.server_ms_per_request for row in rows if row.target.name.startswith(speed.REFERENCE)
    )
    print(f"\n{url} (scale {arguments.scale}), {POSTS} posts, {arguments.seconds:g} s a target")
    for row in rows:
        print(
            f"  {row.target.name}: {row.server_ms_per_request:.2f} ms CPU/request "
            f"({row.server_ms_per_request / reference:.2f}x the reference), "
            f"p95 {row.percentile(95):.1f} ms, statuses {dict(row.statuses)}"
        )
    print(f"  fragment with {POSTS} posts: {raw} bytes, {zipped} bytes gzip")
    for name, seconds in pdf_seconds(url, incident_id).items():
        print(f"  {name.upper()} PDF ({POSTS} posts, {ENTRIES} entries): {seconds:.2f} s")


if __name__ == "__main__":
    main()
