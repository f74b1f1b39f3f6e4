"""`timetension db start|stop|status [DIR]`: a PostgreSQL for one attempt, ready before the app starts.

Two routes. Natively, when PostgreSQL's server binaries are installed: a throwaway cluster of the attempt's
own (DIR/.timetension/db), on 127.0.0.1 and a free port, in UTC, with trust authentication for local TCP
only. Or, without the binaries, the attempt's compose `db` service, published on 127.0.0.1 by a small
override file. `start` waits until the server answers (bounded), then prints `DATABASE_URL=...` on stdout
and nothing else there, so `export $(timetension db start)` works. Everything else goes to stderr.

initdb refuses to run as root, so as root the cluster is made and run by an unprivileged system user
(`postgres` when it exists, else `nobody`) through runuser; when that user cannot reach the attempt's
folder (a folder under /root, say), the cluster's files go to a private temporary folder instead and the
state file in the attempt says where.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

STATE_DIR = ".timetension"
STATE_FILE = "db.json"
DB_USER = "timetension"
DB_NAME = "timetension"
COMMAND_TIMEOUT = 120.0  # initdb, pg_ctl, createdb: each bounded
READY_TIMEOUT = 60.0  # the server must answer within this once started
COMPOSE_TIMEOUT = 300.0  # pulling the image the first time takes a while
OVERRIDE_FILE = "db-compose.yml"

INSTALL_NATIVE = ("install PostgreSQL's server: `sudo apt install postgresql` (Debian, Ubuntu), "
                  "`brew install postgresql@17` (macOS), or see https://www.postgresql.org/download/")


class DatabaseError(RuntimeError):
    """A problem the participant can act on; the message says what to do."""


@dataclass
class State:
    route: str  # "native" or "docker"
    url: str
    port: int
    data: str = ""  # native: the cluster's data folder
    bin_dir: str = ""  # native: where initdb and pg_ctl are
    run_as: str = ""  # native: the system user that owns the cluster, when started by root
    compose_files: tuple[str, ...] = ()  # docker: the -f files, in order
    project: str = ""  # docker: the compose project name


def find_native_bin_dir() -> Path | None:
    """The folder of pg_ctl and initdb: on PATH, or the newest /usr/lib/postgresql/N/bin (Debian keeps them off
    PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        folder = Path(on_path).resolve().parent  # often a link into the version's own bin folder
        if (folder / "initdb").exists():
            return folder
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                       key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0)
    return Path(installed[-1]).parent if installed else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _state_path(folder: Path) -> Path:
    return folder / STATE_DIR / STATE_FILE


def load_state(folder: Path) -> State | None:
    try:
        data = json.loads(_state_path(folder).read_text(encoding="utf-8"))
        data["compose_files"] = tuple(data.get("compose_files", ()))
        return State(**data)
    except (OSError, ValueError, TypeError):
        return None


def _save_state(folder: Path, state: State) -> None:
    path = _state_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# The attempt's local database and tools: never committed.\n*\n", encoding="utf-8")


def _run(command: list[str], *, what: str, timeout: float = COMMAND_TIMEOUT, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout,
                                   stdin=subprocess.DEVNULL, cwd=cwd, env=env)
    except subprocess.TimeoutExpired:
        raise DatabaseError(f"{what} did not finish within {timeout:g} s: {' '.join(command)}") from None
    except OSError as error:
        raise DatabaseError(f"{what} could not run: {error}") from None
    if completed.returncode != 0:
        said = (completed.stderr.strip() or completed.stdout.strip() or f"exit status {completed.returncode}")
        raise DatabaseError(f"{what} failed: {said[-1500:]}")
    return completed.stdout


# The native route ---------------------------------------------------------------------------------------


def _server_user() -> str:
    """Who runs the cluster: ourselves, or an unprivileged user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return ""
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise DatabaseError("running as root, and there is no `postgres` or `nobody` user to run PostgreSQL as "
                        "(initdb refuses root): run `timetension db start` as an ordinary user")


def _as(user: str, command: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


def _reachable_by(user: str, folder: Path) -> bool:
    """Whether user may create files in folder (every parent must be searchable by it)."""
    if not user:
        return True
    try:
        probe = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(folder), "-a", "-x", str(folder)],
                               capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _cluster_root(folder: Path, user: str) -> Path:
    root = folder / STATE_DIR / "db"
    root.mkdir(parents=True, exist_ok=True)
    if user:
        shutil.chown(root, user=user, group=pwd.getpwnam(user).pw_gid)
        if not _reachable_by(user, root):
            root = Path(tempfile.mkdtemp(prefix="timetension-db-"))
            shutil.chown(root, user=user, group=pwd.getpwnam(user).pw_gid)
    return root


def _native_running(state: State) -> bool:
    if not state.data or not Path(state.data).exists():
        return False
    try:
        probe = subprocess.run(_as(state.run_as, [str(Path(state.bin_dir) / "pg_ctl"), "-D", state.data, "status"]),
                               capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return _postmaster_pid(Path(state.data)) is not None
    return probe.returncode == 0


def _stop_immediately(state: State) -> None:
    """After a failed start: whatever did start must not be left running."""
    try:
        subprocess.run(_as(state.run_as, [str(Path(state.bin_dir) / "pg_ctl"), "-D", state.data, "-m", "immediate",
                                          "-w", "-t", "20", "stop"]),
                       capture_output=True, timeout=40, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        pid = _postmaster_pid(Path(state.data))
        if pid:
            os.kill(pid, signal.SIGQUIT)


def _wait_until_ready(bin_dir: Path | None, port: int, timeout: float) -> None:
    """pg_isready over TCP until it says yes (the server may still be starting up); without pg_isready, until
    the port accepts a connection."""
    deadline = time.monotonic() + timeout
    ready = bin_dir / "pg_isready" if bin_dir else None
    while True:
        if ready and ready.exists():
            try:
                answered = subprocess.run([str(ready), "-h", "127.0.0.1", "-p", str(port), "-t", "2"],
                                          capture_output=True, timeout=10, stdin=subprocess.DEVNULL).returncode == 0
            except subprocess.TimeoutExpired:
                answered = False
        else:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    answered = True
            except OSError:
                answered = False
        if answered:
            return
        if time.monotonic() > deadline:
            raise DatabaseError(f"PostgreSQL did not answer on 127.0.0.1:{port} within {timeout:g} s")
        time.sleep(0.2)


def _write_settings(data: Path, port: int, user: str) -> None:
    settings = data / "postgresql.auto.conf"
    lines = [
        "# Written by timetension db start: TCP on the loopback only, no Unix socket, UTC.",
        "listen_addresses = '127.0.0.1'",
        f"port = {port}",
        "unix_socket_directories = ''",
        "timezone = 'UTC'",
        "log_timezone = 'UTC'",
    ]
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if user:
        shutil.chown(settings, user=user, group=pwd.getpwnam(user).pw_gid)


def start_native(folder: Path, bin_dir: Path, say: TextIO) -> State:
    state = load_state(folder)
    if state and state.route == "native" and _native_running(state):
        print(f"PostgreSQL is already running for {folder} on 127.0.0.1:{state.port}.", file=say)
        return state
    user = _server_user()
    if state and state.route == "native" and (Path(state.data) / "PG_VERSION").exists():
        data = Path(state.data)
        port = state.port if _port_is_free(state.port) else free_port()
    else:
        root = _cluster_root(folder, user)
        data = root / "data"
        port = free_port()
        print(f"Creating a PostgreSQL cluster in {data} ...", file=say, flush=True)
        _run(_as(user, [str(bin_dir / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-sync"]), what="initdb")
    _write_settings(data, port, user)
    log = data.parent / "server.log"
    if user:
        log.touch()
        shutil.chown(log, user=user, group=pwd.getpwnam(user).pw_gid)
    url = f"postgresql://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"
    state = State(route="native", url=url, port=port, data=str(data), bin_dir=str(bin_dir), run_as=user)
    _save_state(folder, state)  # before the start, so that `db stop` finds a server whatever happens next
    print(f"Starting it on 127.0.0.1:{port} ...", file=say, flush=True)
    try:
        _run(_as(user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(int(READY_TIMEOUT)),
                        "start"]), what="pg_ctl start", timeout=READY_TIMEOUT + 30)
    except DatabaseError as error:
        _stop_immediately(state)
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        raise DatabaseError(f"{error}\nThe server's log ({log}) ends with:\n{tail}") from None
    _wait_until_ready(bin_dir, port, READY_TIMEOUT)
    _create_database(bin_dir, port)
    return state


def _create_database(bin_dir: Path, port: int) -> None:
    listed = _run([str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", DB_USER, "-d", "postgres",
                   "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"], what="psql")
    if listed.strip() != "1":
        _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", DB_USER, DB_NAME],
             what="createdb")


def stop_native(state: State, say: TextIO) -> None:
    pg_ctl = str(Path(state.bin_dir) / "pg_ctl")
    if not _native_running(state):
        print("PostgreSQL was not running.", file=say)
        return
    try:
        _run(_as(state.run_as, [pg_ctl, "-D", state.data, "-m", "fast", "-w", "-t", "30", "stop"]),
             what="pg_ctl stop", timeout=60)
    except DatabaseError:
        # The server did not stop in time: end it by the PID it wrote, immediately.
        pid = _postmaster_pid(Path(state.data))
        if pid:
            os.kill(pid, signal.SIGQUIT)
            print(f"PostgreSQL (PID {pid}) did not stop within 30 s and was ended.", file=say)
        return
    print("PostgreSQL stopped.", file=say)


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def delete_native(folder: Path, state: State) -> None:
    shutil.rmtree(Path(state.data).parent, ignore_errors=True)


# The Docker route ---------------------------------------------------------------------------------------


OVERRIDE = """\
# Written by `timetension db start`: publishes the compose db service on this machine's loopback, so that an
# app started natively can reach it. Used with -f after docker-compose.yml; delete it when you like.
services:
  db:
    ports:
      - "127.0.0.1:{port}:5432"
    networks: [backend, default]
"""


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip("'\"")
    return values


def _ensure_env(folder: Path, say: TextIO) -> dict[str, str]:
    """The compose set-up needs POSTGRES_PASSWORD in .env: made from .env.example, with a random password,
    when there is no .env yet."""
    env_file = folder / ".env"
    if not env_file.exists():
        example = folder / ".env.example"
        text = example.read_text(encoding="utf-8") if example.exists() else "POSTGRES_PASSWORD=\n"
        password = secrets.token_hex(16)
        lines = [f"POSTGRES_PASSWORD={password}" if line.startswith("POSTGRES_PASSWORD=") else line
                 for line in text.splitlines()]
        env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"Made {env_file} from .env.example with a random POSTGRES_PASSWORD.", file=say)
    values = _read_env(env_file)
    if not values.get("POSTGRES_PASSWORD"):
        raise DatabaseError(f"set POSTGRES_PASSWORD in {env_file} (letters and digits), then try again")
    return values


def _compose(state: State, *args: str, timeout: float = COMPOSE_TIMEOUT, folder: Path) -> str:
    command = ["docker", "compose", "-p", state.project]
    for file in state.compose_files:
        command += ["-f", file]
    return _run([*command, *args], what=f"docker compose {' '.join(args[:2])}", timeout=timeout, cwd=folder)


def start_docker(folder: Path, say: TextIO) -> State:
    compose_file = folder / "docker-compose.yml"
    if not compose_file.exists():
        raise DatabaseError(f"{compose_file} is missing: `make new` puts it there, or copy the kit's "
                            f"docker-compose.template.yml")
    values = _ensure_env(folder, say)
    previous = load_state(folder)
    port = previous.port if previous and previous.route == "docker" and _port_is_free(previous.port) else free_port()
    override = folder / STATE_DIR / OVERRIDE_FILE
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(OVERRIDE.format(port=port), encoding="utf-8")
    project = "".join(ch for ch in folder.resolve().name.lower() if ch.isalnum() or ch in "-_") or "attempt"
    user, name = values.get("POSTGRES_USER", DB_USER), values.get("POSTGRES_DB", DB_NAME)
    url = f"postgresql://{user}:{values['POSTGRES_PASSWORD']}@127.0.0.1:{port}/{name}"
    state = State(route="docker", url=url, port=port, compose_files=(str(compose_file), str(override)),
                  project=project)
    _save_state(folder, state)
    print(f"Starting the compose db service (project {project}), published on 127.0.0.1:{port} ...", file=say,
          flush=True)
    _compose(state, "up", "-d", "--wait", "--wait-timeout", str(int(COMPOSE_TIMEOUT - 30)), "db", folder=folder)
    _wait_until_ready(find_native_bin_dir(), port, READY_TIMEOUT)
    return state


def stop_docker(folder: Path, state: State, *, delete: bool, say: TextIO) -> None:
    if delete:
        _compose(state, "down", "--volumes", timeout=120, folder=folder)
        print("The compose services are stopped and the database's volume deleted.", file=say)
    else:
        _compose(state, "down", timeout=120, folder=folder)
        print("The compose services are stopped; the database's volume is kept (--delete removes it).", file=say)


# The commands -------------------------------------------------------------------------------------------


def choose_route(folder: Path, route: str) -> str:
    if route != "auto":
        return route
    if find_native_bin_dir() is not None:
        return "native"
    if shutil.which("docker") and (folder / "docker-compose.yml").exists():
        return "docker"
    raise DatabaseError("no way to start PostgreSQL here: " + INSTALL_NATIVE + "; or install Docker with Compose "
                        "(https://docs.docker.com/get-docker/) and run this in an attempt made by `make new`; "
                        "or use a PostgreSQL of your own and set DATABASE_URL yourself")


def start(folder: Path, *, route: str = "auto", out: TextIO | None = None, say: TextIO | None = None) -> int:
    out, say = out or sys.stdout, say or sys.stderr
    folder = folder.resolve()
    if not folder.is_dir():
        print(f"timetension db: {folder} is not a folder", file=say)
        return 2
    try:
        chosen = choose_route(folder, route)
        if chosen == "native":
            bin_dir = find_native_bin_dir()
            if bin_dir is None:
                raise DatabaseError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: " + INSTALL_NATIVE)
            state = start_native(folder, bin_dir, say)
        else:
            if not shutil.which("docker"):
                raise DatabaseError("there is no `docker` command: install Docker with Compose, or use --route native")
            state = start_docker(folder, say)
    except DatabaseError as error:
        print(f"timetension db start: {error}", file=say)
        return 1
    print(f"PostgreSQL answers ({state.route}). Stop it with `timetension db stop {_shown(folder)}`. "
          f"Start your app with:", file=say)
    print(f"DATABASE_URL={state.url}", file=out, flush=True)
    return 0


def stop(folder: Path, *, delete: bool = False, say: TextIO | None = None) -> int:
    say = say or sys.stderr
    folder = folder.resolve()
    state = load_state(folder)
    if state is None:
        print(f"No database was started for {folder} (no {_state_path(folder)}).", file=say)
        return 0
    try:
        if state.route == "native":
            stop_native(state, say)
            if delete:
                delete_native(folder, state)
                _state_path(folder).unlink(missing_ok=True)
                print("Its files are deleted.", file=say)
        else:
            stop_docker(folder, state, delete=delete, say=say)
            if delete:
                _state_path(folder).unlink(missing_ok=True)
    except DatabaseError as error:
        print(f"timetension db stop: {error}", file=say)
        return 1
    return 0


def status(folder: Path, *, out: TextIO | None = None) -> int:
    """0 when the attempt's database is running (and prints its URL), 1 when not."""
    out = out or sys.stdout
    folder = folder.resolve()
    state = load_state(folder)
    if state is None:
        print(f"No database was started for {folder}: `timetension db start {_shown(folder)}`.", file=out)
        return 1
    if state.route == "native":
        running = _native_running(state)
    else:
        try:
            with socket.create_connection(("127.0.0.1", state.port), timeout=2):
                running = True
        except OSError:
            running = False
    where = state.data if state.route == "native" else f"compose project {state.project}"
    print(f"{'running' if running else 'stopped'} ({state.route}, {where}, 127.0.0.1:{state.port})", file=out)
    if running:
        print(f"DATABASE_URL={state.url}", file=out)
    return 0 if running else 1


def _shown(folder: Path) -> str:
    return "." if folder == Path.cwd().resolve() else str(folder)
