"""user.data_version: the key of a user's cached page data, bumped by every write

Revision ID: 0008_perf
Revises: 0007_sessions
Create Date: 2026-12-06 20:30:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_perf"
down_revision = "0007_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("data_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("data_version")
