from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import rules
from ..dependencies import CurrentUser, DbSession, json_body
from ..models import TimeEntry, User, new_id
from ..problems import Problem
from ..schemas import StartTimer
from . import lock_user_data, now
from .time_entries import check_no_overlap, check_project, with_etag

router = APIRouter(tags=["Timer"])

ALREADY_RUNNING = "A timer is already running; stop it first."
NOT_RUNNING = "No timer is running."


def running_entry(session: Session, user: User) -> TimeEntry | None:
    return session.scalar(
        select(TimeEntry).where(TimeEntry.user_id == user.id, TimeEntry.ended_at.is_(None))
    )


# The running entry is a time entry like any other, so its answers carry its ETag too.


@router.get("/timer")
def get_timer(response: Response, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    entry = running_entry(session, user)
    if entry is None:
        raise Problem(404, NOT_RUNNING)
    return with_etag(response, entry)


@router.post("/timer/start", status_code=201)
def start_timer(
    request: Request,
    response: Response,
    session: DbSession,
    user: CurrentUser,
    body: Annotated[StartTimer, Depends(json_body(StartTimer, optional=True))],
) -> dict[str, Any]:
    started_at = now(request)
    check_project(session, user, body.project_id)
    lock_user_data(session, user)
    if running_entry(session, user) is not None:
        raise Problem(409, ALREADY_RUNNING)
    check_no_overlap(session, user, started_at, None)
    entry = TimeEntry(
        id=new_id(),
        user_id=user.id,
        project_id=body.project_id,
        description=body.description,
        started_at=started_at,
        ended_at=None,
    )
    session.add(entry)
    try:
        session.commit()
    except IntegrityError:  # another start at the same moment (one running entry per user)
        raise Problem(409, ALREADY_RUNNING) from None
    return with_etag(response, entry)


@router.post("/timer/stop")
def stop_timer(
    request: Request, response: Response, session: DbSession, user: CurrentUser
) -> dict[str, Any]:
    lock_user_data(session, user)
    entry = running_entry(session, user)
    if entry is None:
        raise Problem(409, NOT_RUNNING)
    try:
        entry.ended_at = rules.stop_time(now(request), entry.started_at)
    except ValueError as exc:
        raise Problem(409, f"The timer cannot be stopped: {exc}.") from None
    session.commit()
    return with_etag(response, entry)
