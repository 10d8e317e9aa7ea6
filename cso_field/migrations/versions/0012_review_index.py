"""the review queue's index: live submitted records oldest first, with their authors, so the
queue's count and its author filter are read from the index alone

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:20:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("check_visit", "field_note")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_status_created")
            batch_op.create_index(
                f"ix_{table}_review",
                ["status", "created_at", "id", "deleted_at", "created_by_id"],
                unique=False,
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_review")
            batch_op.create_index(f"ix_{table}_status_created", ["status", "created_at"], unique=False)
