"""the account's language, and the language its browser last asked for

Revision ID: 0009_locale
Revises: 0007_sessions
Create Date: 2026-12-06 19:30:00

Both are nullable: an account without a setting follows the browser, as every account did.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_locale"
down_revision = "0008_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("browser_locale", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("browser_locale")
        batch_op.drop_column("locale")
