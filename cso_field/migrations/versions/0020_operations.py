"""operations: the request id on audit rows, retention holds, and the backup log

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (not batch_alter_table): on SQLite a batch rebuild would drop the
    # triggers that keep the audit trail append-only.
    op.add_column("audit_event", sa.Column("request_id", sa.String(length=32), nullable=True))
    op.create_index("ix_audit_event_request", "audit_event", ["request_id"])
    op.create_table(
        "retention_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["released_by_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_retention_hold_record", "retention_hold", ["record_type", "record_id", "released_at"]
    )
    op.create_table(
        "backup_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("destination", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_backup_run_finished", "backup_run", ["finished_at"])


def downgrade():
    op.drop_index("ix_backup_run_finished", table_name="backup_run")
    op.drop_table("backup_run")
    op.drop_index("ix_retention_hold_record", table_name="retention_hold")
    op.drop_table("retention_hold")
    op.drop_index("ix_audit_event_request", table_name="audit_event")
    op.drop_column("audit_event", "request_id")  # not batch: keeps the triggers
