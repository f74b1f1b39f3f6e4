"""The database: DATABASE_URL, the check at start, and the connection pool that routes borrow from."""

import os
from contextlib import AbstractContextManager
from urllib.parse import urlsplit

import psycopg
from flask import current_app
from psycopg_pool import ConnectionPool

CONNECT_TIMEOUT = 5  # seconds, for a new connection and for a free one from the pool


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("DATABASE_URL is not set: give the app its database as a URL such as "
                         "postgresql://user:password@127.0.0.1:5432/timetension")
    return url


def masked(url: str) -> str:
    """The URL with its password replaced by ***, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{host}").geturl()


def reason(error: psycopg.Error, url: str) -> str:
    """The useful end of psycopg's message on one line: "connection refused", not the whole story."""
    text = (str(error).strip() or type(error).__name__).splitlines()[0]
    text = text.rpartition(" failed: ")[2].removeprefix("FATAL:").strip()
    password = urlsplit(url).password
    if password:
        text = text.replace(password, "***")
    return text[:1].lower() + text[1:]


def check(url: str) -> None:
    """Connect once, or stop the app with one line that says why (exit status 1)."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT):
            pass
    except psycopg.Error as error:
        raise SystemExit(f"cannot reach the database at {masked(url)}: {reason(error, url)}") from None


def pool(url: str) -> ConnectionPool:
    return ConnectionPool(
        url,
        kwargs={"connect_timeout": CONNECT_TIMEOUT},
        min_size=1,
        max_size=10,
        timeout=CONNECT_TIMEOUT,
        check=ConnectionPool.check_connection,  # drops connections the server closed
        open=True,
    )


def connection() -> AbstractContextManager[psycopg.Connection]:
    """A connection for a `with` block: committed at its end, rolled back if the block raises."""
    return current_app.extensions["pool"].connection()
