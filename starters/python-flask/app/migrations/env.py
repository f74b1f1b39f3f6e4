"""Alembic's environment: connect to DATABASE_URL (or the URL app/migrate.py passes) and migrate."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

from app.migrate import sqlalchemy_url

config = context.config
url = config.attributes.get("url") or sqlalchemy_url(os.environ["DATABASE_URL"])
engine = create_engine(url, poolclass=pool.NullPool, connect_args={"connect_timeout": 5})
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
