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


def main() -> None:
    database = Path(os.environ["CSO_INSTANCE_PATH"]) / "bench.sqlite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        create_account("bench.senior", "Bench Senior", "senior_cso", PASSWORD)
        db.session.commit()
    client = app.test_client()
    rows = [measure(client, "/login"), measure(client, "/check-request/?lang=es")]
    client.post("/login", data={"username": "bench.senior", "password": PASSWORD})
    paths = (
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
    rows += [measure(client, path) for path in paths]
    print("| page | HTML raw | HTML gzip | cold load gzip (requests) | within budget |")
    print("|---|---|---|---|---|")
    for row in rows:
        ok = row["html_gzip"] <= HTML_BUDGET and row["cold_gzip"] <= COLD_LOAD_BUDGET
        print(
            f"| {row['path']} | {row['html_raw']:,} B | {row['html_gzip']:,} B | "
            f"{row['cold_gzip']:,} B ({row['requests']}) | {'yes' if ok else 'NO'} |"
        )
    fragment = client.get("/audit/?q=bench", headers={"HX-Request": "true"})
    print(f"\nhtmx fragment /audit/?q=bench: {gzip_size(fragment.data):,} B gzip (budget 2,048 B)")


if __name__ == "__main__":
    main()
