"""Neighborhood Watch members who left their group: when (watch_member.left_at), so that the
group's list drops them and retention forgets their details a period later

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("watch_member", sa.Column("left_at", sa.DateTime(), nullable=True))


def downgrade():
    # Not batch: SQLite's own DROP COLUMN, since a batch copy of the table would break the
    # sign-ups' foreign key to it.
    op.drop_column("watch_member", "left_at")
