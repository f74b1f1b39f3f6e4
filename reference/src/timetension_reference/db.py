"""The database engine, the UTC timestamp column type and the migrations."""

from datetime import datetime, timezone
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    PostgreSQL keeps them in a `timestamp with time zone`. SQLite has no time zones, so the
    value is stored as naive UTC and marked as UTC again when it is read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _use_immediate_transactions(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = 10
        if "options" not in parsed.query:
            # Timestamps come back in UTC whatever the server's time zone. In a zone west of
            # UTC, 0001-01-01T00:00:00Z would otherwise come back as a date before year 1,
            # which Python cannot hold.
            connect_args["options"] = "-c TimeZone=UTC"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _use_immediate_transactions(engine: Engine) -> None:
    """SQLite: enforce foreign keys, and take the write lock when a transaction begins.

    With the driver's default deferred transactions, two requests that both read and then
    write can deadlock, and SQLite fails one of them at once instead of waiting. BEGIN
    IMMEDIATE makes the second one wait for the first (up to the 15 s timeout).
    The write-ahead log lets reads go on during a write, and with synchronous=NORMAL a commit
    does not wait for the disk; a crash may lose the last commits but never corrupts the file.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "timetension_reference:migrations")
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
