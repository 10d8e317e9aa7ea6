"""District numbers' kept counts (per district, day and month), the index of citations by
day issued, and every record type reviewed: check visits and door contacts already made
count as approved (they were kept as made before the review queue covered them)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "district_day_count",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("district_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "district_key", "day", "figure", "outcome"),
    )
    with op.batch_alter_table("blight_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blight_case_cited", ["cited_on", "district_id", "deleted_at"], unique=False
        )
    for table in ("check_visit", "survey_response"):
        op.execute(
            sa.text(f"UPDATE {table} SET status = 'approved' WHERE status = 'submitted'")  # noqa: S608
        )
    _recount()


def _recount():
    """The counts of the records already there, when the app runs the migration (flask db
    upgrade); otherwise `flask numbers rebuild` makes them."""
    from flask import has_app_context

    if not has_app_context():
        return
    from sqlalchemy.orm import Session

    from cso_field.numbers.tally import rebuild

    with Session(bind=op.get_bind()) as session:
        rebuild(session)


def downgrade():
    with op.batch_alter_table("blight_case", schema=None) as batch_op:
        batch_op.drop_index("ix_blight_case_cited")
    op.drop_table("district_day_count")
