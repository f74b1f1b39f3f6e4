"""What the routes ask FastAPI for: a database session, the token's user, a JSON body."""

import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from . import rules, security
from .models import User
from .problems import Problem, invalid

Model = TypeVar("Model", bound=BaseModel)


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def _unauthorized(detail: str, challenge: str = 'Bearer error="invalid_token"') -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": challenge})


def current_user(request: Request, session: DbSession) -> User:
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("A valid bearer token is required.", challenge="Bearer")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Send the token as 'Authorization: Bearer <token>'.")
    try:
        user_id = security.read_token(
            request.app.state.settings.secret_key,
            token.strip(),
            now=request.app.state.clock().timestamp(),
        )
    except security.TokenExpired:
        raise _unauthorized("The token has expired; get a new one from /auth/token.") from None
    except security.TokenInvalid:
        raise _unauthorized("The token is not valid.") from None
    user = session.get(User, user_id)
    # End the transaction at once. The route runs next in another worker thread; holding
    # SQLite's write lock or a pooled connection while waiting for that thread lets a burst
    # of requests take every thread and every connection and wait on each other.
    session.commit()
    if user is None:
        raise _unauthorized("The token's account no longer exists.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def json_body(
    model: type[Model], *, optional: bool = False
) -> Callable[[Request], Coroutine[Any, Any, Model]]:
    """A dependency that reads the request body as `model`.

    FastAPI's own body parameters are not used because the body must be read after the
    token is checked (a request without a token is 401 whatever its body), its size checked
    while it is read (413), and its media type checked before it is parsed (415).
    """

    async def read(request: Request) -> Model:
        raw = await read_limited_body(request)
        content_type = request.headers.get("content-type")
        if not raw:
            if optional:
                return model()
            if content_type and not _is_json(content_type):
                raise Problem(415, "Send the body as application/json.")
            raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": ""}])
        if not _is_json(content_type):
            raise Problem(415, "Send the body as application/json.")
        data = _parse_json(raw)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
            raise RequestValidationError(errors) from None

    return read


def _too_large() -> Problem:
    return Problem(413, f"The body is larger than {rules.BODY_MAX_BYTES} bytes.")


async def read_limited_body(request: Request) -> bytes:
    """The request body, or 413 as soon as it is known to be larger than rules.BODY_MAX_BYTES:
    from Content-Length before anything is read, or, for a body sent without one (chunked),
    by counting while reading, so that a large body is never held in memory whole."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > rules.BODY_MAX_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > rules.BODY_MAX_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _parse_int(digits: str) -> int:
    # Python refuses to read an int of more than 4300 digits. Such a number is valid JSON but
    # past every limit of this API, so any huge number stands for it and fails validation.
    if len(digits) <= 4000:
        return int(digits)
    return -(10**4000) if digits.startswith("-") else 10**4000


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_reject_constant, parse_int=_parse_int)
    except RecursionError:
        raise invalid("body", "is nested too deeply") from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            reason = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        else:
            reason = str(exc)
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "", "ctx": {"error": reason}}]
        ) from None
