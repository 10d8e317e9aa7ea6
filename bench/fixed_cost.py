"""The fixed per-request cost: CPU per request and a profile of /login and the reference page.

    .venv/bin/python -m bench.fixed_cost [--requests 2000] [--tree] [--no-profile]
    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python -m bench.fixed_cost
    DATABASE_URL=... .venv/bin/python -m bench.fixed_cost --page /checks/overview --senior

With --page (repeatable) it measures those pages instead, each against the reference list page
in the same process, as a ratio like bench/REPORT.md's (the quick way to follow one page while
changing it; the full run still judges the budget). On PostgreSQL the figure adds the CPU of
the database's backends (bench/speed.py DatabaseCpu), as the report does.

Every page pays for the same things before and after its own work: routing, the access rule,
the session (a database read), CSRF, the language, security headers, base.html. This measures
that cost in one process, without a server in the way: Werkzeug's test client sends
`--requests` requests each to the bare page, GET /login (signed out), the Menu and the
reference list page (signed in; bench/reference.py), reports CPU milliseconds per request,
then samples the same requests with pyinstrument and prints where the time went (the functions
with the most time of their own, or the call tree with --tree).

Without DATABASE_URL it fills a temporary SQLite database with 1/1000 of bench/generate.py's
data. The test client's own work is in every figure; the bare page shows how much that is.
"""

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

from bench.second_factor import VERIFY_PATH, code_for, needs_code

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 2026"  # noqa: S105 (bench/generate.py's accounts)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WARMUP_REQUESTS = 100
TOP_ENTRIES = 25


def prepare_environment() -> str:
    """DATABASE_URL, filled with a small data set when none was given; the app's settings."""
    os.environ.setdefault("CSO_ENV", "development")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    os.environ.setdefault("GEOCODER", "none")
    os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-fixed-cost-"))
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from bench.generate import generate

    url = f"sqlite:///{tempfile.mkdtemp(prefix='cso-fixed-cost-db-')}/bench.sqlite"
    generate(url, 0.001, 2026, PASSWORD)
    os.environ["DATABASE_URL"] = url
    return url


def clients(application):
    """(signed out, signed in as a CSO) test clients of the benchmark's WSGI application."""
    from werkzeug.test import Client

    return Client(application), sign_in(application, "bench.cso01")


def cpu_ms_per_request(client, path: str, requests: int, database: str | None = None) -> float:
    """This process's CPU per request, plus the PostgreSQL backends' when `database` is named."""
    from bench.speed import DatabaseCpu

    with DatabaseCpu(database) as backends:
        started = time.process_time()
        for _ in range(requests):
            client.get(path)
        own = time.process_time() - started
    return 1000 * (own + backends.seconds) / requests


def postgres_database(url: str) -> str | None:
    if not url.startswith(("postgres://", "postgresql")):
        return None
    return url.rsplit("/", 1)[1].split("?", 1)[0]


def sign_in(application, username: str):
    from werkzeug.test import Client

    client = Client(application)
    token = CSRF.search(client.get("/login").text).group(1)
    form = {"csrf_token": token, "username": username, "password": PASSWORD}
    response = client.post("/login", data=form)
    if needs_code(response.location):
        token = CSRF.search(client.get(VERIFY_PATH).text).group(1)
        response = client.post(VERIFY_PATH, data={"csrf_token": token, "code": code_for(username)})
    if response.status_code not in (302, 303) or "/login" in (response.location or "/login"):
        raise SystemExit(f"could not sign in as {username}")
    return client


def bench_pages(application, arguments, url: str) -> None:
    """Each --page against the reference list page, CPU per request and the ratio."""
    from bench.wsgi import REFERENCE_PATH

    client = sign_in(application, "bench.senior01" if arguments.senior else "bench.cso01")
    database = postgres_database(url)
    for path in (REFERENCE_PATH, *arguments.page):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        for _ in range(WARMUP_REQUESTS // 4):
            client.get(path)
    reference_ms = cpu_ms_per_request(client, REFERENCE_PATH, arguments.requests, database)
    print(f"{'reference list page':>40}: {reference_ms:.2f} ms CPU per request")
    for path in arguments.page:
        ms = cpu_ms_per_request(client, path, arguments.requests, database)
        print(f"{path:>40}: {ms:.2f} ms CPU per request, {ms / reference_ms:.2f}x the reference")
    if arguments.no_profile:
        return
    for path in arguments.page:
        print(f"\n== {path}, {arguments.requests} requests ==")
        print(profile(client, path, arguments.requests, arguments.tree))


def profile(client, path: str, requests: int, tree: bool) -> str:
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(requests):
            client.get(path)
    renderer = ConsoleRenderer(flat=not tree, unicode=True, time="percent_of_total")
    text = profiler.output(renderer)
    return text if tree else "\n".join(text.splitlines()[: TOP_ENTRIES + 6])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--tree", action="store_true", help="the call tree, not the flat list")
    parser.add_argument("--no-profile", action="store_true", help="CPU per request only")
    parser.add_argument(
        "--page", action="append", default=[], help="measure this page against the reference"
    )
    parser.add_argument("--senior", action="store_true", help="--page as bench.senior01")
    arguments = parser.parse_args()
    url = prepare_environment()
    from bench.wsgi import BARE_PREFIX, REFERENCE_PATH, application

    if arguments.page:
        bench_pages(application, arguments, url)
        return

    signed_out, signed_in = clients(application)
    pages = (
        ("bare page", signed_out, f"{BARE_PREFIX}/"),
        ("GET /login", signed_out, "/login"),
        ("GET /menu", signed_in, "/menu"),
        ("reference list page", signed_in, REFERENCE_PATH),
    )
    for _, client, path in pages:
        for _ in range(WARMUP_REQUESTS):
            client.get(path)
    for name, client, path in pages:
        ms = cpu_ms_per_request(client, path, arguments.requests)
        print(f"{name:>20}: {ms:.3f} ms CPU per request ({path})")
    if arguments.no_profile:
        return
    for name, client, path in pages[1:]:
        print(f"\n== {name} ({path}), {arguments.requests} requests ==")
        print(profile(client, path, arguments.requests, arguments.tree))


if __name__ == "__main__":
    main()
