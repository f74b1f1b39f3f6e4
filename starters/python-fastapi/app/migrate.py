"""Alembic, run from code: `upgrade()` applies every migration in app/migrations/versions/ not yet applied.

The app runs it at start-up; `.venv/bin/alembic` (configured by alembic.ini) does the same by hand and
writes new migrations: `.venv/bin/alembic revision -m "create users"`.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

SCRIPTS = Path(__file__).with_name("migrations")


def sqlalchemy_url(url: str) -> str:
    """DATABASE_URL for SQLAlchemy, which Alembic runs on: the same database through psycopg 3."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def upgrade(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["url"] = sqlalchemy_url(url)
    command.upgrade(config, "head")
