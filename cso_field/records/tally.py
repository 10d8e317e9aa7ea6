"""The review tally (records.models.ReviewTally), kept by database triggers.

Counting the queue by type and author read every waiting record's index entry on each
request: with a week of check visits waiting (about 36,000 in the benchmark's department) the
review queue cost 24 times the reference list page. The tally holds, per record type, review
state and author, how many live records there are; the queue sums its waiting rows.

A trigger on each reviewed table changes the tally in the transaction of the write that adds,
deletes (or soft-deletes, or restores) a record, or changes its state or author, whatever code
writes it: the tally changes with the rows or not at all. On PostgreSQL each change is an
INSERT … ON CONFLICT DO UPDATE, which takes the tally row's lock, so parallel writers never
lose a count; on SQLite writers take turns. A record type made reviewable later adds its
table's triggers in its migration: `create_trigger_statements(dialect, table, record_type,
soft_deleted)`; tests/records/test_review_tally.py checks every reviewed table has them.
`recount_statement` fills the tally from the rows (a migration's starting point).
"""

from sqlalchemy import func, literal_column, select

TALLY = "review_tally"
KEY = "record_type, status, author_id"


def recount_statement(table_name: str, record_type: str, soft_deleted: bool) -> str:
    """INSERT … SELECT of one table's counts into the tally (its rows there absent before)."""
    live = "WHERE deleted_at IS NULL " if soft_deleted else ""
    return (
        f"INSERT INTO {TALLY} ({KEY}, count) "  # noqa: S608 (names from migrations)
        f"SELECT '{record_type}', status, coalesce(created_by_id, 0), count(*) "
        f"FROM {table_name} {live}GROUP BY status, coalesce(created_by_id, 0)"
    )


def recount(model):
    """(status, author_id, count) of `model`'s live records, counted from the rows."""
    author = func.coalesce(model.created_by_id, literal_column("0"))
    query = select(model.status, author, func.count()).group_by(model.status, author)
    return query.where(model.deleted_at.is_(None)) if hasattr(model, "deleted_at") else query


# -- SQLite: trigger bodies with the row (NEW or OLD) written into each statement ------------


def _sqlite_change(row: str, record_type: str, soft_deleted: bool, sign: str) -> str:
    live = f"WHERE {row}.deleted_at IS NULL " if soft_deleted else "WHERE 1 "
    return (
        f"INSERT INTO {TALLY} ({KEY}, count) "
        f"SELECT '{record_type}', {row}.status, coalesce({row}.created_by_id, 0), {sign}1 "
        f"{live}ON CONFLICT ({KEY}) DO UPDATE SET count = count + excluded.count;"
    )


def _sqlite_statements(table_name: str, record_type: str, soft_deleted: bool) -> list[str]:
    watched = ["status", "created_by_id", *(["deleted_at"] if soft_deleted else [])]
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in watched)
    name = f"{TALLY}_{table_name}"

    def change(row, sign):
        return _sqlite_change(row, record_type, soft_deleted, sign)

    return [
        f"CREATE TRIGGER {name}_ai AFTER INSERT ON {table_name} BEGIN {change('NEW', '+')} END",
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {', '.join(watched)} ON {table_name} "
        f"WHEN {changed} BEGIN {change('OLD', '-')} {change('NEW', '+')} END",
        f"CREATE TRIGGER {name}_ad AFTER DELETE ON {table_name} BEGIN {change('OLD', '-')} END",
    ]


# -- PostgreSQL: one trigger function for every table, told the record type ---------------------
# The row is read as JSON so that one function serves tables with and without deleted_at.

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TALLY}_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
BEGIN
    IF TG_OP = 'UPDATE' AND (old_row->'status', old_row->'created_by_id', old_row->'deleted_at')
        IS NOT DISTINCT FROM (new_row->'status', new_row->'created_by_id', new_row->'deleted_at')
    THEN
        RETURN NULL;
    END IF;
    PERFORM {TALLY}_add(TG_ARGV[0], old_row, -1);
    PERFORM {TALLY}_add(TG_ARGV[0], new_row, 1);
    RETURN NULL;
END
$$"""

_POSTGRES_ADD = f"""
CREATE OR REPLACE FUNCTION {TALLY}_add(kind text, row_data jsonb, sign int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF row_data IS NULL OR row_data->>'deleted_at' IS NOT NULL THEN RETURN; END IF;
    INSERT INTO {TALLY} AS t ({KEY}, count)
    VALUES (kind, row_data->>'status', coalesce((row_data->>'created_by_id')::int, 0), sign)
    ON CONFLICT ({KEY}) DO UPDATE SET count = t.count + EXCLUDED.count;
END
$$"""  # noqa: S608 (names from this module)


def _postgres_statements(table_name: str, record_type: str) -> list[str]:
    return [
        _POSTGRES_ADD,
        _POSTGRES_FUNCTION,
        f"CREATE TRIGGER {TALLY}_change AFTER INSERT OR DELETE OR UPDATE ON {table_name} "
        f"FOR EACH ROW EXECUTE FUNCTION {TALLY}_change('{record_type}')",
    ]


def create_trigger_statements(
    dialect: str, table_name: str, record_type: str, soft_deleted: bool
) -> list[str]:
    """The DDL that keeps the tally in step with `table_name`'s records."""
    if dialect == "postgresql":
        return _postgres_statements(table_name, record_type)
    return _sqlite_statements(table_name, record_type, soft_deleted)


def drop_trigger_statements(dialect: str, table_name: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {TALLY}_change ON {table_name}"]
    return [f"DROP TRIGGER IF EXISTS {TALLY}_{table_name}_{event}" for event in ("ai", "au", "ad")]
