from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import db
from ..problems import RETRY_AFTER_SECONDS, Problem

router = APIRouter(tags=["Health"])


# Each exchange with a database that does not answer is given up after this long, so that
# /health says 503 within a few seconds (a new connection may take the connect limit more).
HEALTH_ANSWER_SECONDS = 1.5


@router.get("/health")
def get_health(request: Request) -> dict[str, str]:
    try:
        with db.answer_within(HEALTH_ANSWER_SECONDS):
            with request.app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Problem(
            503,
            "The database does not answer.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    return {"status": "ok"}
