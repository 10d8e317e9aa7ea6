"""The day counts of special checks: how many checks are active and how many have a problem,
read from a few rows however many checks there are.

special_check_day_count holds, for each day, how many live, not cancelled checks start and
end that day, and how many live flagged checks do (models.CheckDayCount). Every live check
that was ever counted starts and ends once, so the checks active on `today` are

    the checks ending on or after today  -  the checks starting after today

(each check with start <= end; a check whose dates are the wrong way round is never active
and is not counted). Both sums cover days from today on: rows for the coming weeks, not for
the years of checks behind them. The same holds for the flagged checks of the last days.

Database triggers keep the rows, in the transaction of the write that changes a check
(insert, update of its dates, cancelling, flagging, deleting or restoring, and removal): the
count changes with the check or not at all, whatever code writes, and on PostgreSQL the
trigger sees the row as the last writer left it, so parallel writes never miscount.
`rebuild()` (`flask special-checks rebuild-counts`) recounts them from the checks.
"""

from sqlalchemy import case, delete, func, insert, literal, select, text, union_all

from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.special_checks.models import CheckDayCount, SpecialCheck

TABLE = CheckDayCount.__tablename__
WATCHED = ("start_date", "end_date", "cancelled_at", "deleted_at", "problem_flagged_at")
_COUNTS = ("starting", "ending", "problem_starting", "problem_ending")


# -- Reading -----------------------------------------------------------------------------------


def active_and_problems(today, problems_since):
    """(how many checks are active on `today`; how many live flagged checks have
    start <= today and end >= problems_since, a day on or before today), as two scalar
    subqueries over the day rows from problems_since on."""
    rows = select(CheckDayCount).where(CheckDayCount.day >= problems_since).subquery()

    def total(column, condition):
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    def count(ending, starting, since):
        return select(
            total(rows.c[ending], rows.c.day >= since) - total(rows.c[starting], rows.c.day > today)
        ).scalar_subquery()

    return count("ending", "starting", today), count(
        "problem_ending", "problem_starting", problems_since
    )


def end_days_from(today):
    """The days from `today` on on which some live, not cancelled check ends: every active
    check ends on one of them (a subquery)."""
    return select(CheckDayCount.day).where(CheckDayCount.day >= today, CheckDayCount.ending > 0)


# -- Recounting --------------------------------------------------------------------------------


def _contributions():
    """(day, starting, ending, problem_starting, problem_ending) of every counted check, once
    for its start and once for its end."""
    check = SpecialCheck
    counted = case((check.cancelled_at.is_(None), 1), else_=0)
    flagged = case((check.problem_flagged_at.is_not(None), 1), else_=0)
    zero = literal(0)
    live = (check.deleted_at.is_(None), check.start_date <= check.end_date)
    starts = select(
        check.start_date.label("day"),
        counted.label("starting"),
        zero.label("ending"),
        flagged.label("problem_starting"),
        zero.label("problem_ending"),
    ).where(*live)
    ends = select(check.end_date, zero, counted, zero, flagged).where(*live)
    return union_all(starts, ends).subquery()


def recount_statement():
    """INSERT … SELECT of every day's counts from the checks (the table empty before)."""
    rows = _contributions()
    sums = (
        select(rows.c.day, *(func.sum(rows.c[name]) for name in _COUNTS))
        .group_by(rows.c.day)
        .order_by(rows.c.day)
    )
    return insert(CheckDayCount).from_select(["day", *_COUNTS], sums)


def rebuild() -> int:
    """Recount every day from the checks and commit; returns how many day rows there are.

    Writers to special_check wait meanwhile (SHARE lock on PostgreSQL, the write lock on
    SQLite), so the counts are exact at the commit."""
    try:
        begin_write()
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text(f"LOCK TABLE {SpecialCheck.__tablename__} IN SHARE MODE"))
        db.session.execute(delete(CheckDayCount))
        db.session.execute(recount_statement())
        days = db.session.scalar(select(func.count()).select_from(CheckDayCount))
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return days


# -- The triggers, for migrations --------------------------------------------------------------


def _sqlite_counted(row: str) -> tuple[str, str]:
    """SQL for (counted as a check, counted as a flagged check): 1 or 0."""
    live = f"{row}.deleted_at IS NULL AND {row}.start_date <= {row}.end_date"
    return (
        f"({live} AND {row}.cancelled_at IS NULL)",
        f"({live} AND {row}.problem_flagged_at IS NOT NULL)",
    )


def _sqlite_add(row: str, sign: str) -> str:
    counted, flagged = _sqlite_counted(row)
    rows = f"INSERT OR IGNORE INTO {TABLE} (day, {', '.join(_COUNTS)}) VALUES"
    return (
        f"{rows} ({row}.start_date, 0, 0, 0, 0); {rows} ({row}.end_date, 0, 0, 0, 0); "  # noqa: S608 (names from this module)
        f"UPDATE {TABLE} SET starting = starting {sign} {counted}, "
        f"problem_starting = problem_starting {sign} {flagged} WHERE day = {row}.start_date; "
        f"UPDATE {TABLE} SET ending = ending {sign} {counted}, "
        f"problem_ending = problem_ending {sign} {flagged} WHERE day = {row}.end_date;"
    )


def _sqlite_statements() -> list[str]:
    new_counted, new_flagged = _sqlite_counted("NEW")
    old_counted, old_flagged = _sqlite_counted("OLD")
    changed = (
        f"NOT (OLD.start_date = NEW.start_date AND OLD.end_date = NEW.end_date "
        f"AND {old_counted} = {new_counted} AND {old_flagged} = {new_flagged})"
    )
    name = TABLE
    return [
        f"CREATE TRIGGER {name}_ai AFTER INSERT ON special_check "
        f"WHEN {new_counted} OR {new_flagged} BEGIN {_sqlite_add('NEW', '+')} END",
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {', '.join(WATCHED)} ON special_check "
        f"WHEN {changed} BEGIN {_sqlite_add('OLD', '-')} {_sqlite_add('NEW', '+')} END",
        f"CREATE TRIGGER {name}_ad AFTER DELETE ON special_check "
        f"WHEN {old_counted} OR {old_flagged} BEGIN {_sqlite_add('OLD', '-')} END",
    ]


# PostgreSQL: one function for the three events. The day rows change in the order of their
# days, so two writers that both change two days never wait for each other crosswise.
_POSTGRES_FUNCTION = f"""
CREATE FUNCTION {TABLE}_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_start date; old_end date; new_start date; new_end date;
    old_counted int := 0; old_flagged int := 0; new_counted int := 0; new_flagged int := 0;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_start := OLD.start_date; old_end := OLD.end_date;
        IF OLD.deleted_at IS NULL AND OLD.start_date <= OLD.end_date THEN
            old_counted := (OLD.cancelled_at IS NULL)::int;
            old_flagged := (OLD.problem_flagged_at IS NOT NULL)::int;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_start := NEW.start_date; new_end := NEW.end_date;
        IF NEW.deleted_at IS NULL AND NEW.start_date <= NEW.end_date THEN
            new_counted := (NEW.cancelled_at IS NULL)::int;
            new_flagged := (NEW.problem_flagged_at IS NOT NULL)::int;
        END IF;
    END IF;
    INSERT INTO {TABLE} AS counts (day, {", ".join(_COUNTS)})
    SELECT day, sum(starting), sum(ending), sum(problem_starting), sum(problem_ending)
    FROM (VALUES
        (old_start, -old_counted, 0, -old_flagged, 0),
        (old_end, 0, -old_counted, 0, -old_flagged),
        (new_start, new_counted, 0, new_flagged, 0),
        (new_end, 0, new_counted, 0, new_flagged)
    ) AS changes (day, {", ".join(_COUNTS)})
    WHERE day IS NOT NULL
    GROUP BY day
    HAVING sum(starting) <> 0 OR sum(ending) <> 0
        OR sum(problem_starting) <> 0 OR sum(problem_ending) <> 0
    ORDER BY day
    ON CONFLICT (day) DO UPDATE SET
        starting = counts.starting + EXCLUDED.starting,
        ending = counts.ending + EXCLUDED.ending,
        problem_starting = counts.problem_starting + EXCLUDED.problem_starting,
        problem_ending = counts.problem_ending + EXCLUDED.problem_ending;
    RETURN NULL;
END
$$
"""  # noqa: S608 (names from this module)


def _postgres_statements() -> list[str]:
    return [
        _POSTGRES_FUNCTION,
        f"CREATE TRIGGER {TABLE}_change "
        f"AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)} ON special_check "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_change()",
    ]


def create_trigger_statements(dialect: str) -> list[str]:
    """The DDL of the triggers that keep the day counts (the table made by the migration)."""
    return _postgres_statements() if dialect == "postgresql" else _sqlite_statements()


def drop_trigger_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {TABLE}_change ON special_check",
            f"DROP FUNCTION IF EXISTS {TABLE}_change()",
        ]
    return [f"DROP TRIGGER IF EXISTS {TABLE}_{event}" for event in ("ai", "au", "ad")]
