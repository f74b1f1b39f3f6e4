"""A participant's path from nothing to level 0 green, scripted: `make new` from a copy of the kit, `timetension
db start`, the starter's `setup` and `run` (its manifest's commands, through a shell), `timetension check
--level 0` with the suite `make new` installed, then everything stopped. test_participant_path.py walks it
for every starter; scripts/bench_participant.py times it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from servers import free_port, running

SETUP_TIMEOUT = 1200  # a first Rust or Maven build on 2 cores
STARTUP_SECONDS = 180
STEP_TIMEOUT = 600


class PathFailed(AssertionError):
    pass


@dataclass
class Walk:
    starter: str
    attempt: Path
    seconds: dict[str, float] = field(default_factory=dict)  # each step's time, in order
    data_dir: str = ""  # the attempt's PostgreSQL cluster, once started natively
    left_running: list[str] = field(default_factory=list)  # processes still there after the walk

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def participant_env() -> dict[str, str]:
    """This environment without the kit's virtualenv: a participant has none."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "DATABASE_URL", "PORT", "TIMETENSION_URL", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep)
                                  if not (Path(part) / "activate").exists())
    return env


def system_python() -> str:
    """The Python the kit's virtualenv was made from: what `make new` runs as PYTHON in a fresh clone."""
    return str(Path(sys.base_prefix) / "bin" / "python3")


def _step(walk: Walk, name: str, command: list[str], *, cwd: Path, env: dict[str, str],
          timeout: float = STEP_TIMEOUT) -> str:
    started = time.monotonic()
    try:
        completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                                   stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PathFailed(f"{walk.starter}: {name} ({' '.join(command)}) took more than {timeout} s") from None
    walk.seconds[name] = time.monotonic() - started
    if completed.returncode != 0:
        raise PathFailed(f"{walk.starter}: {name} ({' '.join(command)}) failed with {completed.returncode}:\n"
                         f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return completed.stdout


def walk_path(kit: Path, starter: str, attempt: Path, *, on_step: Callable[[str], None] = lambda _: None) -> Walk:
    """Walk the path; raise PathFailed at the first step that fails. Whatever happens, the app and the
    database are stopped before it returns, and walk.left_running lists anything still running."""
    walk = Walk(starter, attempt)
    env = participant_env()
    suite = attempt / ".timetension" / "bin" / "timetension"
    try:
        on_step("make new")
        _step(walk, "make new", ["make", "--no-print-directory", "new", f"STARTER={starter}", f"DIR={attempt}",
                                 f"PYTHON={system_python()}"], cwd=kit, env=env)
        on_step("db start")
        said = _step(walk, "db start", [str(suite), "db", "start"], cwd=attempt, env=env)
        if not said.startswith("DATABASE_URL="):
            raise PathFailed(f"{starter}: `timetension db start` printed {said!r}, not DATABASE_URL=...")
        database_url = said.strip().split("=", 1)[1]
        walk.data_dir = _data_dir(attempt)
        manifest = tomllib.loads((attempt / "starter.toml").read_text(encoding="utf-8"))["starter"]
        app_env = {**env, "DATABASE_URL": database_url}
        on_step("setup")
        _step(walk, "setup", ["bash", "-c", manifest["setup"]], cwd=attempt, env=app_env, timeout=SETUP_TIMEOUT)
        port = free_port()
        on_step("run")
        started = time.monotonic()
        with running(["bash", "-c", f"exec {manifest['run']}"], env=app_env, log=attempt.parent / f"{starter}.log",
                     port=port, startup_seconds=STARTUP_SECONDS, cwd=attempt) as app:
            walk.seconds["run until it answers"] = time.monotonic() - started
            on_step("check")
            _step(walk, "check level 0", [str(suite), "check", "--url", app.url, "--level", "0", "--no-color"],
                  cwd=attempt, env=env)
    finally:
        on_step("db stop")
        subprocess.run([str(suite), "db", "stop", "--delete"], cwd=attempt, env=env, capture_output=True,
                       timeout=120, stdin=subprocess.DEVNULL)
        walk.left_running = leftovers([str(attempt), *([walk.data_dir] if walk.data_dir else [])])
    return walk


def _data_dir(attempt: Path) -> str:
    import json

    try:
        return json.loads((attempt / ".timetension" / "db.json").read_text(encoding="utf-8")).get("data", "")
    except (OSError, ValueError):
        return ""


def leftovers(folders: list[str], *, grace: float = 10.0) -> list[str]:
    """Processes whose command line or working folder is inside one of folders (zombies do not count), after
    allowing them grace seconds to end."""
    deadline = time.monotonic() + grace
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if (entry / "stat").read_text().split(") ", 1)[1][0] == "Z":
                    continue
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                cwd = os.readlink(entry / "cwd")
            except (OSError, IndexError):
                continue
            if any(folder in cmdline or cwd == folder or cwd.startswith(folder + "/") for folder in folders):
                found.append(f"{entry.name}: {cmdline.strip()[:200]} (in {cwd})")
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def end(processes: list[str]) -> None:
    """Stop what a failed walk left behind, by PID, so that one broken starter does not leak into the next."""
    for line in processes:
        try:
            os.kill(int(line.split(":", 1)[0]), signal.SIGKILL)
        except (OSError, ValueError):
            pass
