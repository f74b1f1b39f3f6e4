"""`timetension doctor`: is this machine ready for the workshop? One line per item, OK or MISSING, and what
to install. Python, docker, its compose plugin, an engine that answers and a free port are required (exit 1
when one is missing); each starter's native toolchain is listed for information only, since a participant
needs only the one they picked, or none with Docker."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ._compose import COMPOSE_FILE_NAMES, INSTALL_BUILDX, INSTALL_COMPOSE, INSTALL_DOCKER, START_ENGINE, first_message
from ._engine import Engine, EngineUnavailable
from ._images import images_of
from ._starters import ManifestError, load_starters

MINIMUM_PYTHON = (3, 11)
DEFAULT_PORT = 8080
COMMAND_TIMEOUT = 20.0
MINIMUM_FREE_GIB = 5
# A container must start: from the first of these that is here (the stand-ins or earlier pulls), else the
# first one is pulled. Both are tags the kit pins elsewhere (test_image_tags.py checks that).
CONTAINER_TEST_IMAGES = ("alpine:3.24.1", "postgres:17.11-trixie", "python:3.11.16-slim-trixie")
DATABASE_IMAGE_SOURCE = "docker-compose.template.yml"
REPOSITORY = Path(__file__).resolve().parents[3]  # the kit's checkout, when the suite is installed from it

TOOL_HINTS = {
    "go": "Go: https://go.dev/dl/",
    "java": "a JDK, e.g. Eclipse Temurin: https://adoptium.net/",
    "mvn": "Maven: https://maven.apache.org/download.cgi (or your package manager's maven)",
    "node": "Node.js with npm: https://nodejs.org/",
    "npm": "Node.js with npm: https://nodejs.org/",
    "cargo": "Rust with rustup: https://rustup.rs/",
    "python3": "Python: https://www.python.org/downloads/",
}


@dataclass
class Item:
    name: str
    ok: bool
    detail: str  # what was found, or what to install

    def line(self) -> str:
        return f"  {'OK' if self.ok else 'MISSING':<8} {self.name}: {self.detail}"


def _ask(args: list[str]) -> tuple[bool, str]:
    """Run a short command; (whether it succeeded, its first line of output or its error)."""
    try:
        completed = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=COMMAND_TIMEOUT,
                                   stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    if completed.returncode == 0:
        return True, first_message(completed.stdout) or "ok"
    return False, (first_message(completed.stderr) or first_message(completed.stdout)
                   or f"exit status {completed.returncode}")


def check_python() -> Item:
    version = ".".join(str(part) for part in sys.version_info[:3])
    needed = ".".join(str(part) for part in MINIMUM_PYTHON)
    if sys.version_info[:2] >= MINIMUM_PYTHON:
        return Item("Python", True, f"{version} ({needed} or newer needed)")
    return Item("Python", False, f"{version} is too old: install Python {needed} or newer "
                                 f"(https://www.python.org/downloads/)")


def check_docker() -> tuple[list[Item], Engine | None]:
    """The docker command and its two plugins (through the command line, as a participant types them), then
    the engine itself (through the Docker SDK): it answers, starts a container, and has room for images."""
    if shutil.which("docker") is None:
        return [Item("docker", False, f"no `docker` command on PATH. {INSTALL_DOCKER}"),
                Item("docker compose (v2 plugin)", False, "needs docker first"),
                Item("docker buildx (BuildKit)", False, "needs docker first"),
                Item("Docker engine", False, "needs docker first")], None
    items = []
    ok, said = _ask(["docker", "--version"])
    items.append(Item("docker", ok, said if ok else f"`docker --version` failed ({said}). {INSTALL_DOCKER}"))
    ok, said = _ask(["docker", "compose", "version"])
    items.append(Item("docker compose (v2 plugin)", ok, said if ok else f"not there ({said}). {INSTALL_COMPOSE}"))
    ok, said = _ask(["docker", "buildx", "version"])
    items.append(Item("docker buildx (BuildKit)", ok, said if ok else f"not there ({said}). {INSTALL_BUILDX}"))
    try:
        engine = Engine.connect()
    except EngineUnavailable as problem:
        items.append(Item("Docker engine", False, f"does not answer ({problem}). {START_ENGINE}"))
        return items, None
    items.append(Item("Docker engine", True, f"answers, version {engine.server_version()}"))
    items.append(check_container(engine))
    items.append(check_disk(engine))
    return items, engine


def check_container(engine: Engine) -> Item:
    """A container starts: from an image that is already here when there is one, else the small one pulled."""
    image = next((tag for tag in CONTAINER_TEST_IMAGES if engine.image_here(tag)), CONTAINER_TEST_IMAGES[0])
    problem = engine.can_start(image)
    if problem:
        return Item("a container starts", False, f"`docker run --rm {image} true` failed: {problem}")
    return Item("a container starts", True, f"`docker run --rm {image} true` exited 0")


def check_disk(engine: Engine) -> Item:
    found = engine.free_disk()
    if found is None:
        return Item("room for images", True, "the engine's disk is not on this machine (Docker Desktop's VM): "
                                             "its settings show how much is free")
    root, free = found
    gib = free / 2**30
    if gib < MINIMUM_FREE_GIB:
        return Item("room for images", False, f"only {gib:.1f} GiB free under {root}; the starters' images and the "
                                              f"database need about {MINIMUM_FREE_GIB} GiB: `docker system prune` "
                                              f"removes what no container uses")
    return Item("room for images", True, f"{gib:.0f} GiB free under {root}")


def check_images(engine: Engine, images: list[str]) -> list[Item]:
    """Each base image the kit names: here already, or the registry has it. One line for a tag that cannot be
    pulled, naming it."""
    items = []
    for image in images:
        if engine.image_here(image):
            items.append(Item(image, True, "here"))
            continue
        problem = engine.registry_knows(image)
        if problem:
            items.append(Item(image, False, f"not here, and it cannot be pulled: {problem}"))
        else:
            items.append(Item(image, True, "not here yet; the registry has it (pulled on first use)"))
    return items


def check_port(port: int) -> Item:
    name = f"port {port}"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":
            # Only a listener counts as taken, not connections that just closed (TIME_WAIT).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return Item(name, False, f"something already listens on 127.0.0.1:{port}. Stop it, or publish your "
                                     f"app elsewhere: APP_PORT=8081 in .env (`timetension run` picks a free "
                                     f"port by itself)")
    return Item(name, True, "free on 127.0.0.1")


def find_starters(explicit: Path | None) -> Path | None:
    candidates = [explicit] if explicit else [REPOSITORY / "starters", Path.cwd() / "starters"]
    for candidate in candidates:
        if candidate and candidate.is_dir():
            return candidate
    return None


def check_starters(root: Path) -> list[Item]:
    items = []
    try:
        starters = load_starters(root)
    except ManifestError as error:
        return [Item("starters", False, str(error))]
    for starter in starters:
        name = f"{starter.name} ({starter.language} {starter.language_version}, {starter.framework})"
        missing = starter.missing_tools()
        if not missing:
            items.append(Item(name, True, ", ".join(starter.toolchain)))
        else:
            hints = "; ".join(f"{tool}: install {TOOL_HINTS.get(tool, tool)}" for tool in missing)
            items.append(Item(name, False, f"needs {', '.join(missing)} ({hints})"))
    return items


def check_database_routes() -> list[Item]:
    """The two ways `timetension db start` gives an attempt its PostgreSQL; one of them is enough."""
    from ._database import INSTALL_NATIVE, find_native_bin_dir

    bin_dir = find_native_bin_dir()
    if bin_dir is None:
        native = Item("native PostgreSQL (initdb, pg_ctl)", False, f"not found; {INSTALL_NATIVE}")
    else:
        ok, said = _ask([str(bin_dir / "postgres"), "--version"])
        native = Item("native PostgreSQL (initdb, pg_ctl)", ok, f"{said} in {bin_dir}" if ok else said)
    if shutil.which("docker") is None:
        compose = Item("PostgreSQL through compose", False, "needs docker and its compose plugin (above)")
    else:
        ok, said = _ask(["docker", "version", "--format", "{{.Server.Version}}"])
        compose = Item("PostgreSQL through compose", ok, "the attempt's db service, published on 127.0.0.1" if ok
                       else f"the Docker engine does not answer ({said})")
    return [native, compose]


def doctor(*, port: int = DEFAULT_PORT, starters: Path | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    say("What `timetension run` needs (all of it):")
    docker_items, engine = check_docker()
    required = [check_python(), *docker_items, check_port(port)]
    for item in required:
        say(item.line())
    say()
    say("A database for `timetension db start` (for information: either route is enough):")
    for item in check_database_routes():
        say(item.line())
    say()
    root = find_starters(starters)
    kit = root.parent if root is not None else None
    if engine is not None:
        database = images_of([kit / DATABASE_IMAGE_SOURCE]) if kit else []
        attempt = images_of([Path.cwd() / "Dockerfile", *(Path.cwd() / name for name in COMPOSE_FILE_NAMES)])
        others = images_of(sorted(root.glob("*/Dockerfile"))) if root else []
        if database or attempt:
            say("The images this attempt and the database need:")
            for item in check_images(engine, list(dict.fromkeys([*attempt, *database]))):
                required.append(item)
                say(item.line())
            say()
        others = [image for image in others if image not in database and image not in attempt]
        if others:
            say("The starters' base images (for information: each starter needs its own):")
            for item in check_images(engine, others):
                say(item.line())
            say()
        engine.close()
    say("Each starter's native toolchain (for information: you need only the one you picked, or none with Docker):")
    if root is None:
        say("  (no starters folder here: run doctor from the kit's folder, or give --starters DIR)")
    else:
        for item in check_starters(root):
            say(item.line())
    say()
    missing = [item.name for item in required if not item.ok]
    if missing:
        say(f"Missing: {', '.join(missing)}. Install what the lines above say, then run `timetension doctor` again.")
        return 1
    say("Everything `timetension run` needs is here.")
    return 0
