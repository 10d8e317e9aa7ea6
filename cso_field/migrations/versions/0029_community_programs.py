"""community programs: fingerprinting slots and the residents' bookings, messages to deliver
and their attempts (issue 17)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 20:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fingerprint_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("fingerprint_slot", schema=None) as batch_op:
        batch_op.create_index("ix_fingerprint_slot_starts", ["starts_at", "id"], unique=False)

    op.create_table(
        "fingerprint_appointment",
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("manage_token_hash", sa.String(length=64), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("reminder_queued_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("prints_count", sa.Integer(), nullable=True),
        sa.Column("print_type", sa.String(length=12), nullable=True),
        sa.Column("outcome_at", sa.DateTime(), nullable=True),
        sa.Column("outcome_by_id", sa.Integer(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("submission_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_reason", sa.String(length=500), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outcome_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["fingerprint_slot.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_uuid"),
        sa.UniqueConstraint("manage_token_hash"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("fingerprint_appointment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fingerprint_appointment_author_created",
            ["created_by_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_fingerprint_appointment_client", ["client_address", "created_at"], unique=False
        )
        batch_op.create_index("ix_fingerprint_appointment_created", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fingerprint_appointment_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_fingerprint_appointment_reminder", ["reminder_queued_at", "slot_id"], unique=False
        )
        batch_op.create_index("ix_fingerprint_appointment_slot", ["slot_id", "id"], unique=False)

    op.create_table(
        "message_delivery",
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("submission_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_reason", sa.String(length=500), nullable=True),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_uuid"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("message_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_delivery_author_created", ["created_by_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_message_delivery_created", ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_message_delivery_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index("ix_message_delivery_due", ["due_at", "id"], unique=False)

    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["message_delivery.id"],
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_attempt_delivery", ["delivery_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("delivery_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_attempt_delivery")

    op.drop_table("delivery_attempt")
    with op.batch_alter_table("message_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_message_delivery_due")
        batch_op.drop_index(batch_op.f("ix_message_delivery_created_by_id"))
        batch_op.drop_index("ix_message_delivery_created")
        batch_op.drop_index("ix_message_delivery_author_created")

    op.drop_table("message_delivery")
    with op.batch_alter_table("fingerprint_appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_fingerprint_appointment_slot")
        batch_op.drop_index("ix_fingerprint_appointment_reminder")
        batch_op.drop_index(batch_op.f("ix_fingerprint_appointment_created_by_id"))
        batch_op.drop_index("ix_fingerprint_appointment_created")
        batch_op.drop_index("ix_fingerprint_appointment_client")
        batch_op.drop_index("ix_fingerprint_appointment_author_created")

    op.drop_table("fingerprint_appointment")
    with op.batch_alter_table("fingerprint_slot", schema=None) as batch_op:
        batch_op.drop_index("ix_fingerprint_slot_starts")

    op.drop_table("fingerprint_slot")
