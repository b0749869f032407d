"""follow-up outcomes

Revision ID: 0005_followups
Revises: 0004_streak_comeback
Create Date: 2026-12-06 16:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_followups"
down_revision = "0004_streak_comeback"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("setback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("follow_up_outcome", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("setback", schema=None) as batch_op:
        batch_op.drop_column("follow_up_outcome")
