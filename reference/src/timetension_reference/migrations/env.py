"""Alembic environment.

The app runs the migrations itself at start and hands over its connection in
`config.attributes["connection"]`. Run from the command line (`alembic upgrade head` in
reference/), it connects to DATABASE_URL like the app does.
"""

from alembic import context
from sqlalchemy import Connection

from timetension_reference.db import create_db_engine
from timetension_reference.models import Base
from timetension_reference.settings import Settings


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_db_engine(Settings.from_env().database_url)
    with engine.connect() as new_connection:
        run(new_connection)
    engine.dispose()
