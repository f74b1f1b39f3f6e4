"""docker-compose.template.yml and .env.example, checked without a Docker engine: the file validates against
the compose specification's JSON schema (check-jsonschema vendors it), it has each of the properties that cost
the first workshop its time, its health checks work when run by hand, and the suite's image has what its
Dockerfile copies. What only an engine can show is listed in docs/containers.md."""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing_tool
import yaml
from servers import REPOSITORY, free_port

TEMPLATE = REPOSITORY / "docker-compose.template.yml"
ENV_EXAMPLE = REPOSITORY / ".env.example"
SUITE_DOCKERFILE = REPOSITORY / "conformance" / "Dockerfile"
SUITE_DOCKERIGNORE = REPOSITORY / "conformance" / "Dockerfile.dockerignore"
CHECK_JSONSCHEMA = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
PASSWORD_GUARD = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env (copy .env.example)}"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)", duration)
    assert match, duration
    return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60}[match[2]]


# The compose specification ------------------------------------------------------------------------------

def test_the_template_validates_against_the_compose_specification() -> None:
    if not Path(CHECK_JSONSCHEMA).exists():
        missing_tool("check-jsonschema is missing: it is in requirements/dev.txt (`make venv`)",
                     ci_must="validate the template")
    completed = subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.compose-spec", str(TEMPLATE)],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


# What cost the first workshop its time --------------------------------------------------------------------

def test_the_database_image_is_pinned_to_a_postgresql_17_release(compose: dict) -> None:
    image = compose["services"]["db"]["image"]
    assert re.fullmatch(r"postgres:17\.\d+-[a-z]+", image), f"{image}: pin a 17.x release and a Debian release"
    # PostgreSQL 17 images keep their files here (18 moved them): the named volume must be mounted on it.
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["db"]["volumes"]
    assert "pgdata" in compose["volumes"]


def test_the_app_starts_only_once_the_database_is_healthy(compose: dict) -> None:
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    test = db["healthcheck"]["test"]
    assert test[:2] == ["CMD", "pg_isready"]
    # Over TCP: during the init scripts the image's temporary server listens on the Unix socket only.
    assert "--host=127.0.0.1" in test


def test_both_services_have_health_checks_with_room_to_answer(compose: dict) -> None:
    for name in ("db", "app"):
        healthcheck = compose["services"][name]["healthcheck"]
        assert seconds(healthcheck["timeout"]) > 5, name
        assert healthcheck["retries"] >= 3 and "start_period" in healthcheck, name
    test = compose["services"]["app"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL" and "http://127.0.0.1:8080/health" in test[1]


def test_the_app_is_built_from_the_attempt_and_published_on_loopback_only(compose: dict) -> None:
    app = compose["services"]["app"]
    assert app["build"] == "."
    assert app["ports"] == ["127.0.0.1:${APP_PORT:-8080}:8080"]
    assert app["environment"]["PORT"] == "8080"
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_the_password_comes_from_the_environment_with_a_guard(compose: dict) -> None:
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["environment"]["POSTGRES_PASSWORD"] == PASSWORD_GUARD
    assert app["environment"]["DATABASE_URL"] == (
        "postgresql://${POSTGRES_USER:-timetension}:" + PASSWORD_GUARD + "@db:5432/${POSTGRES_DB:-timetension}")
    assert "localhost" not in app["environment"]["DATABASE_URL"]


def test_everything_runs_on_utc(compose: dict) -> None:
    for name in ("db", "app", "suite"):
        environment = compose["services"][name]["environment"]
        assert environment["TZ"] == "UTC" and environment["PGTZ"] == "UTC", name
    command = compose["services"]["db"]["command"]
    assert command[0] == "postgres" and "timezone=UTC" in command
    assert command[command.index("timezone=UTC") - 1] == "-c"


def test_the_database_is_on_an_internal_network_only(compose: dict) -> None:
    networks = compose["networks"]
    assert networks["backend"] == {"internal": True}
    assert compose["services"]["db"]["networks"] == ["backend"]
    assert "ports" not in compose["services"]["db"]
    assert set(compose["services"]["app"]["networks"]) == {"default", "backend"}
    assert "default" in networks and not (networks["default"] or {}).get("internal")


def test_an_optional_init_script_folder_is_mounted_read_only(compose: dict) -> None:
    assert "./db:/docker-entrypoint-initdb.d:ro" in compose["services"]["db"]["volumes"]


def test_the_suite_runs_on_demand_from_inside_the_stack(compose: dict) -> None:
    suite = compose["services"]["suite"]
    assert suite["profiles"] == ["suite"]
    assert suite["image"] == "${TIMETENSION_IMAGE:-timetension:latest}" and suite["pull_policy"] == "never"
    assert suite["command"] == ["check", "--url", "http://app:8080"]
    assert suite["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert suite["networks"] == ["backend"]
    assert "ports" not in suite


def test_env_example_names_every_variable_the_template_uses() -> None:
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", TEMPLATE.read_text(encoding="utf-8")))
    assert {"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "APP_PORT", "TIMETENSION_IMAGE"} <= used
    named = {line.split("=", 1)[0].strip() for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
             if "=" in line and not line.lstrip().startswith("#")}
    assert used <= named, f"not in .env.example: {sorted(used - named)}"
    # The password is a placeholder: the guard stops a copy nobody filled in.
    assert re.search(r"^POSTGRES_PASSWORD=$", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE)


# The health checks, run by hand ---------------------------------------------------------------------------

class HealthServer:
    """GET /health answers 200 or 503, as an app with or without its database."""

    def __init__(self) -> None:
        owner = self
        self.healthy = True

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                ok = self.path == "/health" and owner.healthy
                body = b'{"status":"ok"}' if ok else b'{"status":"unavailable"}'
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def health_server() -> Iterator[HealthServer]:
    server = HealthServer()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


# Each branch of the app's check, with only what that image would have: the tools found first are left out.
BRANCHES = {
    "wget": ["wget"],
    "curl": ["curl"],
    "python3": ["python3"],
    "node": ["node"],
    "bash": ["bash", "head", "grep"],
}


def _missing(message: str) -> None:
    missing_tool(message, ci_must="run every branch of the health checks")


def app_check_command(compose: dict, port: int) -> str:
    command = compose["services"]["app"]["healthcheck"]["test"][1]
    return command.replace("127.0.0.1:8080", f"127.0.0.1:{port}").replace("127.0.0.1/8080", f"127.0.0.1/{port}")


def probe(compose: dict, branch: str, port: int, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / branch
    folder.mkdir(exist_ok=True)
    for tool in BRANCHES[branch]:
        found = sys.executable if tool == "python3" else shutil.which(tool)
        if found is None:
            _missing(f"{tool} is not installed here (make system-deps installs wget and curl)")
        link = folder / tool
        if not link.exists():
            link.symlink_to(found)
    # CMD-SHELL runs the test with /bin/sh -c, as Docker does.
    return subprocess.run(["/bin/sh", "-c", app_check_command(compose, port)], env={"PATH": str(folder)},
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("branch", list(BRANCHES))
def test_the_app_health_check_passes_on_200_and_fails_otherwise(
        compose: dict, branch: str, health_server: HealthServer, tmp_path: Path) -> None:
    health_server.healthy = True
    passed = probe(compose, branch, health_server.port, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    health_server.healthy = False
    try:
        assert probe(compose, branch, health_server.port, tmp_path).returncode != 0, "503 must fail"
    finally:
        health_server.healthy = True
    assert probe(compose, branch, free_port(), tmp_path).returncode != 0, "a refused connection must fail"


@pytest.mark.postgres
def test_the_database_health_check_answers_over_tcp(compose: dict, postgres_cluster) -> None:  # noqa: ANN001
    test = [argument.replace("5432", str(postgres_cluster.port))
            .replace("${POSTGRES_USER:-timetension}", postgres_cluster.user)
            .replace("${POSTGRES_DB:-timetension}", "postgres")
            for argument in compose["services"]["db"]["healthcheck"]["test"][1:]]
    beside = (postgres_cluster.bin_dir / "pg_ctl").resolve().parent / "pg_isready"  # pg_ctl may be a link
    pg_isready = str(beside) if beside.exists() else shutil.which("pg_isready")
    if pg_isready is None:
        _missing("pg_isready is not installed here (it comes with PostgreSQL: make system-deps)")
    ready = subprocess.run([pg_isready, *test[1:]], capture_output=True, text=True, timeout=30)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    elsewhere = [argument.replace(str(postgres_cluster.port), str(free_port())) for argument in test[1:]]
    assert subprocess.run([pg_isready, *elsewhere], capture_output=True, timeout=30).returncode != 0


# The suite's image ----------------------------------------------------------------------------------------

def test_the_suite_image_builds_from_the_repository_root_with_what_it_copies() -> None:
    dockerfile = SUITE_DOCKERFILE.read_text(encoding="utf-8")
    assert "docker build -f conformance/Dockerfile -t timetension ." in dockerfile
    ignored = [line for line in SUITE_DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")]
    assert ignored[0] == "*", "the context is the whole repository: leave out everything, then let in"
    sources = [part for line in dockerfile.splitlines() if line.startswith("COPY ") and "--from" not in line
               for part in line.split()[1:-1]]
    assert "spec/openapi.yaml" in sources and "requirements/constraints.txt" in sources
    for source in sources:
        assert (REPOSITORY / source).exists(), source
        assert f"!{source}" in ignored, f"{source} is copied but left out of the build context"
    # The package's force-include reaches the spec through ../spec from conformance/: the same layout.
    assert '"../spec/openapi.yaml"' in (REPOSITORY / "conformance" / "pyproject.toml").read_text(encoding="utf-8")


def test_the_suite_image_runs_the_cli_as_a_user_without_privileges() -> None:
    lines = [line.strip() for line in SUITE_DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    runtime = lines[max(index for index, line in enumerate(lines) if line.startswith("FROM ")):]
    assert 'ENTRYPOINT ["timetension"]' in runtime
    users = [line for line in runtime if line.startswith("USER ")]
    assert users and users[-1] not in ("USER root", "USER 0", "USER 0:0")
    assert any("--no-index" in line for line in runtime), "the runtime installs the pinned wheels only"
