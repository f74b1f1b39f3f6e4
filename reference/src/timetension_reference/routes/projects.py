from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import rules
from ..dependencies import CurrentUser, DbSession, json_body
from ..models import Project, TimeEntry, User, is_id, new_id
from ..problems import Problem
from ..schemas import CreateProject, UpdateProject, project_body
from . import lock_user_data, now

router = APIRouter(tags=["Projects"])


def find_project(session: Session, user: User, project_id: str, detail: str) -> Project:
    """One of the user's projects; another user's project is 404 like a missing one."""
    project = None
    if is_id(project_id):
        project = session.scalar(
            select(Project).where(Project.id == project_id, Project.user_id == user.id)
        )
    if project is None:
        raise Problem(404, detail)
    return project


def _duplicate(name: str) -> Problem:
    return Problem(409, f'You already have a project called "{name}".')


def _check_name_free(session: Session, user: User, name: str, except_id: str | None) -> None:
    query = select(Project.id).where(
        Project.user_id == user.id, Project.name_key == rules.name_key(name)
    )
    if except_id is not None:
        query = query.where(Project.id != except_id)
    if session.scalar(query) is not None:
        raise _duplicate(name)


@router.post("/projects", status_code=201)
def create_project(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: Annotated[CreateProject, Depends(json_body(CreateProject))],
) -> dict[str, Any]:
    _check_name_free(session, user, body.name, except_id=None)
    project = Project(
        id=new_id(),
        user_id=user.id,
        name=body.name,
        name_key=rules.name_key(body.name),
        description=body.description,
        created_at=now(request),
    )
    session.add(project)
    try:
        session.commit()
    except IntegrityError:  # the same name created at the same moment
        raise _duplicate(body.name) from None
    return project_body(project)


@router.get("/projects")
def list_projects(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    projects = session.scalars(
        select(Project).where(Project.user_id == user.id).order_by(Project.seq)
    )
    return {"items": [project_body(project) for project in projects]}


@router.get("/projects/{project_id}")
def get_project(project_id: str, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return project_body(find_project(session, user, project_id, "No such project."))


@router.patch("/projects/{project_id}")
def update_project(
    project_id: str,
    session: DbSession,
    user: CurrentUser,
    body: Annotated[UpdateProject, Depends(json_body(UpdateProject))],
) -> dict[str, Any]:
    lock_user_data(session, user)
    project = find_project(session, user, project_id, "No such project.")
    if "name" in body.model_fields_set:
        _check_name_free(session, user, body.name, except_id=project.id)
        project.name = body.name
        project.name_key = rules.name_key(body.name)
    if "description" in body.model_fields_set:
        project.description = body.description
    try:
        session.commit()
    except IntegrityError:
        raise _duplicate(body.name) from None
    return project_body(project)


@router.delete("/projects/{project_id}", status_code=204)
def delete_project(project_id: str, session: DbSession, user: CurrentUser) -> Response:
    lock_user_data(session, user)
    project = find_project(session, user, project_id, "No such project.")
    has_entries = "The project still has time entries; delete or move them first."
    entries = session.scalar(
        select(func.count()).select_from(TimeEntry).where(TimeEntry.project_id == project.id)
    )
    if entries:
        raise Problem(409, has_entries)
    session.delete(project)
    try:
        session.commit()
    except IntegrityError:  # an entry was added to it at the same moment
        raise Problem(409, has_entries) from None
    return Response(status_code=204)
