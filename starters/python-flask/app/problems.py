"""RFC 9457 problems: every error the app answers is application/problem+json."""

import json
from http import HTTPStatus

import psycopg
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

MEDIA_TYPE = "application/problem+json"


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """Answer with a problem, e.g. `return problem(409, "An account with this email already exists.")`."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return Response(json.dumps(body), status, headers, mimetype=MEDIA_TYPE)


def install(app: Flask) -> None:
    """Turn the framework's own errors into problems: unknown paths, wrong methods, the database, crashes."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        detail = error.description or ""
        if detail == type(error).description:  # werkzeug's stock sentence, not one the app gave
            if error.code == 404:
                detail = f"There is no {request.path} here."
            elif error.code == 405:
                detail = f"{request.method} is not allowed on {request.path}."
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        return problem(error.code or 500, detail, headers)

    @app.errorhandler(psycopg.OperationalError)
    def database_down(error: psycopg.OperationalError) -> Response:
        app.logger.warning("%s %s: the database does not answer: %s", request.method, request.path, error)
        return problem(503, "The database does not answer.")

    # Flask has already logged the exception with its stack trace.
    @app.errorhandler(InternalServerError)
    def crash(error: InternalServerError) -> Response:
        return problem(500, "The app failed on this request; its log says why.")
