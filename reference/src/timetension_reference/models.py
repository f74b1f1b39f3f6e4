"""The tables, as SQLAlchemy declarative models."""

import re
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .db import UtcDateTime

_ID = re.compile(r"[0-9a-f]{32}")


def new_id() -> str:
    return uuid.uuid4().hex


def is_id(value: str) -> bool:
    """Whether a string could be one of our ids; anything else is not looked up at all."""
    return _ID.fullmatch(value) is not None


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(Text)  # as registered, case kept
    email_key: Mapped[str] = mapped_column(Text, unique=True)  # rules.email_key(email)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("user_id", "name_key", name="uq_projects_user_id_name_key"),)

    # Projects are listed in the order they were made; several are made in the same second,
    # so that order comes from this sequence, not from created_at.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)  # rules.name_key(name)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TimeEntry(Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        # At most one running entry per user, enforced by the database as well.
        Index(
            "uq_time_entries_running_user_id",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        # The overlap check's lookups (routes/time_entries.py), and list pages in order.
        Index("ix_time_entries_user_id_started_at", "user_id", "started_at"),
        # On PostgreSQL the database refuses overlapping entries of one user itself as well
        # (an exclusion constraint, migration 0003); SQLite has no such constraint.
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # 1 when the entry is made, one more at every change: its ETag (rules.entity_tag).
    # SQLAlchemy counts it up itself on every UPDATE of the row, whichever route makes it.
    version: Mapped[int] = mapped_column(server_default=text("1"))

    __mapper_args__ = {"version_id_col": version}
