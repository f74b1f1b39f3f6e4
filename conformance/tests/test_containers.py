"""The container path against a real Docker Engine: the compose template, the starters' Dockerfiles,
`timetension run`, `doctor`, the suite's image and `review`'s image submissions.

`make test-containers` starts a private engine and builds local stand-ins for the official base images
before it runs these tests (no registry answers where the kit is tested): they check the kit's own files
and tools, not the official images. Each test leaves nothing behind, and the last one checks that.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import CTRL_C_AS_IN_A_TERMINAL, REPOSITORY, TESTS

from timetension._engine import COMPOSE_PROJECT_LABEL, KIT_LABEL, Engine, EngineUnavailable
from timetension._images import images_of

pytestmark = pytest.mark.containers

sys.path.insert(0, str(TESTS / "standins"))
import build as standins  # noqa: E402  (the stand-ins' recipes say which starters are cheap to build)

TINY_APP = TESTS / "container_apps"
TEMPLATE = REPOSITORY / "docker-compose.template.yml"
BIN = Path(sys.executable).parent
RUN_TIMEOUT = 600


def _starters_with_stand_ins() -> list[str]:
    starters = []
    for folder in sorted((REPOSITORY / "starters").iterdir()):
        images = images_of([folder / "Dockerfile"])
        if images and all(image.split(":")[0] in standins.RECIPES for image in images):
            starters.append(folder.name)
    return starters


CHEAP_STARTERS = _starters_with_stand_ins()
IMAGES_BEFORE: set[str] = set()  # the engine's images when the first test starts: the base images, no more


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    try:
        connected = Engine.connect()
    except EngineUnavailable as problem:
        message = f"no Docker engine answers ({problem}): run `make test-containers`, which starts one"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    IMAGES_BEFORE.update(image.id for image in connected.client.images.list(all=True))
    yield connected
    connected.close()


def timetension(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "timetension"), *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=timeout, stdin=subprocess.DEVNULL)


def run_attempt(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return timetension("run", str(folder), "--no-color", *args)


def output(completed: subprocess.CompletedProcess[str]) -> str:
    return completed.stdout + completed.stderr


def tiny_attempt(tmp_path: Path, *dockerfile_lines: str, faster_health: bool = False) -> Path:
    """An attempt with the tiny app, the kit's compose template and an empty db/ folder. Lines appended to
    its Dockerfile make it misbehave; faster_health shortens the template's health-check timings."""
    folder = tmp_path / "attempt"
    folder.mkdir()
    shutil.copy(TINY_APP / "app.py", folder)
    dockerfile = (TINY_APP / "Dockerfile").read_text(encoding="utf-8")
    (folder / "Dockerfile").write_text(dockerfile + "".join(f"{line}\n" for line in dockerfile_lines))
    compose = TEMPLATE.read_text(encoding="utf-8")
    if faster_health:
        app = compose.index("  app:")
        compose = compose[:app] + (compose[app:].replace("start_period: 90s", "start_period: 1s")
                                   .replace("interval: 5s", "interval: 1s").replace("retries: 5", "retries: 2"))
    (folder / "docker-compose.yml").write_text(compose)
    (folder / "db").mkdir()
    return folder


def assert_gone(engine: Engine, completed: subprocess.CompletedProcess[str]) -> None:
    """The run's compose project left no container, network or volume, and said it took the stack down."""
    projects = set(re.findall(r"-p (timetension-[a-z0-9_-]+)", completed.stdout))
    assert projects, output(completed)
    for project in projects:
        assert engine.leftovers(f"{COMPOSE_PROJECT_LABEL}={project}") == \
            {"containers": [], "networks": [], "volumes": []}, project
    assert "The stack is gone." in completed.stdout, output(completed)


def test_every_cheap_starter_is_covered_and_the_expensive_ones_are_named() -> None:
    # go-nethttp and python-fastapi at least; java-spring-boot and rust-axum need a JDK with Maven's
    # repository or a Rust toolchain with its crates inside an image, which no stand-in makes cheaply.
    assert {"python-fastapi", "go-nethttp"} <= set(CHEAP_STARTERS)
    assert set(CHEAP_STARTERS).isdisjoint({"java-spring-boot", "rust-axum"})


def test_the_reference_reaches_level_5_with_postgresql_through_the_template(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    shutil.copytree(REPOSITORY / "reference", folder,
                    ignore=shutil.ignore_patterns("*.db", "__pycache__", ".pytest_cache", "tests"))
    shutil.copy(TEMPLATE, folder / "docker-compose.yml")
    (folder / "db").mkdir()
    completed = run_attempt(folder)
    assert completed.returncode == 0, output(completed)
    assert "Level reached: L5 (requested L5)." in completed.stdout
    results = json.loads((folder / "reports" / "results.json").read_text())
    assert results["level_reached"] == "L5"
    assert "buildx isn't installed" not in (folder / "reports" / "build.log").read_text()
    assert_gone(engine, completed)


@pytest.mark.parametrize("starter", CHEAP_STARTERS)
def test_a_new_attempt_passes_level_0_in_its_container(engine: Engine, tmp_path: Path, starter: str) -> None:
    folder = tmp_path / "my-attempt"
    made = subprocess.run(["make", "--no-print-directory", "new", f"STARTER={starter}", f"DIR={folder}"],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    completed = run_attempt(folder, "--level", "0")
    assert completed.returncode == 0, output(completed)
    assert "Level reached: L0 (requested L0)." in completed.stdout
    assert_gone(engine, completed)


def test_the_suite_image_checks_the_app_from_the_internal_network(engine: Engine, tmp_path: Path) -> None:
    built = subprocess.run(["make", "--no-print-directory", "suite-image"], cwd=REPOSITORY, capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    # BuildKit read conformance/Dockerfile.dockerignore: the context is the suite's sources, not the kit.
    sizes = re.findall(r"transferring context: ([\d.]+)([kMG]?B)", built.stdout + built.stderr)
    scale = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
    assert sizes and max(float(size) * scale[unit] for size, unit in sizes) < 5e6, built.stderr[-2000:]
    folder = tiny_attempt(tmp_path)
    project = f"timetension-suite-{os.getpid()}"
    env = {**os.environ, "POSTGRES_PASSWORD": "suite1test2", "APP_PORT": "0"}
    compose = ["docker", "compose", "-p", project]
    try:
        up = subprocess.run([*compose, "up", "--detach", "--wait"], cwd=folder, env=env, capture_output=True,
                            text=True, timeout=300)
        assert up.returncode == 0, up.stdout + up.stderr
        suite = subprocess.run([*compose, "run", "--rm", "suite", "check", "--url", "http://app:8080", "--level", "0",
                                "--no-color"], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
        assert suite.returncode == 0, suite.stdout + suite.stderr
        assert "Level reached: L0 (requested L0)." in suite.stdout
        # The database sits on the internal network only: the suite reaches it, this machine does not.
        networks = {network.name: network.attrs for network in engine.client.networks.list(
            filters={"label": f"{COMPOSE_PROJECT_LABEL}={project}"})}
        assert networks[f"{project}_backend"]["Internal"] is True
    finally:
        subprocess.run([*compose, "down", "--volumes", "--rmi", "local"], cwd=folder, env=env, capture_output=True,
                       timeout=300)
        subprocess.run(["docker", "image", "rm", "timetension"], capture_output=True, timeout=60)
    assert engine.leftovers(f"{COMPOSE_PROJECT_LABEL}={project}") == {"containers": [], "networks": [], "volumes": []}


def test_an_app_listening_on_loopback_inside_its_container_is_told_to_listen_on_all_addresses(
        engine: Engine, tmp_path: Path) -> None:
    completed = run_attempt(tiny_attempt(tmp_path, "ENV LISTEN_HOST=127.0.0.1"), "--level", "0")
    assert completed.returncode == 3, output(completed)
    said = completed.stdout
    assert "Your app listens on 127.0.0.1:8080 inside its container" in said and "listen on 0.0.0.0" in said
    assert "Running the suite" not in said
    assert_gone(engine, completed)


def test_a_health_probe_that_dies_silently_is_quoted_with_its_exit_code(engine: Engine, tmp_path: Path) -> None:
    # The template's probe uses wget first; this one ends with code 139 (a segfault's) and prints nothing.
    folder = tiny_attempt(tmp_path, "USER root",
                          "RUN printf '#!/bin/sh\\nexit 139\\n' > /usr/local/bin/wget && chmod +x /usr/local/bin/wget",
                          "USER 10001:10001", faster_health=True)
    completed = run_attempt(folder, "--level", "0")
    assert completed.returncode == 3, output(completed)
    assert ("Its health check failed with exit code 139 (128 + 11: killed by SIGSEGV) and printed nothing."
            in completed.stdout), output(completed)
    assert_gone(engine, completed)


def test_an_app_that_exits_on_start_is_reported_with_its_exit_code_and_last_words(
        engine: Engine, tmp_path: Path) -> None:
    completed = run_attempt(tiny_attempt(tmp_path, "ENV EXIT_AT_START=3"), "--level", "0")
    assert completed.returncode == 3, output(completed)
    said = completed.stdout
    assert "app exited with code 3 before it became healthy." in said
    assert "    config error: SECRET_KEY is not set" in said  # the log line, without compose's prefix
    assert "The app stopped by itself" in said
    assert_gone(engine, completed)


def test_a_broken_init_sql_names_the_database_and_its_error(engine: Engine, tmp_path: Path) -> None:
    folder = tiny_attempt(tmp_path)
    (folder / "db" / "init.sql").write_text("CREATE TABLE broken (;\n")
    completed = run_attempt(folder, "--level", "0")
    assert completed.returncode == 3, output(completed)
    said = completed.stdout
    assert "db exited with code" in said and 'syntax error at or near ";"' in said
    assert "app was not started" in said
    assert_gone(engine, completed)


@pytest.mark.parametrize("where", ["compose", "dockerfile"])
def test_an_image_that_cannot_be_pulled_is_named_in_one_line(engine: Engine, tmp_path: Path, where: str) -> None:
    folder = tiny_attempt(tmp_path)
    if where == "compose":
        compose = folder / "docker-compose.yml"
        compose.write_text(re.sub(r"image: postgres:\S+", "image: postgres:17.99-nothere", compose.read_text()))
        image = "postgres:17.99-nothere"
    else:
        dockerfile = folder / "Dockerfile"
        dockerfile.write_text(re.sub(r"^FROM \S+", "FROM python:3.11.99-slim-nothere", dockerfile.read_text(),
                                     flags=re.MULTILINE))
        image = "python:3.11.99-slim-nothere"
    completed = run_attempt(folder, "--level", "0")
    assert completed.returncode == 3, output(completed)
    verdicts = [line for line in completed.stdout.splitlines() if line.startswith("The stack did not come up:")]
    assert len(verdicts) == 1 and f"the image {image} could not be pulled" in verdicts[0], output(completed)
    assert_gone(engine, completed)


@pytest.mark.parametrize(("signum", "code", "said"), [
    (signal.SIGTERM, 143, "Terminated (SIGTERM): taking the stack down first."),
    (signal.SIGINT, 130, "Interrupted: taking the stack down first."),
], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_while_the_stack_starts_still_takes_it_down(engine: Engine, tmp_path: Path, signum: int, code: int,
                                                             said: str) -> None:
    folder = tiny_attempt(tmp_path)
    process = subprocess.Popen([*CTRL_C_AS_IN_A_TERMINAL, str(BIN / "timetension"), "run", str(folder), "--no-color",
                                "--level", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if line.startswith("Starting them"):
            process.send_signal(signum)
            break
    rest, _ = process.communicate(timeout=300)
    completed = subprocess.CompletedProcess(process.args, process.returncode, "".join(seen) + rest, "")
    assert process.returncode == code, completed.stdout
    assert said in completed.stdout
    assert_gone(engine, completed)


def test_doctor_sees_the_engine_its_plugins_and_a_container_start(engine: Engine) -> None:
    completed = timetension("doctor", "--port", "0", cwd=REPOSITORY)
    said = completed.stdout
    for name in ("Docker engine: answers, version", "docker compose (v2 plugin):", "docker buildx (BuildKit):",
                 "a container starts:", "room for images:", "postgres:17.11-trixie: here"):
        assert any(line.startswith("  OK ") and name in line for line in said.splitlines()), name + "\n" + said
    assert completed.returncode == 0, output(completed)


def test_doctor_and_suite_image_name_a_missing_buildx(engine: Engine, tmp_path: Path) -> None:
    plugins = tmp_path / "docker-config" / "cli-plugins"
    plugins.mkdir(parents=True)
    compose = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "cli-plugins" / "docker-compose"
    if compose.is_file():
        (plugins / "docker-compose").symlink_to(compose)
    env = {"DOCKER_CONFIG": str(tmp_path / "docker-config")}
    completed = timetension("doctor", "--port", "0", env=env)
    assert completed.returncode == 1, output(completed)
    buildx = [line for line in completed.stdout.splitlines() if "docker buildx (BuildKit):" in line]
    assert buildx and buildx[0].startswith("  MISSING ") and "docker-buildx" in buildx[0], completed.stdout
    image = subprocess.run(["make", "--no-print-directory", "suite-image"], cwd=REPOSITORY, capture_output=True,
                           text=True, env={**os.environ, **env}, timeout=120)
    assert image.returncode != 0
    assert "needs buildx" in image.stdout + image.stderr and "legacy builder" in image.stdout + image.stderr


def test_keep_leaves_the_stack_running_with_the_password_of_env_and_says_how_to_stop_it(
        engine: Engine, tmp_path: Path) -> None:
    folder = tiny_attempt(tmp_path)
    (folder / ".env").write_text("POSTGRES_PASSWORD=fromenv42\n")
    reports = tmp_path / "elsewhere"
    completed = run_attempt(folder, "--level", "0", "--keep", "--report", str(reports))
    assert completed.returncode == 0, output(completed)
    assert (reports / "results.json").is_file() and (reports / "compose.log").is_file()
    assert "export POSTGRES_PASSWORD" not in completed.stdout  # .env has one: run does not make its own
    project = re.findall(r"-p (timetension-[a-z0-9_-]+)", completed.stdout)[0]
    running = engine.project_states(project)
    assert {service: state.state for service, state in running.items()} == {"db": "running", "app": "running"}
    database = engine.client.containers.get(running["db"].id)
    assert "POSTGRES_PASSWORD=fromenv42" in database.attrs["Config"]["Env"]
    stop = completed.stdout.split("Stop it and delete its database with:\n", 1)[1].splitlines()[0].strip()
    stopped = subprocess.run(["bash", "-c", stop], capture_output=True, text=True, timeout=300)
    assert stopped.returncode == 0, stopped.stderr
    assert engine.leftovers(f"{COMPOSE_PROJECT_LABEL}={project}") == {"containers": [], "networks": [], "volumes": []}


def test_review_starts_image_submissions_with_a_database_and_tells_a_crash_from_silence(
        engine: Engine, tmp_path: Path) -> None:
    images = {"timetension-review-reference:test": REPOSITORY / "reference"}
    crashing = tmp_path / "crashing"
    crashing.mkdir()
    shutil.copy(TINY_APP / "app.py", crashing)
    (crashing / "Dockerfile").write_text((TINY_APP / "Dockerfile").read_text() + "ENV EXIT_AT_START=3\n")
    images["timetension-review-crashing:test"] = crashing
    try:
        for tag, context in images.items():
            built = subprocess.run(["docker", "build", "--quiet", "-t", tag, str(context)], capture_output=True,
                                   text=True, timeout=600)
            assert built.returncode == 0, built.stderr
        cohort = tmp_path / "cohort.yaml"
        cohort.write_text("submissions:\n"
                          "  - name: model\n    image: timetension-review-reference:test\n"
                          "    env: {SECRET_KEY: review-only}\n"
                          "  - name: crashes\n    image: timetension-review-crashing:test\n")
        report = tmp_path / "review"
        completed = timetension("review", str(cohort), "--report", str(report), "--parallel", "2")
        assert completed.returncode == 1, output(completed)  # one submission could not be checked
        entries = {entry["name"]: entry for entry in json.loads((report / "scoreboard.json").read_text())["submissions"]}
        assert entries["model"]["level_reached"] == "L5", entries["model"]
        assert "exited on start with code 3" in entries["crashes"]["verdict"]
        assert "config error: SECRET_KEY is not set" in entries["crashes"]["verdict"]
        for name in ("model", "crashes"):
            assert (report / "submissions" / name / "app.log").is_file()
            assert (report / "submissions" / name / "db.log").is_file()
        assert "database system is ready to accept connections" in \
            (report / "submissions" / "model" / "db.log").read_text()
        assert engine.client.containers.list(all=True, filters={"label": KIT_LABEL}) == []
        assert engine.client.networks.list(filters={"label": KIT_LABEL}) == []
    finally:
        for tag in images:
            subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, timeout=60)


def test_db_start_without_native_binaries_uses_the_compose_db_service_on_the_loopback(
        engine: Engine, tmp_path: Path) -> None:
    import psycopg

    folder = tiny_attempt(tmp_path)
    shutil.copy(REPOSITORY / ".env.example", folder / ".env.example")
    started = timetension("db", "start", str(folder), "--route", "docker", timeout=300)
    try:
        assert started.returncode == 0, output(started)
        url = started.stdout.strip().removeprefix("DATABASE_URL=")
        assert re.fullmatch(r"postgresql://timetension:[0-9a-f]{32}@127\.0\.0\.1:\d+/timetension", url), url
        with psycopg.connect(url, connect_timeout=10) as connection:
            assert connection.execute("show timezone").fetchone() == ("UTC",)
        published = {binding["HostIp"] for bindings in engine.client.containers.list(
            filters={"label": COMPOSE_PROJECT_LABEL})[0].attrs["NetworkSettings"]["Ports"].values()
            for binding in bindings or []}
        assert published == {"127.0.0.1"}
    finally:
        stopped = timetension("db", "stop", str(folder), "--delete", timeout=300)
    assert stopped.returncode == 0, output(stopped)
    assert engine.leftovers(COMPOSE_PROJECT_LABEL) == {"containers": [], "networks": [], "volumes": []}


def test_review_uses_the_database_image_of_the_template() -> None:
    from timetension._review_image import DATABASE_IMAGE

    assert images_of([TEMPLATE]) == [DATABASE_IMAGE]


def test_nothing_of_the_runs_is_left_in_the_engine(engine: Engine) -> None:
    """Runs last (pytest keeps the file's order): no container, no volume, no network but the engine's own,
    and no image that was not there before the first test (the base images)."""
    client = engine.client
    assert [container.name for container in client.containers.list(all=True)] == []
    assert [volume.name for volume in client.volumes.list()] == []
    assert sorted(network.name for network in client.networks.list()) == ["bridge", "host", "none"]
    assert IMAGES_BEFORE
    left = [image.tags or [image.short_id] for image in client.images.list(all=True) if image.id not in IMAGES_BEFORE]
    assert left == [], f"images left behind: {left}"
