"""text search served by an index: pg_trgm GIN on PostgreSQL, FTS5 trigram tables on SQLite,
for Search (field notes, special checks) and the audit trail's text filter

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00.000000

"""

from alembic import op

from cso_field.text_search import create_index_statements, drop_index_statements

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The search_fields each model declared at this revision, and whether it is soft-deleted (its
# index then holds the live rows only).
SEARCHED = {
    "field_note": (("reference", "address", "observation"), True),
    "special_check": (("reference", "address", "requester_name"), True),
    "audit_event": (("actor_name", "action", "object_id", "client_address"), False),
}


def upgrade():
    # On PostgreSQL this creates the pg_trgm extension if needed: a trusted extension since
    # PostgreSQL 13, so the database owner may create it without being a superuser.
    dialect = op.get_bind().dialect.name
    for table_name, (fields, live_only) in SEARCHED.items():
        for statement in create_index_statements(dialect, table_name, fields, live_only=live_only):
            op.execute(statement)


def downgrade():
    # pg_trgm stays: other schemas in the database may use it.
    dialect = op.get_bind().dialect.name
    for table_name in SEARCHED:
        for statement in drop_index_statements(dialect, table_name):
            op.execute(statement)
