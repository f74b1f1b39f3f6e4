"""What a check works with: users, requests that return Replies, unique names and time windows."""

from __future__ import annotations

import itertools
import threading
from urllib.parse import urlencode
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ._client import _NO_BODY, HttpClient
from ._expect import CheckFailed, Reply, as_json
from ._spec import Spec

if TYPE_CHECKING:
    from ._registry import Check

PASSWORD = "correct horse battery staple"
DEFAULT_CORS_ORIGIN = "http://localhost:5173"
_FIRST_DAY = date(2001, 1, 1)


class Requester:
    """Sends requests as one caller: anonymous, or a user with a bearer token."""

    def __init__(self, client: HttpClient, spec: Spec, token: str | None = None) -> None:
        self._client = client
        self._spec = spec
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _NO_BODY,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        all_headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        all_headers.update(headers or {})
        exchange = self._client.request(method, path, json=json, content=content, headers=all_headers)
        return Reply(exchange, self._spec)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


class User(Requester):
    """A registered user of this run, signed in with a bearer token."""

    def __init__(self, client: HttpClient, spec: Spec, *, email: str, password: str, user_id: str, token: str):
        super().__init__(client, spec, token)
        self.email = email
        self.password = password
        self.id = user_id

    def create_project(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.post("/projects", json={"name": name, **fields}).expect(
            201, why="the check needs a project to work with"
        )

    def create_entry(self, started_at: str, ended_at: str, **fields: Any) -> dict[str, Any]:
        body = {"started_at": started_at, "ended_at": ended_at, **fields}
        return self.post("/time-entries", json=body).expect(201, why="the check needs a time entry to work with")


class RunState:
    """What the checks of one run share: the client, unique names, and users made on demand."""

    def __init__(self, client: HttpClient, spec: Spec, run_id: str, cors_origin: str = DEFAULT_CORS_ORIGIN) -> None:
        self.client = client
        self.spec = spec
        self.run_id = run_id
        self.cors_origin = cors_origin
        self.shared_users: dict[str, User] = {}
        self.prepared: dict[str, Any] = {}
        self.labels: dict[str, str] = {}  # ids of the objects answers carried -> their names
        self._counter = itertools.count(1)
        self._user_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def user_lock(self, name: str) -> threading.Lock:
        """Held while the shared user `name` is made, so that checks running at once make it only once."""
        with self._lock:
            return self._user_locks.setdefault(name, threading.Lock())

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{self.run_id}-{next(self._counter)}"


class Tester:
    """The one argument of every check."""

    def __init__(self, state: RunState, check: Check, index: int, *, again: bool = False) -> None:
        self._state = state
        self.check = check
        self._index = index
        self._again = again  # a second try: shared users of its own, so the first try's data is not in its way
        self.anonymous = Requester(state.client, state.spec)

    @property
    def cors_origin(self) -> str:
        """The browser origin the app is configured to allow (CORS_ORIGINS on the app's side)."""
        return self._state.cors_origin

    @property
    def prepared(self) -> Any:
        """What the check's prepare step returned (run before the other checks of its level)."""
        return self._state.prepared.get(self.check.slug)

    def unique(self, prefix: str) -> str:
        """A name no other check and no earlier run has used."""
        return self._state.unique(prefix)

    def unique_email(self, local: str = "user") -> str:
        return f"{self._state.unique('tt-' + local)}@example.com"

    def register(self, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        email = email or self.unique_email()
        return self.anonymous.post("/users", json={"email": email, "password": password}).expect(
            201, why="the check needs a registered user"
        )

    def sign_in(self, email: str, password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
        body = {"email": email, "password": password, **fields}
        return self.anonymous.post("/auth/token", json=body).expect(
            200, why="the check needs a bearer token for a registered user"
        )

    def new_user(self, local: str = "user") -> User:
        """A user of this check alone, registered and signed in."""
        email = self.unique_email(local)
        account = self.register(email)
        token = self.sign_in(email)["access_token"]
        return User(
            self._state.client, self._state.spec, email=email, password=PASSWORD, user_id=account["id"], token=token
        )

    def shared_user(self, name: str) -> User:
        """A user shared by the checks of this run that do not need a clean slate."""
        key = f"{name}-again" if self._again else name
        with self._state.user_lock(key):
            if key not in self._state.shared_users:
                self._state.shared_users[key] = self.new_user(key)
            return self._state.shared_users[key]

    def day(self) -> date:
        """A day in the past that only this check uses, so shared users' entries never collide."""
        return _FIRST_DAY + timedelta(days=3 * self._index)

    def at(self, clock: str, offset: str = "Z", *, day_shift: int = 0) -> str:
        """An RFC 3339 timestamp on this check's day, e.g. at("09:30", "+02:00")."""
        day = self.day() + timedelta(days=day_shift)
        return f"{day.isoformat()}T{clock if clock.count(':') == 2 else clock + ':00'}{offset}"

    def utc(self, clock: str, *, day_shift: int = 0) -> str:
        """The same instant as at(clock) with no offset given, as the API must answer it."""
        return self.at(clock, "Z", day_shift=day_shift)

    @staticmethod
    def query(path: str, **params: Any) -> str:
        """path?params, encoded (a + in an offset must travel as %2B)."""
        present = {name.rstrip("_"): value for name, value in params.items() if value is not None}
        return f"{path}?{urlencode(present)}" if present else path

    @staticmethod
    def now_utc() -> datetime:
        return datetime.now(timezone.utc).replace(microsecond=0)

    @staticmethod
    def stamp(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def ensure(self, condition: bool, *, expected: str, received: str, reply: Reply | None = None,
               why: str | None = None, details: list[str] | None = None, rule: str | None = None) -> None:
        """Fail with expected versus received unless condition holds. `why` is the reason for the rule this
        assertion verifies (the check's own reason when not given); `rule` its id, when it has one."""
        if not condition:
            raise CheckFailed(
                expected=expected,
                received=received,
                exchange=reply.exchange if reply is not None else None,
                why=why,
                details=details or [],
                rule=rule,
            )

    def ensure_in_order(self, listed: list[Any], wanted: list[Any], *, what: str, reply: Reply, why: str,
                        rule: str | None = None) -> None:
        """Every wanted item is in listed, in the same relative order (other items may be in between)."""
        positions = [listed.index(item) if item in listed else -1 for item in wanted]
        self.ensure(
            -1 not in positions and positions == sorted(positions),
            expected=f"{what} to include, in this order: {self.shown(wanted)}",
            received=f"{what}: {self.shown(listed)}",
            reply=reply,
            why=why,
            rule=rule,
        )

    def ensure_equal(self, actual: Any, wanted: Any, *, what: str, reply: Reply | None = None,
                     why: str | None = None, rule: str | None = None) -> None:
        self.ensure(
            actual == wanted,
            expected=f"{what} = {self.shown(wanted)}",
            received=f"{what} = {self.shown(actual)}",
            reply=reply,
            why=why,
            rule=rule,
        )

    def shown(self, value: Any) -> str:
        """value as JSON; in a list of ids, each id followed by the name of its object, when known."""
        labels = self._state.labels
        if isinstance(value, list) and any(isinstance(item, str) and item in labels for item in value):
            return "[" + ", ".join(
                f"{as_json(item)} ({labels[item]})" if isinstance(item, str) and item in labels else as_json(item)
                for item in value
            ) + "]"
        return as_json(value)
