"""Settings, read from the environment."""

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from . import rules
from .db import DatabaseLimits

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///./timetension.db"
DEFAULT_PORT = 8080
DEFAULT_TOKEN_LIFETIME = 3600
# Seconds. libpq's connect_timeout has a floor of 2 s.
DEFAULT_DATABASE_CONNECT_TIMEOUT = 2
DEFAULT_DATABASE_STATEMENT_TIMEOUT = 5
DEFAULT_DATABASE_POOL_TIMEOUT = 5
# Each Argon2id hash takes 19 MiB for its duration; this many at once at most.
DEFAULT_PASSWORD_HASH_CONCURRENCY = 4
# A front end's development server (Vite's default port).
DEFAULT_CORS_ORIGINS = ("http://localhost:5173",)
# An origin as a browser sends it: a scheme, a host and maybe a port; no path, no trailing /.
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#@\s,]+", re.IGNORECASE)
# The psycopg (v3) driver is used whatever spelling of a PostgreSQL URL is given.
_POSTGRES_PREFIXES = ("postgresql+psycopg://", "postgresql://", "postgres://")
_SUPPORTED_PREFIXES = ("sqlite://", "sqlite+pysqlite://", "postgresql+psycopg://")


class SettingsError(ValueError):
    """A setting in the environment has a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = DEFAULT_PORT
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    token_default_lifetime: int = DEFAULT_TOKEN_LIFETIME
    cors_origins: tuple[str, ...] = DEFAULT_CORS_ORIGINS
    database_connect_timeout: int = DEFAULT_DATABASE_CONNECT_TIMEOUT
    database_statement_timeout: int = DEFAULT_DATABASE_STATEMENT_TIMEOUT
    database_pool_timeout: int = DEFAULT_DATABASE_POOL_TIMEOUT
    password_hash_concurrency: int = DEFAULT_PASSWORD_HASH_CONCURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "database_url", normalize_database_url(self.database_url))
        if not self.database_url.startswith(_SUPPORTED_PREFIXES):
            raise SettingsError(
                "DATABASE_URL must be a sqlite:/// or postgresql:// URL, not "
                + masked_url(self.database_url)
            )
        is_sqlite = self.database_url.startswith("sqlite")
        if is_sqlite and make_url(self.database_url).database in (None, "", ":memory:"):
            raise SettingsError("DATABASE_URL must name a SQLite file: in-memory is not supported")
        try:
            rules.check_token_lifetime(self.token_default_lifetime)
        except ValueError as exc:
            raise SettingsError(f"TOKEN_DEFAULT_LIFETIME {exc}") from None

    @property
    def database_limits(self) -> DatabaseLimits:
        return DatabaseLimits(
            connect=self.database_connect_timeout,
            statement=self.database_statement_timeout,
            pool=self.database_pool_timeout,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        secret_key = env.get("SECRET_KEY")
        if not secret_key:
            log.warning(
                "SECRET_KEY is not set: using a random key, so tokens stop working when the"
                " app restarts and are not shared between instances"
            )
            secret_key = secrets.token_urlsafe(32)
        elif len(secret_key.encode()) < 32:
            log.warning("SECRET_KEY is shorter than 32 bytes; use a long random value")
        return cls(
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            port=_integer(env, "PORT", DEFAULT_PORT, 1, 65535),
            secret_key=secret_key,
            token_default_lifetime=_integer(
                env, "TOKEN_DEFAULT_LIFETIME", DEFAULT_TOKEN_LIFETIME, 1, rules.TOKEN_LIFETIME_MAX
            ),
            cors_origins=parse_origins(env.get("CORS_ORIGINS") or ",".join(DEFAULT_CORS_ORIGINS)),
            database_connect_timeout=_integer(
                env, "DATABASE_CONNECT_TIMEOUT", DEFAULT_DATABASE_CONNECT_TIMEOUT, 2, 300
            ),
            database_statement_timeout=_integer(
                env, "DATABASE_STATEMENT_TIMEOUT", DEFAULT_DATABASE_STATEMENT_TIMEOUT, 1, 300
            ),
            database_pool_timeout=_integer(
                env, "DATABASE_POOL_TIMEOUT", DEFAULT_DATABASE_POOL_TIMEOUT, 1, 300
            ),
            password_hash_concurrency=_integer(
                env, "PASSWORD_HASH_CONCURRENCY", DEFAULT_PASSWORD_HASH_CONCURRENCY, 1, 64
            ),
        )


def parse_origins(raw: str) -> tuple[str, ...]:
    """CORS_ORIGINS: origins separated by commas, such as
    "http://localhost:5173, https://app.example.com". Browsers send origins in lower case."""
    origins = []
    for part in raw.split(","):
        origin = part.strip()
        if not origin:
            continue
        if not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"CORS_ORIGINS holds {origin!r}, which is not an origin like"
                " http://localhost:5173 (a scheme, a host and maybe a port; no path, no trailing /)"
            )
        origins.append(origin.lower())
    return tuple(origins)


def normalize_database_url(url: str) -> str:
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def masked_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be from {low} to {high}, not {value}")
    return value
