"""streak comeback carried in the stored walk

Revision ID: 0004_streak_comeback
Revises: 0003_recordings
Create Date: 2026-12-06 17:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_streak_comeback"
down_revision = "0003_recordings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('streak_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comeback', sa.Integer(), nullable=True))
    # Stored streaks are derived data, and the ones stored so far lack the new figure: drop them.
    # Pages read such an account from its whole history until its next write stores it again
    # (or `flask --app webapp streaks rebuild` does, for everyone at once).
    op.execute("DELETE FROM streak_record")


def downgrade():
    with op.batch_alter_table('streak_record', schema=None) as batch_op:
        batch_op.drop_column('comeback')
