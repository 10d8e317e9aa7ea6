"""when each special check was last visited (kept on the check), the index that answers the
active, not-visited and stale counts alone, and the problems index (newest first)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_visit_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE special_check SET last_visit_at = (SELECT max(check_visit.created_at) "
        "FROM check_visit WHERE check_visit.check_id = special_check.id "
        "AND check_visit.deleted_at IS NULL)"
    )
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.create_index(
            "ix_special_check_open",
            [
                "end_date",
                "start_date",
                "last_visit_at",
                "problem_flagged_at",
                "cancelled_at",
                "deleted_at",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_special_check_problem", ["problem_flagged_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.drop_index("ix_special_check_problem")
        batch_op.drop_index("ix_special_check_open")
        batch_op.drop_column("last_visit_at")
