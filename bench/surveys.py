"""Surveys at scale: the export's time and peak memory for 100,000 completed responses (CSV
and XLSX), and the results page's server CPU per request beside the reference list page.

    .venv/bin/python -m bench.surveys [--responses 100000] [--requests 100]

It fills a temporary SQLite database (or DATABASE_URL) with 1/1000 of bench/generate.py's
data, then one survey (the demo survey: a number, yes/no, free text, multiple choice) with
`--responses` completed door contacts and their answer rows, inserted in bulk. Then:
- the export, as the export route runs it (results.export_plan, csv_stream, xlsx_file): wall
  time, then again under tracemalloc for the peak of Python memory (what a flat-memory
  stream keeps low), with the process's peak RSS;
- CPU milliseconds per request, in one process with Werkzeug's test client as
  bench/fixed_cost.py measures, of GET /surveys/<id>/results (as bench.senior01, the counts
  read from the tallies the database's triggers kept while the bulk inserts ran:
  cso_field/surveys/tallies.py) and of the reference list page (bench/reference.py), and
  their ratio.
`make bench` runs it (bench/report.py) and puts its table in bench/REPORT.md.
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

from bench.fixed_cost import (  # noqa: E402
    CSRF,
    PASSWORD,
    WARMUP_REQUESTS,
    cpu_ms_per_request,
    prepare_environment,
)
from bench.second_factor import VERIFY_PATH, code_for, needs_code  # noqa: E402

BATCH = 5000
CONCERNS = ("speeding", "lighting", "dumping")


def fill(app, responses: int) -> int:
    """The demo survey with `responses` completed contacts; returns the survey's id."""
    from sqlalchemy import insert, select

    from cso_field.auth.models import User
    from cso_field.extensions import db
    from cso_field.surveys.demo import DEMO_SURVEY
    from cso_field.surveys.models import Answer, SurveyResponse
    from cso_field.surveys.services import current_version, save_survey, start_canvass
    from cso_field.timeutil import utcnow

    with app.test_request_context():
        senior = db.session.scalar(select(User).where(User.username == "bench.senior01"))
        cso = db.session.scalar(select(User).where(User.username == "bench.cso01"))
        survey = save_survey(DEMO_SURVEY, senior)
        canvass = start_canvass(survey, "Bench block", cso, uuid.uuid4())[0]
        version = current_version(survey)
        ids = {question.name: question.id for question in version.questions}
        start = utcnow() - timedelta(days=365)
        next_id = (
            db.session.scalar(select(SurveyResponse.id).order_by(SurveyResponse.id.desc())) or 0
        ) + 1
        for first in range(0, responses, BATCH):
            rows, answers = [], []
            for number in range(first, min(first + BATCH, responses)):
                record_id = next_id + number
                given = {
                    "people": number % 7 + 1,
                    "feel_safe": "no" if number % 3 == 0 else "yes",
                    "concerns": [CONCERNS[number % 3], CONCERNS[(number + 1) % 3]],
                }
                if given["feel_safe"] == "no":
                    given["why_unsafe"] = f"Cars speed on the block at night ({number})"
                created = start + timedelta(seconds=300 * number)
                rows.append(
                    {
                        "id": record_id,
                        "reference": f"SR-{created:%Y}-{record_id:07d}",
                        "client_uuid": uuid.uuid4(),
                        "submission_hash": hashlib.sha256(str(number).encode()).hexdigest(),
                        "created_at": created,
                        "updated_at": created,
                        "created_by_id": cso.id,
                        "status": "submitted",
                        "canvass_id": canvass.id,
                        "version_id": version.id,
                        "outcome": "completed",
                        "language": ("en", "es", "vi")[number % 3],
                        "answers": given,
                        "address": f"{number % 900 + 100} N Hunter St",
                    }
                )
                for name, value in given.items():
                    for one in value if isinstance(value, list) else [value]:
                        answers.append(
                            {"response_id": record_id, "question_id": ids[name], "value": str(one)}
                        )
            db.session.execute(insert(SurveyResponse), rows)
            db.session.execute(insert(Answer), answers)
            db.session.commit()
        return survey.id


def measure_export(app, survey_id: int) -> list[tuple[str, float, float]]:
    """(kind, seconds, peak MB of Python memory) for the CSV and the XLSX export."""
    from cso_field.extensions import db
    from cso_field.surveys import results
    from cso_field.surveys.models import Survey
    from cso_field.surveys.services import current_version

    def run(kind: str) -> int:
        with app.test_request_context():
            version = current_version(db.session.get(Survey, survey_id))
            plan = results.export_plan(version, results.Filters(), "es")
            if kind == "CSV":
                return sum(len(chunk) for chunk in results.csv_stream(app, plan))
            with results.xlsx_file(plan) as handle:
                return len(handle.read())

    measured = []
    for kind in ("CSV", "XLSX"):
        started = time.perf_counter()
        size = run(kind)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        run(kind)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        measured.append((f"{kind} ({size / 2**20:.1f} MB)", seconds, peak))
    return measured


def measure_pages(application, survey_id: int, requests: int) -> list[tuple[str, float]]:
    from werkzeug.test import Client

    from bench.reference import REFERENCE_PATH

    def signed_in(username: str) -> Client:
        client = Client(application)
        token = CSRF.search(client.get("/login").text).group(1)
        form = {"csrf_token": token, "username": username, "password": PASSWORD}
        response = client.post("/login", data=form)
        if needs_code(response.location):
            token = CSRF.search(client.get(VERIFY_PATH).text).group(1)
            code = {"csrf_token": token, "code": code_for(username)}
            response = client.post(VERIFY_PATH, data=code)
        if response.status_code not in (302, 303) or "/login" in (response.location or "/login"):
            raise SystemExit(f"could not sign in as {username}")
        return client

    pages = (
        ("reference list page", signed_in("bench.cso01"), REFERENCE_PATH),
        ("survey results page", signed_in("bench.senior01"), f"/surveys/{survey_id}/results"),
    )
    for _name, client, path in pages:
        for _ in range(min(WARMUP_REQUESTS, requests)):
            client.get(path)
    return [(name, cpu_ms_per_request(client, path, requests)) for name, client, path in pages]


def report(responses: int, requests: int) -> str:
    """The markdown table bench/report.py puts in bench/REPORT.md."""
    prepare_environment()
    from bench.wsgi import app, application

    survey_id = fill(app, responses)
    exports = measure_export(app, survey_id)
    pages = measure_pages(application, survey_id, requests)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reference = pages[0][1]
    lines = [
        f"{responses:,} completed responses (the demo survey; 4 or 5 answer rows each), "
        f"SQLite with 1/1000 of bench/generate.py's data.",
        "",
        "| export | time | peak Python memory (tracemalloc) |",
        "|---|---:|---:|",
        *(f"| {kind} | {seconds:.1f} s | {peak:.1f} MB |" for kind, seconds, peak in exports),
        "",
        f"Peak RSS of the whole benchmark process (data loading included): {rss:.0f} MB.",
        "",
        "| page | CPU per request | ÷ reference |",
        "|---|---:|---:|",
        *(f"| {name} | {ms:.2f} ms | {ms / reference:.2f}x |" for name, ms in pages),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    arguments = parser.parse_args()
    print(report(arguments.responses, arguments.requests))


if __name__ == "__main__":
    main()
