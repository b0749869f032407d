"""user.plan_version: the key of what pages read of the user's plan, bumped only by its writes

Revision ID: 0010_plan
Revises: 0009_locale
Create Date: 2026-12-07 05:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_plan"
down_revision = "0009_locale"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("plan_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("plan_version")
