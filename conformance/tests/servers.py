"""Start and stop the apps the kit's tests check: real processes on free ports, logs kept in files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPOSITORY = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppFailedToStart(RuntimeError):
    pass


# A command started in the background by a script (`make test &`, some CI runners) inherits SIGINT ignored,
# and Python then never raises KeyboardInterrupt. A terminal's foreground process has SIGINT at its default:
# tests that press Ctrl-C put this before their command, so they test what a participant's Ctrl-C does.
CTRL_C_AS_IN_A_TERMINAL = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, "
                           "signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])"]


@dataclass
class App:
    """A running app: its base URL, and once it has stopped, how it ended."""

    url: str
    process: subprocess.Popen
    stopped_by_force: bool = False


@contextmanager
def running(command: list[str], *, env: dict[str, str], log: Path, port: int, ready_path: str = "/health",
            startup_seconds: float = 30.0, cwd: Path | None = None) -> Iterator[App]:
    """Run command until the block ends, then stop it with SIGTERM (SIGKILL after 10 s).

    Yields once ready_path answers at all."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, env={**os.environ, **env, "PORT": str(port)}, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=cwd,
        )
        app = App(url, process)
        try:
            _wait_for(url + ready_path, process, log, startup_seconds)
            yield app
        finally:
            app.stopped_by_force = _stop(process)


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AppFailedToStart(f"{process.args} exited with {process.returncode}:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AppFailedToStart(f"{process.args} did not answer {url} within {seconds} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> bool:
    """SIGTERM, then SIGKILL if it has not ended within 10 s; True when it had to be killed."""
    if process.poll() is not None:
        return False
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


def reference_command() -> list[str]:
    return [sys.executable, "-m", "timetension_reference"]


def broken_app_command(name: str) -> list[str]:
    return [sys.executable, str(TESTS / "broken_apps" / "serve.py"), name]
