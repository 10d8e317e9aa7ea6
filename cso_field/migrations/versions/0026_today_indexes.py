"""the index of one author's records in one review state, oldest first, for Today's
"Returned to you" (the author index alone read every record the author ever made)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 18:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# Every reviewed record type's table (0024 made traffic incidents, blight cases and Watch
# meetings reviewed too).
TABLES = (
    "check_visit",
    "field_note",
    "survey_response",
    "traffic_incident",
    "blight_case",
    "watch_meeting",
)


def upgrade():
    for table in TABLES:
        op.create_index(
            f"ix_{table}_author_status", table, ["created_by_id", "status", "created_at"]
        )


def downgrade():
    for table in TABLES:
        op.drop_index(f"ix_{table}_author_status", table_name=table)
