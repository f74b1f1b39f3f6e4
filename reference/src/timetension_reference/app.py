"""The FastAPI application factory."""

from collections.abc import Callable
from datetime import datetime, timezone

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from . import __version__, db, problems, security
from .header_limit import HeaderLimitMiddleware
from .routes import accounts, health, projects, reports, time_entries, timer
from .settings import Settings


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, except that a refused preflight is a problem, like every error.

    (Starlette answers it 400 in text/plain. A browser only looks at the headers, which stay:
    no Access-Control-Allow-Origin for an origin that is not allowed.)
    """

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        detail = bytes(response.body).decode() or "Disallowed CORS request"
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        return problems.problem_response(response.status_code, f"{detail}.", headers)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def create_app(settings: Settings, clock: Callable[[], datetime] = _utc_now) -> FastAPI:
    """An app on the settings' database. It does not migrate it: see db.upgrade."""
    engine = db.create_db_engine(settings.database_url, settings.database_limits)
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
    security.limit_hashing(settings.password_hash_concurrency)
    security.dummy_hash()  # now, so that the first login with an unknown email is not slower
    problems.install(app)
    modules = (health, accounts, projects, time_entries, timer, reports)
    routers = [module.router for module in modules]
    for router in routers:
        app.include_router(router)
    app.state.routes = [route for router in routers for route in router.routes]  # for Allow
    app.add_middleware(
        ProblemCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-Match"],
        expose_headers=["ETag"],
    )
    # Added last, so it runs first: an oversized request is refused before anything else.
    app.add_middleware(HeaderLimitMiddleware)
    return app
