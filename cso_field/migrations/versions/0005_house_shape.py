"""special checks in the house shape: Tracked and Located in full (updated_at, accuracy_m,
the author and newest-first indexes), and check visits by district like every field record

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:32:54

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_visit', schema=None) as batch_op:
        batch_op.create_index(
            'ix_check_visit_district_created', ['district_id', 'created_at'], unique=False
        )

    with op.batch_alter_table('special_check', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('accuracy_m', sa.Double(), nullable=True))
    # Until now a check was never changed after it was made, as far as the row tells.
    op.execute('UPDATE special_check SET updated_at = created_at')
    with op.batch_alter_table('special_check', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index('ix_special_check_created', ['created_at'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_special_check_created_by_id'), ['created_by_id'], unique=False
        )
        batch_op.create_index(
            'ix_special_check_district_created', ['district_id', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('special_check', schema=None) as batch_op:
        batch_op.drop_index('ix_special_check_district_created')
        batch_op.drop_index(batch_op.f('ix_special_check_created_by_id'))
        batch_op.drop_index('ix_special_check_created')
        batch_op.drop_column('accuracy_m')
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('check_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_check_visit_district_created')
