"""Fixed workloads, driven by wrk with every answer checked: `timetension bench` and a review's speed phase.

One workload per level, so that submissions are compared on the same work (the set-up, not measured,
makes fresh users with data of a fixed size before each run):

- L0: GET /health.
- L1: sign in (POST /auth/token) and read the account (GET /users/me), in turn.
- L2: list a user's 5 projects (GET /projects) and create a project (POST /projects) as another user.
- L3: list a user's 20 entries (GET /time-entries) and create a 30-second entry (POST /time-entries),
  each in a minute of its own, as another user.
- L4: the week's summary of those 20 entries (GET /reports/summary), 30 000 seconds in all.
- api: `timetension bench`'s mix of L3 and L4 (list, create, list, summary).

The load is wrk's (`_load.lua`, with the plan written in front of it): a native client, so the figure
is the app's and not the client's. wrk runs as many threads as connections when a workload mixes
requests (each answer is then read against the request its thread sent), else one thread per core.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from ._registry import LEVEL_IDS

LUA = Path(__file__).with_name("_load.lua")
PASSWORD = "speed-password-0123"
READ_PROJECTS = 5
READ_ENTRIES = 20
READ_ENTRY_SECONDS = 25 * 60
READ_WEEK = datetime(2001, 1, 1, tzinfo=timezone.utc)
SUMMARY_PATH = "/reports/summary?from=2001-01-01&to=2001-01-07&tz=UTC"
WRITE_SECONDS = 30
INSTALL_HINT = "wrk is missing: apt-get install wrk (Debian, Ubuntu) or brew install wrk (macOS)"

WORKLOADS = {
    "L0": "GET /health",
    "L1": "sign in and read the account (POST /auth/token, GET /users/me)",
    "L2": "list 5 projects and create one (GET /projects, POST /projects)",
    "L3": "list 20 entries and create one (GET /time-entries, POST /time-entries)",
    "L4": "the week's summary of 20 entries (GET /reports/summary)",
    "api": "list 20 entries, create one, list, the week's summary (GET/POST /time-entries, GET /reports/summary)",
}
SPEED_LEVELS = ("L0", "L1", "L2", "L3", "L4")


class LoadError(Exception):
    """The workload could not run: wrk is missing, or the app does not do what its set-up needs."""


@dataclass
class Figures:
    workload: str
    connections: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    failure_kinds: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def workloads_for(level_reached: str | None) -> list[str]:
    """The workloads of every level a submission reached, up to L4."""
    if level_reached is None:
        return []
    reached = LEVEL_IDS.index(level_reached)
    return [level for level in SPEED_LEVELS if LEVEL_IDS.index(level) <= reached]


# Set-up, over plain HTTP, not measured ------------------------------------------------------------

def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _expect(reply: httpx.Response, status: int, what: str, level: str) -> Any:
    if reply.status_code != status:
        raise LoadError(f"{what} answered {reply.status_code}, expected {status}; this workload needs {level}")
    try:
        return reply.json()
    except ValueError:
        raise LoadError(f"{what} answered {status} without a JSON body; this workload needs {level}") from None


def _user(client: httpx.Client, role: str) -> tuple[str, str]:
    email = f"speed-{role}-{secrets.token_hex(6)}@example.com"
    _expect(client.post("/users", json={"email": email, "password": PASSWORD}), 201, "POST /users", "L1")
    token = _expect(client.post("/auth/token", json={"email": email, "password": PASSWORD, "expires_in": 86400}),
                    200, "POST /auth/token", "L1")
    return email, token["access_token"]


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _literal(text: str) -> str:
    """A Lua pattern that matches text literally."""
    return re.sub(r"([\^$()%.\[\]*+\-?])", r"%\1", text)


def _number_member(name: str, value: int) -> str:
    return f'"{name}"%s*:%s*{value}[^%d.]'


def _request(name: str, method: str, path: str, status: int, *, token: str | None = None, body: Any = None,
             kind: str | None = None, must: list[tuple[str, str]] | None = None,
             count: tuple[str, int, str] | None = None) -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None or kind:
        headers["Content-Type"] = "application/json"
    return {"name": name, "method": method, "path": path, "status": status, "headers": headers,
            "body": _json_text(body) if body is not None else None, "kind": kind, "must": must or [],
            "count": list(count) if count else None}


def _entries_reader(client: httpx.Client) -> str:
    _, token = _user(client, "reader")
    headers = {"Authorization": f"Bearer {token}"}
    project = _expect(client.post("/projects", json={"name": f"speed {secrets.token_hex(3)}"}, headers=headers),
                      201, "POST /projects", "L2")
    for number in range(READ_ENTRIES):
        start = READ_WEEK + timedelta(hours=8 * number)
        _expect(client.post("/time-entries", headers=headers, json={
            "started_at": _stamp(start), "ended_at": _stamp(start + timedelta(seconds=READ_ENTRY_SECONDS)),
            "project_id": project["id"], "description": f"speed {number}"}), 201, "POST /time-entries", "L3")
    return token


def _list_entries(token: str) -> dict[str, Any]:
    return _request("GET /time-entries", "GET", "/time-entries", 200, token=token,
                    count=(_number_member("duration_seconds", READ_ENTRY_SECONDS), READ_ENTRIES,
                           f'"duration_seconds": {READ_ENTRY_SECONDS} listed'))


def _create_entry(token: str) -> dict[str, Any]:
    return _request("POST /time-entries", "POST", "/time-entries", 201, token=token, kind="entry",
                    must=[(_number_member("duration_seconds", WRITE_SECONDS),
                           f'no "duration_seconds": {WRITE_SECONDS} in the created entry')])


def _summary(token: str) -> dict[str, Any]:
    total = READ_ENTRIES * READ_ENTRY_SECONDS
    return _request("GET /reports/summary", "GET", SUMMARY_PATH, 200, token=token,
                    must=[(_number_member("total_seconds", total), f'no "total_seconds": {total} in the report')])


def prepare(url: str, workload: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Make the users and data the workload reads; the requests to send in turn."""
    with httpx.Client(base_url=url, timeout=timeout) as client:
        if workload == "L0":
            return [_request("GET /health", "GET", "/health", 200)]
        if workload == "L1":
            email, token = _user(client, "account")
            credentials = {"email": email, "password": PASSWORD}
            return [_request("POST /auth/token", "POST", "/auth/token", 200, body=credentials,
                             must=[('"access_token"%s*:%s*"', "no access_token in the answer")]),
                    _request("GET /users/me", "GET", "/users/me", 200, token=token,
                             must=[(_literal(f'"{email}"'), "the answer does not name the account's e-mail")])]
        if workload == "L2":
            _, reader = _user(client, "reader")
            for number in range(READ_PROJECTS):
                _expect(client.post("/projects", json={"name": f"speed {number}"},
                                    headers={"Authorization": f"Bearer {reader}"}), 201, "POST /projects", "L2")
            _, writer = _user(client, "writer")
            return [_request("GET /projects", "GET", "/projects", 200, token=reader,
                             count=('"name"%s*:%s*"speed %d"', READ_PROJECTS, "a project of the 5 listed")),
                    _request("POST /projects", "POST", "/projects", 201, token=writer, kind="project",
                             must=[('"id"%s*:', "no id in the created project")])]
        if workload in ("L3", "L4", "api"):
            reader = _entries_reader(client)
            if workload == "L4":
                _expect(client.get(SUMMARY_PATH, headers={"Authorization": f"Bearer {reader}"}), 200,
                        "GET /reports/summary", "L4")
                return [_summary(reader)]
            _, writer = _user(client, "writer")
            if workload == "L3":
                return [_list_entries(reader), _create_entry(writer)]
            return [_list_entries(reader), _create_entry(writer), _list_entries(reader), _summary(reader)]
    raise LoadError(f"no workload called {workload!r}; choose one of {', '.join(WORKLOADS)}")


# The load ---------------------------------------------------------------------------------------------

def _lua_value(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string without \u escapes is a Lua string
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(key)}] = {_lua_value(item)}" for key, item in value.items()) + "}"
    return "{" + ", ".join(_lua_value(item) for item in value) + "}"


def wrk_command(url: str, *, connections: int, seconds: float, threads: int, script: Path,
                timeout: float) -> list[str]:
    return ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={timeout:g}s",
            "-s", str(script), url]


def run_workload(url: str, workload: str, *, connections: int, seconds: float, timeout: float = 10.0
                 ) -> Figures:
    """Set up the workload's data, then put its load on the app for `seconds`; every answer is checked."""
    if not wrk_available():
        raise LoadError(INSTALL_HINT)
    url = url.rstrip("/")
    requests = prepare(url, workload, timeout)
    plan = {"requests": requests, "run": secrets.randbelow(10**6),
            "write_base": int((datetime(2030, 1, 1, tzinfo=timezone.utc)
                               + timedelta(days=secrets.randbelow(3000))).timestamp()),
            "write_seconds": WRITE_SECONDS}
    threads = connections if len(requests) > 1 else min(connections, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="timetension-load-") as folder:
        script = Path(folder) / "load.lua"
        script.write_text(f"plan = {_lua_value(plan)}\n\n" + LUA.read_text(encoding="utf-8"), encoding="utf-8")
        command = wrk_command(url, connections=connections, seconds=seconds, threads=threads, script=script,
                              timeout=timeout)
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 60)
        except subprocess.TimeoutExpired:
            raise LoadError(f"wrk did not finish within {seconds + timeout + 60:g} s") from None
    found = re.search(r"^TIMETENSION-FIGURES (\{.*\})$", completed.stdout, re.M)
    if completed.returncode != 0 or found is None:
        said = (completed.stderr.strip() or completed.stdout.strip())[-1000:]
        raise LoadError(f"wrk failed (exit {completed.returncode}): {said}")
    raw = json.loads(found.group(1))
    return figures_from_wrk(workload, connections, raw)


def figures_from_wrk(workload: str, connections: int, raw: dict[str, Any]) -> Figures:
    kinds = dict(raw["kinds"])
    for key, what in (("connect_errors", "could not connect"), ("read_errors", "the connection broke while reading"),
                      ("write_errors", "the connection broke while writing"),
                      ("timeouts", "no answer within the time limit")):
        if raw[key]:
            kinds[what] = kinds.get(what, 0) + raw[key]
    seconds = raw["duration_us"] / 1e6
    requests = raw["requests"]
    measured = requests > 0
    return Figures(
        workload=workload, connections=connections, seconds=round(seconds, 3), requests=requests,
        failures=sum(kinds.values()), rps=round(requests / seconds, 1) if seconds else 0.0,
        p50_ms=round(raw["p50_us"] / 1000, 2) if measured else None,
        p95_ms=round(raw["p95_us"] / 1000, 2) if measured else None,
        p99_ms=round(raw["p99_us"] / 1000, 2) if measured else None, failure_kinds=kinds)
