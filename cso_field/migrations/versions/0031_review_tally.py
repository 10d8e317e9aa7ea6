"""the review tally: live records per record type, review state and author, kept by triggers
on every reviewed table, so the review queue's counts and Today's "waiting for review" read a
few rows instead of every waiting record

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 21:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from cso_field.records.tally import (
    create_trigger_statements,
    drop_trigger_statements,
    recount_statement,
)

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# (table, record type, soft-deleted) of every reviewed record type.
REVIEWED = (
    ("check_visit", "check_visit", True),
    ("field_note", "field_note", True),
    ("survey_response", "survey_response", True),
    ("traffic_incident", "traffic_incident", True),
    ("blight_case", "blight_case", True),
    ("watch_meeting", "watch_meeting", False),
)


def upgrade():
    op.create_table(
        "review_tally",
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "status", "author_id"),
    )
    dialect = op.get_bind().dialect.name
    for table_name, record_type, soft_deleted in REVIEWED:
        for statement in create_trigger_statements(dialect, table_name, record_type, soft_deleted):
            op.execute(statement)
        op.execute(recount_statement(table_name, record_type, soft_deleted))


def downgrade():
    dialect = op.get_bind().dialect.name
    for table_name, _record_type, _soft_deleted in REVIEWED:
        for statement in drop_trigger_statements(dialect, table_name):
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS review_tally_change()")
        op.execute("DROP FUNCTION IF EXISTS review_tally_add(text, jsonb, int)")
    op.drop_table("review_tally")
