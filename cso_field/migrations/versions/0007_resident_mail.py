"""limits that hold under parallel requests: named locks, and the outbox counted per recipient

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('named_lock',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(
            'ix_outbox_recipient_created', ['recipient', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_recipient_created')
    op.drop_table('named_lock')
