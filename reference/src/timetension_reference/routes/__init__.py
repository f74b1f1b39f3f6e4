"""The API's operations, one module per tag of the spec."""

from datetime import datetime

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import rules
from ..models import User


def now(request: Request) -> datetime:
    """The server's current time in UTC, truncated to the second."""
    return rules.to_utc_second(request.app.state.clock())


def lock_user_data(session: Session, user: User) -> None:
    """Hold the user's row until commit, so two writes to the same user's data run one after the other:
    two requests cannot both pass the overlap check, and a change cannot race the delete of its row.

    (SQLite needs no row lock: every transaction there takes the write lock, see db.py.)
    """
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
