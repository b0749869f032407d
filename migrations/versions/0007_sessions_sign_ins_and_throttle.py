"""sign-ins as server-side records; the sign-in slow-down per address; normalised emails

Revision ID: 0007_sessions
Revises: 0006_support
Create Date: 2026-12-06 16:40:00

Every device signed in before this revision is signed out once: its cookie named the old
per-user token, which is gone.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_sessions"
down_revision = "0006_support"
branch_labels = None
depends_on = None


def _normalise_email(value: str) -> str:
    # A copy of webapp.auth.core.normalise_email as it was at this revision.
    folded = unicodedata.normalize("NFKC", value).strip().casefold()
    return unicodedata.normalize("NFKC", folded)


def upgrade():
    op.create_table(
        "sign_in_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("remember_sha256", sa.String(length=64), nullable=True),
        sa.Column("previous_remember_sha256", sa.String(length=64), nullable=True),
        sa.Column("remember_rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("browser", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_sign_in_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_session")),
    )
    with op.batch_alter_table("sign_in_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_throttle_last_failure_at", ["last_failure_at"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_token")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("last_failed_login_at")

    # Emails were lower-cased; now they are NFKC-normalised and case-folded. An address whose
    # new spelling another account already holds keeps its old one (that person signs in with
    # the exact old spelling until support merges them).
    connection = op.get_bind()
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = connection.execute(sa.select(user.c.id, user.c.email)).all()
    taken = {email for _id, email in rows}
    for user_id, email in rows:
        normalised = _normalise_email(email)
        if normalised != email and normalised not in taken:
            connection.execute(sa.update(user).where(user.c.id == user_id).values(email=normalised))
            taken.add(normalised)


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_failed_login_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("session_token", sa.String(length=43), nullable=False, server_default=""))

    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_throttle_last_failure_at")
    op.drop_table("sign_in_throttle")

    with op.batch_alter_table("sign_in_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_session_user_id"))
    op.drop_table("sign_in_session")
