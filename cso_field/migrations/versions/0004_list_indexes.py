"""indexes for the newest-first lists: field notes by creation (in a district too), the audit
trail by (time, id), and the day's check visits

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_field_note_created', 'field_note', ['created_at'], unique=False)
    op.create_index(
        'ix_field_note_district_created', 'field_note', ['district_id', 'created_at'], unique=False
    )
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.create_index('ix_audit_event_at', 'audit_event', ['occurred_at', 'id'], unique=False)
    op.create_index('ix_check_visit_created', 'check_visit', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_check_visit_created', table_name='check_visit')
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.create_index('ix_audit_event_at', 'audit_event', ['occurred_at'], unique=False)
    op.drop_index('ix_field_note_district_created', table_name='field_note')
    op.drop_index('ix_field_note_created', table_name='field_note')
