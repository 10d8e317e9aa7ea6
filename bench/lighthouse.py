"""Lighthouse (mobile, simulated throttling): median category scores for the main pages.

    (cd bench && npm ci)                 # once: installs Lighthouse into bench/node_modules
    .venv/bin/python bench/lighthouse.py [--runs 3] [--keep-json DIR]

Runs the app on a free local port (werkzeug, in a thread) on a fresh SQLite database with a
demo Senior CSO, logs in with urllib to get a session cookie, then runs Lighthouse against
Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) `runs` times per page and prints
the median score of each category, with the audits that failed in any run.

DESIGN.md's bars: accessibility 100 and best practices 100, performance >= 95.
Lighthouse runs offline: it downloads nothing, and the app loads nothing from other origins.
"""

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from datetime import date, timedelta
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

from bench.second_factor import VERIFY_PATH, code_for, needs_code

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
# (path, needs the session cookie). /login redirects a signed-in user, so it runs without.
PAGES = (
    ("/login", False),
    ("/check-request/?lang=es", False),
    ("/today", True),
    ("/notes/new", True),
    ("/notes/", True),
    ("/search/", True),
    ("/checks/", True),
    ("/audit/", True),
)
USERNAME = "bench.senior"
PASSWORD = "benchmark password"  # noqa: S105 (a throwaway account on a throwaway database)
RUN_TIMEOUT_SECONDS = 180


def run_lighthouse(
    base_url: str,
    cookie_header: str | None,
    pages=PAGES,
    runs: int = 3,
    keep_json: Path | None = None,
) -> tuple[str, dict[str, dict[str, int]]]:
    """Median Lighthouse scores (0-100) per page and category, and a markdown report.

    `pages` holds (path, needs_login) pairs; pages that need login get `cookie_header` as a
    Cookie header. Returns (markdown, {path: {category: median score}}).
    """
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `npm ci` in {BENCH_DIR}")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    scores: dict[str, dict[str, int]] = {}
    failures: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="cso-lighthouse-") as work:
        headers_file = Path(work, "headers.json")
        headers_file.write_text(json.dumps({"Cookie": cookie_header or ""}))
        for path, needs_login in pages:
            results = []
            for run in range(runs):
                report = Path(work, "report.json")
                command = [
                    str(LIGHTHOUSE),
                    base_url.rstrip("/") + path,
                    "--output=json",
                    f"--output-path={report}",
                    "--quiet",
                    "--only-categories=" + ",".join(CATEGORIES),
                    f"--chrome-flags={CHROME_FLAGS}",
                ]
                if needs_login and cookie_header:
                    command.append(f"--extra-headers={headers_file}")
                subprocess.run(command, env=env, check=True, timeout=RUN_TIMEOUT_SECONDS)  # noqa: S603
                result = json.loads(report.read_text())
                if result.get("runtimeError"):
                    raise RuntimeError(f"{path}: {result['runtimeError']}")
                if keep_json:
                    keep_json.mkdir(parents=True, exist_ok=True)
                    name = path.strip("/").replace("/", "_").replace("?", "_") or "root"
                    shutil.copy(report, keep_json / f"{name}-{run + 1}.json")
                results.append(result)
            scores[path] = {
                category: round(
                    100 * statistics.median(r["categories"][category]["score"] for r in results)
                )
                for category in CATEGORIES
            }
            failures[path] = _failed_audits(results)
    return _markdown(scores, failures, runs), scores


def _failed_audits(results: list[dict]) -> dict[str, str]:
    """Audits that count towards a category and scored below 1 in any run: id -> title."""
    counted = {
        ref["id"]
        for result in results
        for category in result["categories"].values()
        for ref in category["auditRefs"]
        if ref["weight"] > 0
    }
    failed = {}
    for result in results:
        for audit_id, audit in result["audits"].items():
            if audit_id in counted and audit["score"] is not None and audit["score"] < 1:
                failed.setdefault(audit_id, audit["title"])
    return failed


def _markdown(scores: dict, failures: dict, runs: int) -> str:
    lines = [
        f"Lighthouse mobile (simulated throttling), median of {runs} runs",
        "",
        "| page | " + " | ".join(CATEGORIES) + " |",
        "|---|" + "---|" * len(CATEGORIES),
    ]
    for path, row in scores.items():
        lines.append(f"| {path} | " + " | ".join(str(row[c]) for c in CATEGORIES) + " |")
    failing = {path: audits for path, audits in failures.items() if audits}
    if failing:
        lines += ["", "Audits below full score in any run:", ""]
        for path, audits in failing.items():
            listed = "; ".join(f"`{key}` ({title})" for key, title in sorted(audits.items()))
            lines.append(f"- {path}: {listed}")
    return "\n".join(lines) + "\n"


class _FormFields(HTMLParser):
    """Default values of the first POST form on a page (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = self._done = False
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name")
        if tag == "form" and attributes.get("method", "").lower() == "post" and not self._done:
            self._in_form = True
        elif not self._in_form:
            return
        elif (
            tag == "input"
            and name
            and attributes.get("type") not in ("submit", "checkbox", "radio", "file")
        ):
            self.values.setdefault(name, attributes.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self.values or "selected" in attributes:
                self.values[self._select] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _submit(opener, base_url: str, path: str, values: dict[str, str]) -> str:
    """Fill in the page's form with `values` over its defaults and post it; the final URL."""
    with opener.open(base_url + path) as response:
        parser = _FormFields()
        parser.feed(response.read().decode())
    if "csrf_token" not in parser.values:
        raise RuntimeError(f"no form with a CSRF token on {path}")
    form = urlencode({**parser.values, **values}).encode()
    with opener.open(base_url + path, data=form) as response:
        return response.geturl()


def login_cookie(base_url: str, username: str, password: str, seed: bool = False) -> str:
    """Log in as a browser would (CSRF token included) and return the Cookie header to send.

    With `seed`, also enter a field note and a special check, so lists are not empty.
    """
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    landed = _submit(opener, base_url, "/login", {"username": username, "password": password})
    if needs_code(landed):
        landed = _submit(opener, base_url, VERIFY_PATH, {"code": code_for(username)})
    if not landed.endswith("/today"):
        raise RuntimeError(f"login failed: ended on {landed}")
    if seed:
        today = date.today()
        note = {
            "observation": "Graffiti on the east wall of the park restroom.",
            "address": "Victory Park, Stockton, CA",
            "submit": "1",
        }
        check = {
            "requester_name": "Ana Resident",
            "address": "425 N El Dorado St, Stockton, CA",
            "phone": "(209) 555-0100",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=7)).isoformat(),
            "submit": "1",
        }
        for path, values in (("/notes/new", note), ("/checks/new", check)):
            try:
                _submit(opener, base_url, path, values)
            except HTTPError as error:  # the page is still measured, with an empty list
                print(f"warning: seeding {path} failed: {error}", file=sys.stderr)
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def serve_demo_app(instance_dir: str):
    """The app on a free port, on a fresh SQLite database with a demo Senior CSO."""
    os.environ["CSO_INSTANCE_PATH"] = instance_dir
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from cso_field import create_app
    from cso_field.accounts.services import create_account
    from cso_field.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_dir) / 'bench.sqlite'}",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        upgrade()
        create_account(USERNAME, "Bench Senior", "senior_cso", PASSWORD)
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app.logger.setLevel(logging.ERROR)  # nor per 404 (Lighthouse asks for /robots.txt)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--keep-json", type=Path, help="copy every Lighthouse JSON report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cso-bench-") as instance_dir:
        server, base_url = serve_demo_app(instance_dir)
        try:
            cookie = login_cookie(base_url, USERNAME, PASSWORD, seed=True)
            markdown, _ = run_lighthouse(base_url, cookie, PAGES, args.runs, args.keep_json)
        finally:
            server.shutdown()
    print(markdown, end="")


if __name__ == "__main__":
    main()
