from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import rules
from ..dependencies import CurrentUser, DbSession, json_body
from ..models import TimeEntry, User, is_id, new_id
from ..problems import Problem, invalid
from ..schemas import CreateTimeEntry, UpdateTimeEntry, entry_body
from . import lock_user_data
from .projects import find_project

router = APIRouter(tags=["Time entries"])


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
    # Every entry of the user is compared here, in Python, so that the rule lives in
    # rules.overlaps alone; a user's entries are few enough for that.
    others = session.scalars(select(TimeEntry).where(TimeEntry.user_id == user.id))
    for other in others:
        if other.id != except_id and rules.overlaps(
            started_at, ended_at, other.started_at, other.ended_at
        ):
            started = rules.format_timestamp(other.started_at)
            if other.ended_at is None:
                raise Problem(409, f"The entry overlaps the running entry, started at {started}.")
            ended = rules.format_timestamp(other.ended_at)
            raise Problem(409, f"The entry overlaps another entry, from {started} to {ended}.")


def check_interval(started_at: datetime, ended_at: datetime | None) -> None:
    if ended_at is not None and not rules.ends_after_start(started_at, ended_at):
        raise invalid(
            "ended_at",
            f"must be after started_at ({rules.format_timestamp(started_at)});"
            " an entry lasts at least one second",
        )


def commit_entry(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:  # its project was deleted at the same moment
        raise Problem(404, "No such project.") from None


def find_entry(session: Session, user: User, entry_id: str) -> TimeEntry:
    entry = None
    if is_id(entry_id):
        entry = session.scalar(
            select(TimeEntry).where(TimeEntry.id == entry_id, TimeEntry.user_id == user.id)
        )
    if entry is None:
        raise Problem(404, "No such time entry.")
    return entry


@router.post("/time-entries", status_code=201)
def create_time_entry(
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
    return entry_body(entry)


@router.get("/time-entries")
def list_time_entries(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    entries = session.scalars(
        select(TimeEntry)
        .where(TimeEntry.user_id == user.id)
        .order_by(TimeEntry.started_at, TimeEntry.id)
    )
    return {"items": [entry_body(entry) for entry in entries]}


@router.get("/time-entries/{entry_id}")
def get_time_entry(entry_id: str, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return entry_body(find_entry(session, user, entry_id))


@router.patch("/time-entries/{entry_id}")
def update_time_entry(
    entry_id: str,
    session: DbSession,
    user: CurrentUser,
    body: Annotated[UpdateTimeEntry, Depends(json_body(UpdateTimeEntry))],
) -> dict[str, Any]:
    lock_user_data(session, user)
    entry = find_entry(session, user, entry_id)
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
    return entry_body(entry)


@router.delete("/time-entries/{entry_id}", status_code=204)
def delete_time_entry(entry_id: str, session: DbSession, user: CurrentUser) -> Response:
    lock_user_data(session, user)
    session.delete(find_entry(session, user, entry_id))
    session.commit()
    return Response(status_code=204)
