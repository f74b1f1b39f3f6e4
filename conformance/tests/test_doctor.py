"""`timetension doctor` with a stand-in `docker` command line (standin_docker.py), no engine behind it, and
stand-in toolchains on PATH: one line per item, OK or MISSING with what to install, exit status 1 when a
required item is missing. Doctor against a real engine, exit 0: test_containers.py."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import standin_docker
from servers import REPOSITORY, free_port

STARTERS = REPOSITORY / "starters"


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timetension.cli", "doctor", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def line_of(output: str, name: str) -> str:
    lines = [line for line in output.splitlines() if line[11:].startswith(name)]
    assert len(lines) == 1, f"{name!r} in:\n{output}"
    return lines[0]


@pytest.fixture
def bin_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    standin_docker.install(folder)
    for tool in ("go", "node", "npm"):  # some starters' toolchains, not all
        fake = folder / tool
        fake.write_text("#!/bin/sh\nexit 0\n")
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return folder


def env_for(bin_folder: Path, tmp_path: Path, scenario: str) -> dict[str, str]:
    return standin_docker.environment(bin_folder, tmp_path / "calls.jsonl", scenario)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_each_item_has_its_line_and_toolchains_are_informational(bin_folder: Path, tmp_path: Path, port: int) -> None:
    # No engine answers behind the stand-in: that is the one required item missing. With a real engine,
    # test_containers.py sees doctor exit 0.
    completed = doctor(env_for(bin_folder, tmp_path, "healthy"), "--port", str(port), "--starters", str(STARTERS))
    out = completed.stdout
    assert completed.returncode == 1, out + completed.stderr
    assert line_of(out, "Python:").startswith("  OK ")
    assert line_of(out, "docker:") == "  OK       docker: Docker version 28.5.1, build stand-in"
    assert line_of(out, "docker compose (v2 plugin):") == \
        "  OK       docker compose (v2 plugin): Docker Compose version v2.40.0"
    assert line_of(out, "docker buildx (BuildKit):") == \
        "  OK       docker buildx (BuildKit): github.com/docker/buildx v0.29.1 stand-in"
    engine = line_of(out, "Docker engine:")
    assert engine.startswith("  MISSING  Docker engine: does not answer (nothing answers at unix://")
    assert "the socket does not exist (the engine is not running)" in engine and "systemctl start docker" in engine
    assert line_of(out, f"port {port}:") == f"  OK       port {port}: free on 127.0.0.1"
    # Every starter has its line; the missing toolchains say what to install but do not fail the doctor.
    assert line_of(out, "go-nethttp").startswith("  OK ")
    assert line_of(out, "node-fastify").startswith("  OK ")
    rust = line_of(out, "rust-axum")
    assert rust.startswith("  MISSING ") and "needs cargo" in rust and "rustup" in rust
    java = line_of(out, "java-spring-boot")
    assert "needs java, mvn" in java and "Maven" in java and "JDK" in java
    assert out.splitlines()[-1] == ("Missing: Docker engine. Install what the lines above say, then run "
                                    "`timetension doctor` again.")


def test_docker_without_buildx_names_the_plugin(bin_folder: Path, tmp_path: Path, port: int) -> None:
    completed = doctor(env_for(bin_folder, tmp_path, "no-buildx"), "--port", str(port))
    buildx = line_of(completed.stdout, "docker buildx (BuildKit):")
    assert buildx.startswith("  MISSING ") and "docker-buildx-plugin" in buildx and "legacy builder" in buildx
    assert "Missing: docker buildx (BuildKit), Docker engine." in completed.stdout


def test_the_kit_starters_are_found_without_being_told(bin_folder: Path, tmp_path: Path, port: int) -> None:
    completed = doctor(env_for(bin_folder, tmp_path, "healthy"), "--port", str(port))
    for manifest in STARTERS.glob("*/starter.toml"):
        line_of(completed.stdout, manifest.parent.name)


def test_without_docker_everything_docker_is_missing_with_what_to_install(tmp_path: Path, port: int) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = doctor(standin_docker.environment(empty, tmp_path / "calls.jsonl", "healthy"), "--port", str(port))
    out = completed.stdout
    assert completed.returncode == 1, out
    docker = line_of(out, "docker:")
    assert docker.startswith("  MISSING  docker: no `docker` command on PATH.")
    assert "Docker Desktop" in docker and "docker-compose-plugin" in docker
    assert line_of(out, "docker compose (v2 plugin):").startswith("  MISSING ")
    assert line_of(out, "docker buildx (BuildKit):").startswith("  MISSING ")
    assert line_of(out, "Docker engine:").startswith("  MISSING ")
    assert "Missing: docker, docker compose (v2 plugin), docker buildx (BuildKit), Docker engine." in out


def test_docker_without_compose_names_the_plugin(bin_folder: Path, tmp_path: Path, port: int) -> None:
    completed = doctor(env_for(bin_folder, tmp_path, "no-compose"), "--port", str(port))
    assert completed.returncode == 1
    compose = line_of(completed.stdout, "docker compose (v2 plugin):")
    assert compose.startswith("  MISSING ")
    assert "docker: unknown command: docker compose" in compose and "docker-compose-plugin" in compose
    assert line_of(completed.stdout, "docker:").startswith("  OK ")


def test_a_busy_port_is_missing_and_says_how_to_move(bin_folder: Path, tmp_path: Path, busy_port: int) -> None:
    completed = doctor(env_for(bin_folder, tmp_path, "healthy"), "--port", str(busy_port))
    assert completed.returncode == 1
    line = line_of(completed.stdout, f"port {busy_port}:")
    assert line.startswith("  MISSING ") and "APP_PORT=8081 in .env" in line
