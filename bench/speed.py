"""Server speed against the reference list page: CPU per request, p50/p95/p99, requests/s.

    DATABASE_URL=sqlite:////tmp/bench.sqlite .venv/bin/python -m bench.speed [--seconds 10]

Starts gunicorn (gthread, 2 workers x 8 threads, a free port on 127.0.0.1) with
`bench.wsgi:application` against DATABASE_URL, which must hold bench/generate.py's data (the
accounts bench.cso01 and bench.senior01). Logs in like a browser (CSRF token from the login
form, cookies kept), then drives each page with 16 persistent connections (2 processes x 8
threads) for a fixed time. Each page's server CPU per request is compared with the reference
list page's in the same run (DESIGN.md: GET pages at most 2x, submissions at most 4x); its p95
is reported as a multiple of the reference page's p95 too. Server CPU is the gunicorn
processes' (which include SQLite's work) plus, on PostgreSQL, the database's own backends
serving this database. Submissions send a fresh client_uuid each; the CSRF token comes from the
form once per session, as a browser reuses it across a session's forms.

Every GET page is also fetched once and its list rows counted (`list_rows`): the `<li>`
elements and the `<tr>` rows outside `<thead>` inside `<main>`, less a "Load more" item
(class `load-more`). DESIGN.md allows at most 50 on a screen.

The online check-request form is limited per address per hour; the benchmark raises
CHECK_REQUESTS_PER_ADDRESS_PER_HOUR for its server because every request comes from 127.0.0.1.
"""

import argparse
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from http.client import HTTPConnection, RemoteDisconnected
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.second_factor import VERIFY_PATH, code_for, needs_code

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = os.environ.get("BENCH_PASSWORD", "bench password 2026")
CSO, SENIOR = "bench.cso01", "bench.senior01"
# Downtown Stockton, where the generated data is densest.
LAT, LON = 37.9577, -121.2908
PROCESSES, THREADS = 2, 8
# DESIGN.md: server CPU per request as a multiple of the reference list page's.
GET_BUDGET, SUBMISSION_BUDGET = 2.0, 4.0
MAX_LIST_ROWS = 50
BARE = "bare Flask page"
REFERENCE = "reference list page"
DATABASE_CPU_POLL_SECONDS = 0.2
RATE_LIMIT_FOR_BENCH = "1000000"
STARTUP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 30
CSRF_PATTERN = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)
# The active checks' rows only: "Starting soon" links to checks that take no visit yet (409).
CHECK_LINK = re.compile(r'class="check-link" href="/checks/(\d+)"')


# -- The server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    postgres_database: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time of the gunicorn master and its workers so far."""
        return sum(_process_cpu(pid) for pid in (self.process.pid, *_children(self.process.pid)))


class DatabaseCpu:
    """CPU time of the PostgreSQL backends serving one database, while a block runs.

    Backends are found by their process title ("postgres: 15/main: postgres <database> …"),
    sampled every DATABASE_CPU_POLL_SECONDS, so a backend that starts and ends within the
    block counts from its start up to its last sample. Nothing to count for SQLite, whose
    work is done inside the gunicorn workers.
    """

    def __init__(self, database: str | None):
        self.marker = f" {database} ".encode() if database else None
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "DatabaseCpu":
        if self.marker:
            self.first = self._sample()
            self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        if self.marker:
            self.stopping.set()
            self.thread.join()
            self._record(self._sample())

    @property
    def seconds(self) -> float:
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())

    def _poll(self) -> None:
        while not self.stopping.wait(DATABASE_CPU_POLL_SECONDS):
            self._record(self._sample())

    def _record(self, sample: dict[int, float]) -> None:
        self.last.update(sample)

    def _sample(self) -> dict[int, float]:
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and self.marker in title:
                found[int(entry.name)] = _process_cpu(int(entry.name))
        return found


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return found


def server_env(database_url: str, instance: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "CSO_ENV": "development",
        "GEOCODER": "none",
        "CHECK_REQUESTS_PER_ADDRESS_PER_HOUR": RATE_LIMIT_FOR_BENCH,
        "CSO_INSTANCE_PATH": instance,
        "PYTHONPATH": str(ROOT),
    }


@contextmanager
def serve(database_url: str):
    """gunicorn on a free local port; stopped (only this process) when the block ends."""
    port = free_port()
    instance = tempfile.mkdtemp(prefix="cso-bench-instance-")
    log = Path(instance, "gunicorn.log")
    command = [
        *(sys.executable, "-m", "gunicorn", "--worker-class", "gthread"),
        *("--workers", str(PROCESSES), "--threads", str(THREADS)),
        *("--bind", f"127.0.0.1:{port}", "--keep-alive", "5", "--timeout", "120"),
        "bench.wsgi:application",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=server_env(database_url, instance), stdout=output, stderr=output
        )
    server = Server(process, port, log, _postgres_database(database_url))
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(instance, ignore_errors=True)


def _postgres_database(database_url: str) -> str | None:
    if not database_url.startswith("postgres"):
        return None
    from sqlalchemy.engine import make_url

    return make_url(sqlalchemy_url(database_url)).database


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if Browser(server.port).get("/login")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    tail = server.log.read_text()[-3000:]
    raise RuntimeError(f"gunicorn did not become healthy on port {server.port}:\n{tail}")


# -- A browser-like client for logging in and reading forms ------------------------------------


class Browser:
    """One keep-alive connection with a cookie jar, enough to log in and read CSRF tokens."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def get(self, path: str) -> tuple[int, str]:
        return self._request("GET", path, None)

    def post(self, path: str, form: dict) -> tuple[int, str]:
        return self._request("POST", path, urlencode(form))

    def _request(self, method: str, path: str, body: str | None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie_header} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if method != "GET":
                raise
            # The server closed the idle keep-alive connection (its keep-alive timeout ran
            # out while other accounts signed in on a busy machine): a GET is sent again.
            self.connection.close()
            self.connection = HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS
            )
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        self.location = response.headers.get("Location")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, text

    def csrf_token(self, path: str) -> str:
        status, page = self.get(path)
        match = CSRF_PATTERN.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token in GET {path} (status {status})")
        return match.group(1) or match.group(2)

    def close(self) -> None:
        self.connection.close()


def login(port: int, username: str, password: str = PASSWORD) -> Browser:
    browser = Browser(port)
    token = browser.csrf_token("/login")
    form = {"csrf_token": token, "username": username, "password": password}
    status, _ = browser.post("/login", form)
    if status in (302, 303) and needs_code(browser.location):
        # First the code: it may wait up to 30 s for a step no sign-in used (no code is
        # accepted twice), longer than the server keeps an idle connection for the post.
        code = code_for(username)
        token = browser.csrf_token(VERIFY_PATH)
        status, _ = browser.post(VERIFY_PATH, {"csrf_token": token, "code": code})
    if status not in (302, 303) or "/login" in (browser.location or "/login"):
        raise RuntimeError(f"login as {username} failed with status {status}")
    return browser


# -- Targets ----------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    paths: list[str]
    cookie: str = ""
    form: dict | None = None
    expect: tuple[int, ...] = (200,)

    @property
    def method(self) -> str:
        return "GET" if self.form is None else "POST"

    @property
    def label(self) -> str:
        path = self.paths[0] if len(self.paths) == 1 else re.sub(r"\d+", "<id>", self.paths[0])
        return f"{self.method} {path}"

    @property
    def is_yardstick(self) -> bool:
        return self.name.startswith((BARE, REFERENCE))

    @property
    def budget(self) -> float:
        return GET_BUDGET if self.method == "GET" else SUBMISSION_BUDGET


# -- Counting list rows -----------------------------------------------------------------------


class ListRowCounter(HTMLParser):
    """`<li>` and `<tr>` (outside `<thead>`) inside `<main>`, less "Load more" items."""

    def __init__(self):
        super().__init__()
        self.in_main = self.in_thead = 0
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main += 1
        elif tag == "thead":
            self.in_thead += 1
        elif self.in_main and (tag == "li" or (tag == "tr" and not self.in_thead)):
            classes = (dict(attrs).get("class") or "").split()
            self.rows += "load-more" not in classes

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = max(0, self.in_main - 1)
        elif tag == "thead":
            self.in_thead = max(0, self.in_thead - 1)


def list_rows(html: str) -> int:
    counter = ListRowCounter()
    counter.feed(html)
    return counter.rows


def count_list_rows(port: int, target: Target) -> int | None:
    """The list rows of a GET target's first page, as its load sees it; None for submissions."""
    if target.method != "GET":
        return None
    connection = HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        headers = {"Cookie": target.cookie} if target.cookie else {}
        connection.request("GET", target.paths[0], headers=headers)
        response = connection.getresponse()
        return list_rows(response.read().decode())
    finally:
        connection.close()


def _position() -> str:
    return f"lat={LAT}&lon={LON}"


def common_street(database_url: str) -> str:
    """The street that appears most often in special-check addresses: a realistic search."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT address FROM special_check LIMIT 2000"))
            streets = Counter(_street(row[0]) for row in rows if row[0])
    finally:
        engine.dispose()
    return streets.most_common(1)[0][0] if streets else "Pacific"


def sqlalchemy_url(database_url: str) -> str:
    """DATABASE_URL as the app reads it: plain postgresql:// URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url.removeprefix(prefix)
    return database_url


def _street(address: str) -> str:
    words = address.split(",")[0].split()
    return " ".join(word for word in words if not word[:1].isdigit())


def page_targets(cso: Browser, senior: Browser, street: str) -> list[Target]:
    c, s = cso.cookie_header, senior.cookie_header
    return [
        Target("login page", ["/login"]),
        Target("today", ["/today"], c),
        Target("field notes", ["/notes/"], c),
        Target("field notes near", [f"/notes/?{_position()}"], c),
        Target("search", [f"/search/?q={quote(street)}"], c),
        Target("checks near", [f"/checks/?{_position()}"], c),
        Target("checks overview (Senior)", ["/checks/overview"], s),
        Target("audit (Senior)", ["/audit/"], s),
        Target("front door (resident)", ["/?lang=es"]),
        Target("my records", ["/records/mine"], c),
        Target("review queue (Senior)", ["/records/review"], s),
        Target("team board (Senior)", ["/team/"], s),
        Target("district numbers (Senior)", ["/numbers/"], s),
        Target("district summary to print (Senior)", ["/numbers/print"], s),
        Target("assignments (Senior)", ["/assignments/"], s),
    ]


def submission_targets(server: Server, cso: Browser) -> list[Target]:
    check_ids = sorted(set(CHECK_LINK.findall(cso.get(f"/checks/?{_position()}")[1])))
    if not check_ids:
        raise RuntimeError("the CSO has no active special check to visit")
    location = {"latitude": str(LAT), "longitude": str(LON), "accuracy_m": "12"}
    note = {
        "csrf_token": cso.csrf_token("/notes/new"),
        "client_uuid": "{uuid}",
        "observation": "Benchmark: graffiti on the fence behind the library.",
        "address": "",
        **location,
        "submit": "Submit note",
    }
    visit = {
        "csrf_token": cso.csrf_token(f"/checks/{check_ids[0]}"),
        "client_uuid": "{uuid}",
        "outcome": "all_secure",
        "notes": "",
        **location,
    }
    resident = Browser(server.port)
    start = date.today() + timedelta(days=3)
    request = {
        "csrf_token": resident.csrf_token("/check-request/"),
        "client_uuid": "{uuid}",
        "requester_name": "Bench Resident",
        "address": "1234 Benchmark Way",
        "phone": "209-555-0123",
        "email": "",
        "language": "en",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=7)).isoformat(),
        "website": "",
    }
    return [
        Target("submit field note", ["/notes/new"], cso.cookie_header, note, (303,)),
        Target(
            "submit check visit",
            [f"/checks/{check_id}/visits" for check_id in check_ids],
            cso.cookie_header,
            visit,
            (303,),
        ),
        Target(
            "submit check request", ["/check-request/"], resident.cookie_header, request, (201,)
        ),
    ]


# -- The load generator -----------------------------------------------------------------------


def build_request(target: Target, number: int, port: int) -> bytes:
    path = target.paths[number % len(target.paths)]
    lines = [f"{target.method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if target.cookie:
        lines.append(f"Cookie: {target.cookie}")
    body = b""
    if target.form is not None:
        fresh = str(uuid.uuid4())
        form = {key: value.replace("{uuid}", fresh) for key, value in target.form.items()}
        body = urlencode(form).encode()
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_response(reader) -> tuple[int, bool]:
    """Read one response off a keep-alive connection: (status, server closes the connection)."""
    status = int(reader.readline().split()[1])
    length, chunked, close = 0, False, False
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            close = value == b"close"
    if chunked:
        _read_chunks(reader)
    else:
        reader.read(length)
    return status, close


def _read_chunks(reader) -> None:
    while size := int(reader.readline().split(b";")[0], 16):
        reader.read(size + 2)
    while reader.readline() not in (b"\r\n", b""):
        pass


@dataclass
class ThreadResult:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    sent: int = 0


def _connect(port: int):
    sock = socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT_SECONDS)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock, sock.makefile("rb")


def load_thread(target: Target, port: int, measure_from: float, stop_at: float, seed: int):
    result, number, sock = ThreadResult(), seed, None
    while time.perf_counter() < stop_at:
        request = build_request(target, number, port)
        number += 1
        try:
            if sock is None:
                sock, reader = _connect(port)
            started = time.perf_counter()
            sock.sendall(request)
            status, close = read_response(reader)
        except (OSError, ValueError, IndexError):
            result.errors += 1
            sock = _close(sock)
            continue
        result.sent += 1
        if started >= measure_from:
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] += 1
        if close:
            sock = _close(sock)
    _close(sock)
    return result


def _close(sock):
    if sock is not None:
        sock.close()
    return None


def load_process(job: tuple) -> dict:
    """One generator process: THREADS connections until stop_at; its own CPU time too."""
    target, port, measure_from, stop_at, process_number = job
    results: list[ThreadResult] = []
    cpu_before = _own_cpu()

    def worker(seed: int):
        results.append(load_thread(target, port, measure_from, stop_at, seed))

    threads = [
        threading.Thread(target=worker, args=(process_number * 100_000 + number * 1_000,))
        for number in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=stop_at - time.perf_counter() + 2 * REQUEST_TIMEOUT_SECONDS)
    merged = ThreadResult()
    for result in results:
        merged.latencies += result.latencies
        merged.statuses.update(result.statuses)
        merged.errors += result.errors
        merged.sent += result.sent
    return {"result": merged, "cpu": _own_cpu() - cpu_before}


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- Measuring --------------------------------------------------------------------------------


@dataclass
class Row:
    target: Target
    seconds: float
    latencies: list[float]
    statuses: Counter
    errors: int
    generator_cpu: float
    server_cpu: float
    sent: int
    database_cpu: float = 0.0
    list_rows: int | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = max(1, -(-len(ordered) * share // 100))
        return ordered[int(rank) - 1] * 1000

    @property
    def unexpected(self) -> int:
        wrong = sum(n for status, n in self.statuses.items() if status not in self.target.expect)
        return wrong + self.errors

    @property
    def generator_cores(self) -> float:
        return self.generator_cpu / self.seconds

    @property
    def app_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / max(1, self.sent)

    @property
    def database_ms_per_request(self) -> float:
        return 1000 * self.database_cpu / max(1, self.sent)

    @property
    def server_ms_per_request(self) -> float:
        """The app's and the database's CPU for one request: the budgeted figure."""
        return self.app_ms_per_request + self.database_ms_per_request

    @property
    def too_many_rows(self) -> bool:
        return self.list_rows is not None and self.list_rows > MAX_LIST_ROWS


def measure_target(pool, server: Server, target: Target, seconds: float, warmup: float) -> Row:
    start = time.perf_counter() + 0.2  # lets the processes start their threads
    measure_from, stop_at = start + warmup, start + warmup + seconds
    server_before = server.cpu_seconds()
    jobs = [(target, server.port, measure_from, stop_at, number) for number in range(PROCESSES)]
    with DatabaseCpu(server.postgres_database) as database_cpu:
        outputs = pool.map(load_process, jobs)
    results = [output["result"] for output in outputs]
    statuses = Counter()
    for result in results:
        statuses.update(result.statuses)
    return Row(
        target=target,
        seconds=seconds,
        latencies=[value for result in results for value in result.latencies],
        statuses=statuses,
        errors=sum(result.errors for result in results),
        generator_cpu=sum(output["cpu"] for output in outputs) * seconds / (seconds + warmup),
        server_cpu=server.cpu_seconds() - server_before,
        sent=sum(result.sent for result in results),
        database_cpu=database_cpu.seconds,
    )


@dataclass
class SpeedRun:
    database: str
    seconds: float
    rows: list[Row]
    street: str

    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # The end of gunicorn's log when a request failed with a 5xx: the log goes with the run.
    server_errors: str = ""

    def _mean(self, name: str, figure) -> float:
        """A yardstick's figure: the mean of its runs first and last (the machine may drift)."""
        values = [figure(row) for row in self.rows if row.target.name.startswith(name)]
        return sum(values) / len(values)

    @property
    def reference_cpu_ms(self) -> float:
        return self._mean(REFERENCE, lambda row: row.server_ms_per_request)

    @property
    def reference_p95(self) -> float:
        return self._mean(REFERENCE, lambda row: row.percentile(95))

    @property
    def bare_cpu_ms(self) -> float:
        return self._mean(BARE, lambda row: row.server_ms_per_request)

    def cpu_ratio(self, row: Row) -> float:
        """Server CPU per request ÷ the reference list page's: the budgeted figure."""
        return row.server_ms_per_request / self.reference_cpu_ms

    def p95_ratio(self, row: Row) -> float:
        return row.percentile(95) / self.reference_p95

    def misses_budget(self, row: Row) -> bool:
        return not row.target.is_yardstick and self.cpu_ratio(row) > row.target.budget

    @property
    def misses(self) -> list[Row]:
        return [
            row
            for row in self.app_rows
            if self.misses_budget(row) or row.unexpected or row.too_many_rows
        ]

    @property
    def app_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.target.is_yardstick]


def run_speed(
    database_url: str, seconds: float = 10, warmup: float = 1, log=print, scale: float = 1.0
) -> SpeedRun:
    from bench.record_types import ADMIN, add_record_types, record_type_targets

    street = common_street(database_url)
    try:
        ids = add_record_types(database_url, scale)
    except Exception as error:  # the core pages' figures still count without these
        log(f"  the record types' records could not be added, their pages are left out: {error!r}")
        ids = None
    with serve(database_url) as server:
        admin = login(server.port, ADMIN)
        cso, senior = login(server.port, CSO), login(server.port, SENIOR)
        from bench.wsgi import BARE_PREFIX, REFERENCE_PATH

        bare = Target(BARE, [f"{BARE_PREFIX}/"])
        reference = Target(REFERENCE, [REFERENCE_PATH], cso.cookie_header)
        targets = [
            bare,
            reference,
            *page_targets(cso, senior, street),
            *(record_type_targets(cso, senior, admin, ids) if ids else []),
            *submission_targets(server, cso),
            Target(f"{REFERENCE} (again)", reference.paths, reference.cookie),
            Target(f"{BARE} (again)", bare.paths),
        ]
        rows = []
        load_average = os.getloadavg()
        context = multiprocessing.get_context("fork")
        with context.Pool(PROCESSES) as pool:
            measure_target(pool, server, bare, warmup, 0)  # warms the server and the generator
            for target in targets:
                rows_shown = count_list_rows(server.port, target)
                row = measure_target(pool, server, target, seconds, warmup)
                row.list_rows = rows_shown
                log(
                    f"  {target.label}: {row.server_ms_per_request:.2f} ms CPU/request, "
                    f"p95 {row.percentile(95):.1f} ms, {row.rps:.0f} req/s"
                    + (f", {row.unexpected} unexpected" if row.unexpected else "")
                )
                rows.append(row)
        cso.close()
        senior.close()
        admin.close()
        failed = any(status >= 500 for row in rows for status in row.statuses)
        errors = _log_tail(server.log) if failed else ""
    return SpeedRun(_describe(database_url), seconds, rows, street, load_average, errors)


def _log_tail(log: Path, characters: int = 4000) -> str:
    """The end of gunicorn's log (the last tracebacks), for the report."""
    return log.read_text(errors="replace")[-characters:]


def _describe(database_url: str) -> str:
    return "PostgreSQL" if database_url.startswith("postgres") else "SQLite"


def speed_table(run: SpeedRun) -> str:
    lines = [
        "| target | requests | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req (app + db) "
        "| CPU ÷ reference | budget | p95 ÷ reference | list rows | generator CPU (cores) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|",
    ]
    for row in run.rows:
        lines.append(
            f"| {row.target.name} `{row.target.label}` | {row.requests:,} | {row.rps:,.0f} "
            f"| {row.percentile(50):.1f} | {row.percentile(95):.1f} | {row.percentile(99):.1f} "
            f"| {_cpu_cell(row)} | {run.cpu_ratio(row):.2f}x | {_verdict(run, row)} "
            f"| {run.p95_ratio(row):.1f}x | {_rows_cell(row)} | {row.generator_cores:.2f} |"
        )
    return "\n".join(lines)


def _cpu_cell(row: Row) -> str:
    if not row.database_cpu:
        return f"{row.server_ms_per_request:.2f}"
    app, database = row.app_ms_per_request, row.database_ms_per_request
    return f"{row.server_ms_per_request:.2f} ({app:.2f} + {database:.2f})"


def _verdict(run: SpeedRun, row: Row) -> str:
    if row.target.is_yardstick:
        verdict = "yardstick"
    elif run.misses_budget(row):
        verdict = f"**MISS** (≤ {row.target.budget:g}x)"
    else:
        verdict = f"ok (≤ {row.target.budget:g}x)"
    if row.unexpected:
        verdict += f" ({row.unexpected} unexpected responses: {dict(row.statuses)})"
    return verdict


def _rows_cell(row: Row) -> str:
    if row.list_rows is None:
        return "n/a"
    return f"**{row.list_rows}**" if row.too_many_rows else str(row.list_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=1)
    arguments = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL to a database filled by bench/generate.py")
    run = run_speed(url, arguments.seconds, arguments.warmup)
    print(f"\n{run.database}, {arguments.seconds:g} s per target, search for “{run.street}”\n")
    print(speed_table(run))


if __name__ == "__main__":
    main()
