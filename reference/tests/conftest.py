"""Fixtures: a fixed clock, the app through TestClient on SQLite and on PostgreSQL, live servers.

PostgreSQL runs as a throwaway cluster started from the server binaries (pg_ctl on PATH or
Debian's /usr/lib/postgresql/*/bin), as the `postgres` user when the tests run as root, since
initdb refuses root. Without the binaries the PostgreSQL tests are skipped, except in CI.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from timetension_reference import db
from timetension_reference.app import create_app
from timetension_reference.settings import Settings

# Not UTC, so that a timestamp read back in the database server's local time shows up.
POSTGRES_TIME_ZONE = "America/New_York"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 12, 0, 0, 500000, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="timetension-reference-pg-"))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        self.data = self.root / "data"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "tt", "--auth=trust", "-E", "UTF8")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            f" -c synchronous_commit=off -c timezone={POSTGRES_TIME_ZONE}"
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex}"
        base = f"postgresql://tt@127.0.0.1:{self.port}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"{base}/{name}"


def _postgres_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL's server binaries (pg_ctl) are missing"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the PostgreSQL tests.")
        pytest.skip(message)
    cluster = Cluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new database of each kind, without any table."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.db"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def postgres_database(postgres: Cluster) -> str:
    return postgres.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind. On PostgreSQL it is one database for the session, its
    tables emptied before each test, which is much quicker than a new database each time."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.db"
    url = request.getfixturevalue("postgres_database")
    with psycopg.connect(url, autocommit=True) as connection:
        if connection.execute("SELECT to_regclass('time_entries')").fetchone()[0] is not None:
            connection.execute("TRUNCATE time_entries, projects, users RESTART IDENTITY")
    return url


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def client(app_settings: Settings, clock: Clock) -> Iterator[TestClient]:
    app = create_app(app_settings, clock=clock)
    db.upgrade(app.state.engine)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def bearer(client: TestClient) -> Callable[[str], dict[str, str]]:
    """bearer(email): register an account; the Authorization header of a token for it."""

    def sign_up(email: str) -> dict[str, str]:
        account = {"email": email, "password": "correct horse battery"}
        assert client.post("/users", json=account).status_code == 201
        token = client.post("/auth/token", json={**account, "expires_in": 86400})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    return sign_up


@pytest.fixture
def signed_in(client: TestClient, bearer: Callable[[str], dict[str, str]]) -> TestClient:
    """The client, with the token of a new account on every request."""
    client.headers.update(bearer("ada@example.com"))
    return client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real app on each database, one per test module; its base URL. Tests make their
    own accounts."""
    folder = tmp_path_factory.mktemp(f"live-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder}/live.db"
    else:
        database_url = request.getfixturevalue("postgres").new_database()
    with live_server(database_url, folder) as url:
        yield url


@contextmanager
def live_server(database_url: str, folder: Path, **env: str) -> Iterator[str]:
    """The real app (`python -m timetension_reference`) in a process of its own; its base URL."""
    port = free_port()
    log = folder / f"server-{port}.log"
    environment = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "reference-tests-only-" + "x" * 16,
        **env,
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "timetension_reference"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the app exited:\n{log.read_text()}")
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not answer:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
