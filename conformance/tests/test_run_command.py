"""`timetension run DIR` against a stand-in `docker` (standin_docker.py): there is no Docker engine here, so
these tests check the commands it runs, their order, the messages, the reports and the exit status, and
that the stack is always taken down. The healthy scenario points the suite at the reference implementation,
published as the app's port. What only a real engine can show is listed in docs/containers.md."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import standin_docker
from servers import REPOSITORY

from timetension._compose import _health_of, env_file_sets, parse_ps, parse_published, project_name

TEMPLATE = REPOSITORY / "docker-compose.template.yml"
DOWN = "compose down --volumes --remove-orphans --rmi local"
FULL_RUN = ["compose version", "version --format {{.Server.Version}}", "compose config --services",
            "compose build", "compose up --detach --no-start", "compose up --detach",
            "compose ps --all --format json", "compose port app 8080", "compose logs --no-color --timestamps", DOWN]


@pytest.fixture
def attempt(tmp_path: Path) -> Path:
    """A fresh attempt as `make new` leaves it: a starter, its docker-compose.yml and .env.example."""
    folder = tmp_path / "My Attempt"
    shutil.copytree(REPOSITORY / "starters" / "go-nethttp", folder,
                    ignore=shutil.ignore_patterns("bin", "target", "node_modules"))
    shutil.copy(TEMPLATE, folder / "docker-compose.yml")
    shutil.copy(REPOSITORY / ".env.example", folder / ".env.example")
    return folder


class Standin:
    def __init__(self, tmp_path: Path) -> None:
        self.bin = tmp_path / "bin"
        self.log = tmp_path / "docker-calls.jsonl"
        standin_docker.install(self.bin)

    def env(self, scenario: str, **extra: str) -> dict[str, str]:
        return standin_docker.environment(self.bin, self.log, scenario, **extra)

    def steps(self) -> list[str]:
        return standin_docker.steps(self.log)

    def calls(self) -> list[dict]:
        return standin_docker.calls(self.log)


@pytest.fixture
def standin(tmp_path: Path) -> Standin:
    return Standin(tmp_path)


def timetension_run(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timetension.cli", "run", *args, "--no-color"], env=env,
                          capture_output=True, text=True, timeout=timeout)


def port_of(url: str) -> str:
    return str(urlsplit(url).port)


@pytest.fixture
def not_found_app() -> Iterator[str]:
    """An app that answers 404 to everything: level 0 fails quickly."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b'{"detail": "nothing here"}'
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_healthy_stack_is_built_started_checked_logged_and_removed(
        attempt: Path, standin: Standin, reference_on_sqlite: str) -> None:
    completed = timetension_run(str(attempt), env=standin.env("healthy", STANDIN_APP_PORT=port_of(reference_on_sqlite)))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert standin.steps() == FULL_RUN

    compose_calls = [call for call in standin.calls() if call["args"][:2] == ["compose", "-p"]]
    projects = {call["args"][2] for call in compose_calls}
    assert len(projects) == 1 and projects.pop().startswith("timetension-my-attempt-")
    assert all(call["args"][3:5] == ["-f", "docker-compose.yml"] for call in compose_calls)
    assert all(Path(call["cwd"]) == attempt for call in compose_calls)
    # A free port of its own, and a throwaway password since there is no .env; the suite's profile stays off.
    assert all(call["env"]["APP_PORT"] and call["env"]["APP_PORT"].isdigit() for call in compose_calls)
    assert all(call["env"]["POSTGRES_PASSWORD"] for call in compose_calls)
    assert not any(call["env"]["COMPOSE_PROFILES"] for call in compose_calls)

    out = completed.stdout
    assert "+ docker compose -p timetension-my-attempt-" in out and " build\n" in out
    assert f"+ cd {attempt}" in out or f"+ cd '{attempt}'" in out
    assert "export APP_PORT=" in out and "export POSTGRES_PASSWORD=" in out
    assert "down --volumes --remove-orphans --rmi local" in out
    assert f"the app answers on {reference_on_sqlite}" in out
    assert "Level reached: L5 (requested L5)." in out
    assert "The stack is gone." in out

    reports = attempt / "reports"
    assert json.loads((reports / "results.json").read_text())["passed"] is True
    assert (reports / "junit.xml").is_file()
    assert "database system is ready" in (reports / "compose.log").read_text()
    assert "naming to docker.io/library/" in (reports / "build.log").read_text()


def test_the_password_in_env_is_used_and_reports_go_where_asked(
        attempt: Path, standin: Standin, not_found_app: str, tmp_path: Path) -> None:
    (attempt / ".env").write_text("POSTGRES_PASSWORD=s3cret0\n")
    completed = timetension_run(str(attempt), "--level", "0", "--report", str(tmp_path / "out"),
                                env=standin.env("healthy", STANDIN_APP_PORT=port_of(not_found_app)))
    # The suite ran and failed: exit status 1, and the stack still went down last.
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert standin.steps()[-1] == DOWN
    assert "export POSTGRES_PASSWORD" not in completed.stdout
    assert all(call["env"]["POSTGRES_PASSWORD"] is None for call in standin.calls())
    assert json.loads((tmp_path / "out" / "results.json").read_text())["passed"] is False
    assert (tmp_path / "out" / "compose.log").is_file()
    assert not (attempt / "reports").exists()


def test_a_service_that_never_becomes_healthy_is_named_with_its_logs(attempt: Path, standin: Standin) -> None:
    completed = timetension_run(str(attempt), "--wait", "3", env=standin.env("never-healthy"))
    assert completed.returncode == 3, completed.stdout + completed.stderr
    out = completed.stdout
    assert "The stack did not come up: app did not become healthy within 3 s (running, health: starting)." in out
    assert "Its health check said: wget: can't connect to remote host (127.0.0.1): Connection refused" in out
    assert "connection refused; retrying" in out  # its last log lines
    assert "listen on 0.0.0.0:8080" in out and "db:5432" in out  # the hint
    steps = standin.steps()
    assert "compose port app 8080" not in steps
    assert "compose logs --no-color --tail 30 app" in steps
    assert steps[-2:] == ["compose logs --no-color --timestamps", DOWN]
    assert (attempt / "reports" / "compose.log").is_file()
    assert not (attempt / "reports" / "results.json").exists()


def test_an_unhealthy_database_is_named_before_the_app(attempt: Path, standin: Standin) -> None:
    completed = timetension_run(str(attempt), env=standin.env("db-unhealthy"))
    assert completed.returncode == 3, completed.stdout + completed.stderr
    out = completed.stdout
    assert "dependency failed to start" in out  # compose's own words, shown as they came
    assert "The stack did not come up: db is not healthy (running, health: unhealthy)." in out
    assert "password authentication failed" in out
    assert "app was not started (created): it waits for the services it depends on." in out
    assert "compose logs --no-color --tail 30 app" not in standin.steps()
    assert standin.steps()[-1] == DOWN


def test_a_build_failure_stops_before_up_and_still_tears_down(attempt: Path, standin: Standin) -> None:
    completed = timetension_run(str(attempt), env=standin.env("build-failure"))
    assert completed.returncode == 3, completed.stdout + completed.stderr
    assert "undefined: handler" in completed.stdout
    assert "The stack did not come up: the images did not build" in completed.stdout
    assert "undefined: handler" in (attempt / "reports" / "build.log").read_text()
    steps = standin.steps()
    assert not any(step.startswith("compose up") for step in steps)
    assert steps[-3:] == ["compose build", "compose logs --no-color --timestamps", DOWN]


def _run_until(standin: Standin, attempt: Path, scenario: str, step: str, *args: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "timetension.cli", "run", str(attempt), "--no-color", *args],
                               env=standin.env(scenario), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    deadline = time.monotonic() + 60
    while step not in standin.steps():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, f"{step!r} never came: {standin.steps()}"
        time.sleep(0.05)
    time.sleep(0.3)  # inside the wait, not before it
    return process


def test_ctrl_c_while_waiting_for_up_still_takes_the_stack_down(attempt: Path, standin: Standin) -> None:
    process = _run_until(standin, attempt, "hang-up", "compose up --detach")
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 130, out
    assert "Interrupted: taking the stack down first." in out
    assert standin.steps()[-1] == DOWN
    assert "Traceback" not in out


def test_sigterm_while_polling_health_still_takes_the_stack_down(attempt: Path, standin: Standin) -> None:
    process = _run_until(standin, attempt, "never-healthy", "compose ps --all --format json", "--wait", "120")
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 143, out
    assert "Terminated (SIGTERM): taking the stack down first." in out
    assert standin.steps()[-1] == DOWN
    assert "Traceback" not in out


def test_keep_leaves_the_stack_running_and_says_how_to_stop_it(
        attempt: Path, standin: Standin, not_found_app: str) -> None:
    completed = timetension_run(str(attempt), "--keep", "--level", "0",
                                env=standin.env("healthy", STANDIN_APP_PORT=port_of(not_found_app)))
    assert completed.returncode == 1
    assert not any(step.startswith("compose down") for step in standin.steps())
    assert "The stack keeps running (--keep)." in completed.stdout
    stop = completed.stdout.split("Stop it and delete its database with:\n", 1)[1].splitlines()[0]
    assert stop.strip().startswith("cd ") and "POSTGRES_PASSWORD=" in stop
    assert "docker compose -p timetension-my-attempt-" in stop and "down --volumes --remove-orphans" in stop


def test_without_docker_it_says_what_to_install(attempt: Path, standin: Standin, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = standin.env("healthy")
    env["PATH"] = str(empty)
    completed = timetension_run(str(attempt), env=env)
    assert completed.returncode == 2
    assert "there is no `docker` command on PATH" in completed.stderr
    assert "Docker Desktop" in completed.stderr and "docker-compose-plugin" in completed.stderr
    assert standin.calls() == []


def test_without_the_compose_plugin_it_names_the_plugin(attempt: Path, standin: Standin) -> None:
    completed = timetension_run(str(attempt), env=standin.env("no-compose"))
    assert completed.returncode == 2
    assert "`docker` is here but `docker compose` is not (it said: docker: unknown command: docker compose)" \
        in completed.stderr
    assert "docker-compose-plugin" in completed.stderr and "(v1) is not enough" in completed.stderr
    assert standin.steps() == ["compose version"]


def test_without_an_engine_it_says_how_to_start_one(attempt: Path, standin: Standin) -> None:
    completed = timetension_run(str(attempt), env=standin.env("no-engine"))
    assert completed.returncode == 2
    assert "its engine does not answer (Cannot connect to the Docker daemon" in completed.stderr
    assert "sudo systemctl start docker" in completed.stderr


def test_a_folder_without_a_compose_file_is_refused(tmp_path: Path, standin: Standin) -> None:
    completed = timetension_run(str(tmp_path), env=standin.env("healthy"))
    assert completed.returncode == 2
    assert "has no docker-compose.yml" in completed.stderr and "make new" in completed.stderr
    assert standin.calls() == []


# What run reads from docker compose, across its versions ---------------------------------------------------

def test_ps_output_is_read_as_lines_and_as_the_older_array() -> None:
    lines = '{"Service": "db", "State": "running", "Health": "healthy"}\n{"Service": "app", "State": "exited"}\n'
    array = '[{"Service": "db", "State": "running", "Health": "healthy"}, {"Service": "app", "State": "exited"}]'
    assert parse_ps(lines) == parse_ps(array) == [
        {"Service": "db", "State": "running", "Health": "healthy"}, {"Service": "app", "State": "exited"}]
    assert parse_ps("") == []


@pytest.mark.parametrize(("entry", "health"), [
    ({"Health": "starting", "Status": "Up 2 seconds (health: starting)"}, "starting"),
    ({"Status": "Up 9 seconds (healthy)"}, "healthy"),
    ({"Status": "Up 2 minutes (unhealthy)"}, "unhealthy"),
    ({"Status": "Up 2 minutes"}, ""),
])
def test_health_comes_from_its_field_or_from_the_status(entry: dict, health: str) -> None:
    assert _health_of(entry) == health


@pytest.mark.parametrize(("said", "host", "port"), [
    ("127.0.0.1:49153\n", "127.0.0.1", 49153),
    ("0.0.0.0:8080\n", "127.0.0.1", 8080),
    ("[::]:8080\n", "127.0.0.1", 8080),
    ("[::1]:8081\n", "[::1]", 8081),
])
def test_the_published_port_is_read_as_a_url_host(said: str, host: str, port: int) -> None:
    assert parse_published(said) == (host, port)


def test_project_names_are_unique_and_valid_for_compose() -> None:
    names = {project_name(Path("/x/My Attempt (2)!")) for _ in range(5)}
    assert len(names) == 5
    assert all(re.fullmatch(r"timetension-my-attempt-2-[0-9a-f]{6}", name) for name in names)


def test_a_password_is_found_in_env_only_with_a_value(tmp_path: Path) -> None:
    assert not env_file_sets(tmp_path, "POSTGRES_PASSWORD")
    (tmp_path / ".env").write_text("# POSTGRES_PASSWORD=x\nPOSTGRES_PASSWORD=\n")
    assert not env_file_sets(tmp_path, "POSTGRES_PASSWORD")
    (tmp_path / ".env").write_text("POSTGRES_USER=me\nexport POSTGRES_PASSWORD='abc123'\n")
    assert env_file_sets(tmp_path, "POSTGRES_PASSWORD")
