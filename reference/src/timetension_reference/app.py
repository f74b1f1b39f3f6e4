"""The FastAPI application factory."""

from collections.abc import Callable
from datetime import datetime, timezone

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from . import __version__, db, problems, security
from .routes import accounts, health, projects, time_entries, timer
from .settings import Settings


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def create_app(settings: Settings, clock: Callable[[], datetime] = _utc_now) -> FastAPI:
    """An app on the settings' database. It does not migrate it: see db.upgrade."""
    engine = db.create_db_engine(settings.database_url)
    app = FastAPI(
        title="Timetension reference",
        version=__version__,
        # Only the paths of the spec exist: no /docs, no /openapi.json, no slash redirects.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.clock = clock
    security.dummy_hash()  # now, so that the first login with an unknown email is not slower
    problems.install(app)
    routers = [module.router for module in (health, accounts, projects, time_entries, timer)]
    for router in routers:
        app.include_router(router)
    app.state.routes = [route for router in routers for route in router.routes]  # for Allow
    return app
