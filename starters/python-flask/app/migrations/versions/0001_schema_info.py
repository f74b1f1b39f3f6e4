"""The first migration: a placeholder that shows where migrations go and proves they run at start-up.

The schema is yours to design: write your own tables in the next migrations (`.venv/bin/alembic revision
-m "create users"`), and drop this table in one of them if you like.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schema_info",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("schema_info")
