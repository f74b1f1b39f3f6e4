"""Password hashing and bearer tokens."""

import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# Argon2id with OWASP's minimum parameters (19 MiB of memory, 2 passes, 1 lane): about
# 20 ms per hash, slow enough against guessing, fast enough for registration and login.
_passwords = PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))

_ALGORITHM = "HS256"

Result = TypeVar("Result")


class _Hashing:
    """Argon2 hashes run on a few threads of their own, so a burst of logins queues for them
    instead of taking 19 MiB per request at once. Only these threads ever hold the hashes'
    memory, so the allocator keeps at most that many of those blocks around afterwards."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="password-hash")

    def run(self, function: Callable[..., Result], *args: str) -> Result:
        return self._executor.submit(function, *args).result()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)


_hashing = _Hashing(4)  # create_app sets the configured number (PASSWORD_HASH_CONCURRENCY)
_hashing_lock = threading.Lock()


def limit_hashing(workers: int) -> None:
    """At most `workers` password hashes at once (settings.password_hash_concurrency)."""
    global _hashing
    with _hashing_lock:
        if _hashing.workers != workers:
            previous, _hashing = _hashing, _Hashing(workers)
            previous.shutdown()

# A short SECRET_KEY is reported once at start (see settings), not on every token.
warnings.filterwarnings("ignore", category=jwt.InsecureKeyLengthWarning)


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def hash_password(password: str) -> str:
    return _hashing.run(_passwords.hash, password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hashing.run(_passwords.verify, password, password_hash)


@cache
def dummy_hash() -> str:
    """A hash to check passwords against when the email is unknown, so that a login takes
    as long whether the account exists or not."""
    return hash_password("not the password of any account")


def issue_token(secret_key: str, user_id: str, issued_at: int, expires_at: int) -> str:
    claims = {"sub": user_id, "iat": issued_at, "exp": expires_at}
    return jwt.encode(claims, secret_key, algorithm=_ALGORITHM)


def read_token(secret_key: str, token: str, now: float) -> str:
    """The user id of a token that is well signed and has not expired at `now`."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[_ALGORITHM],
            # Times are checked below against the app's clock, with no leeway.
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        raise TokenInvalid from None
    expires_at, subject = claims["exp"], claims["sub"]
    if not isinstance(expires_at, int) or isinstance(expires_at, bool):
        raise TokenInvalid
    if not isinstance(subject, str):
        raise TokenInvalid
    if expires_at <= now:
        raise TokenExpired
    return subject
