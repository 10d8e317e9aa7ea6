"""survey tallies kept by triggers (choice counts per question, choice, district and day;
contact outcomes per canvass, version, district and day), each response's department day, the
index of a question's answers newest response first; Neighborhood Watch sign-ups name the
record they came from generically (type, id, reference) instead of a key to survey_response;
surveys built in the app are drafts until published (survey.published_at)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:00:00.000000

"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

from cso_field.surveys.tallies import (
    create_trigger_statements,
    drop_trigger_statements,
    recount_statements,
)

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BATCH = 1000


def _fill_days() -> None:
    """Each response's department day, from its created_at (naive UTC)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "America/Los_Angeles"))
    responses = sa.table(
        "survey_response",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime()),
        sa.column("day", sa.Date()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(responses.c.id, responses.c.created_at)).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(
            responses.update()
            .where(responses.c.id == sa.bindparam("row_id"))
            .values(day=sa.bindparam("row_day")),
            [
                {
                    "row_id": row_id,
                    "row_day": created.replace(tzinfo=UTC).astimezone(zone).date(),
                }
                for row_id, created in rows[start : start + BATCH]
            ],
        )


def _signup_source_upgrade() -> None:
    with op.batch_alter_table("watch_signup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_record_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("source_record_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source_reference", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE watch_signup SET source_record_type = 'survey_response', "
        "source_record_id = contact_id, source_reference = "
        "(SELECT reference FROM survey_response WHERE survey_response.id = watch_signup.contact_id) "
        "WHERE contact_id IS NOT NULL"
    )
    with op.batch_alter_table("watch_signup", schema=None) as batch_op:
        batch_op.drop_column("contact_id")
        batch_op.create_index(
            "ix_watch_signup_source", ["source_record_type", "source_record_id"], unique=False
        )


def _signup_source_downgrade() -> None:
    with op.batch_alter_table("watch_signup", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_signup_source")
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_watch_signup_contact_id", "survey_response", ["contact_id"], ["id"]
        )
    op.execute(
        "UPDATE watch_signup SET contact_id = source_record_id "
        "WHERE source_record_type = 'survey_response'"
    )
    with op.batch_alter_table("watch_signup", schema=None) as batch_op:
        batch_op.drop_column("source_reference")
        batch_op.drop_column("source_record_id")
        batch_op.drop_column("source_record_type")


def upgrade():
    op.add_column("survey", sa.Column("published_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE survey SET published_at = created_at")  # every survey was offered
    _signup_source_upgrade()
    op.add_column("survey_response", sa.Column("day", sa.Date(), nullable=True))
    _fill_days()
    op.create_index(
        "ix_survey_answer_question_response", "survey_answer", ["question_id", "response_id"]
    )
    op.create_table(
        "survey_choice_tally",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("question_id", "value", "district_id", "day"),
    )
    op.create_table(
        "survey_outcome_tally",
        sa.Column("canvass_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("canvass_id", "version_id", "outcome", "district_id", "day"),
    )
    op.create_index(
        "ix_survey_outcome_tally_version", "survey_outcome_tally", ["version_id", "outcome", "day"]
    )
    op.create_index(
        "ix_survey_outcome_tally_district", "survey_outcome_tally", ["district_id", "day"]
    )
    for statement in create_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    # The tallies of the responses already there (the triggers keep them from now on).
    for statement in recount_statements():
        op.execute(statement)


def downgrade():
    for statement in drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_survey_outcome_tally_district", table_name="survey_outcome_tally")
    op.drop_index("ix_survey_outcome_tally_version", table_name="survey_outcome_tally")
    op.drop_table("survey_outcome_tally")
    op.drop_table("survey_choice_tally")
    op.drop_index("ix_survey_answer_question_response", table_name="survey_answer")
    # Not batch_alter_table: recreating the table would drop its text search triggers.
    op.execute("ALTER TABLE survey_response DROP COLUMN day")
    _signup_source_downgrade()
    op.execute("ALTER TABLE survey DROP COLUMN published_at")
