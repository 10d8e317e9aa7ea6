"""The whole benchmark, written to bench/REPORT.md: `make bench` (BENCH_QUICK=1 for a short run).

    .venv/bin/python -m bench.report

For SQLite and, when a local server answers, PostgreSQL (psql -h 127.0.0.1 -U postgres), at
full size and at 1/100: generates the data (bench/generate.py), checks the list queries' plans
(bench/plans.py), measures every page's server CPU per request against the reference list page
(bench/speed.py, bench/wsgi.py). Then the page weights (bench/page_weight.py) and Lighthouse
(bench/lighthouse.py, skipped with a note when Node.js or bench/node_modules is missing) on the
larger SQLite data. Every database it makes is its own and is removed at the end.

Environment: BENCH_QUICK=1 (scales 1/10 and 1/1000, 2 s per target, Lighthouse on two
pages: a few minutes, the check to run before submitting), BENCH_SECONDS (seconds per target
at the larger scale, default 10; half that at the smaller), BENCH_DATABASES (e.g. "sqlite" to
skip PostgreSQL), BENCH_LIGHTHOUSE_RUNS (default 1 per page).
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
NOT_A_LIST = "n/a"  # a submission: a redirect, no list
NODE_MINIMUM, NODE_MINIMUM_TEXT = (18, 16), "18.16"  # Lighthouse 12's engines (package.json)
GROWTH_BUDGET = 1.5  # DESIGN.md: 100x more data, at most 1.5x the CPU per request
READING = """How to read these figures: the budget is on server CPU per request, the figure
least disturbed by other work on the machine (see each run's load average): the gunicorn
processes' CPU (which includes SQLite's work) plus, on PostgreSQL, the CPU of the database
backends serving the benchmark's database, divided by the requests sent. With 16 connections
the server is busy for every target, so latency is mostly waiting in line and p95 follows CPU
per request; p95 ÷ the reference page's p95 is shown for comparison but not budgeted. The
bare Flask page (no hooks, no database) shows the floor the server itself costs."""
ROWS_RULE = """List rows: each GET page is fetched once before its load, and its rows are the
`<li>` elements and the `<tr>` rows outside `<thead>` inside `<main>` (a "Load more" item,
class `load-more`, is not a row; bench/speed.py `list_rows`). DESIGN.md: at most 50."""
QUICK_NOTE = """
A quick run (BENCH_QUICK=1): 1/10 and 1/1,000 of the data, 2 s per target. Its ratios show
where a change goes; the budgets are judged at full size by `make bench`.
"""
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
    case.run = speed.run_speed(case.url, seconds, settings.warmup, log=log, scale=case.scale)


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


def lighthouse_missing() -> str | None:
    """Why Lighthouse cannot run here, or None. It is optional: the rest of the report stands."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return (
            f"Node.js and npm are not installed. Lighthouse needs Node.js {NODE_MINIMUM_TEXT} "
            "or newer; with it, `make bench` installs Lighthouse into bench/node_modules."
        )
    version = subprocess.run(  # noqa: S603
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if _node_version(version) < NODE_MINIMUM:
        return f"Node.js {version} is older than Lighthouse needs ({NODE_MINIMUM_TEXT} or newer)."
    if not (ROOT / "bench" / "node_modules" / ".bin" / "lighthouse").exists():
        return (
            "Lighthouse is not in bench/node_modules: `(cd bench && npm ci)` failed or did not run."
        )
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        return f"No Chromium at {chrome}: install Debian's chromium or set CHROME_PATH."
    return None


def _node_version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.lstrip("v").split(".")[:2])
    except ValueError:
        return (0,)


def lighthouse(url: str, settings: Settings) -> str:
    missing = lighthouse_missing()
    if missing:
        log(f"lighthouse skipped: {missing}")
        return f"Skipped: {missing}"
    from bench.lighthouse import PAGES, run_lighthouse

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
    """Per target and case: server CPU per request ÷ the reference list page's."""
    return _ratio_table(cases, lambda run, row: run.cpu_ratio(row), budgeted=True)


def p95_table(cases: list[Case]) -> str:
    return _ratio_table(cases, lambda run, row: run.p95_ratio(row), budgeted=False)


def _ratio_table(cases: list[Case], ratio, budgeted: bool) -> str:
    measured = [case for case in cases if case.run]
    if not measured:
        return "No speed run finished."
    budget = "| budget " if budgeted else ""
    header = f"| target {budget}| " + " | ".join(case.title for case in measured) + " |"
    lines = [header, "|---|" + ("---|" if budgeted else "") + "--:|" * len(measured)]
    for number, row in enumerate(measured[0].run.rows):
        cells = []
        for case in measured:
            other = case.run.rows[number]
            miss = budgeted and case.run.misses_budget(other)
            text = f"{ratio(case.run, other):.2f}x"
            cells.append(f"**{text}**" if miss else text)
        limit = _budget_cell(row.target) if budgeted else ""
        name = row.target.name if row.target.is_yardstick else row.target.label
        lines.append(f"| {name} {limit}| " + " | ".join(cells) + " |")
    if budgeted:
        figures = " | ".join(f"{case.run.reference_cpu_ms:.2f} ms" for case in measured)
        lines.append(f"| *reference page CPU per request (mean of both runs)* | | {figures} |")
    else:
        figures = " | ".join(f"{case.run.reference_p95:.1f} ms" for case in measured)
        lines.append(f"| *reference page p95 (mean of both runs)* | {figures} |")
    return "\n".join(lines)


def _budget_cell(target: speed.Target) -> str:
    return "| yardstick " if target.is_yardstick else f"| ≤ {target.budget:g}x "


def growth_table(cases: list[Case]) -> str:
    """Per database: CPU per request at the larger scale ÷ at the 100x smaller one, and rows."""
    pairs = _scale_pairs(cases)
    if not pairs:
        return "No database was measured at both sizes."
    titles = " | ".join(f"{name}: larger ÷ smaller" for name, _, _ in pairs)
    lines = [
        f"| target | {titles} | most list rows | rows ≤ {speed.MAX_LIST_ROWS} |",
        "|---|" + "--:|" * len(pairs) + "--:|---|",
    ]
    for number, row in enumerate(pairs[0][1].run.rows):
        if row.target.name.startswith(speed.BARE):
            continue
        cells = []
        for _, large, small in pairs:
            growth = _growth(large.run.rows[number], small.run.rows[number])
            cells.append(f"**{growth:.2f}x**" if growth > GROWTH_BUDGET else f"{growth:.2f}x")
        shown = [
            case.run.rows[number].list_rows
            for case in cases
            if case.run and case.run.rows[number].list_rows is not None
        ]
        most = max(shown) if shown else None
        rows_verdict = (
            NOT_A_LIST if most is None else "ok" if most <= speed.MAX_LIST_ROWS else "**MISS**"
        )
        name = row.target.name if row.target.is_yardstick else row.target.label
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {NOT_A_LIST if most is None else most} "
            f"| {rows_verdict} |"
        )
    return "\n".join(lines)


def _scale_pairs(cases: list[Case]) -> list[tuple[str, Case, Case]]:
    pairs = []
    for kind in ("sqlite", "postgresql"):
        measured = sorted(
            (case for case in cases if case.kind == kind and case.run), key=lambda c: -c.scale
        )
        if len(measured) == 2:
            name = "SQLite" if kind == "sqlite" else "PostgreSQL"
            pairs.append((name, measured[0], measured[1]))
    return pairs


def _growth(large: speed.Row, small: speed.Row) -> float:
    return large.server_ms_per_request / max(small.server_ms_per_request, 1e-9)


def budget_misses(cases: list[Case]) -> str:
    """One line per case: which pages miss which budget."""
    lines = []
    for case in cases:
        if not case.run:
            continue
        misses = [
            f"`{row.target.label}` {case.run.cpu_ratio(row):.1f}x"
            for row in case.run.app_rows
            if case.run.misses_budget(row)
        ]
        verdict = ", ".join(misses) if misses else "every page in budget"
        lines.append(f"- {case.title}: {verdict}")
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
    if case.run and case.run.server_errors:
        parts += ["", "Server errors (the end of gunicorn's log):", "", "```"]
        parts += [case.run.server_errors.strip(), "```"]
    parts += ["", *case.notes]
    return "\n".join(parts)


def plans_section(cases: list[Case]) -> str:
    parts = ["## Query plans (bench/plans.py)", ""]
    for case in cases:
        verdict = "no problems" if not case.plan_problems else f"{case.plan_problems} flagged"
        parts += [f"### {case.title}: {verdict}", "", case.plans or "Not run.", ""]
    return "\n".join(parts)


def offline_save() -> str:
    from bench import offline_save as offline

    return offline.report_markdown()


def survey_scale(settings) -> str:
    """bench/surveys.py's table, run in a process of its own on a database of its own."""
    responses, requests = (10_000, 30) if settings.quick else (100_000, 100)
    environment = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    command = [sys.executable, "-m", "bench.surveys", "--responses", str(responses)]
    finished = subprocess.run(  # noqa: S603 (our own module)
        [*command, "--requests", str(requests)],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return finished.stdout.strip()


def write_report(
    cases, settings, weight, lighthouse_markdown, started, postgres, extra_sections=("", "")
) -> None:
    surveys_markdown, offline_markdown = extra_sections
    minutes = (time.perf_counter() - started) / 60
    mode = "`make bench BENCH_QUICK=1`" if settings.quick else "`make bench`"
    pg_line = "" if postgres else NO_POSTGRES
    larger = "the 1/10" if settings.quick else "the full"
    text = f"""# Benchmark report

Generated by {mode} on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {minutes:.0f} min.
{QUICK_NOTE if settings.quick else ""}
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
{pg_line}- Budgets (DESIGN.md), against the **reference list page** served by the same process
  (`bench/wsgi.py`: signed in, the session loaded from the database by the app's own hooks, one
  indexed query for the 20 newest rows of the largest table, check_visit, rendered in
  base.html): server CPU per request at most {speed.GET_BUDGET:g}x the reference page's for
  every GET page and {speed.SUBMISSION_BUDGET:g}x for every submission, at full size on both
  databases; 100x more data changes no page's CPU per request by more than {GROWTH_BUDGET:g}x;
  no screen shows more than {speed.MAX_LIST_ROWS} list rows. Ratios divide by the mean of the
  reference page's two runs (first and last).

## Server CPU per request ÷ the reference list page's

{summary_table(cases)}

Pages over budget:

{budget_misses(cases)}

{READING}

## Growth with the data, and list length

{growth_table(cases)}

{ROWS_RULE}

## p95 ÷ the reference list page's p95 (reported, not budgeted)

{p95_table(cases)}

## Speed, per database and size

{chr(10).join(case_section(case) for case in cases)}

{plans_section(cases)}
## Surveys: the export of many responses, and the results page (bench/surveys.py)

{surveys_markdown}

## Page weight (bench/page_weight.py, {larger} SQLite data, as bench.senior01)

{weight}

## Lighthouse (bench/lighthouse.py, {larger} SQLite data)

{lighthouse_markdown}

## Offline save and precache (bench/offline_save.py)

{offline_markdown}
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
        offline_markdown = guarded("offline save", offline_save)
        surveys_markdown = guarded("surveys", survey_scale, settings)
        write_report(
            cases,
            settings,
            weight,
            lighthouse_markdown,
            started,
            postgres,
            (surveys_markdown, offline_markdown),
        )
    finally:
        if postgres:
            drop_postgres_databases(settings.scales)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
