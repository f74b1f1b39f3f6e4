"""Every starter builds natively from its own files, passes level 0 against a real PostgreSQL, fails
level 1 with the suite's guidance, stops cleanly, and says so plainly when its database is missing."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import built_starters
import psycopg
import pytest
from conftest import missing_tool
from postgres import Cluster
from servers import REPOSITORY, free_port, running

from timetension import run_suite
from timetension._hints import MISSING_ROUTE
from timetension._starters import ManifestError, Starter, load_starter, load_starters

STARTERS = load_starters(REPOSITORY / "starters") if (REPOSITORY / "starters").is_dir() else []
EXPECTED = {"python-fastapi", "python-flask", "python-django", "node-express", "node-fastify", "go-nethttp",
            "java-spring-boot", "rust-axum"}
BUILD_OUTPUTS = ("node_modules", "target", "bin", ".venv", "dist", "build", "__pycache__")
# Each starter's first migration creates this table and nothing else: the schema is the participant's.
FIRST_MIGRATION_TABLE = "schema_info"
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|^panic:|panicked at|^\s+at [\w.$]+\(|stack backtrace:|^\s+at .+:\d+:\d+\)?$",
                         re.MULTILINE)


def test_every_starter_of_the_kit_has_a_manifest() -> None:
    assert {starter.name for starter in STARTERS} == EXPECTED


def _require_toolchain(starter: Starter) -> None:
    missing = starter.missing_tools()
    if missing:
        missing_tool(f"{starter.name} needs {', '.join(missing)} on PATH", ci_must="build every starter")


_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def built_folder(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Starter], Path]:
    """A starter copied and set up once for the whole run (its `setup`, as a participant runs it); the tests
    that only run it share that build. Java's and Rust's take minutes on two cores."""
    def build(starter: Starter) -> Path:
        if starter.name not in _BUILT and built_starters.built(starter.name):
            _BUILT[starter.name] = built_starters.built(starter.name)  # the participant's path built it
        if starter.name not in _BUILT:
            folder = tmp_path_factory.mktemp("built") / starter.name
            shutil.copytree(starter.folder, folder, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
            built = subprocess.run(["bash", "-c", starter.setup], cwd=folder, capture_output=True, text=True,
                                   timeout=1200)
            assert built.returncode == 0, f"{starter.setup} failed:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
            _BUILT[starter.name] = folder
        return _BUILT[starter.name]
    return build


def _dockerfile_command(folder: Path) -> str:
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", (folder / "Dockerfile").read_text(), re.MULTILINE)
    assert commands, "the Dockerfile needs a CMD in exec form: CMD [\"...\"]"
    return shlex.join(json.loads(commands[-1]))


def test_a_manifest_without_a_dev_command_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "go-nethttp"
    folder.mkdir()
    manifest = (REPOSITORY / "starters" / "go-nethttp" / "starter.toml").read_text()
    (folder / "starter.toml").write_text(re.sub(r"^dev = .*\n", "", manifest, flags=re.MULTILINE))
    with pytest.raises(ManifestError, match="missing dev"):
        load_starter(folder)


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.name)
def test_the_dev_command_is_shown_in_the_readme(starter: Starter) -> None:
    assert starter.dev and starter.dev != starter.run
    assert starter.dev in (starter.folder / "README.md").read_text(), "the README shows the `dev` command"


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.name)
def test_the_readme_says_how_migrations_run_and_what_each_level_needs(starter: Starter) -> None:
    readme = (starter.folder / "README.md").read_text()
    assert "## Migrations" in readme and "docker compose" in readme.partition("## Migrations")[2]
    table = readme.partition("## What each level needs")[2]
    for topic in ("Password hashing", "Tokens", "Time zones", "Validation", "Errors", "Body parsing", "404"):
        assert topic in table, f"the table of what each level needs has no row on {topic}"


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.name)
def test_the_manifest_run_command_is_the_dockerfile_command(starter: Starter) -> None:
    assert _dockerfile_command(starter.folder) == shlex.join(shlex.split(starter.run))
    assert (starter.folder / ".dockerignore").is_file() and (starter.folder / "README.md").is_file()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.name)
def test_the_starter_builds_and_passes_level_0_only(starter: Starter, postgres_cluster: Cluster,
                                                    tmp_path: Path, built_folder: Callable[[Starter], Path]) -> None:
    _require_toolchain(starter)
    folder = built_folder(starter)

    database = postgres_cluster.create_database(starter.name.replace("-", "_"))
    command = ["bash", "-c", f"exec {starter.run}"]
    log = tmp_path / "app.log"
    with running(command, env={"DATABASE_URL": database}, log=log, port=free_port(), cwd=folder) as app:
        level_0 = run_suite(app.url, level="L0", wait=30)
        assert level_0.passed, [c.failure for c in level_0.checks if c.failure]
        with psycopg.connect(database) as connection:
            table = connection.execute("SELECT to_regclass(%s)", (f"public.{FIRST_MIGRATION_TABLE}",)).fetchone()
        assert table == (FIRST_MIGRATION_TABLE,), "the first migration ran at start-up"
        level_1 = run_suite(app.url, level="L1", wait=5)
        register = next(c for c in level_1.checks if c.check.slug == "accounts.register")
        assert register.failure is not None
        assert register.failure.hint == MISSING_ROUTE.format(method="POST", path="/users", operation="registerUser")
    assert not app.stopped_by_force, "the app did not stop within 10 s of SIGTERM"
    assert app.process.returncode == 0, f"a clean stop on SIGTERM exits 0, not {app.process.returncode}"
    assert "/health" in log.read_text(), "the app logs its requests to stdout"


@pytest.mark.slow
@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.name)
def test_an_unreachable_database_is_one_clear_line_not_a_stack_trace(starter: Starter,
                                                                      built_folder: Callable[[Starter], Path]) -> None:
    _require_toolchain(starter)
    folder = built_folder(starter)
    env = {**os.environ, "PORT": str(free_port()),
           "DATABASE_URL": f"postgresql://someone:secret-password@127.0.0.1:{free_port()}/nothing"}
    started = time.monotonic()
    completed = subprocess.run(["bash", "-c", f"exec {starter.run}"], cwd=folder, env=env, capture_output=True,
                               text=True, timeout=60)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0 and time.monotonic() - started < 30
    assert "database" in output.lower() and "secret-password" not in output
    assert not STACK_TRACE.search(output), output


BODY_PROBES = {"node-fastify": "fastify_body_rules.mjs", "node-express": "express_body_rules.mjs"}


@pytest.mark.slow
@pytest.mark.parametrize("starter", [s for s in STARTERS if s.name in BODY_PROBES], ids=lambda s: s.name)
def test_the_node_starters_read_bodies_by_the_spec_rules(starter: Starter,
                                                        built_folder: Callable[[Starter], Path]) -> None:
    """415 for another media type, 400 for broken JSON, and (Fastify's schemas) a 422 listing every
    field with no type coercion: the frameworks' defaults do otherwise."""
    _require_toolchain(starter)
    folder = built_folder(starter)
    probe = folder / BODY_PROBES[starter.name]
    shutil.copy(Path(__file__).parent / "starter_probes" / probe.name, probe)
    completed = subprocess.run(["node", probe.name], cwd=folder, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    # The app's own request log shares stdout with the probe's JSON lines.
    lines = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    answers = {answer["name"]: answer for answer in lines}
    assert answers["valid"]["status"] == 200
    for name, status in (("text", 415), ("broken", 400)):
        assert answers[name]["status"] == status, answers[name]
        assert answers[name]["type"].startswith("application/problem+json"), answers[name]
    if "two_errors" in answers:
        problem = answers["two_errors"]
        assert problem["status"] == 422 and problem["type"].startswith("application/problem+json"), problem
        fields = sorted(error["field"] for error in problem["body"]["errors"])
        assert fields == ["email", "password"], "every invalid field, and a number is not coerced into a string"


@pytest.mark.slow
def test_the_go_starter_reads_bodies_by_the_spec_rules(tmp_path: Path) -> None:
    starter = next(s for s in STARTERS if s.name == "go-nethttp")
    _require_toolchain(starter)
    folder = tmp_path / starter.name
    shutil.copytree(starter.folder, folder, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
    tested = subprocess.run(["go", "test", "-run", "TestReadJSONObject", "./..."], cwd=folder,
                            capture_output=True, text=True, timeout=600)
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]
