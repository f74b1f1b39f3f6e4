from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import rules
from ..dependencies import CurrentUser, DbSession, json_body
from ..models import TimeEntry, User, is_id, new_id
from ..problems import Problem, invalid, invalid_fields
from ..schemas import CreateTimeEntry, UpdateTimeEntry, entry_body
from . import lock_user_data
from .projects import find_project

router = APIRouter(tags=["Time entries"])

STALE = "The entry changed since you read it; read it again and retry."

Value = TypeVar("Value")


def check_project(session: Session, user: User, project_id: str | None) -> None:
    if project_id is not None:
        find_project(session, user, project_id, "No such project.")


def check_no_overlap(
    session: Session,
    user: User,
    started_at: datetime,
    ended_at: datetime | None,
    except_id: str | None = None,
) -> None:
    for other in _neighbours(session, user, started_at, except_id):
        if rules.overlaps(started_at, ended_at, other.started_at, other.ended_at):
            started = rules.format_timestamp(other.started_at)
            if other.ended_at is None:
                raise Problem(409, f"The entry overlaps the running entry, started at {started}.")
            ended = rules.format_timestamp(other.ended_at)
            raise Problem(409, f"The entry overlaps another entry, from {started} to {ended}.")


def _neighbours(
    session: Session, user: User, started_at: datetime, except_id: str | None
) -> list[TimeEntry]:
    """The only entries that can overlap one that starts at `started_at`.

    A user's entries never overlap each other, so of those that start earlier only the last
    can reach past `started_at`, and of those that start at or after it, if any overlaps,
    the first does. Two lookups on the (user_id, started_at) index, however many entries the
    user has; rules.overlaps decides.
    """
    mine = select(TimeEntry).where(TimeEntry.user_id == user.id)
    if except_id is not None:
        mine = mine.where(TimeEntry.id != except_id)
    before = mine.where(TimeEntry.started_at < started_at).order_by(TimeEntry.started_at.desc())
    after = mine.where(TimeEntry.started_at >= started_at).order_by(TimeEntry.started_at)
    found = (session.scalar(query.limit(1)) for query in (before, after))
    return [entry for entry in found if entry is not None]


def check_interval(started_at: datetime, ended_at: datetime | None) -> None:
    if ended_at is not None and not rules.ends_after_start(started_at, ended_at):
        raise invalid(
            "ended_at",
            f"must be after started_at ({rules.format_timestamp(started_at)});"
            " an entry lasts at least one second",
        )


# PostgreSQL's exclusion constraint of migration 0003: overlapping entries of one user.
OVERLAP_CONSTRAINT = "ex_time_entries_no_overlap"


def commit_entry(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        diagnostics = getattr(exc.orig, "diag", None)
        if getattr(diagnostics, "constraint_name", None) == OVERLAP_CONSTRAINT:
            raise Problem(409, "The entry overlaps another entry.") from None
        raise Problem(404, "No such project.") from None  # deleted at the same moment


def find_entry(session: Session, user: User, entry_id: str) -> TimeEntry:
    entry = None
    if is_id(entry_id):
        entry = session.scalar(
            select(TimeEntry).where(TimeEntry.id == entry_id, TimeEntry.user_id == user.id)
        )
    if entry is None:
        raise Problem(404, "No such time entry.")
    return entry


def with_etag(response: Response, entry: TimeEntry) -> dict[str, Any]:
    """The entry's body, and its ETag on the response."""
    response.headers["ETag"] = rules.entity_tag(entry.version)
    return entry_body(entry)


@router.post("/time-entries", status_code=201)
def create_time_entry(
    response: Response,
    session: DbSession,
    user: CurrentUser,
    body: Annotated[CreateTimeEntry, Depends(json_body(CreateTimeEntry))],
) -> dict[str, Any]:
    check_interval(body.started_at, body.ended_at)
    check_project(session, user, body.project_id)
    lock_user_data(session, user)
    check_no_overlap(session, user, body.started_at, body.ended_at)
    entry = TimeEntry(
        id=new_id(),
        user_id=user.id,
        project_id=body.project_id,
        description=body.description,
        started_at=body.started_at,
        ended_at=body.ended_at,
    )
    session.add(entry)
    commit_entry(session)
    return with_etag(response, entry)


def _query_project_id(raw: str) -> str:
    if not raw:
        raise ValueError("must not be empty: give the id of one of your projects")
    return rules.check_text(raw)


def _query_timestamp(raw: str) -> datetime:
    try:
        return rules.to_utc_second(rules.parse_timestamp(raw))
    except ValueError as exc:
        if " " in raw:  # a + sent as is, which a query string reads as a space
            raise ValueError(f"{exc} (in a query string, write + as %2B)") from None
        raise


@router.get("/time-entries")
def list_time_entries(request: Request, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """One page of the user's entries, by started_at then id, after the cursor if one is given.

    The filters and the cursor are conditions in SQL, so a page costs one query however many
    entries the user has: the window keeps the entries that overlap [from, to), with the
    half-open rule of rules.overlaps (an entry that ends at `from` is out, a running one
    reaches to infinity).
    """
    params = request.query_params
    errors: list[tuple[str, str]] = []

    def read(name: str, check: Callable[[str], Value]) -> Value | None:
        raw = params.get(name)
        if raw is None:
            return None
        try:
            return check(raw)
        except ValueError as exc:
            errors.append((name, str(exc)))
            return None

    key = rules.cursor_key(request.app.state.settings.secret_key)
    project_id = read("project_id", _query_project_id)
    window_from = read("from", _query_timestamp)
    window_to = read("to", _query_timestamp)
    limit = read("limit", rules.check_page_limit) or rules.PAGE_LIMIT_DEFAULT
    after = read("cursor", lambda raw: rules.decode_cursor(raw, key))
    if window_to is not None:
        try:
            rules.check_window(window_from, window_to)
        except ValueError as exc:
            errors.append(("to", str(exc)))
    if errors:
        raise invalid_fields(errors)

    query = select(TimeEntry).where(TimeEntry.user_id == user.id)
    if project_id is not None:
        query = query.where(TimeEntry.project_id == project_id)
    if window_to is not None:
        query = query.where(TimeEntry.started_at < window_to)
    if window_from is not None:
        query = query.where(or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > window_from))
    if after is not None:
        after_started_at, after_id = after
        query = query.where(
            or_(
                TimeEntry.started_at > after_started_at,
                and_(TimeEntry.started_at == after_started_at, TimeEntry.id > after_id),
            )
        )
    # One more than a page: whether it exists tells whether there is a next page.
    query = query.order_by(TimeEntry.started_at, TimeEntry.id).limit(limit + 1)
    entries = list(session.scalars(query))
    next_cursor = None
    if len(entries) > limit:
        entries = entries[:limit]
        last = entries[-1]
        next_cursor = rules.encode_cursor(last.started_at, last.id, key)
    return {"items": [entry_body(entry) for entry in entries], "next_cursor": next_cursor}


@router.get("/time-entries/{entry_id}")
def get_time_entry(
    entry_id: str, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    return with_etag(response, find_entry(session, user, entry_id))


@router.patch("/time-entries/{entry_id}")
def update_time_entry(
    entry_id: str,
    request: Request,
    response: Response,
    session: DbSession,
    user: CurrentUser,
    body: Annotated[UpdateTimeEntry, Depends(json_body(UpdateTimeEntry))],
) -> dict[str, Any]:
    lock_user_data(session, user)
    entry = find_entry(session, user, entry_id)
    # Compared under the lock, so no other change can come between this read and the write.
    # A missing entry is 404 first; the precondition goes before the rules of the change.
    conditions = request.headers.getlist("if-match")
    if conditions and not rules.if_match_allows(
        ", ".join(conditions), rules.entity_tag(entry.version)
    ):
        raise Problem(412, STALE)
    changes = body.model_dump(include=body.model_fields_set)
    started_at = changes.get("started_at", entry.started_at)
    ended_at = changes.get("ended_at", entry.ended_at)
    check_interval(started_at, ended_at)
    if "project_id" in changes:
        check_project(session, user, body.project_id)
    check_no_overlap(session, user, started_at, ended_at, except_id=entry.id)
    for field, value in changes.items():
        setattr(entry, field, value)
    commit_entry(session)
    return with_etag(response, entry)


@router.delete("/time-entries/{entry_id}", status_code=204)
def delete_time_entry(entry_id: str, session: DbSession, user: CurrentUser) -> Response:
    lock_user_data(session, user)
    session.delete(find_entry(session, user, entry_id))
    session.commit()
    return Response(status_code=204)
