"""staff second factor: authenticator secrets, passkeys, recovery codes, trusted phones,
and when a session last proved the second factor

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _user_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{name}_user_id", name, ["user_id"])


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "second_factor_required", sa.Boolean(), nullable=False, server_default="0"
            )
        )
        batch.add_column(sa.Column("webauthn_handle", sa.String(64), nullable=True))
        batch.create_index("ix_user_account_webauthn_handle", ["webauthn_handle"], unique=True)
    with op.batch_alter_table("user_session") as batch:
        batch.add_column(sa.Column("second_factor_at", sa.DateTime(), nullable=True))
    _user_table(
        "passkey",
        sa.Column("credential_id", sa.String(1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("transports", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("credential_id"),
    )
    _user_table(
        "recovery_code",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    _user_table(
        "trusted_device",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("token_hash"),
    )


def downgrade():
    for name in ("trusted_device", "recovery_code", "passkey"):
        op.drop_index(f"ix_{name}_user_id", table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("user_session") as batch:
        batch.drop_column("second_factor_at")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_index("ix_user_account_webauthn_handle")
        for column in ("webauthn_handle", "second_factor_required", "totp_last_step", "totp_secret"):
            batch.drop_column(column)
