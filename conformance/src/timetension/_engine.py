"""What the kit asks the Docker Engine directly, through the Docker SDK for Python.

Compose stays the tool for a compose project (`_compose.py` drives the `docker compose` command line, the
way a participant would). This module is for the questions behind a diagnosis and for what the kit runs by
itself: the containers' state, their health checks' last words and exit codes, which address an app
listens on inside its container, logs, clean-up by label, and `doctor`'s view of the engine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors
import requests.exceptions

CONNECT_TIMEOUT = 20.0
COMPOSE_PROJECT_LABEL = "com.docker.compose.project"
COMPOSE_SERVICE_LABEL = "com.docker.compose.service"
KIT_LABEL = "org.timetension.run"  # on what the kit starts by itself (review's image submissions)
LOCAL_ADDRESSES = {"127.0.0.1", "::1"}
ANY_ADDRESSES = {"0.0.0.0", "::"}


# What a call to the engine can raise besides its answer: the SDK's errors, the HTTP client's, the socket's.
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException, OSError)


class EngineUnavailable(Exception):
    """The engine does not answer; the message says what the SDK got."""


def _plain(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())[:300]


def _why(error: BaseException) -> str:
    """The socket-level reason behind an SDK error, in words, when there is one."""
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, FileNotFoundError):
            return "the socket does not exist (the engine is not running)"
        if isinstance(current, PermissionError):
            return "permission denied (your user may not use the engine)"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused (the engine is not running)"
        pending += [current.__cause__, current.__context__, *current.args]
    return _plain(error)


def _context_host(env: dict[str, str]) -> str:
    try:
        completed = subprocess.run(["docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"],
                                   capture_output=True, text=True, timeout=10, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""


def exit_code_meaning(code: int | None) -> str:
    """"139 (128 + 11: killed by SIGSEGV)" for codes that mean a signal, else the code."""
    if code is None:
        return "no exit code"
    if code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            return str(code)
        return f"{code} (128 + {code - 128}: killed by {name})"
    return str(code)


@dataclass
class Probe:
    """The last run of a container's health check."""
    exit_code: int | None
    output: str

    def describe(self) -> str:
        said = " ".join(self.output.split())[:300]
        if self.exit_code == 0:
            return f"passed{': ' + said if said else ''}"
        if not said:
            return f"failed with exit code {exit_code_meaning(self.exit_code)} and printed nothing"
        return f"failed with exit code {exit_code_meaning(self.exit_code)}: {said}"


@dataclass
class ContainerState:
    service: str
    name: str
    id: str
    state: str  # created, running, exited, dead, restarting, paused
    health: str  # healthy, unhealthy, starting, or "" without a health check
    exit_code: int | None
    probe: Probe | None


def _state_of(container: Any, service_label: str = COMPOSE_SERVICE_LABEL) -> ContainerState:
    attrs = container.attrs
    state = attrs.get("State") or {}
    health = state.get("Health") or {}
    log = health.get("Log") or []
    probe = Probe(log[-1].get("ExitCode"), str(log[-1].get("Output") or "")) if log else None
    status = str(state.get("Status", "")).lower()
    exit_code = state.get("ExitCode") if status in ("exited", "dead") else None
    return ContainerState(service=container.labels.get(service_label, ""), name=container.name, id=container.id,
                          state=status, health=str(health.get("Status", "")).lower(), exit_code=exit_code,
                          probe=probe)


def _listening(proc_net: str, port: int) -> set[str]:
    """Addresses that listen on port in /proc/net/tcp and tcp6 (state 0A is LISTEN)."""
    addresses = set()
    for line in proc_net.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[3] != "0A" or ":" not in fields[1]:
            continue
        address, _, hex_port = fields[1].rpartition(":")
        try:
            if int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(address)
        except ValueError:
            continue
        if len(raw) == 4:
            addresses.add(".".join(str(byte) for byte in raw[::-1]))
        elif len(raw) == 16:
            words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]  # four little-endian 32-bit words
            flat = b"".join(words)
            if flat[:12] == b"\0" * 10 + b"\xff\xff":
                addresses.add(".".join(str(byte) for byte in flat[12:]))
            elif flat == b"\0" * 15 + b"\1":
                addresses.add("::1")
            elif flat == b"\0" * 16:
                addresses.add("::")
            else:
                addresses.add(flat.hex())
    return addresses


class Engine:
    """A connection to the engine that DOCKER_HOST (or the default socket) names."""

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, timeout: float = CONNECT_TIMEOUT, env: dict[str, str] | None = None) -> Engine:
        """The engine of DOCKER_HOST, or else of the docker command's current context (Docker Desktop's
        socket is named by its context, not by DOCKER_HOST)."""
        env = dict(os.environ if env is None else env)
        try:
            client = docker.from_env(timeout=int(timeout), environment=env)
            client.ping()
            return cls(client)
        except ENGINE_ERRORS as error:
            first = error
        host = _context_host(env)
        if host and not env.get("DOCKER_HOST"):
            try:
                client = docker.DockerClient(base_url=host, timeout=int(timeout))
                client.ping()
                return cls(client)
            except ENGINE_ERRORS:
                pass
        where = env.get("DOCKER_HOST") or host or "unix:///var/run/docker.sock"
        raise EngineUnavailable(f"nothing answers at {where}: {_why(first)}")

    def close(self) -> None:
        self.client.close()

    def server_version(self) -> str:
        return str(self.client.version().get("Version", "unknown"))

    # Compose projects ------------------------------------------------------------------------------------

    def project_states(self, project: str) -> dict[str, ContainerState]:
        """The containers of a compose project by service (the newest one when a service has several)."""
        containers = self.client.containers.list(all=True, filters={"label": f"{COMPOSE_PROJECT_LABEL}={project}"})
        states: dict[str, ContainerState] = {}
        for container in sorted(containers, key=lambda c: c.attrs.get("Created", "")):
            state = _state_of(container)
            states[state.service] = state
        return states

    def listening_addresses(self, container_id: str, port: int) -> set[str] | None:
        """Where a running container listens on port, read from /proc/net inside it; None when unknown
        (an image without `cat`, or the container stopped)."""
        try:
            container = self.client.containers.get(container_id)
            result = container.exec_run(["cat", "/proc/net/tcp", "/proc/net/tcp6"], demux=False)
        except ENGINE_ERRORS:
            return None
        if result.exit_code not in (0, 1) or not result.output:
            return None
        return _listening(result.output.decode("utf-8", "replace"), port)

    def logs(self, container_id: str, tail: int) -> list[str]:
        try:
            raw = self.client.containers.get(container_id).logs(tail=tail)
        except ENGINE_ERRORS:
            return []
        return [line for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]

    def leftovers(self, label: str) -> dict[str, list[str]]:
        """Containers, networks and volumes that still carry label (KEY=VALUE)."""
        filters = {"label": label}
        return {
            "containers": [c.name for c in self.client.containers.list(all=True, filters=filters)],
            "networks": [n.name for n in self.client.networks.list(filters=filters)],
            "volumes": [v.name for v in self.client.volumes.list(filters=filters)],
        }

    def remove_labelled(self, label: str) -> dict[str, list[str]]:
        """Remove what carries label: containers first (forcibly), then networks and volumes. Returns what
        was removed."""
        removed: dict[str, list[str]] = {"containers": [], "networks": [], "volumes": []}
        filters = {"label": label}
        for container in self.client.containers.list(all=True, filters=filters):
            try:
                container.remove(force=True, v=True)
                removed["containers"].append(container.name)
            except docker.errors.NotFound:
                pass
        for network in self.client.networks.list(filters=filters):
            try:
                network.remove()
                removed["networks"].append(network.name)
            except docker.errors.NotFound:
                pass
        for volume in self.client.volumes.list(filters=filters):
            try:
                volume.remove(force=True)
                removed["volumes"].append(volume.name)
            except docker.errors.NotFound:
                pass
        return removed

    # doctor ------------------------------------------------------------------------------------------------

    def image_here(self, tag: str) -> bool:
        try:
            self.client.images.get(tag)
            return True
        except docker.errors.ImageNotFound:
            return False

    def registry_knows(self, tag: str) -> str:
        """"" when the registry has tag, else why it could not be asked or what it said."""
        try:
            self.client.images.get_registry_data(tag)
            return ""
        except ENGINE_ERRORS as error:
            return _plain(error)

    def can_start(self, image: str) -> str:
        """"" when a container of image starts and exits 0 (`true`), else why not."""
        try:
            self.client.containers.run(image, ["true"], remove=True, network_mode="none",
                                       labels={KIT_LABEL: "doctor"})
            return ""
        except ENGINE_ERRORS as error:
            return _plain(error)

    def free_disk(self) -> tuple[str, int] | None:
        """(the engine's data folder, free bytes), when that folder is on this machine."""
        root = str(self.client.info().get("DockerRootDir", ""))
        try:
            return root, shutil.disk_usage(root).free
        except OSError:
            return None
