"""`timetension db start|status|stop`: a PostgreSQL of the attempt's own that answers before the command
returns, on the loopback and in UTC, also as root; the compose route with a stand-in `docker`; and nothing
left running after `stop`."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import missing_tool
import standin_docker
from participant_path import leftovers

from timetension import _database
from timetension._doctor import check_database_routes


def timetension(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timetension.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=180, env=env)


def _require_native() -> None:
    if _database.find_native_bin_dir() is None:
        missing_tool("PostgreSQL's server binaries (initdb, pg_ctl) are missing: run `make system-deps`",
                     ci_must="run every PostgreSQL test")


def _alive(pid: int) -> bool:
    """Whether the process runs; the server removes its PID file just before it exits, so allow it a moment."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] == "Z":
                return False
        except (OSError, IndexError):
            return False
        time.sleep(0.1)
    return True


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def attempt(tmp_path: Path) -> Iterator[Path]:
    """An attempt folder whose database is always stopped and deleted afterwards, whatever the test did."""
    folder = tmp_path / "my-attempt"
    folder.mkdir()
    yield folder
    timetension("db", "stop", "--delete", str(folder), cwd=tmp_path)


@pytest.mark.postgres
def test_start_waits_until_it_answers_and_prints_only_the_url_on_stdout(attempt: Path) -> None:
    _require_native()
    started = timetension("db", "start", cwd=attempt)
    assert started.returncode == 0, started.stderr
    assert started.stdout.count("\n") == 1 and started.stdout.startswith("DATABASE_URL=postgresql://")
    url = started.stdout.strip().split("=", 1)[1]
    # It answers as soon as the command returns: no retry here.
    with psycopg.connect(url, connect_timeout=5) as connection:
        assert connection.execute("SHOW timezone").fetchone() == ("UTC",)
        assert connection.execute("SELECT current_database()").fetchone() == ("timetension",)
        listen = connection.execute("SHOW listen_addresses").fetchone()
        assert listen == ("127.0.0.1",)
    state = _database.load_state(attempt)
    assert state is not None and (Path(state.data) / "PG_VERSION").is_file()
    assert "timetension db stop" in started.stderr

    again = timetension("db", "start", cwd=attempt)
    assert again.returncode == 0 and again.stdout == started.stdout, "a second start reuses the running one"
    status = timetension("db", "status", str(attempt), cwd=attempt.parent)
    assert status.returncode == 0 and status.stdout.startswith("running (native") and url in status.stdout


@pytest.mark.postgres
def test_stop_leaves_nothing_running_and_a_restart_keeps_the_data(attempt: Path) -> None:
    _require_native()
    url = timetension("db", "start", cwd=attempt).stdout.strip().split("=", 1)[1]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (id int)")
    state = _database.load_state(attempt)
    assert state is not None
    pid_file = Path(state.data) / "postmaster.pid"
    pid = int(pid_file.read_text().split()[0])

    stopped = timetension("db", "stop", cwd=attempt)
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    assert not pid_file.exists() and not _listening(state.port)
    assert not _alive(pid), f"the server (PID {pid}) is still running"
    assert timetension("db", "status", cwd=attempt).returncode == 1

    restarted = timetension("db", "start", cwd=attempt)
    assert restarted.returncode == 0, restarted.stderr
    with psycopg.connect(restarted.stdout.strip().split("=", 1)[1]) as connection:
        assert connection.execute("SELECT count(*) FROM kept").fetchone() == (0,)

    deleted = timetension("db", "stop", "--delete", cwd=attempt)
    assert deleted.returncode == 0 and not Path(state.data).exists()


@pytest.mark.postgres
def test_a_private_folder_works_also_as_root(tmp_path: Path) -> None:
    """As root, the server runs as another user, who cannot enter a 0700 folder of root's (/root/...)."""
    _require_native()
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    folder = private / "attempt"
    folder.mkdir()
    try:
        started = timetension("db", "start", cwd=folder)
        assert started.returncode == 0, started.stderr
        state = _database.load_state(folder)
        assert state is not None
        if os.geteuid() == 0:
            assert state.run_as and not state.data.startswith(str(private))
        else:
            assert state.data.startswith(str(folder))
        with psycopg.connect(state.url, connect_timeout=5) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    finally:
        stopped = timetension("db", "stop", "--delete", cwd=folder)
    assert stopped.returncode == 0 and not Path(state.data).exists()


def test_without_binaries_or_docker_it_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_database, "find_native_bin_dir", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    out, say = io.StringIO(), io.StringIO()
    assert _database.start(tmp_path, out=out, say=say) == 1
    assert out.getvalue() == ""
    message = say.getvalue()
    assert "apt install postgresql" in message and "Docker" in message and "DATABASE_URL yourself" in message


@pytest.fixture
def compose_attempt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path, int]]:
    """An attempt with the compose files, a stand-in `docker` alone on PATH, no native binaries, and a listener
    where the published database would be."""
    folder = tmp_path / "compose-attempt"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text("services: {}\n")
    (folder / ".env.example").write_text("# the password\nPOSTGRES_PASSWORD=\nPOSTGRES_USER=alice\n")
    log = tmp_path / "calls.jsonl"
    standin_docker.install(tmp_path / "bin")
    for key, value in standin_docker.environment(tmp_path / "bin", log, "healthy").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(_database, "find_native_bin_dir", lambda: None)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        monkeypatch.setattr(_database, "free_port", lambda: port)
        yield folder, log, port


def test_without_binaries_the_compose_db_service_is_published_on_the_loopback(
        compose_attempt: tuple[Path, Path, int]) -> None:
    folder, log, port = compose_attempt
    out, say = io.StringIO(), io.StringIO()
    assert _database.start(folder, out=out, say=say) == 0, say.getvalue()
    env = _database._read_env(folder / ".env")
    assert len(env["POSTGRES_PASSWORD"]) == 32 and env["POSTGRES_USER"] == "alice"
    assert out.getvalue() == f"DATABASE_URL=postgresql://alice:{env['POSTGRES_PASSWORD']}@127.0.0.1:{port}/timetension\n"
    up = standin_docker.calls(log)[-1]["args"]
    override = folder / ".timetension" / "db-compose.yml"
    assert up[:3] == ["compose", "-p", "compose-attempt"]
    assert up[3:7] == ["-f", str(folder / "docker-compose.yml"), "-f", str(override)]
    assert up[7:10] == ["up", "-d", "--wait"] and up[-1] == "db"
    assert f'"127.0.0.1:{port}:5432"' in override.read_text()

    assert _database.stop(folder, say=say) == 0
    assert standin_docker.steps(log)[-1] == "compose down"
    assert _database.stop(folder, delete=True, say=say) == 0
    assert standin_docker.steps(log)[-1] == "compose down --volumes"


def test_a_compose_attempt_keeps_its_own_password(compose_attempt: tuple[Path, Path, int]) -> None:
    folder, _, port = compose_attempt
    (folder / ".env").write_text("POSTGRES_PASSWORD=mine123\n")
    out = io.StringIO()
    assert _database.start(folder, out=out, say=io.StringIO()) == 0
    assert out.getvalue() == f"DATABASE_URL=postgresql://timetension:mine123@127.0.0.1:{port}/timetension\n"


def test_doctor_reports_the_native_route_and_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_database, "find_native_bin_dir", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    native, compose = check_database_routes()
    assert not native.ok and "apt install postgresql" in native.detail
    assert not compose.ok and "docker" in compose.detail


@pytest.mark.postgres
def test_doctor_names_the_native_server_it_found() -> None:
    _require_native()
    native, _ = check_database_routes()
    assert native.ok and "PostgreSQL" in native.detail and str(_database.find_native_bin_dir()) in native.detail


@pytest.mark.postgres
def test_a_start_that_fails_says_why_and_leaves_nothing_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _require_native()
    folder = tmp_path / "attempt"
    folder.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(_database, "free_port", lambda: taken.getsockname()[1])
        out, say = io.StringIO(), io.StringIO()
        try:
            assert _database.start(folder, route="native", out=out, say=say) == 1
            state = _database.load_state(folder)
            assert state is not None, "the state is kept, so that `db stop` can find what was started"
            assert leftovers([state.data], grace=2) == []
        finally:
            _database.stop(folder, delete=True, say=io.StringIO())
    assert out.getvalue() == ""
    assert "pg_ctl start failed" in say.getvalue() and "server.log" in say.getvalue()
    assert "could not bind" in say.getvalue() or "Address already in use" in say.getvalue()
