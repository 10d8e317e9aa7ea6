"""Every record type reviewed: traffic incidents (their activity log) and Neighborhood Watch
meetings get the review columns; blight cases join the queue. Records made before count as
approved (they were kept as made before the review queue covered them).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

NEW = ("traffic_incident", "watch_meeting")


def upgrade():
    # Plain ADD COLUMNs (the reviewer's key inline): SQLite keeps the table and its search
    # triggers, where a batch would copy it anew. Rows already there count as approved.
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in NEW:
        op.add_column(
            table,
            sa.Column("status", sa.String(length=20), nullable=False, server_default="approved"),
        )
        op.add_column(table, sa.Column("review_comment", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("reviewed_at", sa.DateTime(), nullable=True))
        op.add_column(
            table,
            sa.Column(
                "reviewed_by_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True
            ),
            inline_references=True,
        )
        if postgresql:  # SQLite cannot drop a default in place; the app always sets status
            op.alter_column(table, "status", server_default=None)
    op.create_index(
        "ix_traffic_incident_review",
        "traffic_incident",
        ["status", "created_at", "id", "deleted_at", "created_by_id"],
    )
    op.create_index(
        "ix_watch_meeting_review", "watch_meeting", ["status", "created_at", "id", "created_by_id"]
    )
    op.execute(sa.text("UPDATE blight_case SET status = 'approved' WHERE status <> 'approved'"))


def downgrade():
    op.drop_index("ix_watch_meeting_review", table_name="watch_meeting")
    op.drop_index("ix_traffic_incident_review", table_name="traffic_incident")
    for table in NEW:
        for column in ("reviewed_by_id", "reviewed_at", "review_comment", "status"):
            op.drop_column(table, column)
