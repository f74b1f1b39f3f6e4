"""Under load the app waits for nothing without a limit, through TestClient on SQLite and
PostgreSQL: the token check holds no transaction, a full pool and a slow database are 503 with
Retry-After, password hashes run a few at a time, the overlap check reads two entries, oversized
headers are 431, and a new SQLite file is private."""

import os
import random
import stat
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.requests import Request

from timetension_reference import db, dependencies, rules, security
from timetension_reference.app import create_app
from timetension_reference.models import TimeEntry
from timetension_reference.settings import Settings

PROBLEM = "application/problem+json"
NINE = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return rules.format_timestamp(moment)


def test_the_token_check_leaves_no_transaction_and_no_connection_held(client, bearer):
    headers = bearer("ada@example.com")
    app = client.app
    authorization = (b"authorization", headers["Authorization"].encode())
    scope = {"type": "http", "app": app, "headers": [authorization]}
    with app.state.sessions() as session:
        user = dependencies.current_user(Request(scope), session)
        assert user.email == "ada@example.com"
        # The route runs later in another worker thread: nothing may be held until then.
        assert not session.in_transaction()
        assert app.state.engine.pool.checkedout() == 0


def sign_up(client: TestClient, email: str) -> dict[str, str]:
    account = {"email": email, "password": "correct horse battery"}
    assert client.post("/users", json=account).status_code == 201
    token = client.post("/auth/token", json=account).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_a_full_pool_is_503_with_retry_after(database_url):
    app = create_app(Settings(database_url=database_url, database_pool_timeout=1))
    db.upgrade(app.state.engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = sign_up(client, "ada@example.com")
        engine = app.state.engine
        # Every connection of the pool: its size and the 10 more it may open (max_overflow).
        held = [engine.connect() for _ in range(engine.pool.size() + 10)]
        try:
            answer = client.get("/users/me", headers=headers)
        finally:
            for connection in held:
                connection.close()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["status"] == 503
    engine.dispose()


def test_password_hashes_run_at_most_the_setting_at_once(monkeypatch):
    running, most = 0, 0
    lock = threading.Lock()

    class CountingHasher:
        def hash(self, password: str) -> str:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.05)
            with lock:
                running -= 1
            return "hashed"

    monkeypatch.setattr(security, "_passwords", CountingHasher())
    security.limit_hashing(2)
    try:
        threads = [threading.Thread(target=security.hash_password, args=("pw",)) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    finally:
        security.limit_hashing(Settings().password_hash_concurrency)
    assert most == 2


def test_the_overlap_check_reads_two_entries_however_many_the_user_has(signed_in):
    for n in range(30):
        start = NINE + timedelta(hours=n)
        body = {"started_at": stamp(start), "ended_at": stamp(start + timedelta(minutes=30))}
        assert signed_in.post("/time-entries", json=body).status_code == 201
    loaded: list[str] = []
    listener = lambda entry, _context: loaded.append(entry.id)  # noqa: E731
    sa.event.listen(TimeEntry, "load", listener)
    try:
        middle = {"started_at": stamp(NINE + timedelta(hours=15, minutes=40)),
                  "ended_at": stamp(NINE + timedelta(hours=15, minutes=50))}
        assert signed_in.post("/time-entries", json=middle).status_code == 201
        clash = {"started_at": stamp(NINE + timedelta(hours=20, minutes=10)),
                 "ended_at": stamp(NINE + timedelta(hours=20, minutes=20))}
        assert signed_in.post("/time-entries", json=clash).status_code == 409
    finally:
        sa.event.remove(TimeEntry, "load", listener)
    assert len(loaded) <= 4  # two neighbours for each write


def test_the_overlap_check_agrees_with_the_rule_on_every_entry(signed_in):
    """The two neighbours stand for all the entries: random intervals, compared with
    rules.overlaps over every entry the user has."""
    chance = random.Random(12)
    kept: list[tuple[datetime, datetime]] = []
    for _ in range(60):
        start = NINE + timedelta(minutes=10 * chance.randrange(0, 60))
        end = start + timedelta(minutes=10 * chance.randrange(1, 6))
        clashes = any(rules.overlaps(start, end, *other) for other in kept)
        body = {"started_at": stamp(start), "ended_at": stamp(end)}
        answer = signed_in.post("/time-entries", json=body)
        assert answer.status_code == (409 if clashes else 201), (start, end, kept)
        if not clashes:
            kept.append((start, end))
    assert len(kept) > 5


def test_postgresql_refuses_overlapping_entries_itself(postgres_database):
    app = create_app(Settings(database_url=postgres_database))
    db.upgrade(app.state.engine)
    insert = sa.text(
        "INSERT INTO time_entries (id, user_id, started_at, ended_at)"
        " VALUES (:id, 'u', :start, :end)"
    )
    try:
        with app.state.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM time_entries WHERE user_id = 'u'"))
            connection.execute(sa.text("DELETE FROM users WHERE id = 'u'"))
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, email_key, password_hash, created_at)"
                    " VALUES ('u', 'a@b.c', 'a@b.c', 'x', :now)"
                ),
                {"now": NINE},
            )
            connection.execute(insert, {"id": "a", "start": NINE, "end": NINE + timedelta(hours=1)})
            # Touching is allowed: [09:00, 10:00) and [10:00, ...) share no moment.
            connection.execute(insert, {"id": "b", "start": NINE + timedelta(hours=1), "end": None})
        with pytest.raises(sa.exc.IntegrityError, match="ex_time_entries_no_overlap"):
            with app.state.engine.begin() as connection:
                later = NINE + timedelta(hours=5)  # inside the running entry
                connection.execute(
                    insert, {"id": "c", "start": later, "end": later + timedelta(hours=1)}
                )
    finally:
        with app.state.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM time_entries WHERE user_id = 'u'"))
            connection.execute(sa.text("DELETE FROM users WHERE id = 'u'"))
        app.state.engine.dispose()


@pytest.mark.parametrize("size, status", [(20_000, 200), (40_000, 431)])
def test_a_header_block_over_32_kib_is_431(client, size, status):
    answer = client.get("/health", headers={"X-Padding": "a" * size})
    assert answer.status_code == status
    if status == 431:
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["status"] == 431


def test_a_new_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/private.db"))
        db.upgrade(app.state.engine)
        with app.state.engine.connect() as connection:  # the log files exist while it is open
            connection.execute(sa.text("SELECT count(*) FROM users"))
            modes = {
                path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.iterdir()
            }
        app.state.engine.dispose()
    finally:
        os.umask(previous)
    assert modes == {"private.db": 0o600, "private.db-wal": 0o600, "private.db-shm": 0o600}


def test_an_overlap_only_postgresql_sees_is_409(monkeypatch, postgres_database):
    """The exclusion constraint refuses what a wrong overlap check lets through, as a 409."""
    app = create_app(Settings(database_url=postgres_database))
    db.upgrade(app.state.engine)
    with TestClient(app) as client:
        client.headers.update(sign_up(client, f"{uuid.uuid4().hex}@example.com"))
        day = NINE + timedelta(days=400)
        first = {"started_at": stamp(day), "ended_at": stamp(day + timedelta(hours=1))}
        assert client.post("/time-entries", json=first).status_code == 201
        monkeypatch.setattr(rules, "overlaps", lambda *_: False)
        later = day + timedelta(minutes=30)
        second = {"started_at": stamp(later), "ended_at": stamp(later + timedelta(hours=1))}
        answer = client.post("/time-entries", json=second)
    app.state.engine.dispose()
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == PROBLEM
