"""The query plan of every SELECT the main list pages run: no full scan of a large table, no
temporary sort B-tree (DESIGN.md, "Quality bars").

    .venv/bin/python bench/plans.py --database-url sqlite:////tmp/bench-full.sqlite

The database must hold data from bench/generate.py (its accounts and password). Each page is
requested through the app's test client as a logged-in officer; the SQL it sends is captured
with a `before_cursor_execute` listener and EXPLAINed (SQLite `EXPLAIN QUERY PLAN`,
PostgreSQL `EXPLAIN (FORMAT JSON)`). Prints a markdown table and exits non-zero when a plan
is flagged and not on the ALLOWED list below.
"""

import argparse
import json
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("CSO_INSTANCE_PATH", tempfile.mkdtemp(prefix="cso-bench-"))

from sqlalchemy import event, func, select

from bench.generate import DEFAULT_PASSWORD, database_url_from
from bench.second_factor import VERIFY_PATH, code_for, needs_code
from cso_field import create_app
from cso_field.extensions import db
from cso_field.text_search import index_table, search_fields

LARGE_ROWS = 10_000
CSO, SENIOR = "bench.cso01", "bench.senior01"
# A point in central Stockton, and search words that occur in the generated data.
PAGES = (
    (CSO, "/today"),
    (SENIOR, "/today"),
    (CSO, "/notes/"),
    (CSO, "/notes/?lat=37.97&lon=-121.31"),
    (CSO, "/notes/?district=3"),
    (CSO, "/search/?q=Pacific"),
    (CSO, "/search/?q=zzqx"),
    (CSO, "/search/?q=zzqxzq"),
    (CSO, "/search/?q=Peña Pacific"),
    (CSO, "/checks/"),
    (CSO, "/checks/?lat=37.97&lon=-121.31"),
    (CSO, "/checks/?district=3"),
    (CSO, "/checks/?lat=37.97&lon=-121.31&page=2"),
    (CSO, "/checks/starting"),
    (SENIOR, "/checks/overview"),
    (SENIOR, "/checks/overview/problems"),
    (SENIOR, "/checks/overview/stale"),
    (SENIOR, "/checks/overview/active?page=2"),
    (CSO, "/notes/?lat=37.97&lon=-121.31&page=2"),
    (SENIOR, "/audit/"),
    (SENIOR, "/audit/?q=bench.cso07"),
    (SENIOR, "/audit/?q=zzqxzq"),
    (SENIOR, "/audit/?outcome=failure"),
    (SENIOR, "/audit/?since=2025-01-01&until=2025-01-31"),
    (SENIOR, "/accounts/"),
    (SENIOR, "/team/"),
    (CSO, "/team/"),
    (SENIOR, "/assignments/"),
    (SENIOR, "/assignments/?show=done"),
    (SENIOR, "/assignments/?show=unaccepted"),
    (SENIOR, "/assignments/?show=overdue"),
    (CSO, "/assignments/"),
    (SENIOR, "/team/roster?language=es&on_shift=y"),
    (SENIOR, "/team/training"),
    (CSO, "/community/"),
    (CSO, "/community/?view=week"),
    (SENIOR, "/community/messages/"),
    (SENIOR, "/community/messages/?page=2"),
    (CSO, "/missing/"),
    (CSO, "/missing/?state=found&page=2"),
    (SENIOR, "/missing/due"),
    (CSO, "/custody/"),
    (CSO, "/custody/?show=mine"),
    (CSO, "/custody/transports/"),
    (CSO, "/custody/transports/?show=all"),
    (CSO, "/custody/samples"),
    (CSO, "/custody/samples?show=overdue"),
    (CSO, "/custody/seizures/"),
    (CSO, "/custody/seizures/?state=review"),
    (SENIOR, "/custody/seizures/report"),
    (CSO, "/custody/supplies/"),
    (CSO, "/calls/"),
    (CSO, "/calls/log"),
    (SENIOR, "/calls/report"),
    (CSO, "/betterment/"),
    (SENIOR, "/betterment/overdue"),
)


# A text found nowhere: only the text index answers it without reading a table or an index
# whole, so every statement of these pages reading a searchable table must use that index.
# (Six letters: for a rare text of 3-5 letters PostgreSQL's LIKE estimate stays high, and on
# tables under ~100,000 rows it may walk the primary key instead; see text_search.py.)
TEXT_SEARCH_PAGES = ("/search/?q=zzqxzq", "/audit/?q=zzqxzq")


@dataclass(frozen=True)
class Allowance:
    page: str  # the path, without the query string
    kind: str  # "scan", "index walk", "temp b-tree" or "sort"
    table: str
    reason: str


# Flags that are understood and accepted. Keep the reason honest: it is printed in the table.
ALLOWED = (
    Allowance(
        "/checks/",
        "temp b-tree",
        "special_check",
        "Sorts only the active checks without a position (their address could not be "
        "geocoded), found through the location index by latitude IS NULL: a handful of rows. "
        "Nearest first: a top-N sort by planar distance of the checks inside the bounding box "
        "(the location index), kept small by widening the box only until a page is found.",
    ),
    Allowance(
        "/checks/overview",
        "temp b-tree",
        "special_check",
        "Stale section: a top-N sort (LIMIT 6) of the stale checks only, found by seeks on the "
        "partial ix_special_check_stale index for each day active checks end (last_visit_at is "
        "kept on the check), to show the never visited first, then the longest without a visit.",
    ),
    Allowance(
        "/checks/overview/stale",
        "temp b-tree",
        "special_check",
        "As on the overview: a top-N sort of the stale active checks, one page of 25 (+1), "
        "found by seeks on the ix_special_check_stale index.",
    ),
    Allowance(
        "/notes/",
        "temp b-tree",
        "field_note",
        "Nearest first: a top-N sort by planar distance of the notes inside the bounding box "
        "(the location index), kept small by widening the box only until a page is found.",
    ),
    Allowance(
        "/audit/",
        "scan",
        "audit_event",
        "PostgreSQL, outcome or text filter: LIKE '%text%' and the outcome cannot use an "
        "index; the planner may prefer a sequential scan to walking the (occurred_at, id) "
        "index when it expects the filter to keep few rows.",
    ),
    Allowance(
        "/calls/report",
        "temp b-tree",
        "handled_call",
        "Groups the period's calls by type and district: only the calls received in the "
        "period, found by a range of the (received_at, id) index, are sorted (a week: a few "
        "hundred rows).",
    ),
    Allowance(
        "/calls/report",
        "temp b-tree",
        "office_log_entry",
        "Counts the period's office log by contact, outcome and language: only the entries of "
        "the period, found by a range of the (received_at, id) index, are grouped.",
    ),
)


@dataclass
class Finding:
    page: str
    statement: str
    excerpt: str
    flags: list[tuple[str, str]] = field(default_factory=list)  # (kind, table)
    allowed: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[tuple[str, str]]:
        return [flag for flag in self.flags if _allowance(self.page, *flag) is None]

    @property
    def verdict(self) -> str:
        walks = [table for kind, table in self.flags if kind == "ordered walk"]
        if walks and len(walks) == len(self.flags):
            return f"ok: walks the {', '.join(walks)} index in order, stops at the LIMIT"
        if not self.flags:
            return "ok"
        if self.problems:
            return "**PROBLEM**: " + ", ".join(
                f"{kind} of {table}" for kind, table in self.problems
            )
        allowed = [flag for flag in self.flags if flag[0] != "ordered walk"]
        return "allowed: " + ", ".join(f"{kind} of {table}" for kind, table in allowed)


# An index read in the ORDER BY's order under a LIMIT: stops after one page of matches.
ORDERED_WALK = Allowance(
    "*",
    "ordered walk",
    "*",
    "An index read in the ORDER BY's order under a LIMIT stops after one page of matches. "
    "PostgreSQL walks the primary key so for a common search text, where the text index "
    "would find thousands of rows; a filter no index serves (the audit outcome) may read "
    "more of it.",
)


def _allowance(page: str, kind: str, table: str) -> Allowance | None:
    if kind == ORDERED_WALK.kind:
        return ORDERED_WALK
    path = page.split("?")[0]
    for allowance in ALLOWED:
        if allowance.page == path and allowance.kind == kind and allowance.table == table:
            return allowance
    return None


# -- Capturing the SQL of a page ---------------------------------------------------------------


class StatementLog:
    """The SELECTs sent while it listens, with their parameters."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def _logged_in_client(app, username: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    if needs_code(response.location):
        response = client.post(VERIFY_PATH, data={"code": code_for(username)})
    if response.status_code not in (302, 303) or "/login" in (response.location or "/login"):
        raise RuntimeError(f"Cannot log in as {username}: status {response.status_code}")
    return client


def capture(app, engine, password: str) -> list[tuple[str, str, object]]:
    """(page, statement, parameters) for every distinct SELECT the pages run.

    Call it outside an app context: each request must get its own context, session and `g`,
    as under a real server, or one officer's login would leak into the next request.
    """
    clients = {name: _logged_in_client(app, name, password) for name in {CSO, SENIOR}}
    seen, captured = set(), []
    for username, page in PAGES:
        log = StatementLog()
        event.listen(engine, "before_cursor_execute", log)
        try:
            response = clients[username].get(page)
        finally:
            event.remove(engine, "before_cursor_execute", log)
        if response.status_code != 200:
            raise RuntimeError(f"{page} answered {response.status_code}")
        for statement, parameters in log.statements:
            if statement not in seen or page in TEXT_SEARCH_PAGES:
                seen.add(statement)
                captured.append((page, statement, parameters))
    return captured


# -- Reading plans -----------------------------------------------------------------------------


def table_sizes() -> dict[str, int]:
    return {
        name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in db.metadata.tables.items()
    }


def _base_table(name: str, sizes: dict[str, int]) -> str:
    """SQLAlchemy's aliases (check_visit_1) belong to their table."""
    return name if name in sizes else re.sub(r"_\d+$", "", name)


def sqlite_plan(statement: str, parameters, sizes: dict[str, int], large: int):
    """A full scan of a large table; a walk of a whole index without a LIMIT to stop it; a
    temporary B-tree sorting rows of a large table read by the outer loop."""
    connection = db.session.connection()
    rows = list(connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    flags, outer = [], set()
    for _id, parent, _unused, line in rows:
        words = line.split()
        if words[0] not in ("SCAN", "SEARCH") or len(words) < 2:
            continue
        table = _base_table(words[1], sizes)
        if parent == 0:
            outer.add(table)
        if words[0] == "SCAN" and sizes.get(table, 0) > large:
            if "INDEX" not in line and "PRIMARY KEY" not in line:
                flags.append(("scan", table))
            else:
                walk = "ordered walk" if _has_limit(statement) else "index walk"
                flags.append((walk, table))
    if any("TEMP B-TREE" in row[-1] for row in rows):
        flags += [("temp b-tree", table) for table in sorted(outer) if sizes.get(table, 0) > large]
    return " · ".join(row[-1] for row in rows), flags


def _has_limit(statement: str) -> bool:
    """A LIMIT on the outer query (a subquery's own LIMIT 1 does not stop the outer scan)."""
    outer_limit = r"\bLIMIT\s+\S+(\s+OFFSET\s+\S+)?\s*$"
    return re.search(outer_limit, statement.strip(), re.IGNORECASE) is not None


def _walk(node: dict, depth: int = 0):
    yield node, depth
    for child in node.get("Plans", []):
        yield from _walk(child, depth + 1)


def _describe(node: dict) -> str:
    text = node["Node Type"]
    if "Index Name" in node:
        text += f" using {node['Index Name']}"
    if "Relation Name" in node:
        text += f" on {node['Relation Name']}"
    return text


def _sort_input_table(node: dict) -> str:
    relations = [child.get("Relation Name") for child, _ in _walk(node) if "Relation Name" in child]
    return relations[0] if relations else "(join)"


def postgres_plan(statement: str, parameters, sizes: dict[str, int], large: int):
    connection = db.session.connection()
    rows = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
    document = rows.scalar()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    flags, parts = [], []
    for node, depth in _walk(plan):
        parts.append(("> " * depth) + _describe(node))
        relation = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and sizes.get(relation, 0) > large:
            flags.append(("scan", relation))
        if node["Node Type"] == "Sort" and node["Plans"][0].get("Plan Rows", 0) > large:
            flags.append(("sort", _sort_input_table(node)))
    return " · ".join(parts), flags


def explain_all(captured, sizes: dict[str, int], large: int, prefer_indexes=False) -> list[Finding]:
    explain = postgres_plan if db.engine.dialect.name == "postgresql" else sqlite_plan
    findings = []
    for page, statement, parameters in captured:
        searched = _searched_table(statement) if page in TEXT_SEARCH_PAGES else None
        with _text_index_preferred(searched if prefer_indexes else None):
            excerpt, flags = explain(statement, parameters, sizes, large)
        if searched and index_table(searched) not in excerpt:
            flags.append(("no text index", searched))
        findings.append(Finding(page, " ".join(statement.split()), excerpt, flags))
    return findings


def _searched_table(statement: str) -> str | None:
    """The table a statement reads whose model declares search fields, if any."""
    models = [mapper.class_ for mapper in db.Model.registry.mappers]
    tables = {model.__tablename__ for model in models if search_fields(model)}
    named = re.search(r"\bFROM (\w+)", statement)
    return named.group(1) if named and named.group(1) in tables else None


@contextmanager
def _text_index_preferred(table: str | None):
    """On a small PostgreSQL data set, walking the primary key backwards, or reading a whole
    small B-tree whose only condition is `deleted_at IS NULL`, is rightly cheaper than the
    text index. For the EXPLAIN only (a savepoint undoes it), index walks are ruled out and
    the table's other non-unique indexes dropped: a plan without the text index then shows
    that the index cannot serve the query."""
    connection = db.session.connection()
    if table is None or connection.dialect.name != "postgresql":
        yield
        return
    others = connection.exec_driver_sql(
        "SELECT indexname FROM pg_indexes WHERE tablename = %(table)s"
        " AND indexdef NOT LIKE 'CREATE UNIQUE%%' AND indexdef NOT LIKE '%%USING gin%%'",
        {"table": table},
    ).scalars()
    connection.exec_driver_sql("SAVEPOINT text_index_only")
    for name in list(others):
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
    connection.exec_driver_sql("SET LOCAL enable_sort = on")
    try:
        yield
    finally:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT text_index_only")


# -- Report ------------------------------------------------------------------------------------


def _cell(text: str, limit: int) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown(findings: list[Finding], dialect: str, sizes: dict[str, int], large: int) -> str:
    big = ", ".join(f"{name} {rows:,}" for name, rows in sorted(sizes.items()) if rows > large)
    lines = [
        f"Query plans on {dialect}; tables over {large:,} rows: {big or 'none'}.",
        "",
        "| page | query | verdict | plan |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {finding.page} | `{_cell(finding.statement, 110)}` | {finding.verdict} "
        f"| {_cell(finding.excerpt, 220)} |"
        for finding in findings
    ]
    reasons = {_allowance(f.page, *flag) for f in findings for flag in f.flags} - {None}
    if reasons:
        lines += ["", "Allowed:", ""]
        lines += [f"- {a.page}, {a.kind} of {a.table}: {a.reason}" for a in reasons]
    return "\n".join(lines)


def _prefer_indexes(connection) -> None:
    """Plan as if every table were large (undone by the caller's rollback)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET enable_sort = off")
    else:
        # Without statistics SQLite assumes about a million rows in every table.
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        connection.exec_driver_sql("ANALYZE sqlite_schema")


def check_plans(
    url: str,
    *,
    password: str = DEFAULT_PASSWORD,
    large_rows: int = LARGE_ROWS,
    prefer_indexes=False,
) -> tuple[str, list[Finding]]:
    """(markdown report, findings with a flag not on ALLOWED) for the database at `url`.

    `prefer_indexes` is for small data sets, where a full scan is rightly cheaper: it turns
    PostgreSQL's seq scans and sorts off and hides SQLite's statistics for the EXPLAINs, so a
    remaining scan or sort means no index could serve the query.
    """
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url_from(url),
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        engine = db.engine
    captured = capture(app, engine, password)
    with app.app_context():
        sizes = table_sizes()
        if prefer_indexes:
            _prefer_indexes(db.session.connection())
        findings = explain_all(captured, sizes, large_rows, prefer_indexes)
        db.session.rollback()
        report = markdown(findings, db.engine.dialect.name, sizes, large_rows)
        db.session.remove()
        db.engine.dispose()
    return report, [finding for finding in findings if finding.problems]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--large-rows", type=int, default=LARGE_ROWS)
    args = parser.parse_args()
    report, problems = check_plans(
        args.database_url, password=args.password, large_rows=args.large_rows
    )
    print(report)
    if problems:
        print(f"\n{len(problems)} plans need attention.")
        sys.exit(1)


if __name__ == "__main__":
    main()
