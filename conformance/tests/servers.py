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


@contextmanager
def running(command: list[str], *, env: dict[str, str], log: Path, port: int, ready_path: str = "/health",
            startup_seconds: float = 30.0) -> Iterator[str]:
    """Run command until the block ends; yields its base URL once ready_path answers at all."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, env={**os.environ, **env, "PORT": str(port)}, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_for(url + ready_path, process, log, startup_seconds)
            yield url
        finally:
            _stop(process)


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


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def reference_command() -> list[str]:
    return [sys.executable, "-m", "timetension_reference"]


def broken_app_command(name: str) -> list[str]:
    return [sys.executable, str(TESTS / "broken_apps" / "serve.py"), name]
