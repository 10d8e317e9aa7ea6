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
    for table in NEW:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "status", sa.String(length=20), nullable=False, server_default="approved"
                )
            )
            batch_op.add_column(sa.Column("review_comment", sa.Text(), nullable=True))
            batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                f"fk_{table}_reviewed_by_id_user_account",
                "user_account",
                ["reviewed_by_id"],
                ["id"],
            )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("status", server_default=None)
    with op.batch_alter_table("traffic_incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_traffic_incident_review",
            ["status", "created_at", "id", "deleted_at", "created_by_id"],
            unique=False,
        )
    with op.batch_alter_table("watch_meeting", schema=None) as batch_op:
        batch_op.create_index(
            "ix_watch_meeting_review", ["status", "created_at", "id", "created_by_id"], unique=False
        )
    op.execute(
        sa.text("UPDATE blight_case SET status = 'approved' WHERE status <> 'approved'")
    )


def downgrade():
    with op.batch_alter_table("watch_meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_meeting_review")
    with op.batch_alter_table("traffic_incident", schema=None) as batch_op:
        batch_op.drop_index("ix_traffic_incident_review")
    for table in NEW:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_reviewed_by_id_user_account", type_="foreignkey")
            for column in ("reviewed_by_id", "reviewed_at", "review_comment", "status"):
                batch_op.drop_column(column)
