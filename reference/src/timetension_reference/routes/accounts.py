from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import rules, security
from ..dependencies import CurrentUser, DbSession, json_body
from ..models import User, new_id
from ..problems import Problem
from ..schemas import RegisterUser, TokenRequest, user_body
from . import now

router = APIRouter(tags=["Accounts"])

EMAIL_TAKEN = "An account with this email already exists."


@router.post("/users", status_code=201)
def register_user(
    request: Request,
    session: DbSession,
    body: Annotated[RegisterUser, Depends(json_body(RegisterUser))],
) -> dict[str, Any]:
    # Hashed before the database is touched: the hash may wait for a free hashing thread,
    # and must not hold a transaction (SQLite's write lock) meanwhile.
    password_hash = security.hash_password(body.password)
    key = rules.email_key(body.email)
    if session.scalar(select(User.id).where(User.email_key == key)) is not None:
        raise Problem(409, EMAIL_TAKEN)
    user = User(
        id=new_id(),
        email=body.email,
        email_key=key,
        password_hash=password_hash,
        created_at=now(request),
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:  # the same email registered at the same moment
        raise Problem(409, EMAIL_TAKEN) from None
    return user_body(user)


@router.post("/auth/token")
def create_token(
    request: Request,
    session: DbSession,
    body: Annotated[TokenRequest, Depends(json_body(TokenRequest))],
) -> dict[str, Any]:
    user = session.scalar(select(User).where(User.email_key == rules.email_key(body.email)))
    session.commit()  # no transaction held while the hash waits and runs
    # An unknown email costs one hash check too, so the time taken does not tell it apart.
    password_hash = user.password_hash if user is not None else security.dummy_hash()
    password_ok = security.verify_password(body.password, password_hash)
    if user is None or not password_ok:
        raise Problem(401, "The email or the password is wrong.")
    settings = request.app.state.settings
    lifetime = body.expires_in or settings.token_default_lifetime
    issued_at = request.app.state.clock().timestamp()
    token = security.issue_token(
        settings.secret_key,
        user.id,
        issued_at=int(issued_at),
        expires_at=rules.token_expiry(issued_at, lifetime),
    )
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}


@router.get("/users/me")
def get_current_user(user: CurrentUser) -> dict[str, Any]:
    return user_body(user)
