"""The whole benchmark, written to bench/REPORT.md: `make bench` (BENCH_QUICK=1 for a short run).

    .venv/bin/python -m bench.report

For SQLite and, when a local server answers, PostgreSQL (psql -h 127.0.0.1 -U postgres), at
full size and at 1/100: generates the data (bench/generate.py), checks the list queries' plans
(bench/plans.py), measures server speed against a bare Flask page (bench/speed.py). Then the
page weights (bench/page_weight.py) and Lighthouse (bench/lighthouse.py) on the full SQLite
data. Every database it makes is its own and is removed at the end.

Environment: BENCH_QUICK=1 (scales 1/10 and 1/1000, 2 s per target, Lighthouse on two
pages), BENCH_SECONDS (seconds per target at the larger scale, default 10; half that at the
smaller), BENCH_DATABASES (e.g. "sqlite" to skip PostgreSQL), BENCH_LIGHTHOUSE_RUNS (default
1 per page).
"""

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

from bench import speed  # noqa: E402 (after the path set-up)

REPORT = ROOT / "bench" / "REPORT.md"
SEED = 2026
PG_ADMIN = ("psql", "-q", "-At", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres")
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"
PG_TIMEOUT_SECONDS = 120
QUICK_PAGES = ("/login", "/today")
READING = """How to read these figures: with 16 connections on this machine the server is busy
for every target, so latency is mostly waiting in line: p95 grows with the CPU time a request
needs. The ratio is therefore close to the ratio of server CPU per request (the "server CPU
ms/req" column: gunicorn's processes, which include SQLite's work but not PostgreSQL's), the
figure least disturbed by other work on the machine (see each run's load average). The bare
page needs about 0.25 ms of CPU, so the 5x budget leaves a page roughly 1.25 ms."""
NO_POSTGRES = "- PostgreSQL was not available (or not asked for): no PostgreSQL figures.\n"


@dataclass
class Settings:
    quick: bool
    seconds: float
    warmup: float
    scales: tuple[float, float]
    databases: tuple[str, ...]
    lighthouse_runs: int

    @classmethod
    def from_env(cls) -> "Settings":
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        default_seconds = 2 if quick else 10
        return cls(
            quick=quick,
            seconds=float(os.environ.get("BENCH_SECONDS") or default_seconds),
            warmup=0.5 if quick else 1.0,
            scales=(0.1, 0.001) if quick else (1.0, 0.01),
            databases=tuple(os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()),
            lighthouse_runs=int(os.environ.get("BENCH_LIGHTHOUSE_RUNS") or 1),
        )


@dataclass
class Case:
    """One database at one scale, and what was measured on it."""

    kind: str
    scale: float
    url: str
    generate_seconds: float = 0.0
    rows: int = 0
    plans: str = ""
    plan_problems: int = 0
    run: speed.SpeedRun | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        name = "SQLite" if self.kind == "sqlite" else "PostgreSQL"
        return f"{name}, {scale_label(self.scale)}"


def scale_label(scale: float) -> str:
    return "full size" if scale == 1 else f"1/{round(1 / scale):,} of the data"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# -- Databases --------------------------------------------------------------------------------


def postgres_available() -> bool:
    if not shutil.which("psql") or not shutil.which("pg_isready"):
        return False
    command = ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
    return subprocess.run(command, check=False).returncode == 0  # noqa: S603


def psql(sql: str) -> str:
    result = subprocess.run(  # noqa: S603
        [*PG_ADMIN, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=PG_TIMEOUT_SECONDS,
    )
    return result.stdout.strip()


def pg_name(scale: float) -> str:
    return f"cso_bench_{os.getpid()}_{str(scale).replace('.', '_')}"


def make_database(kind: str, scale: float, folder: Path) -> str:
    if kind == "sqlite":
        path = folder / f"bench-{scale:g}.sqlite"
        for leftover in folder.glob(f"{path.name}*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    name = pg_name(scale)
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return PG_URL.format(name=name)


def drop_postgres_databases(scales) -> None:
    for scale in scales:
        try:
            psql(f'DROP DATABASE IF EXISTS "{pg_name(scale)}" WITH (FORCE)')
        except (subprocess.SubprocessError, OSError) as error:
            log(f"could not drop {pg_name(scale)}: {error}")


# -- Steps ------------------------------------------------------------------------------------


def generate(case: Case) -> None:
    from bench.generate import generate as fill

    started = time.perf_counter()
    counts = fill(case.url, case.scale, SEED, speed.PASSWORD)
    case.generate_seconds = time.perf_counter() - started
    case.rows = sum(counts.values())
    log(f"{case.title}: {case.rows:,} rows in {case.generate_seconds:.0f} s")


def check_plans(case: Case) -> None:
    try:
        from bench.plans import check_plans as plans
    except ImportError as error:
        case.plans = f"bench/plans.py not available ({error})."
        return
    case.plans, problems = plans(case.url)
    case.plan_problems = len(problems)
    log(f"{case.title}: plans checked, {case.plan_problems} need attention")


def measure_speed(case: Case, settings: Settings) -> None:
    # The small data set gets half the time: its pages are faster, so as many samples or more.
    seconds = settings.seconds if case.scale == max(settings.scales) else settings.seconds / 2
    log(f"{case.title}: speed, {seconds:g} s per target")
    case.run = speed.run_speed(case.url, seconds, settings.warmup, log=log)


def run_case(case: Case, settings: Settings) -> None:
    for step in (generate, check_plans, lambda c: measure_speed(c, settings)):
        try:
            step(case)
        except Exception as error:  # one broken step must not lose the others' figures
            log(f"{case.title}: {error!r}")
            case.notes.append(f"A step failed: `{error!r}`")
            traceback.print_exc()
            if step is generate:
                return


def page_weight(url: str) -> str:
    from bench import page_weight as weight

    rows = weight.page_rows(speed.sqlalchemy_url(url), "bench.senior01", speed.PASSWORD)
    return weight.weight_table(rows)


def lighthouse(url: str, settings: Settings) -> str:
    try:
        from bench.lighthouse import PAGES, run_lighthouse
    except ImportError as error:
        return f"Skipped: bench/lighthouse.py is not available ({error})."
    pages = [page for page in PAGES if page[0] in QUICK_PAGES] if settings.quick else PAGES
    with speed.serve(url) as server:
        cookie = speed.login(server.port, speed.SENIOR).cookie_header
        try:
            result = run_lighthouse(server.base_url, cookie, pages, settings.lighthouse_runs)
        except SystemExit as error:  # it exits when Lighthouse is not installed
            return f"Skipped: {error}"
    return result[0] if isinstance(result, tuple) else result


def guarded(name: str, function, *args) -> str:
    log(name)
    try:
        return function(*args)
    except Exception as error:
        traceback.print_exc()
        return f"Failed: `{error!r}`"


# -- The report -------------------------------------------------------------------------------


def machine() -> str:
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return f"{os.cpu_count()} CPUs (nproc), {memory_kb / 1024 / 1024:.1f} GiB RAM, {model}"


def versions(postgres: bool) -> str:
    import sqlite3

    packages = ("flask", "werkzeug", "sqlalchemy", "gunicorn", "psycopg", "jinja2")
    parts = [f"Python {platform.python_version()}"]
    parts += [f"{name} {metadata.version(name)}" for name in packages]
    parts.append(f"SQLite {sqlite3.sqlite_version}")
    if postgres:
        parts.append(f"PostgreSQL {psql('SHOW server_version')}")
    return ", ".join(parts)


def summary_table(cases: list[Case]) -> str:
    measured = [case for case in cases if case.run]
    if not measured:
        return "No speed run finished."
    header = "| target | " + " | ".join(case.title for case in measured) + " |"
    lines = [header, "|---|" + "--:|" * len(measured)]
    for number, row in enumerate(measured[0].run.rows):
        cells = []
        for case in measured:
            other = case.run.rows[number]
            ratio = case.run.ratio(other)
            miss = ratio > speed.BUDGET_RATIO and not other.target.name.startswith(speed.BARE)
            cells.append(f"{'**' if miss else ''}{ratio:.1f}x{'**' if miss else ''}")
        name = row.target.name if row.target.name.startswith(speed.BARE) else row.target.label
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    bare = " | ".join(f"{case.run.bare_p95:.1f} ms" for case in measured)
    lines.append(f"| *bare page p95 (mean of both runs)* | {bare} |")
    return "\n".join(lines)


def case_section(case: Case) -> str:
    parts = [f"### {case.title}", ""]
    parts.append(
        f"Data: {case.rows:,} rows generated in {case.generate_seconds:.0f} s "
        f"(bench/generate.py, seed {SEED}, scale {case.scale:g})."
    )
    if case.run:
        load = ", ".join(f"{value:.1f}" for value in case.run.load_average)
        parts.append(
            f"Search term: “{case.run.street}”. Load average when the run started: {load}.\n"
        )
        parts.append(speed.speed_table(case.run))
    parts += ["", *case.notes]
    return "\n".join(parts)


def plans_section(cases: list[Case]) -> str:
    parts = ["## Query plans (bench/plans.py)", ""]
    for case in cases:
        verdict = "no problems" if not case.plan_problems else f"{case.plan_problems} flagged"
        parts += [f"### {case.title}: {verdict}", "", case.plans or "Not run.", ""]
    return "\n".join(parts)


def write_report(cases, settings, weight, lighthouse_markdown, started, postgres) -> None:
    minutes = (time.perf_counter() - started) / 60
    mode = "`make bench BENCH_QUICK=1`" if settings.quick else "`make bench`"
    pg_line = "" if postgres else NO_POSTGRES
    text = f"""# Benchmark report

Generated by {mode} on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {minutes:.0f} min.

- Machine: {machine()}
- Versions: {versions(postgres)}
- Server: gunicorn gthread, {speed.PROCESSES} workers x {speed.THREADS} threads, on 127.0.0.1,
  serving the app and a bare Flask page (`bench/wsgi.py`) from the same process.
- Load: {speed.PROCESSES * speed.THREADS} keep-alive connections ({speed.PROCESSES} processes x
  {speed.THREADS} threads, bench/speed.py) on the same machine, {settings.seconds:g} s per
  target ({settings.seconds / 2:g} s on the smaller data) after {settings.warmup:g} s of warm-up.
  Submissions send a fresh client_uuid each; the CSRF token comes from the form once per
  session. CHECK_REQUESTS_PER_ADDRESS_PER_HOUR is raised to {speed.RATE_LIMIT_FOR_BENCH} for
  the benchmark's server, since every request comes from 127.0.0.1.
{pg_line}- Budget (DESIGN.md): p95 at most {speed.BUDGET_RATIO:g}x the bare page's p95
  in the same run. The ratio divides by the mean of the bare page's two runs (first and last).

## p95 as a multiple of the bare Flask page

{summary_table(cases)}

{READING}

## Speed, per database and size

{chr(10).join(case_section(case) for case in cases)}

{plans_section(cases)}
## Page weight (bench/page_weight.py, full SQLite data, as bench.senior01)

{weight}

## Lighthouse (bench/lighthouse.py, full SQLite data)

{lighthouse_markdown}
"""
    REPORT.write_text(text)
    log(f"wrote {REPORT}")


def main() -> None:
    started = time.perf_counter()
    settings = Settings.from_env()
    postgres = "postgresql" in settings.databases and postgres_available()
    kinds = ["sqlite"] + (["postgresql"] if postgres else [])
    folder = Path(tempfile.mkdtemp(prefix="cso-bench-data-"))
    cases: list[Case] = []
    try:
        for kind in kinds:
            for scale in settings.scales:
                case = Case(kind, scale, make_database(kind, scale, folder))
                cases.append(case)
                run_case(case, settings)
        full_sqlite = cases[0].url
        weight = guarded("page weight", page_weight, full_sqlite)
        lighthouse_markdown = guarded("lighthouse", lighthouse, full_sqlite, settings)
        write_report(cases, settings, weight, lighthouse_markdown, started, postgres)
    finally:
        if postgres:
            drop_postgres_databases(settings.scales)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
