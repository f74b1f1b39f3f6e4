"""The overlap rule in the database: an index on (user_id, started_at) for the overlap
check's lookups, and on PostgreSQL an exclusion constraint that refuses overlapping entries
of one user.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_time_entries_user_id_started_at"
# The same half-open rule as rules.overlaps: [started_at, ended_at), where a running entry
# (no end) reaches to infinity. btree_gist lets a GiST index compare user_id with =.
OVERLAP = "ex_time_entries_no_overlap"


def upgrade() -> None:
    op.create_index(INDEX, "time_entries", ["user_id", "started_at"])
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE time_entries ADD CONSTRAINT {OVERLAP} EXCLUDE USING gist"
            " (user_id WITH =, tstzrange(started_at, ended_at, '[)') WITH &&)"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE time_entries DROP CONSTRAINT {OVERLAP}")
    op.drop_index(INDEX, table_name="time_entries")
