"""Neighborhood Watch members who left their group: when (watch_member.left_at), so that the
group's list drops them and retention forgets their details a period later

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-03 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("watch_member") as batch:
        batch.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("watch_member") as batch:
        batch.drop_column("left_at")
