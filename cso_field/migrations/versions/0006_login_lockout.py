"""login lockout (issue 21): a timed lock (locked_until), the numbered password checks that
let a conditional UPDATE count and decide atomically, and per-address failure counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:09:32

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('window_started_at', sa.DateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('client_address')
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('login_seq', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('failures_cleared_seq', sa.Integer(), server_default='0', nullable=False)
        )
    # Locks made before this revision had no end: they now last the default period from
    # when they were made (so a lock older than 10 minutes is over).
    op.execute(
        "UPDATE user_account SET locked_until = locked_at + INTERVAL '10 minutes' "
        "WHERE locked_at IS NOT NULL"
        if op.get_bind().dialect.name == 'postgresql'
        else "UPDATE user_account SET locked_until = datetime(locked_at, '+10 minutes') "
        "WHERE locked_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('failures_cleared_seq')
        batch_op.drop_column('login_seq')
        batch_op.drop_column('locked_until')

    op.drop_table('login_throttle')
