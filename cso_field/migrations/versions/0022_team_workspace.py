"""Senior CSO workspace: assignments, shifts, spoken languages and contacts, training
sessions, certifications (citation training becomes a certification kind)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 14:10:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

CITATION_CODE = "citation_training"


def _user_fk(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("user_account.id"), nullable=nullable)


def upgrade():
    op.create_table(
        "certification_type",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=40), nullable=False, unique=True),
        sa.Column("name", sa.String(length=120), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "certification",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("user_id", nullable=False),
        sa.Column(
            "type_id", sa.Integer(), sa.ForeignKey("certification_type.id"), nullable=False
        ),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _user_fk("recorded_by_id"),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_certification_user_type", "certification", ["user_id", "type_id", "recorded_at"]
    )
    op.create_index("ix_certification_expires", "certification", ["expires_on"])
    _citation_training_to_certifications()

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=True),
        _user_fk("assignee_id"),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("district.id"), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        _user_fk("created_by_id", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("record_type", sa.String(length=40), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
    )
    op.create_index(
        "ix_assignment_assignee", "assignment", ["assignee_id", "completed_at", "due_at"]
    )
    op.create_index(
        "ix_assignment_district", "assignment", ["district_id", "completed_at", "due_at"]
    )
    op.create_index("ix_assignment_live", "assignment", ["completed_at", "due_at"])
    op.create_index("ix_assignment_state", "assignment", ["state", "due_at"])

    op.create_table(
        "shift",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("user_id", nullable=False),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("district.id"), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        _user_fk("started_by_id"),
    )
    op.create_index("ix_shift_open", "shift", ["ended_at", "started_at"])
    op.create_index("ix_shift_user", "shift", ["user_id", "ended_at", "started_at"])
    op.create_table(
        "team_language",
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("user_account.id"), primary_key=True
        ),
        sa.Column("language", sa.String(length=5), primary_key=True),
        sa.Column("proficiency", sa.String(length=20), nullable=False),
    )
    op.create_index("ix_team_language_code", "team_language", ["language", "user_id"])
    op.create_table(
        "team_contact",
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("user_account.id"), primary_key=True
        ),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("call_sign", sa.String(length=20), nullable=True),
    )
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("trainer", sa.String(length=120), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        _user_fk("created_by_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_training_session_held", "training_session", ["held_at"])
    op.create_table(
        "training_attendee",
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("training_session.id"),
            primary_key=True,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("user_account.id"), primary_key=True
        ),
    )


def _citation_training_to_certifications():
    """Every recorded citation training becomes a certification of the citation-training
    kind, with its dates, note, recorder and time; then its own table goes."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT user_id, trained_on, expires_on, note, recorded_by_id, recorded_at "
            "FROM citation_training ORDER BY recorded_at, id"
        )
    ).all()
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO certification_type (code, name, created_at) "
                "VALUES (:code, 'Citation training', :now)"
            ),
            {"code": CITATION_CODE, "now": datetime.now(UTC).replace(tzinfo=None)},
        )
        type_id = bind.execute(
            sa.text("SELECT id FROM certification_type WHERE code = :code"),
            {"code": CITATION_CODE},
        ).scalar_one()
        bind.execute(
            sa.text(
                "INSERT INTO certification (user_id, type_id, earned_on, expires_on, note, "
                "recorded_by_id, recorded_at) VALUES (:user_id, :type_id, :trained_on, "
                ":expires_on, :note, :recorded_by_id, :recorded_at)"
            ),
            [{**row._mapping, "type_id": type_id} for row in rows],
        )
    op.drop_index("ix_citation_training_user", table_name="citation_training")
    op.drop_table("citation_training")


def downgrade():
    op.create_table(
        "citation_training",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("user_id", nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        _user_fk("recorded_by_id"),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_citation_training_user", "citation_training", ["user_id", "recorded_at"])
    op.execute(
        "INSERT INTO citation_training (user_id, trained_on, expires_on, note, recorded_by_id, "
        "recorded_at) SELECT c.user_id, c.earned_on, c.expires_on, c.note, c.recorded_by_id, "
        "c.recorded_at FROM certification c JOIN certification_type t ON t.id = c.type_id "
        f"WHERE t.code = '{CITATION_CODE}'"
    )
    for table in ("training_attendee", "training_session", "team_contact", "team_language"):
        op.drop_table(table)
    op.drop_table("shift")
    op.drop_table("assignment")
    op.drop_table("certification")
    op.drop_table("certification_type")
