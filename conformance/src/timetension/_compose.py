"""`timetension run DIR`: build and start an attempt's compose stack, check it, keep its logs, tear it down.

Everything goes through the `docker compose` command line (the Docker SDK for Python has no compose), and
each command is printed with `+ ` before it runs, so that a learner sees what happens and can type it again.

The stack is the attempt's own compose file (DIR/docker-compose.yml, which `make new` copies from the kit's
docker-compose.template.yml): what `timetension run` checks is what `docker compose up` starts. It runs
under a project name of its own, publishes the app on a free port of 127.0.0.1, and is always torn down with
its volumes, also after a failure, Ctrl-C or SIGTERM, unless `--keep` asks to leave it running.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from . import __version__
from ._engine import (ANY_ADDRESSES, COMPOSE_PROJECT_LABEL, ENGINE_ERRORS, LOCAL_ADDRESSES, Engine, EngineUnavailable,
                      Probe, exit_code_meaning)
from ._registry import LEVEL_IDS
from ._report_json import write_results
from ._report_junit import write_junit
from ._report_terminal import TerminalReporter
from ._runner import DEFAULT_DOCS_URL, DEFAULT_JOBS, run_suite
from ._spec import default_spec
from ._tester import DEFAULT_CORS_ORIGIN

# The names docker compose itself looks for, the kit's own first.
COMPOSE_FILE_NAMES = ("docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml")
APP_SERVICE = "app"  # the service the suite checks; it listens on APP_CONTAINER_PORT inside its container
APP_CONTAINER_PORT = 8080
DEFAULT_WAIT = 180.0
POLL_SECONDS = 2.0
LOG_TAIL = 30
COMMAND_TIMEOUT = 60.0  # for the short commands (config, ps, port, logs, inspect)
DOWN_TIMEOUT = 180.0
REACH_WAIT = 10.0  # how long the published port may take to answer once the app is healthy
REACH_TIMEOUT = 5.0

EXIT_PASSED, EXIT_FAILED, EXIT_CANNOT_START, EXIT_STACK_FAILED = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

INSTALL_DOCKER = (
    "Install Docker Desktop (macOS, Windows: https://docs.docker.com/desktop/) or, on Linux, Docker Engine with "
    "its compose plugin (https://docs.docker.com/engine/install/: the packages docker-ce and "
    "docker-compose-plugin)."
)
INSTALL_COMPOSE = (
    "Install Compose v2, the `docker compose` plugin: on Debian or Ubuntu `sudo apt-get install "
    "docker-compose-plugin` (from Docker's apt repository, https://docs.docker.com/compose/install/linux/), "
    "or update Docker Desktop. The old stand-alone `docker-compose` (v1) is not enough."
)
INSTALL_BUILDX = (
    "Install buildx, BuildKit's plugin: Docker Desktop has it; on Debian or Ubuntu `sudo apt-get install "
    "docker-buildx-plugin` (Docker's apt repository) or Debian's `docker-buildx`. Without it Compose warns on "
    "every build and `docker build` falls back to the legacy builder, which cannot build the suite's image."
)
START_ENGINE = (
    "Start Docker Desktop, or on Linux the engine: `sudo systemctl start docker`. If it runs, your user may "
    "not be allowed to use it: `docker info` says so (add yourself to the docker group, then log in again)."
)
SERVICE_HINTS = {
    "db": "The database's settings come from .env (POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB). Its files "
          "live in a volume: after changing them, or db/init.sql, start from an empty one with "
          "`docker compose down --volumes`.",
    APP_SERVICE: "The app must listen on 0.0.0.0:8080 inside its container (not 127.0.0.1) and answer "
                 "GET /health with 200 once the database answers. Inside the stack the database is at db:5432, "
                 "as DATABASE_URL says; localhost there is the app's own container.",
}

EXITED_HINT = ("The app stopped by itself, so its last log lines above are the place to look. Inside the stack "
               "the database is at db:5432, as DATABASE_URL says, and the app gets PORT=8080.")


class CannotStart(Exception):
    """Something `run` needs is missing; the message says what to install or start."""


class StackFailed(Exception):
    """The stack did not come up; the message names the service and why, as far as it is known."""


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException like KeyboardInterrupt, so that no `except Exception` swallows it."""


@dataclass
class RunOptions:
    folder: Path
    wait: float = DEFAULT_WAIT
    report: Path | None = None
    keep: bool = False
    level: str = LEVEL_IDS[-1]
    only: tuple[str, ...] = ()
    keep_going: bool = False
    fuzz: bool = False
    timeout: float = 10.0
    docs_url: str = DEFAULT_DOCS_URL
    cors_origin: str = DEFAULT_CORS_ORIGIN
    color: bool | None = None
    verbose: bool = False
    jobs: int = DEFAULT_JOBS


@dataclass
class Completed:
    returncode: int | None  # None: stopped after its time limit
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def said(self) -> str:
        """What it printed, for a message: the error output first."""
        if self.returncode is None:
            return "no answer in time"
        return first_message(self.stderr) or first_message(self.stdout) or f"exit status {self.returncode}"


def first_message(text: str) -> str:
    """The line of a docker error worth quoting: not a warning, not "Run 'docker --help' ..."."""
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("WARN", "Run '")):
            return line
    return ""


@dataclass
class ServiceState:
    service: str
    state: str = "not created"
    health: str = ""
    exit_code: int | None = None
    container: str = ""
    probe: Probe | None = None

    @property
    def ready(self) -> bool:
        if self.state == "running":
            return self.health in ("healthy", "")  # "" when the service has no health check
        return self.state == "exited" and self.exit_code == 0 and self.service != APP_SERVICE  # a one-shot job

    @property
    def failed(self) -> bool:
        return self.health == "unhealthy" or (self.state in ("exited", "dead") and not self.ready)

    def describe(self) -> str:
        if self.state in ("exited", "dead"):
            if self.exit_code is None:
                return self.state
            return f"{self.state} with code {exit_code_meaning(self.exit_code)}"
        return f"{self.state}, health: {self.health}" if self.health else self.state


class Commands:
    """Runs commands as a learner would type them, printing each one first."""

    def __init__(self, out: TextIO, env: dict[str, str], cwd: Path | None = None) -> None:
        self.out = out
        self.env = env
        self.cwd = cwd

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def show(self, args: list[str], note: str = "") -> None:
        self.say("+ " + shlex.join(args) + (f"    # {note}" if note else ""))

    def _start(self, args: list[str], *, merge: bool) -> subprocess.Popen:
        # A session of its own: Ctrl-C in the terminal reaches this process only, which stops the command
        # itself (see _stop) and still gets to tear the stack down.
        return subprocess.Popen(
            args, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE, text=True, errors="replace",
            start_new_session=True,
        )

    def capture(self, args: list[str], *, timeout: float = COMMAND_TIMEOUT, show: bool = True,
                note: str = "") -> Completed:
        if show:
            self.show(args, note)
        try:
            process = self._start(args, merge=False)
        except OSError as error:
            return Completed(127, "", str(error))
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            stdout, stderr = process.communicate()
            return Completed(None, stdout, stderr)
        except BaseException:
            _stop(process)
            raise
        return Completed(process.returncode, stdout, stderr)

    def stream(self, args: list[str], *, timeout: float | None = None, log: Path | None = None,
               note: str = "") -> Completed:
        """Run with its output shown as it comes (and appended to log)."""
        self.show(args, note)
        process = self._start(args, merge=True)
        lines: list[str] = []
        log_file = log.open("a", encoding="utf-8") if log else None

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                self.out.write(line)
                self.out.flush()
                if log_file:
                    log_file.write(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                return Completed(None, "".join(lines))
            except BaseException:
                _stop(process)
                raise
            finally:
                reader.join(timeout=5)
        finally:
            if log_file:
                log_file.close()
        return Completed(process.returncode, "".join(lines))


def _stop(process: subprocess.Popen) -> None:
    """Ask the command to stop as Ctrl-C would, then kill it after 10 s."""
    if process.poll() is not None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGINT)
        else:  # pragma: no cover - Windows
            process.terminate()
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def find_compose_file(folder: Path) -> Path:
    if not folder.is_dir():
        raise CannotStart(f"{folder} is not a folder. Give the folder of your attempt: timetension run ../my-attempt")
    for name in COMPOSE_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise CannotStart(
        f"{folder} has no docker-compose.yml. Copy the kit's docker-compose.template.yml there as "
        f"docker-compose.yml (`make new` does this for a new attempt), and .env.example as well."
    )


def require_docker(commands: Commands) -> None:
    """docker on PATH, its compose plugin, and an engine that answers; CannotStart says what is missing."""
    if shutil.which("docker", path=commands.env.get("PATH")) is None:
        raise CannotStart(f"`timetension run` needs Docker, and there is no `docker` command on PATH. "
                          f"{INSTALL_DOCKER} `timetension doctor` checks all of it.")
    compose = commands.capture(["docker", "compose", "version"])
    if not compose.ok:
        raise CannotStart(f"`docker` is here but `docker compose` is not (it said: {compose.said}). "
                          f"{INSTALL_COMPOSE}")
    try:
        Engine.connect(env=commands.env).close()
    except EngineUnavailable as problem:
        raise CannotStart(f"Docker is installed but its engine does not answer ({problem}). {START_ENGINE}") from None


def project_name(folder: Path) -> str:
    """timetension-<folder>-<random>: compose allows lowercase letters, digits, - and _."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", folder.name.lower()).strip("-_") or "attempt"
    return f"timetension-{slug[:40]}-{secrets.token_hex(3)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_file_sets(folder: Path, name: str) -> bool:
    """Whether folder/.env gives name a value (docker compose reads that file by itself)."""
    try:
        text = (folder / ".env").read_text(encoding="utf-8")
    except OSError:
        return False
    for line in text.splitlines():
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and key.strip() == name and value.strip().strip("'\""):
            return True
    return False


def parse_published(text: str) -> tuple[str, int]:
    """`docker compose port app 8080` says 127.0.0.1:49153 (or 0.0.0.0:8080, [::]:8080)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    host, _, port = line.rpartition(":")
    if not port.isdigit():
        raise ValueError(line)
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return (f"[{host}]" if ":" in host else host), int(port)


BUILD_METADATA = re.compile(r"load metadata for (?:docker\.io/)?(?:library/)?(?P<image>[^\s:]+:[\w.-]+)")
SERVICE_PULL_ERROR = re.compile(r"^\s*(?P<service>[\w.-]+) Error (?P<reason>.+)$")
DAEMON_PULL_ERROR = re.compile(r"(?:pull access denied for|manifest for) (?:docker\.io/)?(?:library/)?"
                               r"(?P<image>[^\s,:]+(?::[\w.-]+)?)")

REGISTRY_WORDS = re.compile(r"registry|pull|manifest|not found|denied|unauthorized|no such host|timeout", re.I)


def pull_failure(output: str, images: dict[str, str] | None = None) -> str:
    """One line naming the image that could not be pulled, when the output of build or up says so; else "".
    images maps each service to its image, for Compose's "db Error ..." lines, which name only the service."""
    lines = output.splitlines()
    image = reason = ""
    for line in lines:
        if match := BUILD_METADATA.search(line):
            candidate = match.group("image")
            repository, _, tag = candidate.partition(":")
            failures = [other for other in lines if "failed to" in other
                        and (candidate in other or f"{repository}/manifests/{tag}" in other)]
            if failures:
                image, reason = candidate, failures[-1]
                break
        elif ((match := SERVICE_PULL_ERROR.match(line)) and (images or {}).get(match.group("service"))
              and REGISTRY_WORDS.search(match.group("reason"))):
            image, reason = images[match.group("service")], match.group("reason")
            break
        elif match := DAEMON_PULL_ERROR.search(line):
            image, reason = match.group("image"), line
            break
    if not image:
        return ""
    reason = " ".join(reason.split()).rsplit(": ", 1)[-1]  # the innermost cause: "no such host"
    repository = image.split(":", 1)[0]
    page = (f"https://hub.docker.com/_/{repository}/tags" if "/" not in repository
            else f"https://hub.docker.com/r/{repository}/tags")
    return (f"the image {image} could not be pulled ({reason}). Check that the tag exists ({page}) and that this "
            f"machine reaches the registry; `timetension doctor` checks the images the kit names.")


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM becomes Terminated in the main thread, so that the `finally` that tears down runs."""
    def handler(signum: int, frame: Any) -> None:
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """While the stack is torn down, a second Ctrl-C or SIGTERM must not leave it half removed."""
    saved = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            saved[signum] = signal.signal(signum, signal.SIG_IGN)
        except ValueError:  # not the main thread
            pass
    try:
        yield
    finally:
        for signum, previous in saved.items():
            signal.signal(signum, previous)


@dataclass
class Stack:
    commands: Commands
    project: str
    compose_file: str  # relative to the attempt's folder, the commands' working directory
    set_env: dict[str, str] = field(default_factory=dict)  # what run added to the environment
    touched: bool = False  # whether anything may have been made (images, containers, networks, volumes)
    _engine: Engine | None = field(default=None, repr=False)

    def compose(self, *args: str) -> list[str]:
        return ["docker", "compose", "-p", self.project, "-f", self.compose_file, *args]

    def services(self) -> list[str]:
        completed = self.commands.capture(self.compose("config", "--services"))
        if not completed.ok:
            raise StackFailed(f"docker compose cannot read {self.compose_file}: {completed.said}")
        return [line.strip() for line in completed.stdout.splitlines() if line.strip()]

    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = Engine.connect(env=self.commands.env)
            except EngineUnavailable as problem:
                raise StackFailed(f"the Docker engine stopped answering ({problem})") from None
        return self._engine

    def images(self) -> dict[str, str]:
        """Each service's image as the compose file names it (services that only build have none)."""
        completed = self.commands.capture(self.compose("config", "--format", "json"), show=False)
        try:
            services = json.loads(completed.stdout).get("services", {}) if completed.ok else {}
        except (json.JSONDecodeError, AttributeError):
            return {}
        return {name: str(service["image"]) for name, service in services.items()
                if isinstance(service, dict) and service.get("image") and not service.get("build")}

    def states(self, services: list[str], *, show: bool, note: str = "") -> dict[str, ServiceState]:
        """Each service's container as the engine sees it (what `docker compose ps --all` lists)."""
        if show:
            self.commands.show(self.compose("ps", "--all"), note)
        states = {service: ServiceState(service) for service in services}
        for service, found in self.engine().project_states(self.project).items():
            if service in states:
                states[service] = ServiceState(service, state=found.state, health=found.health,
                                               exit_code=found.exit_code, container=found.id, probe=found.probe)
        return states

    def wait_until_healthy(self, services: list[str], deadline: float, wait: float) -> None:
        """Poll until every service is healthy (or running, without a health check); StackFailed names the
        ones that are not, when one fails or time runs out."""
        started = time.monotonic()
        seen: dict[str, str] = {}
        first = True
        while True:
            states = self.states(services, show=first,
                                 note=f"again every {POLL_SECONDS:g} s until all are healthy" if first else "")
            first = False
            for service, state in states.items():
                description = state.describe()
                if seen.get(service) != description:
                    self.commands.say(f"  {service}: {description} ({time.monotonic() - started:.0f} s)")
                    seen[service] = description
            if all(state.ready for state in states.values()):
                return
            failed = [state for state in states.values() if state.failed]
            if failed:
                raise StackFailed(self.diagnose(failed, "is not healthy"))
            if time.monotonic() >= deadline:
                waiting = [state for state in states.values() if not state.ready]
                raise StackFailed(self.diagnose(waiting, f"did not become healthy within {wait:g} s"))
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))

    def diagnose(self, states: list[ServiceState], verdict: str) -> str:
        """One paragraph per service: its state, what its health check said last, its last log lines."""
        # The database first: when it is not healthy, the app has not even started.
        states = sorted(states, key=lambda state: state.service != "db")
        paragraphs = []
        for state in states:
            if state.state in ("created", "not created"):
                paragraphs.append(f"{state.service} was not started ({state.state}): it waits for the services "
                                  f"it depends on.")
                continue
            if state.state in ("exited", "dead") and state.exit_code is not None:
                lines = [f"{state.service} exited with code {exit_code_meaning(state.exit_code)} before it became "
                         f"healthy."]
            else:
                lines = [f"{state.service} {verdict} ({state.describe()})."]
            if state.probe is not None and state.health in ("starting", "unhealthy"):
                lines.append(f"  Its health check {state.probe.describe()}.")
            tail = self.engine().logs(state.container, LOG_TAIL) if state.container else []
            if tail:
                lines.append(f"  Its last log lines (all of them: docker compose logs {state.service}):")
                lines.extend(f"    {line}" for line in tail)
            else:
                lines.append("  It logged nothing.")
            exited = state.state in ("exited", "dead")
            hint = EXITED_HINT if exited and state.service == APP_SERVICE else SERVICE_HINTS.get(state.service)
            if hint:
                lines.append(f"  Hint: {hint}")
            paragraphs.append("\n".join(lines))
        return "\n".join(paragraphs)

    def check_reachable(self, url: str, wait: float = REACH_WAIT) -> None:
        """The app's health check passes inside its container; from this machine, through the published port,
        it must answer too. When it does not, say why, as far as the engine can tell."""
        deadline = time.monotonic() + wait
        while True:
            try:
                with httpx.Client(timeout=REACH_TIMEOUT) as client:
                    client.get(f"{url}/health")
                return
            except httpx.HTTPError as error:
                problem = error
            if time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        app = self.states([APP_SERVICE], show=False).get(APP_SERVICE)
        addresses = self.engine().listening_addresses(app.container, APP_CONTAINER_PORT) if app else None
        said = " ".join(str(problem).split()) or type(problem).__name__
        if addresses and not addresses & ANY_ADDRESSES and addresses <= LOCAL_ADDRESSES:
            where = " and ".join(sorted(addresses))
            raise StackFailed(
                f"{APP_SERVICE} passes its health check inside its container, but from this machine {url} gets no "
                f"answer ({said}). Your app listens on {where}:{APP_CONTAINER_PORT} inside its container, where "
                f"only the container itself can reach it: listen on 0.0.0.0 (all addresses) instead. Each "
                f"starter's README shows where the address is set.")
        if addresses is not None and not addresses:
            raise StackFailed(
                f"{APP_SERVICE} passes its health check, but nothing listens on port {APP_CONTAINER_PORT} inside its "
                f"container, and {url} gets no answer ({said}). The app must listen on 0.0.0.0:{APP_CONTAINER_PORT} "
                f"(the compose file publishes that port), whatever PORT says elsewhere.")
        raise StackFailed(
            f"{APP_SERVICE} passes its health check inside its container, but from this machine {url} gets no "
            f"answer ({said}). Hint: {SERVICE_HINTS[APP_SERVICE]}")

    def published_url(self) -> str:
        completed = self.commands.capture(self.compose("port", APP_SERVICE, str(APP_CONTAINER_PORT)))
        if not completed.ok:
            raise StackFailed(f"{APP_SERVICE} publishes no port for {APP_CONTAINER_PORT} ({completed.said}). "
                              f"Its `ports:` needs an entry like \"127.0.0.1:${{APP_PORT:-8080}}:8080\".")
        try:
            host, port = parse_published(completed.stdout)
        except ValueError:
            raise StackFailed(f"cannot read the published port from {completed.stdout.strip()!r}") from None
        return f"http://{host}:{port}"

    def remove_leftovers(self) -> dict[str, list[str]]:
        """Whatever still carries the project's label after `down` (a container that would not stop, a
        network still in use), removed through the engine. Empty when `down` did its job."""
        try:
            removed = self.engine().remove_labelled(f"{COMPOSE_PROJECT_LABEL}={self.project}")
        except (StackFailed, *ENGINE_ERRORS):  # the engine went away: `down`'s own message says enough
            return {}
        return {kind: names for kind, names in removed.items() if names}

    def stop_command(self) -> str:
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.set_env.items())
        down = shlex.join(self.compose("down", "--volumes", "--remove-orphans", "--rmi", "local"))
        return f"{exports} {down}".strip()


def run_attempt(options: RunOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The whole of `timetension run`; returns its exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    env = {key: value for key, value in os.environ.items() if key != "COMPOSE_PROFILES"}  # the suite stays out
    preflight = Commands(out, env)
    try:
        compose_path = find_compose_file(options.folder)
        require_docker(preflight)
    except CannotStart as problem:
        print(f"timetension run: {problem}", file=err, flush=True)
        return EXIT_CANNOT_START
    except KeyboardInterrupt:
        preflight.say("\nInterrupted.")
        return EXIT_INTERRUPTED

    folder = compose_path.parent.resolve()
    report = (options.report or folder / "reports").resolve()
    commands = Commands(out, env, cwd=folder)
    stack = Stack(commands, project_name(folder), compose_path.name)
    stack.set_env["APP_PORT"] = str(free_port())
    if not os.environ.get("POSTGRES_PASSWORD") and not env_file_sets(folder, "POSTGRES_PASSWORD"):
        # A throwaway database on a network of its own: a random password does, and says so.
        stack.set_env["POSTGRES_PASSWORD"] = secrets.token_hex(12)
    env.update(stack.set_env)

    code = EXIT_STACK_FAILED
    with _sigterm_raises():
        try:
            commands.show(["cd", str(folder)])
            for key, value in stack.set_env.items():
                note = ("the app on a free port" if key == "APP_PORT"
                        else "no POSTGRES_PASSWORD in .env: a random one for this throwaway database")
                commands.show(["export", f"{key}={value}"], note)
            code = _up_and_check(stack, options, report)
        except StackFailed as problem:
            commands.say()
            commands.say(f"The stack did not come up: {problem}")
            code = EXIT_STACK_FAILED
        except KeyboardInterrupt:
            commands.say("\nInterrupted: taking the stack down first.")
            code = EXIT_INTERRUPTED
        except Terminated:
            commands.say("\nTerminated (SIGTERM): taking the stack down first.")
            code = EXIT_TERMINATED
        finally:
            with _signals_ignored():
                _tear_down(stack, options, report)
    return code


def _up_and_check(stack: Stack, options: RunOptions, report: Path) -> int:
    say = stack.commands.say
    report.mkdir(parents=True, exist_ok=True)
    build_log = report / "build.log"
    build_log.write_text("", encoding="utf-8")
    services = stack.services()

    say(f"\nBuilding the images (the output is kept in {build_log}):")
    stack.touched = True
    built = stack.commands.stream(stack.compose("build"), log=build_log)
    if not built.ok:
        raise StackFailed(pull_failure(built.stdout) or
                          f"the images did not build (docker compose build: exit status {built.returncode}); "
                          f"its output above says why, and {build_log} keeps it.")

    say("\nCreating the containers (the first time, this downloads the database's image):")
    created = stack.commands.stream(stack.compose("up", "--detach", "--no-start"), log=build_log)
    if not created.ok:
        raise StackFailed(pull_failure(created.stdout, stack.images()) or
                          f"docker compose could not create the containers (exit status {created.returncode}); "
                          f"its output above says why.")

    say(f"\nStarting them: the database first, the app once the database is healthy. Waiting up to "
        f"{options.wait:g} s for {', '.join(services)}:")
    deadline = time.monotonic() + options.wait
    # `up` itself waits for the database to be healthy before it starts the app, so it gets the same limit.
    started = stack.commands.stream(stack.compose("up", "--detach"), timeout=options.wait, log=build_log)
    if started.returncode is not None and not started.ok:
        states = stack.states(services, show=True)
        broken = [state for state in states.values() if not state.ready]
        if broken:
            raise StackFailed(stack.diagnose(broken, "is not healthy"))
        raise StackFailed(f"docker compose up failed (exit status {started.returncode}); its output above says "
                          f"why. A port in use? Another app may hold it.")
    # After a timeout the deadline has passed: one look, and the services that are not healthy are named.
    stack.wait_until_healthy(services, deadline, options.wait)

    url = stack.published_url()
    stack.check_reachable(url)
    say(f"\nThe stack is up; the app answers on {url}. Running the suite:\n")
    reporter = TerminalReporter(stream=stack.commands.out, color=options.color, verbose=options.verbose)
    spec = default_spec()
    reporter.header(url, options.level, __version__, spec.version)
    prefixes = options.only
    only: Callable[[Any], bool] | None = (lambda check: check.slug.startswith(prefixes)) if prefixes else None
    result = run_suite(url, level=options.level, spec=spec, timeout=options.timeout, keep_going=options.keep_going,
                       only=only, docs_url=options.docs_url, cors_origin=options.cors_origin, fuzz=options.fuzz,
                       progress=reporter, jobs=options.jobs)
    written = [write_results(result, report / "results.json"), write_junit(result, report / "junit.xml")]
    say("Reports: " + ", ".join(str(path) for path in written))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _tear_down(stack: Stack, options: RunOptions, report: Path) -> None:
    commands = stack.commands
    commands.say()
    try:
        report.mkdir(parents=True, exist_ok=True)
        logs = commands.capture(stack.compose("logs", "--no-color", "--timestamps"), note="kept in the report folder")
        (report / "compose.log").write_text(logs.stdout + logs.stderr, encoding="utf-8")
        commands.say(f"The services' logs: {report / 'compose.log'}")
    except OSError as error:
        commands.say(f"Could not keep the logs in {report}: {error}")
    if options.keep:
        commands.say("The stack keeps running (--keep). Stop it and delete its database with:")
        commands.say(f"  cd {shlex.quote(str(commands.cwd))} && {stack.stop_command()}")
        return
    down = commands.capture(stack.compose("down", "--volumes", "--remove-orphans", "--rmi", "local"),
                            timeout=DOWN_TIMEOUT, note="always: containers, network, database volume, built image")
    left = stack.remove_leftovers() if stack.touched else {}
    if left:
        commands.say("Removed what `down` left behind: " + "; ".join(f"{kind} {', '.join(names)}"
                                                                    for kind, names in left.items()))
    if down.ok:
        commands.say("The stack is gone.")
    elif not stack.touched:
        commands.say(f"docker compose down found nothing to take down ({down.said}).")
    else:
        commands.say(f"Taking the stack down failed ({down.said}). Do it by hand:")
        commands.say(f"  cd {shlex.quote(str(commands.cwd))} && {stack.stop_command()}")
