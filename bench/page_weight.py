"""Page weight: each page's HTML and cold-load size, gzip-compressed, as a phone would fetch it.

    .venv/bin/python bench/page_weight.py

Runs the app in-process on a fresh SQLite database with a demo CSO, fetches each page and
every file it references (stylesheets, scripts, icons), and compares with DESIGN.md's budgets.
"""

import gzip
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

from flask_migrate import upgrade

from bench.second_factor import VERIFY_PATH, code_for, enrol, needs_code
from cso_field import create_app
from cso_field.accounts.services import create_account
from cso_field.extensions import db

HTML_BUDGET = 14.6 * 1024
COLD_LOAD_BUDGET = 30 * 1024
PASSWORD = "benchmark password"  # noqa: S105 (a throwaway account)
ASSET_PATTERN = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def gzip_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def measure(client, path: str) -> dict:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    assets = sorted(set(ASSET_PATTERN.findall(page.get_data(as_text=True))))
    asset_sizes = {url: gzip_size(client.get(url).data) for url in assets}
    html = gzip_size(page.data)
    return {
        "path": path,
        "html_raw": len(page.data),
        "html_gzip": html,
        "cold_gzip": html + sum(asset_sizes.values()),
        "requests": 1 + len(assets),
    }


PAGES = (
    "/today",
    "/new",
    "/notes/new",
    "/notes/",
    "/search/",
    "/checks/",
    "/checks/map",
    "/checks/new",
    "/checks/overview",
    "/menu",
    "/audit/",
    "/accounts/",
)
FRAGMENT = "/audit/?q=bench"
FRAGMENT_BUDGET = 2 * 1024
# DESIGN.md lets the map library load when the officer opens the map: the cold-load budget
# does not apply to the map page itself, only the HTML budget.
MAP_PAGES = ("/checks/map",)


def _app_and_user(database_uri: str | None, username: str | None) -> tuple:
    """The app on `database_uri` (default: a fresh SQLite database with a new Senior CSO)."""
    fresh = database_uri is None
    if fresh:
        database_uri = f"sqlite:///{Path(os.environ['CSO_INSTANCE_PATH']) / 'bench.sqlite'}"
        username = "bench.senior"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    if fresh:
        with app.app_context():
            upgrade()
            enrol(create_account(username, "Bench Senior", "senior_cso", PASSWORD))
            db.session.commit()
    return app, username


def page_rows(
    database_uri: str | None = None, username: str | None = None, password: str = PASSWORD
) -> list[dict]:
    """Each page's weight as a Senior CSO sees it, and the htmx fragment's (`fragment` True).

    Without `database_uri`, a fresh SQLite database and account; otherwise that database's
    `username` (a Senior CSO) with `password`.
    """
    app, username = _app_and_user(database_uri, username)
    client = app.test_client()
    rows = [measure(client, "/login"), measure(client, "/check-request/?lang=es")]
    response = client.post("/login", data={"username": username, "password": password})
    if needs_code(response.location):
        client.post(VERIFY_PATH, data={"code": code_for(username)})
    rows += [measure(client, path) for path in PAGES]
    fragment = client.get(FRAGMENT, headers={"HX-Request": "true"})
    rows.append({"path": FRAGMENT, "html_gzip": gzip_size(fragment.data), "fragment": True})
    with app.app_context():
        db.engine.dispose()
    return rows


def within_budget(row: dict) -> bool:
    if row.get("fragment"):
        return row["html_gzip"] <= FRAGMENT_BUDGET
    if row["path"] in MAP_PAGES:
        return row["html_gzip"] <= HTML_BUDGET
    return row["html_gzip"] <= HTML_BUDGET and row["cold_gzip"] <= COLD_LOAD_BUDGET


def weight_table(rows: list[dict]) -> str:
    lines = [
        "| page | HTML raw | HTML gzip | cold load gzip (requests) | within budget |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        if row.get("fragment"):
            continue
        lines.append(
            f"| {row['path']} | {row['html_raw']:,} B | {row['html_gzip']:,} B | "
            f"{row['cold_gzip']:,} B ({row['requests']}) | "
            f"{_verdict(row)} |"
        )
    for row in rows:
        if row.get("fragment"):
            lines.append(
                f"\nhtmx fragment {row['path']}: {row['html_gzip']:,} B gzip (budget "
                f"{FRAGMENT_BUDGET:,} B): {'yes' if within_budget(row) else 'NO'}"
            )
    return "\n".join(lines)


def _verdict(row: dict) -> str:
    verdict = "yes" if within_budget(row) else "NO"
    return f"{verdict} (map library exempt)" if row["path"] in MAP_PAGES else verdict


def main() -> None:
    print(weight_table(page_rows()))


if __name__ == "__main__":
    main()
