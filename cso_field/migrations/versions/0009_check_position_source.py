"""where a check's position came from (its address, or its first visit), and an index on
start_date for the "Starting soon" lists

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 21:32:21.255087

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position_source", sa.String(length=16), nullable=True))
        batch_op.create_index("ix_special_check_start", ["start_date", "id"], unique=False)
    # Until now only the geocoder placed a check, from its address.
    op.execute(
        "UPDATE special_check SET position_source = 'address' "
        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("special_check", schema=None) as batch_op:
        batch_op.drop_index("ix_special_check_start")
        batch_op.drop_column("position_source")
