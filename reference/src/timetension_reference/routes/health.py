from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..problems import Problem

router = APIRouter(tags=["Health"])


@router.get("/health")
def get_health(request: Request) -> dict[str, str]:
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Problem(503, "The database does not answer.") from None
    return {"status": "ok"}
