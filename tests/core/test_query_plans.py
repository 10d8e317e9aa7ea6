"""No list page reads a large table in full or sorts it in a temporary B-tree (DESIGN.md).

A small generated department (scale 0.005: 300 checks, 2,500 visits, 5,000 audit rows);
tables over LARGE_ROWS rows count as large. On tables this small a full scan or a sort is
rightly the cheaper plan, so the EXPLAINs run as if every table were large (PostgreSQL's seq
scans and sorts off, SQLite's statistics hidden): a scan or sort still chosen then means no
index can serve the query. bench/plans.py on bench/generate.py's full data set checks the
plans the planners really pick.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.generate import generate
from bench.plans import ALLOWED, check_plans

SCALE = 0.005
LARGE_ROWS = 250


def test_list_pages_use_indexes_not_full_scans_or_sorts(database_url_for_test):
    counts = generate(database_url_for_test, scale=SCALE, seed=5)
    assert counts["check_visit"] > LARGE_ROWS

    report, problems = check_plans(
        database_url_for_test, large_rows=LARGE_ROWS, prefer_indexes=True
    )

    assert not problems, report


def test_every_allowed_plan_says_why():
    for allowance in ALLOWED:
        assert len(allowance.reason) > 40, allowance
