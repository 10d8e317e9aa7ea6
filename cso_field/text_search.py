"""Text search served by an index, the same on SQLite and PostgreSQL.

A model declares the columns its text is found in, once: `search_fields = ("reference",
"address", ...)`. Its migration builds the index with `create_index_statements`, and every
search screen narrows its query with `newest_matching(query, model, text)`:

- PostgreSQL: a pg_trgm GIN index on one expression, the fields joined by newlines (live rows
  only, for soft-deleted models), serving `expression ILIKE '%part%'` for each part.
- SQLite: a contentless FTS5 table `<table>_search` with the trigram tokenizer, holding the
  live rows, kept in step by triggers (insert; update of a field or of deleted_at; delete),
  queried with `MATCH '"part" "part"'`.

A search text is cut into parts at spaces; a record matches when each part occurs in one of
its fields, in any case (`pacific ana` finds Ana Ruiz on Pacific Ave). Trigrams cannot find
fewer than three characters, and a one- or two-letter substring would match most records
anyway ("ly" is in every "family"), so a word shorter than three characters stays joined to
its neighbour ("N El Dorado", "Mai Ly" are one part each), and a text shorter than three
characters is not searched: the screen asks for more (`is_too_short`). Accents count (José
is not Jose, whether typed composed or not); `%` and `_` are plain characters.
"""

import re
import unicodedata

from sqlalchemy import ColumnElement, Select, String, column, func, literal_column, table

from cso_field.extensions import db

MIN_LENGTH = 3
# The GIN index's expression joins the fields with a newline: a part never holds one (it is
# cut at whitespace), so a part cannot match across two fields, as in an FTS5 table.
_SEPARATOR = "E'\\n'"


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character "\\") matching `text` anywhere, wildcards literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def is_too_short(text: str) -> bool:
    return len(" ".join(unicodedata.normalize("NFC", text).split())) < MIN_LENGTH


def parts(text: str) -> list[str]:
    """The pieces that must each occur: words, a short word joined to the word after it (or,
    at the end, to the one before it): "N El Dorado", "Mai Ly"."""
    joined: list[str] = []
    waiting: list[str] = []  # short words for the next long one
    for word in unicodedata.normalize("NFC", text).split():
        waiting.append(word)
        if len(word) >= MIN_LENGTH:
            joined.append(" ".join(waiting))
            waiting = []
    if waiting and joined:
        joined[-1] = " ".join([joined[-1], *waiting])
    elif waiting:
        joined.append(" ".join(waiting))
    return joined


def search_fields(model) -> tuple[str, ...]:
    return tuple(getattr(model, "search_fields", ()))


def newest_matching(query: Select, model, text: str) -> Select:
    """`query` (a select of `model`) narrowed to rows whose search fields hold every part of
    `text`, newest (highest id) first.

    SQLite reads the FTS5 table in descending rowid order and joins each match to its row, so
    a LIMIT stops it after a page, whether the text is rare or common. PostgreSQL chooses
    between the GIN index and walking the primary key backwards: the walk for a common text,
    the index for a rare one, except that its LIKE estimate for a text of 3-5 letters stays
    high (about 1% of the rows), so on tables under ~100,000 rows such a rare text is looked
    for by the walk (tens of milliseconds at five years of data). The index of a soft-deleted
    model holds its live rows only: the query must exclude deleted ones too
    (records.services.live), so that both databases agree.
    """
    wanted = parts(text)
    if db.session.get_bind().dialect.name == "postgresql":
        document = _document(model)
        query = query.where(*(document.ilike(contains_pattern(part)) for part in wanted))
        return query.order_by(model.id.desc())
    index = table(index_table(model.__tablename__), column("rowid"))
    phrases = " ".join('"' + part.replace('"', '""') + '"' for part in wanted)
    query = query.join(index, index.c.rowid == model.id)
    query = query.where(literal_column(index.name).op("MATCH")(phrases))
    return query.order_by(index.c.rowid.desc())


def _document(model) -> ColumnElement[str]:
    """The indexed expression of `document_sql`, built on the model's columns."""
    columns = [
        func.coalesce(model.__table__.c[name], literal_column("''", String))
        for name in search_fields(model)
    ]
    document = columns[0]
    for next_column in columns[1:]:
        document = document.op("||")(literal_column(_SEPARATOR, String)).op("||")(next_column)
    return document


# -- The index, for migrations -----------------------------------------------------------------


def index_table(table_name: str) -> str:
    """The SQLite FTS5 table, and the stem of the PostgreSQL index's name."""
    return f"{table_name}_search"


def document_sql(fields: tuple[str, ...]) -> str:
    return f" || {_SEPARATOR} || ".join(f"coalesce({name}, '')" for name in fields)


def create_index_statements(
    dialect: str, table_name: str, fields: tuple[str, ...], *, live_only: bool
) -> list[str]:
    """The DDL that indexes `fields` of `table_name` and fills the index from its rows."""
    if dialect == "postgresql":
        where = " WHERE deleted_at IS NULL" if live_only else ""
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f"CREATE INDEX ix_{index_table(table_name)} ON {table_name} "
            f"USING gin (({document_sql(fields)}) gin_trgm_ops){where}",
        ]
    return _sqlite_statements(table_name, fields, live_only)


def drop_index_statements(dialect: str, table_name: str) -> list[str]:
    name = index_table(table_name)
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS ix_{name}"]
    triggers = [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("ai", "au", "ad")]
    return [*triggers, f"DROP TABLE IF EXISTS {name}"]


def _sqlite_statements(table_name: str, fields: tuple[str, ...], live_only: bool) -> list[str]:
    name, names = index_table(table_name), ", ".join(fields)

    def values(row: str) -> str:
        return ", ".join(f"{row}.{field}" for field in ("id", *fields))

    def live(row: str) -> str:
        return f" WHERE {row}.deleted_at IS NULL" if live_only else ""

    add = f"INSERT INTO {name}(rowid, {names}) SELECT {values('new')}{live('new')};"
    remove = (
        f"INSERT INTO {name}({name}, rowid, {names}) SELECT 'delete', {values('old')}{live('old')};"
    )
    watched = ", ".join(fields + (("deleted_at",) if live_only else ()))
    fill = f"INSERT INTO {name}(rowid, {names}) SELECT id, {names} FROM {table_name}"  # noqa: S608 (names from code)
    return [
        f"CREATE VIRTUAL TABLE {name} USING fts5({names}, content='', tokenize='trigram')",
        fill + (" WHERE deleted_at IS NULL" if live_only else ""),
        f"CREATE TRIGGER {name}_ai AFTER INSERT ON {table_name} BEGIN {add} END",
        f"CREATE TRIGGER {name}_au AFTER UPDATE OF {watched} ON {table_name} "
        f"BEGIN {remove} {add} END",
        f"CREATE TRIGGER {name}_ad AFTER DELETE ON {table_name} BEGIN {remove} END",
    ]


_INDEX_OBJECT = re.compile(r"(ix_)?\w+_search(_(data|idx|config|docsize|content))?")


def is_index_object(name: str | None) -> bool:
    """The index's tables (FTS5 and its shadow tables) and PostgreSQL index, which the models
    do not describe: Alembic's comparison of the schema with the models leaves them out."""
    return bool(name) and _INDEX_OBJECT.fullmatch(name) is not None
