"""the open-checks index carries the check's id, so the overview's stale checks are ranked
from the index alone (PostgreSQL's indexes, unlike SQLite's, hold no row id of their own)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ["end_date", "start_date", "last_visit_at", "problem_flagged_at", "cancelled_at", "deleted_at"]


def upgrade():
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.drop_index("ix_special_check_open")
        batch_op.create_index("ix_special_check_open", [*COLUMNS, "id"], unique=False)


def downgrade():
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.drop_index("ix_special_check_open")
        batch_op.create_index("ix_special_check_open", COLUMNS, unique=False)
