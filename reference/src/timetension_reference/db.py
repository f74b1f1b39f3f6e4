"""The database engine (with bounded waits), the UTC timestamp column type and the migrations."""

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import psycopg
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


@dataclass(frozen=True)
class DatabaseLimits:
    """How long the app waits on the database before it answers 503 (seconds).

    connect: to open a connection. statement: for one statement, a lock wait included
    (PostgreSQL's statement_timeout, SQLite's busy timeout); the client gives up a second
    later whatever the server does, so a server that stopped answering cannot hold a worker
    thread. pool: for a free connection of the pool.
    """

    connect: float = 2
    statement: float = 5
    pool: float = 5


# A second past the server's own statement_timeout, so that a slow statement is normally
# cancelled cleanly by the server (and the connection kept) before the client gives up on it.
_CLIENT_GRACE = 1.0
_answer_within = threading.local()


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """In this thread, give up on a PostgreSQL answer after `seconds` instead of the usual
    limit: for /health, which must say 503 quickly when the database does not answer."""
    previous = getattr(_answer_within, "seconds", None)
    _answer_within.seconds = seconds
    try:
        yield
    finally:
        _answer_within.seconds = previous


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for the server after a while.

    Every exchange with the server (statements, commits, rollbacks, the pool's ping) goes
    through `wait`. A server that is stopped or cut off never answers, and TCP keeps the
    connection open, so without a limit the thread waits forever. Past the limit the
    connection is closed (its state is unknown) and psycopg's OperationalError is raised,
    which the pool treats as a lost connection and the app answers with 503.
    """

    answer_timeout: float = DatabaseLimits.statement + _CLIENT_GRACE

    def wait(self, gen: Any, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        limit = timeout or getattr(_answer_within, "seconds", None) or self.answer_timeout
        try:
            return super().wait(gen, *args, timeout=limit, **kwargs)
        except psycopg.errors._WaitTimeout:  # the documented error of a `timeout`
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:g} s"
            ) from None


def create_db_engine(url: str, limits: DatabaseLimits = DatabaseLimits()) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _create_private_file(parsed.database)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": limits.statement}
        )
        _use_immediate_transactions(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = max(2, math.ceil(limits.connect))
        if "options" not in parsed.query:
            # Timestamps come back in UTC whatever the server's time zone. In a zone west of
            # UTC, 0001-01-01T00:00:00Z would otherwise come back as a date before year 1,
            # which Python cannot hold.
            statement_ms = round(limits.statement * 1000)
            connect_args["options"] = f"-c TimeZone=UTC -c statement_timeout={statement_ms}"
    engine = create_engine(
        url, pool_pre_ping=True, pool_timeout=limits.pool, connect_args=connect_args
    )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        _bound_answers(engine, limits.statement + _CLIENT_GRACE)
    return engine


def _bound_answers(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "do_connect")
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.answer_timeout = seconds
        return connection


def _create_private_file(path: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite does (0644
    under the usual umask); its -wal and -shm files take the same mode. An existing file
    keeps its mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:  # it exists, or cannot be made: SQLite says why when it opens it
        return
    os.close(descriptor)


def _use_immediate_transactions(engine: Engine) -> None:
    """SQLite: enforce foreign keys, and take the write lock when a transaction begins.

    With the driver's default deferred transactions, two requests that both read and then
    write can deadlock, and SQLite fails one of them at once instead of waiting. BEGIN
    IMMEDIATE makes the second one wait for the first (up to the statement limit).
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
