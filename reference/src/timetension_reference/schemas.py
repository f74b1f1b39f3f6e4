"""Request bodies (pydantic models checked against the rules) and response bodies."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from . import rules
from .models import Project, TimeEntry, User


def _rule(check: Callable[[Any], Any]) -> AfterValidator:
    def validate(value: Any) -> Any:
        try:
            return check(value)
        except ValueError as exc:
            raise PydanticCustomError("rule", str(exc)) from None

    return AfterValidator(validate)


def _parse_timestamp(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # left to the datetime type, which rejects it
    try:
        return rules.to_utc_second(rules.parse_timestamp(rules.check_text(value)))
    except ValueError as exc:
        raise PydanticCustomError("rule", str(exc)) from None


def _integral_float_to_int(value: Any) -> Any:
    """JSON Schema counts 60.0 as an integer, so it is taken as 60."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Each rule is looked up in `rules` when it runs, so that tests can monkeypatch it.
Text = Annotated[str, _rule(lambda v: rules.check_text(v))]
Email = Annotated[Text, _rule(lambda v: rules.check_email(v))]
Password = Annotated[Text, _rule(lambda v: rules.check_password(v))]
ProjectName = Annotated[Text, _rule(lambda v: rules.clean_project_name(v))]
Description = Annotated[Text, _rule(lambda v: rules.check_description(v))]
TokenLifetime = Annotated[
    int,
    BeforeValidator(_integral_float_to_int),
    _rule(lambda v: rules.check_token_lifetime(v)),
]
Timestamp = Annotated[datetime, BeforeValidator(_parse_timestamp)]


class RequestBody(BaseModel):
    """Strict: "10" is not a number and 1 is not a string. Unknown fields are ignored.

    A field that may be left out but not be null has `Field(default=None)`: pydantic does not
    check defaults, so a field left out is None while an explicit null fails the type (422).
    """

    model_config = ConfigDict(strict=True, extra="ignore")


class RegisterUser(RequestBody):
    email: Email
    password: Password


class TokenRequest(RequestBody):
    email: Text
    password: Text
    expires_in: TokenLifetime = Field(default=None)  # type: ignore[assignment]


class CreateProject(RequestBody):
    name: ProjectName
    description: Description | None = None


class UpdateProject(RequestBody):
    """Only the fields that were sent (model_fields_set) change."""

    name: ProjectName = Field(default=None)  # type: ignore[assignment]
    description: Description | None = None


class CreateTimeEntry(RequestBody):
    started_at: Timestamp
    ended_at: Timestamp
    description: Description | None = None
    project_id: Text | None = None


class UpdateTimeEntry(RequestBody):
    """Only the fields that were sent (model_fields_set) change."""

    started_at: Timestamp = Field(default=None)  # type: ignore[assignment]
    ended_at: Timestamp = Field(default=None)  # type: ignore[assignment]
    description: Description | None = None
    project_id: Text | None = None


class StartTimer(RequestBody):
    description: Description | None = None
    project_id: Text | None = None


def user_body(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "created_at": rules.format_timestamp(user.created_at),
    }


def project_body(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "created_at": rules.format_timestamp(project.created_at),
    }


def entry_body(entry: TimeEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "project_id": entry.project_id,
        "description": entry.description,
        "started_at": rules.format_timestamp(entry.started_at),
        "ended_at": None if entry.ended_at is None else rules.format_timestamp(entry.ended_at),
        "duration_seconds": rules.duration_seconds(entry.started_at, entry.ended_at),
    }


def summary_body(first: date, last: date, tz: str, summary: rules.Summary) -> dict[str, Any]:
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "tz": tz,
        "total_seconds": summary.total_seconds,
        "projects": [
            {"project_id": project_id, "total_seconds": seconds}
            for project_id, seconds in summary.projects
        ],
        "days": [
            {"date": day.isoformat(), "total_seconds": seconds} for day, seconds in summary.days
        ],
    }
