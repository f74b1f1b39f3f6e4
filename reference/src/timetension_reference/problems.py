"""RFC 9457 problem responses, and the handlers that turn every error into one."""

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import Route

from . import rules

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
# Seconds a client should wait before it tries again after a 503.
RETRY_AFTER_SECONDS = 2
# RFC 9110 renamed these; Python 3.11's http module still has the old names.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


class Problem(Exception):
    """Raise to answer with a problem: Problem(404, "No such project.")."""

    def __init__(
        self,
        status: int,
        detail: str,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


def title(status: int) -> str:
    try:
        return _TITLES.get(status) or HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title(status), "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def unavailable(detail: str) -> JSONResponse:
    """503 with Retry-After: the database is down, too slow, or every connection is busy."""
    return problem_response(503, detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def invalid(field: str, message: str) -> Problem:
    """A 422 for one field, for the rules that are checked after the schema."""
    return invalid_fields([(field, message)])


def invalid_fields(errors: Sequence[tuple[str, str]]) -> Problem:
    """A 422 that lists (field, message) pairs: body fields, or query parameters by name."""
    fields = [{"field": field, "message": message} for field, message in errors]
    return Problem(422, _invalid_detail(fields), errors=fields)


def _invalid_detail(fields: Sequence[Mapping[str, str]]) -> str:
    names = ", ".join(error["field"] for error in fields)
    count = f"{len(fields)} field is" if len(fields) == 1 else f"{len(fields)} fields are"
    return f"{count} invalid: {names}."


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as [{"field", "message"}], one per field, first error first."""
    result: dict[str, str] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if location[:1] == ["body"]:
            location = location[1:]
        field = ".".join(location) or "body"
        result.setdefault(field, _message(error))
    return [{"field": field, "message": message} for field, message in result.items()]


_MESSAGES = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "datetime_type": rules.TIMESTAMP_HELP,
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return "is required" if len(error.get("loc", ())) > 1 else "is required: send a JSON object"
    if error.get("input", "") is None:
        return "must not be null"
    return _MESSAGES.get(kind) or str(error.get("msg") or "is invalid")


def _validation_problem(errors: Sequence[Any]) -> Problem:
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error")
            detail = "The request body is not valid JSON"
            return Problem(400, f"{detail}: {reason}." if reason else f"{detail}.")
    fields = field_errors(errors)
    return Problem(422, _invalid_detail(fields), errors=fields)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.state.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = _validation_problem(exc.errors())
        return problem_response(problem.status, problem.detail, **problem.extra)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            detail = f"There is nothing at {request.url.path}."
        elif exc.status_code == 405:
            allowed = _allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed here; use {', '.join(allowed)}."
        else:
            detail = exc.detail if isinstance(exc.detail, str) else title(exc.status_code)
        return problem_response(exc.status_code, detail, headers)

    @app.exception_handler(OperationalError)
    async def on_database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error: %s", exc.orig)
        return unavailable("The database does not answer; try again later.")

    @app.exception_handler(PoolTimeoutError)
    async def on_pool_exhausted(_request: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.error("no free database connection: %s", exc)
        return unavailable("The server is too busy; try again later.")

    @app.exception_handler(Exception)
    async def on_bug(_request: Request, _exc: Exception) -> JSONResponse:
        # Starlette logs the exception and its traceback after this answer is sent.
        return problem_response(500, "Something went wrong on our side.")
