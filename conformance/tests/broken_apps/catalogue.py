"""Apps broken on purpose: the reference with exactly one rule of the API broken.

Each entry names the rule it breaks and the check that must catch it. A breakage is either a
replaced rule of the reference (its `rules` module is made of small functions for this) or a
rewrite of some answers on their way out. Adding one is a few lines here; serve.py runs it.
"""

from __future__ import annotations

import importlib
import itertools
import os
import json
import math
import re
import threading
import time as pytime
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request


@dataclass
class Answer:
    """An answer on its way out, which a breakage may change."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def with_json(self, document: Any) -> Answer:
        return Answer(self.status, self.headers, json.dumps(document).encode())


Rewrite = Callable[[Request, Answer], Answer | None]


@dataclass
class SentRequest:
    """A request on its way in, body read whole, which a breakage may change or answer itself."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


# What a request rewrite gives back: a new body for the app to read, an answer of its own, or None.
RequestRewrite = Callable[[SentRequest], "bytes | Answer | None"]


@dataclass(frozen=True)
class Wrap:
    """A replacement made from the original: Wrap(lambda original: ...)."""

    make: Callable[[Any], Any]


@dataclass(frozen=True)
class BrokenApp:
    name: str
    breaks: str
    caught_by: str
    replace: tuple[tuple[str, str, Any], ...] = ()
    rewrite: Rewrite | None = None
    rewrite_request: RequestRewrite | None = None

    def apply(self) -> None:
        """Break the reference in this process, before its app is created."""
        for module_name, attribute, value in self.replace:
            module = importlib.import_module(f"timetension_reference.{module_name}")
            if not hasattr(module, attribute):
                raise AttributeError(f"{self.name}: timetension_reference.{module_name} has no {attribute}")
            setattr(module, attribute, value.make(getattr(module, attribute)) if isinstance(value, Wrap) else value)
        if self.rewrite is not None:
            _install_outermost(_AnswerRewriter, self.rewrite)
        if self.rewrite_request is not None:
            _install_outermost(_RequestRewriter, self.rewrite_request)


async def _send_answer(send: Callable, answer: Answer) -> None:
    raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in answer.headers.items()]
    raw_headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": answer.body})


class _Rewriter(ABC):
    """Plain ASGI middleware (not Starlette's BaseHTTPMiddleware, which re-streams every answer through a
    task) that hands each HTTP request to `handle`, with the breakage's rewrite."""

    def __init__(self, app: Any, rewrite: Any) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None: ...


class _AnswerRewriter(_Rewriter):
    """Holds the app's whole answer, then lets the rewrite change it."""

    async def handle(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in start["headers"]
                   if name.lower() != b"content-length"}
        original = Answer(start["status"], headers, b"".join(chunks))
        await _send_answer(send, self.rewrite(Request(scope), original) or original)


class _RequestRewriter(_Rewriter):
    """Reads the whole body, then lets the rewrite change it or answer."""

    async def handle(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        outcome = self.rewrite(SentRequest(scope["method"], scope["path"], query, headers, body))
        if isinstance(outcome, Answer):
            await _send_answer(send, outcome)
            return
        if outcome is not None:
            body = outcome
            kept = [(name, value) for name, value in scope["headers"] if name.lower() != b"content-length"]
            scope = {**scope, "headers": [*kept, (b"content-length", str(len(body)).encode())]}
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _install_outermost(middleware: type[_Rewriter], rewrite: Any) -> None:
    """The reference's apps get the middleware outermost (the last one added)."""
    main = importlib.import_module("timetension_reference.__main__")
    original_create_app = main.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original_create_app(*args, **kwargs)
        app.add_middleware(middleware, rewrite=rewrite)
        return app

    main.create_app = create_app


def _problem(status: int, title: str, detail: str, fields: list[str] | None = None) -> Answer:
    document: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if fields is not None:
        document["errors"] = [{"field": field, "message": "is invalid"} for field in fields or ["body"]]
    return Answer(status, {"content-type": "application/problem+json"}, json.dumps(document).encode())


def _is(request: Request, method: str, pattern: str) -> bool:
    return request.method == method and re.fullmatch(pattern, request.url.path) is not None


def _problem_status(new_status: int) -> Callable[[Answer], Answer]:
    def change(answer: Answer) -> Answer:
        document = answer.json
        document["status"] = new_status
        return Answer(new_status, answer.headers, json.dumps(document).encode())

    return change


# Rewrites -------------------------------------------------------------------------------------

def _plain_text_404(request: Request, answer: Answer) -> Answer | None:
    if answer.status == 404 and not request.url.path.startswith(("/projects/", "/time-entries/")):
        return Answer(404, {"content-type": "text/plain; charset=utf-8"}, b"Not Found")
    return None


def _health_says_up(request: Request, answer: Answer) -> Answer | None:
    return answer.with_json({"status": "UP"}) if request.url.path == "/health" else None


def _etag_not_exposed(request: Request, answer: Answer) -> Answer | None:
    answer.headers.pop("access-control-expose-headers", None)
    return answer


def _expose_every_header(request: Request, answer: Answer) -> Answer | None:
    if "access-control-expose-headers" in answer.headers:
        answer.headers["access-control-expose-headers"] = "*"
    return answer


def _no_challenge_header(request: Request, answer: Answer) -> Answer | None:
    answer.headers.pop("www-authenticate", None)
    return answer


def _first_field_error_only(request: Request, answer: Answer) -> Answer | None:
    if answer.status != 422:
        return None
    document = answer.json
    document["errors"] = document["errors"][:1]
    return answer.with_json(document)


def _malformed_json_is_422(request: Request, answer: Answer) -> Answer | None:
    return _problem_status(422)(answer) if answer.status == 400 else None


def _charset_refused(request: Request, answer: Answer) -> Answer | None:
    if "charset" in request.headers.get("content-type", ""):
        body = {"type": "about:blank", "title": "Unsupported Media Type", "status": 415, "detail": "JSON only."}
        return Answer(415, {"content-type": "application/problem+json"}, json.dumps(body).encode())
    return None


def _not_yours_is_403(request: Request, answer: Answer) -> Answer | None:
    if answer.status == 404 and re.fullmatch(r"/projects/[^/]+", request.url.path):
        return _problem_status(403)(answer)
    return None


def _stop_when_idle_is_404(request: Request, answer: Answer) -> Answer | None:
    if _is(request, "POST", "/timer/stop") and answer.status == 409:
        return _problem_status(404)(answer)
    return None


def _patch_nulls_description(request: Request, answer: Answer) -> Answer | None:
    if request.method == "PATCH" and re.fullmatch(r"/projects/[^/]+", request.url.path) and answer.status == 200:
        document = answer.json
        document["description"] = None
        return answer.with_json(document)
    return None


def _delete_answers_200(request: Request, answer: Answer) -> Answer | None:
    if request.method == "DELETE" and answer.status == 204:
        return Answer(200, {"content-type": "application/json"}, b'{"deleted": true}')
    return None


def _duration_in_minutes(request: Request, answer: Answer) -> Answer | None:
    if answer.headers.get("content-type", "").startswith("application/json") and b"duration_seconds" in answer.body:
        document = answer.json
        for entry in document.get("items", [document]):
            if entry.get("duration_seconds") is not None:
                entry["duration_seconds"] = entry["duration_seconds"] // 60
        return answer.with_json(document)
    return None


def _problem_status_says_400(request: Request, answer: Answer) -> Answer | None:
    if answer.status == 404 and answer.headers.get("content-type", "").startswith("application/problem+json"):
        document = answer.json
        document["status"] = 400
        return answer.with_json(document)
    return None


def _problems_as_plain_json(request: Request, answer: Answer) -> Answer | None:
    if answer.headers.get("content-type", "").startswith("application/problem+json"):
        answer.headers["content-type"] = "application/json"
        return answer
    return None


def _hash_in_user(request: Request, answer: Answer) -> Answer | None:
    if _is(request, "POST", "/users") and answer.status == 201:
        document = answer.json
        document["password_hash"] = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
        return answer.with_json(document)
    return None


def _missing_token_is_403(request: Request, answer: Answer) -> Answer | None:
    if answer.status == 401 and "authorization" not in request.headers:
        return _problem_status(403)(answer)
    return None


def _description_empty_string(request: Request, answer: Answer) -> Answer | None:
    if _is(request, "POST", "/projects") and answer.status == 201:
        document = answer.json
        if document.get("description") is None:
            document["description"] = ""
        return answer.with_json(document)
    return None


def _reverse_list(path: str) -> Rewrite:
    def rewrite(request: Request, answer: Answer) -> Answer | None:
        if _is(request, "GET", path) and answer.status == 200:
            document = answer.json
            document["items"] = list(reversed(document["items"]))
            return answer.with_json(document)
        return None

    return rewrite


def _delete_with_entries_succeeds(request: Request, answer: Answer) -> Answer | None:
    if request.method == "DELETE" and request.url.path.startswith("/projects/") and answer.status == 409:
        return Answer(204, {}, b"")
    return None


def _validation_errors_as_html(request: Request, answer: Answer) -> Answer | None:
    if answer.status == 422:
        return Answer(422, {"content-type": "text/html; charset=utf-8"}, b"<html><body>Invalid input</body></html>")
    return None


# Replaced rules ---------------------------------------------------------------------------------

def _fraction_rounded(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        fraction = re.search(r"\.([0-9]+)", text)
        moment = original(text)
        return moment + timedelta(seconds=1) if fraction and fraction.group(1) >= "5" else moment

    return parse


def _offset_ignored(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    return lambda text: original(text).replace(tzinfo=timezone.utc)


def _naive_is_utc(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        try:
            return original(text)
        except ValueError:
            return original(text + "Z")

    return parse


def _untrimmed_name(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty or only white space")
    if len(raw) > 100:
        raise ValueError("must be at most 100 characters long")
    return raw


def _unverified_token(secret_key: str, token: str, now: float) -> str:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})["sub"]


def _open_end_is_one_second(original: Callable[..., bool]) -> Callable[..., bool]:
    second = timedelta(seconds=1)
    return lambda a_start, a_end, b_start, b_end: original(a_start, a_end or a_start + second,
                                                           b_start, b_end or b_start + second)


def _local_clock_as_utc(request: Request) -> datetime:
    return datetime.now().replace(microsecond=0, tzinfo=timezone.utc)


def _not_clipped(start: datetime, end: datetime, range_start: datetime, range_end: datetime):  # noqa: ANN202
    return (start, end) if end > range_start and start < range_end else None


def _always_utc(original: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda name: original(name) and timezone.utc  # still 422 for an unknown name


def _fixed_offset_days(day: date, zone: Any) -> datetime:
    """Every local day starts at midnight with the zone's January offset: 24-hour days all year."""
    january = datetime(day.year, 1, 1, 12, tzinfo=zone).utcoffset() or timedelta(0)
    return datetime.combine(day, time(), tzinfo=timezone(january)).astimezone(timezone.utc)


def _running_counted(original: Callable[..., Any]) -> Callable[..., Any]:
    def summarize(entries, first, last, zone):  # noqa: ANN001, ANN202
        now = datetime.now(timezone.utc).replace(microsecond=0)
        return original([(project, start, end or now) for project, start, end in entries], first, last, zone)

    return summarize


def _least_first(totals: dict[str | None, int]) -> list[tuple[str | None, int]]:
    return sorted(((key, value) for key, value in totals.items() if value > 0), key=lambda item: item[1])


def _cursor_one_second_early(original: Callable[[str, bytes], tuple[datetime, str]]) -> Callable[..., Any]:
    def decode(cursor: str, key: bytes) -> tuple[datetime, str]:
        started_at, entry_id = original(cursor, key)
        return started_at - timedelta(seconds=1), entry_id

    return decode


def _reflect_any_origin(request: Request, answer: Answer) -> Answer | None:
    origin = request.headers.get("origin")
    if origin is None:
        return None
    answer.headers["access-control-allow-origin"] = origin
    if request.method == "OPTIONS":
        answer.status = 200
        answer.headers["access-control-allow-methods"] = "GET, POST, PATCH, DELETE"
        answer.headers["access-control-allow-headers"] = "Authorization, Content-Type, If-Match"
    return answer


def _no_running_index(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def upgrade(engine: Any) -> None:
        original(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX uq_time_entries_running_user_id")

    return upgrade


def _slow_running_check(original: Callable[..., Any]) -> Callable[..., Any]:
    """The 'is a timer running?' query takes 50 ms, as on a busy database: the race window is wide open."""

    def running_entry(session: Any, user: Any) -> Any:
        found = original(session, user)
        pytime.sleep(0.05)
        return found

    return running_entry


def _deferred_transactions(engine: Any) -> None:
    """SQLite with plain BEGIN: two requests can both read "no timer runs" before either writes."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


# What the checks' own names hold beyond ASCII: letters with case, emoji, controls, separators, a combining
# mark, always in names of more than 12 characters.
_CATEGORIES_THE_CHECKS_SEND = {"Lu", "Ll", "So", "Cc", "Mn", "Zl", "Zp", "Zs"}


def _unexpected_characters(raw: str) -> bool:
    """A short name with any non-ASCII character, or a name with any other kind of non-ASCII character (a
    caseless letter, a digit, punctuation, an unassigned code point): names that only generated requests hold."""
    import unicodedata

    foreign = [c for c in raw if not c.isascii()]
    return bool(foreign) and (len(raw) <= 12 or any(unicodedata.category(c) not in _CATEGORIES_THE_CHECKS_SEND
                                                     for c in foreign))


def _crash_on_unexpected_characters(original: Callable[[str], str]) -> Callable[[str], str]:
    """A hand-written sanitiser that crashes on the names _unexpected_characters picks."""

    def clean(raw: str) -> str:
        if _unexpected_characters(raw):
            raise RuntimeError("unexpected character")  # an unhandled error: a 500
        return original(raw)

    return clean


def _crash_under_a_burst(original: Callable[..., str]) -> Callable[..., str]:
    """The token check fails (500) when more than 20 run at once: a resource sized for a demo
    (a pool of 20, a lock taken without waiting) that the normal checks, 10 at a time at most, never fill."""
    in_flight = 0
    lock = threading.Lock()

    def read_token(secret_key: str, token: str, now: float) -> str:
        nonlocal in_flight
        with lock:
            in_flight += 1
            crowded = in_flight > 20
        try:
            pytime.sleep(0.05)  # long enough for a burst to pile up
            if crowded:
                raise RuntimeError("more than 20 requests at once")  # an unhandled error: a 500
            return original(secret_key, token, now)
        finally:
            with lock:
                in_flight -= 1

    return read_token


def _refuse_short_non_ascii_names(original: Callable[[str], str]) -> Callable[[str], str]:
    """The same sanitiser as _crash_on_unexpected_characters, answering 422 instead of crashing."""

    def clean(raw: str) -> str:
        if _unexpected_characters(raw):
            raise ValueError("may hold letters, digits and punctuation only")  # a 422 the spec does not allow
        return original(raw)

    return clean


def _utc_with_offset_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _inclusive_overlap(a_start, a_end, b_start, b_end) -> bool:  # noqa: ANN001
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)



def _wrong_method_plain_text(request: Request, answer: Answer) -> Answer | None:
    if answer.status == 405:
        return Answer(405, {"content-type": "text/plain; charset=utf-8", "allow": answer.headers.get("allow", "GET")},
                      b"Method Not Allowed")
    return None


def _wrong_method_is_404(request: Request, answer: Answer) -> Answer | None:
    return _problem_status(404)(answer) if answer.status == 405 else None


_KNOWN_MEMBERS = {"email", "password", "expires_in", "name", "description", "started_at", "ended_at", "project_id"}


def _unknown_members_refused(original: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def parse(raw: bytes) -> Any:
        document = original(raw)
        if isinstance(document, dict):
            for member in document:
                if member not in _KNOWN_MEMBERS:
                    problems = importlib.import_module("timetension_reference.problems")
                    raise problems.invalid(member, "is not a member of this body")
        return document

    return parse


# The edges of the rules: requests changed or answered before the app reads them ----------------------

_BODY_MODELS = (
    ("POST", r"/projects", "CreateProject"),
    ("PATCH", r"/projects/[^/]+", "UpdateProject"),
    ("POST", r"/time-entries", "CreateTimeEntry"),
    ("PATCH", r"/time-entries/[^/]+", "UpdateTimeEntry"),
    ("POST", r"/timer/start", "StartTimer"),
)


def _body_before_token(sent: SentRequest) -> Answer | None:
    """The body is parsed and validated by a layer that runs before authentication."""
    if "authorization" in sent.headers or not sent.body:
        return None
    found = [name for method, pattern, name in _BODY_MODELS if sent.method == method and re.fullmatch(pattern, sent.path)]
    if not found:
        return None
    from pydantic import ValidationError

    dependencies = importlib.import_module("timetension_reference.dependencies")
    schemas = importlib.import_module("timetension_reference.schemas")
    if not dependencies._is_json(sent.headers.get("content-type")):
        return _problem(415, "Unsupported Media Type", "Send the body as application/json.")
    try:
        data = json.loads(sent.body)
    except ValueError:
        return _problem(400, "Bad Request", "The request body is not valid JSON.")
    try:
        getattr(schemas, found[0]).model_validate(data)
    except ValidationError as exc:
        fields = [str(error["loc"][0]) if error["loc"] else "body" for error in exc.errors()]
        return _problem(422, "Unprocessable Content", "The body is invalid.", fields)
    return None


def _report_parameters_before_token(sent: SentRequest) -> Answer | None:
    if "authorization" in sent.headers or sent.path != "/reports/summary":
        return None
    rules = importlib.import_module("timetension_reference.rules")
    try:
        first, last = rules.parse_date(sent.query["from"]), rules.parse_date(sent.query["to"])
        rules.check_report_range(first, last)
        rules.time_zone(sent.query.get("tz", "UTC"))
    except (KeyError, ValueError):
        return _problem(422, "Unprocessable Content", "The parameters are invalid.", ["from"])
    return None


def _list_parameters_before_token(sent: SentRequest) -> Answer | None:
    if "authorization" in sent.headers or sent.method != "GET" or sent.path != "/time-entries":
        return None
    rules = importlib.import_module("timetension_reference.rules")
    try:
        if "limit" in sent.query:
            rules.check_page_limit(sent.query["limit"])
        if "cursor" in sent.query:
            rules.decode_cursor(sent.query["cursor"], rules.cursor_key(os.environ.get("SECRET_KEY", "")))
    except ValueError:
        return _problem(422, "Unprocessable Content", "The parameters are invalid.", ["limit"])
    return None


def _coerce(paths: str, change: Callable[[str, Any], Any]) -> RequestRewrite:
    """Members of JSON bodies on these paths changed as a lax framework would before validating them."""

    def rewrite(sent: SentRequest) -> bytes | None:
        data = sent.json
        if not isinstance(data, dict) or not re.fullmatch(paths, sent.path):
            return None
        return json.dumps({name: change(name, value) for name, value in data.items()}).encode()

    return rewrite


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers_as_text(*names: str) -> Callable[[str, Any], Any]:
    return lambda name, value: str(value) if name in names and _is_number(value) else value


def _digits_as_number(name: str, value: Any) -> Any:
    return int(value) if name == "expires_in" and isinstance(value, str) and value.isdigit() else value


def _unix_time_as_timestamp(name: str, value: Any) -> Any:
    if name in ("started_at", "ended_at") and _is_number(value):
        return datetime.fromtimestamp(value, timezone.utc).isoformat()
    return value


def _nul_dropped(*names: str) -> Callable[[str, Any], Any]:
    return lambda name, value: value.replace("\x00", "") if name in names and isinstance(value, str) else value


def _last_full_page_loops(request: Request, answer: Answer) -> Answer | None:
    """A last page exactly full hands back the cursor it was given: the walk never ends."""
    params = request.query_params
    if not (_is(request, "GET", "/time-entries") and answer.status == 200 and "cursor" in params):
        return None
    document = answer.json
    if document.get("next_cursor") is None and len(document["items"]) == int(params.get("limit", "50")):
        document["next_cursor"] = params["cursor"]
        return answer.with_json(document)
    return None


# The edges of the rules: replaced rules -------------------------------------------------------------

def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_password(password: str) -> str:
    if not 10 <= _utf16_units(password) <= 128:
        raise ValueError("must be 10 to 128 characters long")
    return password


def _utf16_project_name(raw: str) -> str:
    name = raw.strip()
    if not name or _utf16_units(name) > 100:
        raise ValueError("must be 1 to 100 characters long")
    return name


def _name_length_before_trimming(raw: str) -> str:
    if len(raw) > 100 or not raw.strip():
        raise ValueError("must be 1 to 100 characters long")
    return raw.strip()


def _description_in_bytes(description: str) -> str:
    if len(description.encode("utf-8")) > 1000:
        raise ValueError("must be at most 1000 characters long")
    return description


def _control_characters_dropped(original: Callable[[str], str]) -> Callable[[str], str]:
    import unicodedata

    return lambda text: "".join(c for c in original(text) if c in "\t\n" or unicodedata.category(c) != "Cc")


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _leap_second_taken_as_59(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    return lambda text: original(re.sub(r"([Tt][0-9]{2}:[0-9]{2}:)60", r"\g<1>59", text))


def _offset_of_24_hours(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        match = re.fullmatch(r"(.*)([+-])24:00", text)
        if match is None:
            return original(text)
        moment = original(match.group(1) + "Z")
        return moment - timedelta(hours=24) if match.group(2) == "+" else moment + timedelta(hours=24)

    return parse


_running_ids: set[str] = set()
_patched_while_running: dict[str, bytes] = {}


def _timer_outlives_patch(request: Request, answer: Answer) -> Answer | None:
    """The timer kept as a record of its own that a PATCH of ended_at does not clear."""
    who = request.headers.get("authorization", "")
    if _is(request, "POST", "/timer/start") and answer.status == 201:
        _running_ids.add(answer.json["id"])
    elif request.method == "PATCH" and answer.status == 200 and request.url.path.startswith("/time-entries/"):
        entry_id = request.url.path.rsplit("/", 1)[1]
        if entry_id in _running_ids:
            still_running = {**answer.json, "ended_at": None, "duration_seconds": None}
            _patched_while_running[who] = json.dumps(still_running).encode()
    elif _is(request, "GET", "/timer") and answer.status == 404 and who in _patched_while_running:
        return Answer(200, {"content-type": "application/json"}, _patched_while_running[who])
    return None


def _day_start_with_new_offset(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).replace(fold=1).astimezone(timezone.utc)


def _area_city_zones_only(original: Callable[[str], Any]) -> Callable[[str], Any]:
    def time_zone(name: str) -> Any:
        if name != "UTC" and not re.fullmatch(r"[A-Za-z]+/[A-Za-z_]+(/[A-Za-z_]+)?", name):
            raise ValueError("must look like Area/City")
        return original(name)

    return time_zone


def _big_body_validated_before_token(request: Request, answer: Answer) -> Answer | None:
    if "authorization" not in request.headers and int(request.headers.get("content-length", "0")) > 65536:
        body = {"type": "about:blank", "title": "Unprocessable Content", "status": 422, "detail": "Invalid body.",
                "errors": [{"field": "description", "message": "is too long"}]}
        return Answer(422, {"content-type": "application/problem+json"}, json.dumps(body).encode())
    return None


def _big_body_401_or_413_swapped(request: Request, answer: Answer) -> Answer | None:
    big = int(request.headers.get("content-length", "0")) > 65536
    if big and "authorization" not in request.headers and answer.status in (401, 413):
        return _problem_status(413 if answer.status == 401 else 401)(answer)
    return None


def _date_alone_as_midnight(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        return original(re.sub(r"([Tt][0-9]{2}:[0-9]{2}:)60", r"\g<1>59", text))

    return parse


def _ties_null_first(totals: dict[str | None, int]) -> list[tuple[str | None, int]]:
    kept = [(key, value) for key, value in totals.items() if value > 0]
    return sorted(kept, key=lambda item: (-item[1], item[0] is not None, item[0] or ""))


def _ties_reverse_id(totals: dict[str | None, int]) -> list[tuple[str | None, int]]:
    kept = sorted(((key, value) for key, value in totals.items() if value > 0), key=lambda item: item[0] or "",
                  reverse=True)
    return sorted(kept, key=lambda item: (-item[1], item[0] is None))


def _limit_below_100(original: Callable[[str], int]) -> Callable[[str], int]:
    def check(text: str) -> int:
        limit = original(text)
        if limit >= 100:
            raise ValueError("must be a whole number from 1 to 99")
        return limit

    return check


def _empty_patch_is_empty_object(original: Callable[..., Any]) -> Callable[..., Any]:
    async def read(request: Request) -> bytes:
        raw = await original(request)
        return raw if raw or request.method != "PATCH" else b"{}"

    return read


def _control_characters_dropped_from_passwords(name: str, value: Any) -> Any:
    if name == "password" and isinstance(value, str):
        return "".join(c for c in value if c.isprintable() or c == "\x00")
    return value


def _gmt_names_as_offsets(original: Callable[[str], Any]) -> Callable[[str], Any]:
    """Etc/GMT-14 read as the offset -14:00, when POSIX signs make it +14:00."""

    def zone(name: str) -> Any:
        found = original(name)
        match = re.fullmatch(r"Etc/GMT([+-][0-9]+)", name)
        return timezone(timedelta(hours=int(match.group(1)))) if match else found

    return zone


def _other_users_project_filter_404(request: Request, answer: Answer) -> Answer | None:
    if _is(request, "GET", "/time-entries") and "project_id" in request.query_params and answer.status == 200:
        if not answer.json["items"]:
            return _problem(404, "Not Found", "No such project.")
    return None


def _preflight_without_if_match(request: Request, answer: Answer) -> Answer | None:
    if request.method == "OPTIONS" and "access-control-allow-headers" in answer.headers:
        answer.headers["access-control-allow-headers"] = "Authorization, Content-Type"
        return answer
    return None


def _projects_by_second_then_id(request: Request, answer: Answer) -> Answer | None:
    """Projects ordered by created_at, then by their (random) id: a tie within a second is shuffled."""
    if _is(request, "GET", "/projects") and answer.status == 200:
        document = answer.json
        document["items"].sort(key=lambda project: (project["created_at"], project["id"]))
        return answer.with_json(document)
    return None


def _minus_zero_refused(original: Callable[[str], datetime]) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        if text.endswith("-00:00"):
            raise ValueError("must not have the offset -00:00")
        return original(text)

    return parse


def _empty_timer_body_refused(sent: SentRequest) -> Answer | None:
    """Content-Type: application/json with zero bytes is parsed, and fails, even where the body is optional."""
    if sent.method == "POST" and sent.path == "/timer/start" and not sent.body and "content-type" in sent.headers:
        return _problem(400, "Bad Request", "The request body is not valid JSON.")
    return None


CATALOGUE: tuple[BrokenApp, ...] = (
    BrokenApp("unknown-path-plain-text", "unknown paths get the framework's text/plain 404",
              "errors.unknown-path-404", rewrite=_plain_text_404),
    BrokenApp("health-says-up", '/health answers {"status": "UP"}', "health.ok", rewrite=_health_says_up),
    BrokenApp("email-case-sensitive", "emails are unique only with the same case",
              "accounts.duplicate-email-conflict", replace=(("rules", "email_key", lambda email: email),)),
    BrokenApp("password-of-eight", "passwords of 8 characters are accepted", "accounts.password-length",
              replace=(("rules", "PASSWORD_MIN_LENGTH", 8),)),
    BrokenApp("token-never-expires", "expires_in is ignored; tokens live an hour", "accounts.expired-token",
              replace=(("rules", "token_expiry", lambda issued_at, lifetime: math.floor(issued_at) + 3600),)),
    BrokenApp("no-www-authenticate", "401 answers lack WWW-Authenticate", "accounts.token-required",
              rewrite=_no_challenge_header),
    BrokenApp("first-field-error-only", "a 422 lists only the first invalid field",
              "accounts.every-field-error-listed", rewrite=_first_field_error_only),
    BrokenApp("malformed-json-422", "malformed JSON is 422 instead of 400", "accounts.malformed-json",
              rewrite=_malformed_json_is_422),
    BrokenApp("charset-refused", "application/json; charset=utf-8 is refused with 415",
              "accounts.json-charset-accepted", rewrite=_charset_refused),
    BrokenApp("project-name-case-sensitive", "project names clash only with the same case",
              "projects.duplicate-name-conflict", replace=(("rules", "name_key", lambda name: name),)),
    BrokenApp("project-name-not-trimmed", "project names keep their surrounding spaces", "projects.name-trimmed",
              replace=(("rules", "clean_project_name", _untrimmed_name),)),
    BrokenApp("not-yours-403", "another user's project is 403, which leaks that it exists",
              "projects.other-user-not-found", rewrite=_not_yours_is_403),
    BrokenApp("patch-clears-description", "PATCH resets the fields it does not name", "projects.update-partial",
              rewrite=_patch_nulls_description),
    BrokenApp("delete-answers-200", "DELETE answers 200 with a body instead of 204", "projects.delete",
              rewrite=_delete_answers_200),
    BrokenApp("overlap-at-boundary", "touching entries count as overlapping (closed intervals)",
              "entries.touching-allowed", replace=(("rules", "overlaps", _inclusive_overlap),)),
    BrokenApp("timestamps-without-z", "timestamps are answered as +00:00 instead of Z", "entries.create",
              replace=(("rules", "format_timestamp", _utc_with_offset_text),)),
    BrokenApp("fraction-rounded", "fractional seconds are rounded instead of truncated",
              "entries.utc-to-the-second", replace=(("rules", "parse_timestamp", Wrap(_fraction_rounded)),)),
    BrokenApp("offset-ignored", "the offset is dropped: 09:00+02:00 is stored as 09:00Z",
              "entries.overlap-across-offsets", replace=(("rules", "parse_timestamp", Wrap(_offset_ignored)),)),
    BrokenApp("naive-timestamps-accepted", "a timestamp without an offset is taken as UTC",
              "entries.offset-required", replace=(("rules", "parse_timestamp", Wrap(_naive_is_utc)),)),
    BrokenApp("zero-length-entry", "an entry that ends when it starts is accepted", "entries.end-after-start",
              replace=(("rules", "ends_after_start", lambda started_at, ended_at: ended_at >= started_at),)),
    BrokenApp("duration-in-minutes", "duration_seconds holds minutes", "entries.create",
              rewrite=_duration_in_minutes),
    BrokenApp("stop-when-idle-404", "stopping an idle timer is 404 instead of 409", "timer.idle",
              rewrite=_stop_when_idle_is_404),
    # A refused start that runs anyway leaves a timer behind: only the check that sent it may fail.
    BrokenApp("timer-description-unbounded", "a description of any length is accepted, so such a timer start runs",
              "timer.start-validation", replace=(("rules", "DESCRIPTION_MAX_LENGTH", 10**6),)),
    BrokenApp("problem-status-mismatch", "a 404 problem says status 400 in its body", "errors.unknown-path-404",
              rewrite=_problem_status_says_400),
    BrokenApp("problems-as-plain-json", "errors are application/json, not application/problem+json",
              "errors.unknown-path-404", rewrite=_problems_as_plain_json),
    BrokenApp("password-hash-returned", "registration answers with the password hash", "accounts.register",
              rewrite=_hash_in_user),
    BrokenApp("missing-token-403", "a request without a token is 403 instead of 401", "accounts.token-required",
              rewrite=_missing_token_is_403),
    BrokenApp("signature-not-verified", "tokens are decoded without checking their signature",
              "accounts.tampered-token", replace=(("security", "read_token", _unverified_token),)),
    BrokenApp("text-plain-accepted", "a body sent as text/plain is parsed as JSON", "accounts.other-media-type",
              replace=(("dependencies", "_is_json", lambda content_type: True),)),
    BrokenApp("validation-errors-as-html", "422 answers are HTML pages", "accounts.password-length",
              rewrite=_validation_errors_as_html),
    BrokenApp("project-name-of-101", "project names of 101 characters are accepted", "projects.name-length",
              replace=(("rules", "PROJECT_NAME_MAX_LENGTH", 101),)),
    BrokenApp("description-empty-string", "a project created without a description has \"\" instead of null",
              "projects.create", rewrite=_description_empty_string),
    BrokenApp("projects-newest-first", "projects are listed newest first", "projects.list-own-in-order",
              rewrite=_reverse_list("/projects")),
    BrokenApp("delete-project-with-entries", "a project with entries can be deleted",
              "projects.delete-with-entries-conflict", rewrite=_delete_with_entries_succeeds),
    BrokenApp("entries-newest-first", "entries are listed latest first", "entries.list-own-in-order",
              rewrite=_reverse_list("/time-entries")),
    BrokenApp("overlaps-allowed", "entries may overlap", "entries.overlap-conflict",
              replace=(("rules", "overlaps", lambda a_start, a_end, b_start, b_end: False),)),
    BrokenApp("running-entry-covers-one-second", "a running entry blocks only its first second",
              "timer.running-entry-blocks-later-entries", replace=(("rules", "overlaps", Wrap(_open_end_is_one_second)),)),
    BrokenApp("stop-in-the-same-second", "a timer stopped in the second it started has no length",
              "timer.start-stop", replace=(("rules", "stop_time", lambda now, started_at: now),)),
    BrokenApp("duration-missing", "duration_seconds is null on finished entries", "entries.create",
              replace=(("rules", "duration_seconds", lambda started_at, ended_at: None),)),
    BrokenApp("local-clock-as-utc", "the timer starts at the server's local wall time labelled as UTC",
              "timer.start-stop", replace=(("routes.timer", "now", _local_clock_as_utc),)),
    # Level 4
    BrokenApp("report-not-clipped", "entries count whole even where they cross the range's edges",
              "reports.clipped-at-both-edges", replace=(("rules", "clip", _not_clipped),)),
    BrokenApp("report-utc-days", "report days are UTC days, whatever tz says",
              "reports.local-days-east-of-utc", replace=(("rules", "time_zone", Wrap(_always_utc)),)),
    BrokenApp("report-24-hour-days", "every local day is 24 hours long (daylight saving ignored)",
              "reports.dst-spring-forward", replace=(("rules", "local_day_start", _fixed_offset_days),)),
    BrokenApp("report-counts-running", "a running entry counts up to now", "reports.running-entry-not-counted",
              replace=(("rules", "summarize", Wrap(_running_counted)),)),
    BrokenApp("report-least-first", "report projects are ordered least time first", "reports.summary",
              replace=(("rules", "order_projects", _least_first),)),
    # Level 5
    BrokenApp("pages-overlap", "the next page starts a second early and repeats the last entry",
              "entries.pages-find-each-entry-once", replace=(("rules", "decode_cursor", Wrap(_cursor_one_second_early)),)),
    BrokenApp("lost-update", "If-Match is ignored: a stale ETag overwrites a newer change", "entries.stale-etag-is-412",
              replace=(("rules", "if_match_allows", lambda header, current_tag: True),)),
    BrokenApp("limit-unbounded", "limit accepts any number", "entries.list-validation",
              replace=(("rules", "check_page_limit", lambda text: max(1, int(text))),)),
    BrokenApp("no-body-limit", "bodies of any size are read and parsed", "limits.body-too-large",
              replace=(("rules", "BODY_MAX_BYTES", 10**9),)),
    BrokenApp("burst-500", "more than 20 signed-in requests at once answer 500", "limits.burst-answered",
              replace=(("security", "read_token", Wrap(_crash_under_a_burst)),)),
    BrokenApp("cors-any-origin", "every Origin is allowed (reflected)", "cors.other-origin-refused",
              rewrite=_reflect_any_origin),
    BrokenApp("etag-not-exposed", "no Access-Control-Expose-Headers: a front end cannot read the ETag",
              "cors.allowed-origin", rewrite=_etag_not_exposed),
    BrokenApp("wrong-method-plain-text", "a method a path does not have gets the framework's text/plain 405",
              "errors.wrong-method", rewrite=_wrong_method_plain_text),
    BrokenApp("unknown-members-refused", "a body with a member the app does not know is 422",
              "accounts.unknown-fields-ignored",
              replace=(("dependencies", "_parse_json", Wrap(_unknown_members_refused)),)),
    BrokenApp("timer-outlives-patch", "a PATCH of ended_at on the running entry leaves the timer running",
              "timer.patch-ended-at-stops", rewrite=_timer_outlives_patch),
    BrokenApp("day-start-new-offset", "local midnight is read with the offset after a jump, an hour early",
              "reports.day-starts-when-clocks-land", replace=(("rules", "local_day_start", _day_start_with_new_offset),)),
    BrokenApp("area-city-zones-only", "tz must be UTC or look like Area/City: Etc/UTC and Etc/GMT-14 are refused",
              "reports.zone-names", replace=(("rules", "time_zone", Wrap(_area_city_zones_only)),)),
    BrokenApp("big-body-validated-before-token", "a big body without a token is read and validated (422)",
              "limits.body-too-large-without-token", rewrite=_big_body_validated_before_token),
    # The edges of the rules the spec states in words
    BrokenApp("body-checked-before-token", "without a token, a bad body is 400, 415 or 422 instead of 401",
              "projects.token-before-body", rewrite_request=_body_before_token),
    BrokenApp("password-counted-in-utf16", "password lengths are counted in UTF-16 units, not code points",
              "accounts.password-length-in-code-points", replace=(("rules", "check_password", _utf16_password),)),
    BrokenApp("password-of-128-refused", "a password of 128 characters is refused",
              "accounts.password-length-in-code-points", replace=(("rules", "PASSWORD_MAX_LENGTH", 127),)),
    BrokenApp("email-of-255-accepted", "an email of 255 characters is accepted", "accounts.email-length",
              replace=(("rules", "EMAIL_MAX_LENGTH", 255),)),
    BrokenApp("email-case-ascii-only", "emails are matched ignoring the case of A to Z only (Émile is not émile)",
              "accounts.email-case-unicode", replace=(("rules", "email_key", _ascii_lower),)),
    BrokenApp("numbers-taken-as-passwords", 'a number given as email or password is taken as its digits',
              "accounts.types-not-coerced",
              rewrite_request=_coerce(r"/users|/auth/token", _numbers_as_text("email", "password"))),
    BrokenApp("expires-in-string-coerced", '"expires_in": "60" is taken as 60', "accounts.types-not-coerced",
              rewrite_request=_coerce(r"/auth/token", _digits_as_number)),
    BrokenApp("nul-dropped-from-passwords", "a NUL in a password is dropped instead of refused",
              "accounts.nul-refused", rewrite_request=_coerce(r"/users", _nul_dropped("password"))),
    BrokenApp("media-type-case-sensitive", "Application/JSON is not taken for application/json",
              "accounts.media-type-edges",
              replace=(("dependencies", "_is_json",
                        lambda content_type: (content_type or "").split(";")[0].strip() == "application/json"),)),
    BrokenApp("no-content-type-is-json", "a body without Content-Type is parsed as JSON", "accounts.media-type-edges",
              replace=(("dependencies", "_is_json", Wrap(lambda original: lambda ct: ct is None or original(ct))),)),
    BrokenApp("json-suffix-accepted", "application/merge-patch+json and other +json types are taken as JSON",
              "accounts.media-type-edges",
              replace=(("dependencies", "_is_json", Wrap(lambda original: lambda ct: original(ct) or (
                  (ct or "").split(";")[0].strip().lower().endswith("+json")))),)),
    BrokenApp("token-lifetime-86400-refused", "expires_in of 86400 is refused", "accounts.token-lifetime-bounds",
              replace=(("rules", "TOKEN_LIFETIME_MAX", 86399),)),
    BrokenApp("project-ties-by-id", "projects created in the same second are listed by id, not creation order",
              "projects.list-ties-in-creation-order", rewrite=_projects_by_second_then_id),
    BrokenApp("project-name-counted-in-utf16", "project names are counted in UTF-16 units, not code points",
              "projects.lengths-in-code-points", replace=(("rules", "clean_project_name", _utf16_project_name),)),
    BrokenApp("name-length-before-trimming", "a name's length is checked before its white space is trimmed",
              "projects.lengths-in-code-points",
              replace=(("rules", "clean_project_name", _name_length_before_trimming),)),
    BrokenApp("description-counted-in-bytes", "descriptions are counted in UTF-8 bytes, not code points",
              "projects.lengths-in-code-points", replace=(("rules", "check_description", _description_in_bytes),)),
    BrokenApp("numbers-taken-as-names", "a number given as a project's name or description is taken as its digits",
              "projects.types-not-coerced",
              rewrite_request=_coerce(r"/projects(/[^/]+)?", _numbers_as_text("name", "description"))),
    BrokenApp("nul-dropped-from-project-descriptions", "a NUL in a project's description is dropped, not refused",
              "projects.text-kept-exactly", rewrite_request=_coerce(r"/projects(/[^/]+)?", _nul_dropped("description"))),
    BrokenApp("control-characters-dropped", "control characters are dropped from descriptions",
              "projects.text-kept-exactly",
              replace=(("rules", "check_description", Wrap(_control_characters_dropped)),)),
    BrokenApp("project-name-case-ascii-only", "project names clash ignoring the case of A to Z only",
              "projects.name-case-unicode", replace=(("rules", "name_key", _ascii_lower),)),
    BrokenApp("empty-patch-is-empty-object", "an empty PATCH body is taken as {} and answered 200",
              "projects.media-type-edges",
              replace=(("dependencies", "read_limited_body", Wrap(_empty_patch_is_empty_object)),)),
    BrokenApp("unix-time-taken-as-timestamp", "a number given as started_at or ended_at is taken as Unix time",
              "entries.types-not-coerced",
              rewrite_request=_coerce(r"/time-entries(/[^/]+)?", _unix_time_as_timestamp)),
    BrokenApp("leap-second-accepted", "a leap second (:60) is taken as :59", "entries.timestamp-forms",
              replace=(("rules", "parse_timestamp", Wrap(_leap_second_taken_as_59)),)),
    BrokenApp("offset-of-24-hours-accepted", "an offset of +24:00 or -24:00 is accepted", "entries.timestamp-forms",
              replace=(("rules", "parse_timestamp", Wrap(_offset_of_24_hours)),)),
    BrokenApp("minus-zero-offset-refused", "the offset -00:00 is refused", "entries.timestamp-forms",
              replace=(("rules", "parse_timestamp", Wrap(_minus_zero_refused)),)),
    BrokenApp("empty-timer-body-refused", "a timer start with zero bytes labelled application/json is 400",
              "timer.empty-body-is-no-body", rewrite_request=_empty_timer_body_refused),
    BrokenApp("nul-dropped-from-entry-descriptions", "a NUL in an entry's or the timer's description is dropped",
              "entries.text-kept-exactly",
              rewrite_request=_coerce(r"/time-entries(/[^/]+)?|/timer/start", _nul_dropped("description"))),
    BrokenApp("report-ties-null-first", "on a tie, time outside any project comes before the projects",
              "reports.ties-by-project-id", replace=(("rules", "order_projects", _ties_null_first),)),
    BrokenApp("report-ties-reverse-id", "on a tie, projects come by project_id in reverse",
              "reports.ties-by-project-id", replace=(("rules", "order_projects", _ties_reverse_id),)),
    BrokenApp("report-parameters-before-token", "without a token, bad report parameters are 422 instead of 401",
              "reports.token-before-parameters", rewrite_request=_report_parameters_before_token),
    BrokenApp("last-full-page-loops", "a last page exactly full hands back its own cursor: the walk never ends",
              "entries.pages-exactly-full", rewrite=_last_full_page_loops),
    BrokenApp("limit-100-refused", "limit=100 is refused", "entries.pages-exactly-full",
              replace=(("rules", "check_page_limit", Wrap(_limit_below_100)),)),
    BrokenApp("filter-dates-lenient", "from and to take a date alone as midnight UTC and a leap second as :59",
              "entries.filter-timestamp-forms",
              replace=(("routes.time_entries", "_query_timestamp", Wrap(_date_alone_as_midnight)),)),
    BrokenApp("list-parameters-before-token", "without a token, a bad limit or cursor is 422 instead of 401",
              "entries.token-before-parameters", rewrite_request=_list_parameters_before_token),
    BrokenApp("password-control-characters-dropped", "control characters are dropped from passwords",
              "accounts.password-kept-exactly",
              rewrite_request=_coerce(r"/users|/auth/token", _control_characters_dropped_from_passwords)),
    BrokenApp("zone-gmt-sign-inverted", "Etc/GMT-14 is taken as 14 hours west of UTC", "reports.zone-names",
              replace=(("rules", "time_zone", Wrap(_gmt_names_as_offsets)),)),
    BrokenApp("empty-project-filter-accepted", "an empty project_id filter is taken, matching nothing",
              "entries.empty-parameters-refused",
              replace=(("routes.time_entries", "_query_project_id", lambda raw: raw),)),
    BrokenApp("other-users-project-filter-404", "a project_id filter that matches nothing is 404",
              "entries.empty-parameters-refused", rewrite=_other_users_project_filter_404),
    BrokenApp("if-match-weak-comparison", 'If-Match compares weakly: W/"3" matches "3"',
              "entries.if-match-list-and-weak-tag",
              replace=(("rules", "if_match_allows", Wrap(lambda original: lambda header, tag: original(
                  header.replace("W/", ""), tag))),)),
    BrokenApp("if-match-list-ignored", "If-Match takes one tag only: a list never matches",
              "entries.if-match-list-and-weak-tag",
              replace=(("rules", "if_match_allows", lambda header, tag: header.strip() in ("*", tag)),)),
    BrokenApp("body-limit-off-by-one", "a body of exactly 65,536 bytes is 413", "limits.body-limit-boundary",
              replace=(("rules", "BODY_MAX_BYTES", 65535),)),
    BrokenApp("preflight-without-if-match", "a preflight does not allow the If-Match header",
              "cors.preflight-patch-if-match", rewrite=_preflight_without_if_match),
    # The fuzz stage
    BrokenApp("fuzzed-name-500", "a short project name with a non-ASCII character, or a non-ASCII digit, crashes (500)",
              "fuzz.create-project", replace=(("rules", "clean_project_name", Wrap(_crash_on_unexpected_characters)),)),
    BrokenApp("fuzzed-name-refused", "a short project name with a non-ASCII character is refused with 422",
              "fuzz.create-project", replace=(("rules", "clean_project_name", Wrap(_refuse_short_non_ascii_names)),)),
    BrokenApp("timer-race", "one running timer is checked in code only: no unique index, no lock",
              "timer.race-has-one-winner",
              replace=(("db", "upgrade", Wrap(_no_running_index)), ("db", "_use_immediate_transactions", _deferred_transactions),
                       ("routes.timer", "lock_user_data", lambda session, user: None),
                       ("routes.timer", "running_entry", Wrap(_slow_running_check)))),
)


# Broken apps the suite is known not to catch, each with the reason. Empty means every one is caught.
KNOWN_GAPS: dict[str, str] = {}

_served = itertools.count(1)


def _die_on_the_40th_request(request: Request, answer: Answer) -> Answer | None:
    if next(_served) >= 40:
        os._exit(1)  # no answer, no clean shutdown: as a crash would
    return None


# Not one broken rule but a crash part-way through a run: the suite must notice and stop early.
DIES_HALF_WAY = BrokenApp("dies-half-way", "the process exits on its 40th request", "accounts.register",
                          rewrite=_die_on_the_40th_request)


def _die_on_the_first_project(request: Request, answer: Answer) -> Answer | None:
    if request.method == "POST" and request.url.path == "/projects":
        os._exit(1)
    return None


# A crash on level 2's first request, while level 1's token-expiry check is still waiting for its token to
# expire: the levels that ran beside it must still show where the app went.
DIES_AT_LEVEL_2 = BrokenApp("dies-at-level-2", "the process exits on its first POST /projects", "",
                            rewrite=_die_on_the_first_project)


# Not broken: the reference answering another way the spec allows. Every check must pass against each.
ALLOWED_VARIANTS = (
    BrokenApp("expose-headers-wildcard", "Access-Control-Expose-Headers: * (the Fetch standard's wildcard)", "",
              rewrite=_expose_every_header),
    BrokenApp("wrong-method-404", "a method a path does not have is 404 instead of 405", "",
              rewrite=_wrong_method_is_404),
    BrokenApp("big-body-401-or-413-swapped", "a big body without a token gets the other of 401 and 413", "",
              rewrite=_big_body_401_or_413_swapped),
)


def find(name: str) -> BrokenApp:
    for app in (*CATALOGUE, DIES_HALF_WAY, DIES_AT_LEVEL_2, *ALLOWED_VARIANTS):
        if app.name == name:
            return app
    raise KeyError(f"no broken app called {name!r}; known: {', '.join(app.name for app in CATALOGUE)}")
