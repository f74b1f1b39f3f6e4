"""A version on every time entry, for its ETag.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default lets SQLite add a NOT NULL column in place; the entries that exist
    # start at version 1, as new ones do.
    op.add_column(
        "time_entries",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )


def downgrade() -> None:
    # A batch operation, so that SQLite copies the table where it cannot drop the column.
    with op.batch_alter_table("time_entries") as batch:
        batch.drop_column("version")
