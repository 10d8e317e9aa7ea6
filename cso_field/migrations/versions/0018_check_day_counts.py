"""special checks' day counts (how many start and end each day, kept by triggers) for the
overview's and Today's counts, and the partial index of live checks by end day and last visit
(which replaces ix_special_check_open)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 11:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from cso_field.special_checks.counts import (
    create_trigger_statements,
    drop_trigger_statements,
    recount_statement,
)

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

LIVE_NOT_CANCELLED = sa.text("deleted_at IS NULL AND cancelled_at IS NULL")
OPEN_COLUMNS = [
    "end_date",
    "start_date",
    "last_visit_at",
    "problem_flagged_at",
    "cancelled_at",
    "deleted_at",
    "id",
]


def upgrade():
    op.create_table(
        "special_check_day_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starting", sa.Integer(), nullable=False),
        sa.Column("ending", sa.Integer(), nullable=False),
        sa.Column("problem_starting", sa.Integer(), nullable=False),
        sa.Column("problem_ending", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.drop_index("ix_special_check_open")
        batch_op.create_index(
            "ix_special_check_stale",
            ["end_date", "last_visit_at", "start_date", "id"],
            unique=False,
            sqlite_where=LIVE_NOT_CANCELLED,
            postgresql_where=LIVE_NOT_CANCELLED,
        )
    dialect = op.get_bind().dialect.name
    for statement in create_trigger_statements(dialect):
        op.execute(statement)
    # The counts of the checks already there (the triggers keep them from now on).
    op.execute(recount_statement())


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in drop_trigger_statements(dialect):
        op.execute(statement)
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.drop_index("ix_special_check_stale", sqlite_where=LIVE_NOT_CANCELLED)
        batch_op.create_index("ix_special_check_open", OPEN_COLUMNS, unique=False)
    op.drop_table("special_check_day_count")
