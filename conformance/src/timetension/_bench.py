"""`timetension bench`: a short, fixed workload at a few concurrency levels, answers checked under load.

The workload (needs level 4: entries and the summary report):

- Set-up, not measured: a *reader* user with one project and 20 finished entries of 25 minutes spread
  over the week of 2001-01-01 (so every read has the same size, however long the load runs), and a
  *writer* user for the entries the load creates.
- Load, per virtual user and without pause, in the ratio 2 : 1 : 1:
  - `GET /time-entries` as the reader: 200, an `items` array of exactly the 20 entries, each with
    every field of a TimeEntry and an integer `duration_seconds`;
  - `POST /time-entries` as the writer: one 30-second entry in a minute of its own (entries never
    overlap): 201, every field of a TimeEntry, `duration_seconds` 30;
  - `GET /reports/summary?from=2001-01-01&to=2001-01-07&tz=UTC` as the reader: 200, every field of a
    SummaryReport, `total_seconds` 30000.
  An answer with another status or another shape counts as a failure, with what was wrong.
- Each concurrency level (default 1, 4 and 16 virtual users) runs for `--duration` seconds after one
  second of warm-up that is not counted. The figures: requests per second, latency p50/p95/p99 (each
  request's time to its whole answer, in ms, nearest rank) and failures.

The load runs in a subprocess with locust (FastHttpUser, geventhttpclient) used as a library; locust
patches the standard library for gevent, which must not happen in the process that runs the suite.
"""

from __future__ import annotations

import json
import math
import secrets
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

import httpx

DEFAULT_DURATION = 10.0
DEFAULT_CONCURRENCY = (1, 4, 16)
READ_ENTRIES = 20
READ_ENTRY_SECONDS = 25 * 60
READ_WEEK = datetime(2001, 1, 1, tzinfo=timezone.utc)
SUMMARY_PATH = "/reports/summary?from=2001-01-01&to=2001-01-07&tz=UTC"
PASSWORD = "bench-password-0123"
INSTALL_HINT = "the load generator is missing: pip install 'locust==2.47.0' (or: pip install 'timetension[bench]')"


class BenchError(Exception):
    """The bench could not run (the app does not do level 4, locust is missing, ...)."""


@dataclass
class LevelFigures:
    concurrency: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    failure_kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class BenchResult:
    url: str
    workload: str
    duration: float
    levels: list[LevelFigures]

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "workload": self.workload, "duration_seconds": self.duration,
                "levels": [asdict(level) for level in self.levels]}


def nearest_rank(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _signed_in_user(client: httpx.Client, role: str) -> str:
    email = f"bench-{role}-{secrets.token_hex(5)}@example.com"
    registered = client.post("/users", json={"email": email, "password": PASSWORD})
    if registered.status_code != 201:
        raise BenchError(f"POST /users answered {registered.status_code}; the bench needs level 1")
    token = client.post("/auth/token", json={"email": email, "password": PASSWORD, "expires_in": 86400})
    if token.status_code != 200:
        raise BenchError(f"POST /auth/token answered {token.status_code}; the bench needs level 1")
    return token.json()["access_token"]


def prepare(url: str, timeout: float = 10.0) -> dict[str, Any]:
    """Make the reader with its 20 entries and the writer; the plan the load process needs."""
    with httpx.Client(base_url=url, timeout=timeout) as client:
        reader = _signed_in_user(client, "reader")
        writer = _signed_in_user(client, "writer")
        headers = {"Authorization": f"Bearer {reader}"}
        project = client.post("/projects", json={"name": f"bench {secrets.token_hex(3)}"}, headers=headers)
        if project.status_code != 201:
            raise BenchError(f"POST /projects answered {project.status_code}; the bench needs level 2")
        for number in range(READ_ENTRIES):
            start = READ_WEEK + timedelta(hours=8 * number)
            created = client.post("/time-entries", headers=headers, json={
                "started_at": _stamp(start), "ended_at": _stamp(start + timedelta(seconds=READ_ENTRY_SECONDS)),
                "project_id": project.json()["id"], "description": f"bench {number}"})
            if created.status_code != 201:
                raise BenchError(f"POST /time-entries answered {created.status_code}; the bench needs level 3")
        check = client.get(SUMMARY_PATH, headers=headers)
        if check.status_code != 200:
            raise BenchError(f"GET /reports/summary answered {check.status_code}; the bench needs level 4")
    # The writer's entries: a year of minutes of their own, after the reader's week.
    write_base = datetime(2002, 1, 1, tzinfo=timezone.utc) + timedelta(days=secrets.randbelow(3000))
    return {"reader_token": reader, "writer_token": writer, "write_base": write_base.isoformat(),
            "summary_path": SUMMARY_PATH, "expected_total": READ_ENTRIES * READ_ENTRY_SECONDS,
            "expected_entries": READ_ENTRIES}


def locust_available() -> bool:
    completed = subprocess.run([sys.executable, "-c", "import locust"], capture_output=True, timeout=60)
    return completed.returncode == 0


def run_bench(url: str, *, duration: float = DEFAULT_DURATION, concurrency: tuple[int, ...] = DEFAULT_CONCURRENCY,
              workload: str = "api", timeout: float = 10.0) -> BenchResult:
    """Run the workload ("api": the three operations above; "health": GET /health only) at each level."""
    url = url.rstrip("/")
    plan: dict[str, Any] = {"url": url, "workload": workload, "duration": duration, "warmup": 1.0,
                            "concurrency": list(concurrency), "timeout": timeout}
    if workload == "api":
        plan.update(prepare(url, timeout))
    else:
        plan.update({"reader_token": "", "writer_token": "", "write_base": READ_WEEK.isoformat(),
                     "summary_path": SUMMARY_PATH, "expected_total": 0, "expected_entries": 0})
    limit = len(concurrency) * (duration + 2 + timeout) + 60
    try:
        completed = subprocess.run([sys.executable, "-m", "timetension._bench_locust"], input=json.dumps(plan),
                                   capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        raise BenchError(f"the load did not finish within {limit:g} s") from None
    if completed.returncode != 0:
        if "No module named 'locust'" in completed.stderr or "No module named 'gevent'" in completed.stderr:
            raise BenchError(INSTALL_HINT)
        raise BenchError(f"the load generator failed: {completed.stderr.strip()[-2000:]}")
    raw = json.loads(completed.stdout)
    levels = []
    for level in raw["levels"]:
        durations = level["durations_ms"]
        failures = sum(level["failures"].values())
        levels.append(LevelFigures(
            concurrency=level["concurrency"], seconds=round(level["seconds"], 3), requests=len(durations),
            failures=failures, rps=round(len(durations) / level["seconds"], 1) if level["seconds"] else 0.0,
            p50_ms=_ms(nearest_rank(durations, 0.50)), p95_ms=_ms(nearest_rank(durations, 0.95)),
            p99_ms=_ms(nearest_rank(durations, 0.99)), failure_kinds=level["failures"]))
    return BenchResult(url, workload, duration, levels)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def print_bench(result: BenchResult, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    what = ("GET /time-entries, POST /time-entries, GET /reports/summary (2:1:1)" if result.workload == "api"
            else "GET /health")
    print(f"Bench of {result.url}: {what}, {result.duration:g} s per level, answers checked under load", file=out)
    print(f"{'users':>6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failures':>9}",
          file=out)
    for level in result.levels:
        print(f"{level.concurrency:>6} {level.requests:>9} {level.rps:>9.1f} {_cell(level.p50_ms):>8} "
              f"{_cell(level.p95_ms):>8} {_cell(level.p99_ms):>8} {level.failures:>9}", file=out)
    kinds: dict[str, int] = {}
    for level in result.levels:
        for kind, count in level.failure_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
    if kinds:
        print("Failures:", file=out)
        for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:10]:
            print(f"  {count:>6} x {kind}", file=out)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
