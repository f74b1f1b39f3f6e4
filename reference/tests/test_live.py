"""The real app in a process of its own, over HTTP, on SQLite and PostgreSQL: the timer under
a race, bodies sent without a Content-Length, and the migrations both ways."""

import http.client
import threading
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from timetension_reference import db, rules
from timetension_reference.settings import Settings


def token(url: str, email: str) -> dict[str, str]:
    account = {"email": email, "password": "correct horse battery"}
    assert httpx.post(f"{url}/users", json=account).status_code == 201
    answer = httpx.post(f"{url}/auth/token", json={**account, "expires_in": 86400})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.mark.parametrize("round_", range(3))
def test_ten_starts_at_once_make_one_running_entry(server, round_):
    headers = token(server, f"racer{round_}@example.com")
    barrier = threading.Barrier(10)
    statuses: list[int] = []
    lock = threading.Lock()

    def start() -> None:
        with httpx.Client(base_url=server, headers=headers, timeout=30) as client:
            barrier.wait()
            status = client.post("/timer/start", json={}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=start) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 9
    listed = httpx.get(f"{server}/time-entries", headers=headers).json()["items"]
    assert len(listed) == 1 and listed[0]["ended_at"] is None


def send_chunked(url: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> int:
    """POST with Transfer-Encoding: chunked and no Content-Length; the status."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=iter(chunks),
            headers={**headers, "Content-Type": "application/json"},
            encode_chunked=True,
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_chunked_body_is_counted_while_it_is_read(server):
    headers = token(server, "chunks@example.com")
    small = [b'{"name": ', b'"Website"}']
    assert send_chunked(server, "/projects", headers, small) == 201
    large = [b'{"name": "Mobile", "pad": "'] + [b"x" * 4096] * 16 + [b'"}']
    assert sum(map(len, large)) > rules.BODY_MAX_BYTES
    assert send_chunked(server, "/projects", headers, large) == 413
    assert send_chunked(server, "/projects", {}, large) == 401


def test_a_content_length_over_the_limit_is_413_before_the_body_is_read(server):
    headers = {**token(server, "big@example.com"), "Content-Type": "application/json"}
    body = b'{"name": "Website"}'.ljust(rules.BODY_MAX_BYTES + 1)
    answer = httpx.post(f"{server}/projects", content=body, headers=headers)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def test_migration_0002_versions_existing_entries_and_goes_back(new_database_url):
    engine = db.create_db_engine(Settings(database_url=new_database_url).database_url)
    config = db.alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            now = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, email, email_key, password_hash, created_at)"
                    " VALUES ('u', 'a@b.c', 'a@b.c', 'x', :now)"
                ),
                {"now": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO time_entries (id, user_id, started_at, ended_at)"
                    " VALUES ('e', 'u', :now, NULL)"
                ),
                {"now": now},
            )
            command.upgrade(config, "head")
            version = connection.execute(sa.text("SELECT version FROM time_entries")).scalar()
            assert version == 1
            command.downgrade(config, "0001")
            columns = {c["name"] for c in sa.inspect(connection).get_columns("time_entries")}
            assert "version" not in columns
            command.upgrade(config, "head")
    finally:
        engine.dispose()


INDEX = "ix_time_entries_user_id_started_at"


def index_names(connection: sa.Connection) -> set[str]:
    return {index["name"] for index in sa.inspect(connection).get_indexes("time_entries")}


def test_migration_0003_adds_the_overlap_index_and_goes_back(new_database_url):
    engine = db.create_db_engine(Settings(database_url=new_database_url).database_url)
    config = db.alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            assert INDEX in index_names(connection)
            command.downgrade(config, "0002")
            assert INDEX not in index_names(connection)
            if connection.dialect.name == "postgresql":
                constraints = connection.execute(
                    sa.text("SELECT conname FROM pg_constraint WHERE conname LIKE 'ex_%'")
                ).all()
                assert constraints == []
            command.upgrade(config, "head")
    finally:
        engine.dispose()
