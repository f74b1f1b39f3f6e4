"""The real app in a process of its own when the database is slow or stops answering, under a
burst, and with a header block that arrives in pieces."""

import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import psutil
import pytest

from conftest import Cluster, _postgres_bin_dir, live_server

PROBLEM = "application/problem+json"


def sign_up(url: str, email: str) -> dict[str, str]:
    account = {"email": email, "password": "correct horse battery"}
    assert httpx.post(f"{url}/users", json=account, timeout=30).status_code == 201
    answer = httpx.post(f"{url}/auth/token", json={**account, "expires_in": 86400}, timeout=30)
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def expect_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["retry-after"].isdigit()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/live.db"
    return request.getfixturevalue("postgres").new_database()


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """Another client holds the lock every write of the app needs (SQLite's write lock, or
    every user row on PostgreSQL) until the block ends."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
    else:
        connection = psycopg.connect(database_url)
        connection.execute("SELECT id FROM users FOR UPDATE")
    try:
        yield
    finally:
        if database_url.startswith("sqlite"):
            connection.execute("ROLLBACK")
        else:
            connection.rollback()
        connection.close()


def test_a_statement_that_waits_past_the_limit_is_503(database, tmp_path):
    with live_server(database, tmp_path, DATABASE_STATEMENT_TIMEOUT="1") as url:
        headers = sign_up(url, "waiter@example.com")
        with locked(database):
            # Well within the client's 10 s: the app gives up after its 1 s limit.
            answer = httpx.post(f"{url}/timer/start", json={}, headers=headers, timeout=10)
        expect_unavailable(answer)
        again = httpx.post(f"{url}/timer/start", json={}, headers=headers, timeout=20)
        assert again.status_code == 201


@pytest.mark.parametrize("path", ["/users/me", "/projects"])
def test_a_burst_of_100_signed_in_requests_is_all_answered(database, tmp_path, path):
    with live_server(database, tmp_path) as url:
        headers = sign_up(url, "burst@example.com")
        barrier = threading.Barrier(100)
        statuses: list[int] = []

        def send(n: int) -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
                barrier.wait(timeout=30)
                try:
                    if path == "/projects":
                        statuses.append(client.post(path, json={"name": f"Burst {n}"}).status_code)
                    else:
                        statuses.append(client.get(path).status_code)
                except httpx.HTTPError:
                    statuses.append(0)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(100)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    expected = 201 if path == "/projects" else 200
    assert statuses.count(expected) == 100, sorted(statuses)


def _descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]


@contextmanager
def frozen(cluster: Cluster) -> Iterator[None]:
    """Every process of the cluster stopped (SIGSTOP), as a stuck server or a cut network
    looks from the app: connections stay open and nothing answers. Always resumed."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    stopped = []
    try:
        for pid in _descendants(postmaster):
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries (pg_ctl) are missing; CI must run this test.")
        pytest.skip("PostgreSQL's server binaries (pg_ctl) are missing")
    cluster = Cluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_health_is_503_while_postgresql_is_frozen_and_200_once_it_resumes(own_cluster, tmp_path):
    with live_server(own_cluster.new_database(), tmp_path) as url:
        headers = sign_up(url, "frozen@example.com")
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
        with frozen(own_cluster):
            expect_unavailable(httpx.get(f"{url}/health", timeout=20))
            expect_unavailable(httpx.get(f"{url}/projects", headers=headers, timeout=20))
        deadline = time.monotonic() + 15
        while httpx.get(f"{url}/health", timeout=20).status_code != 200:
            assert time.monotonic() < deadline, "/health did not come back once PostgreSQL resumed"
            time.sleep(0.1)
        assert httpx.get(f"{url}/projects", headers=headers, timeout=20).status_code == 200


def test_a_header_block_that_arrives_in_pieces_is_431_from_the_app(tmp_path):
    with live_server(f"sqlite:///{tmp_path}/live.db", tmp_path) as url:
        port = int(url.rsplit(":", 1)[1])
        head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        fields = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 990) for n in range(40))  # 40 KB
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(head)
            for start in range(0, len(fields), 4096):
                connection.sendall(fields[start : start + 4096])
                time.sleep(0.01)  # separate reads, so the server buffers an incomplete block
            connection.sendall(b"\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b"content-type: application/problem+json" in rest.lower()
