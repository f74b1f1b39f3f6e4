"""The check at start: DATABASE_URL is set and the database answers. Django opens the connections after."""

import os
from urllib.parse import urlsplit

import psycopg

CONNECT_TIMEOUT = 5  # seconds


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
