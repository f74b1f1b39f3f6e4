"""RFC 9457 problems: every error the app answers is application/problem+json."""

import logging
from http import HTTPStatus

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Answer with a problem, e.g. `return problem(409, "An account with this email already exists.")`."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    """Turn the framework's own errors into problems: unknown paths, wrong methods, the database, crashes."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        detail = str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            detail = f"There is no {request.url.path} here."
        elif error.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}."
        return problem(error.status_code, detail, error.headers)

    @app.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, error: psycopg.OperationalError) -> JSONResponse:
        log.warning("%s %s: the database does not answer: %s", request.method, request.url.path, error)
        return problem(503, "The database does not answer.")

    # Starlette still logs the exception with its stack trace after this answer.
    @app.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> JSONResponse:
        return problem(500, "The app failed on this request; its log says why.")
