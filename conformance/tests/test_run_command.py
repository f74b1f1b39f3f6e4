"""`timetension run DIR` before it reaches an engine, and what it reads from Docker's answers.

A stand-in `docker` (standin_docker.py) plays the missing pieces: no docker, no compose plugin, no engine.
Everything that needs an engine (the stack built, started, diagnosed, checked and taken down) is in
test_containers.py, against a real one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import standin_docker
from servers import REPOSITORY

from timetension._compose import env_file_sets, parse_published, project_name, pull_failure
from timetension._engine import Probe, _listening, exit_code_meaning

TEMPLATE = REPOSITORY / "docker-compose.template.yml"


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


def test_without_an_engine_it_says_how_to_start_one(attempt: Path, standin: Standin, tmp_path: Path) -> None:
    completed = timetension_run(str(attempt), env=standin.env("healthy", DOCKER_HOST=f"unix://{tmp_path}/no.sock"))
    assert completed.returncode == 2
    assert "Docker is installed but its engine does not answer (" in completed.stderr
    assert "sudo systemctl start docker" in completed.stderr


def test_a_folder_without_a_compose_file_is_refused(tmp_path: Path, standin: Standin) -> None:
    completed = timetension_run(str(tmp_path), env=standin.env("healthy"))
    assert completed.returncode == 2
    assert "has no docker-compose.yml" in completed.stderr and "make new" in completed.stderr
    assert standin.calls() == []


# What run reads from docker compose ------------------------------------------------------------------------

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


# What run reads from the engine's and compose's answers ----------------------------------------------------

COMPOSE_UP_PULL = """\
 db Pulling
 db Error Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host
Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host
"""
BUILDKIT_PULL = """\
#2 [app internal] load metadata for docker.io/library/python:3.11.99-slim-trixie
#2 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/library/python/manifests/3.11.99-slim-trixie"
------
failed to solve: failed to do request: Head "https://registry-1.docker.io/v2/library/python/manifests/3.11.99-slim-trixie": dial tcp: lookup registry-1.docker.io: no such host
"""
BUILD_OK_THEN_SQL_ERROR = """\
#2 [app internal] load metadata for docker.io/library/python:3.11.16-slim-trixie
#2 DONE 0.0s
 db Error dependency failed to start: container db exited (3)
psql:/docker-entrypoint-initdb.d/init.sql:1: ERROR:  syntax error at or near ";"
"""


def test_a_pull_failure_in_up_names_the_service_image() -> None:
    said = pull_failure(COMPOSE_UP_PULL, {"db": "postgres:17.99-nothere"})
    assert said.startswith("the image postgres:17.99-nothere could not be pulled (no such host).")
    assert "https://hub.docker.com/_/postgres/tags" in said


def test_a_pull_failure_in_a_build_names_the_from_image() -> None:
    said = pull_failure(BUILDKIT_PULL)
    assert said.startswith("the image python:3.11.99-slim-trixie could not be pulled (no such host).")


def test_other_failures_are_not_called_pull_failures() -> None:
    assert pull_failure(BUILD_OK_THEN_SQL_ERROR, {"db": "postgres:17.11-trixie"}) == ""
    assert pull_failure("", {}) == ""


# /proc/net/tcp and tcp6 as a Linux container shows them: 127.0.0.1:8080, 0.0.0.0:5432, [::1]:8080, [::]:9000,
# and a connection (state 01) on 8080 that is not a listener.
PROC_NET = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1 1
   1: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 2 1
   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000 10001        0 3 1
  sl  local_address                         remote_address                        st
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 0 0 0
   1: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A 0 0 0
"""


def test_listening_addresses_are_read_from_proc_net() -> None:
    assert _listening(PROC_NET, 8080) == {"127.0.0.1", "::1"}
    assert _listening(PROC_NET, 5432) == {"0.0.0.0"}
    assert _listening(PROC_NET, 9000) == {"::"}
    assert _listening(PROC_NET, 1234) == set()


def test_exit_codes_above_128_name_their_signal() -> None:
    assert exit_code_meaning(139) == "139 (128 + 11: killed by SIGSEGV)"
    assert exit_code_meaning(137) == "137 (128 + 9: killed by SIGKILL)"
    assert exit_code_meaning(3) == "3"
    assert exit_code_meaning(None) == "no exit code"


def test_a_probe_that_printed_nothing_says_so() -> None:
    assert Probe(139, "").describe() == "failed with exit code 139 (128 + 11: killed by SIGSEGV) and printed nothing"
    assert Probe(1, "wget: server returned error: HTTP/1.1 503\n").describe() == \
        "failed with exit code 1: wget: server returned error: HTTP/1.1 503"
