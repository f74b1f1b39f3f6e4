"""`make bench`: does the reference stay available under bursts, a long mixed load, a frozen database
and a crash? Everything on loopback, bounded in time, and every process it starts is stopped.

- bursts of 50, 100 and 200 simultaneous signed-in requests (half POST /projects, half GET /users/me),
  on SQLite and on PostgreSQL: how long each burst takes, stalls (a burst over STALL_SECONDS), 500s
  and 503s;
- 100 simultaneous logins: the server's peak memory (VmHWM);
- entry writes for a user with 0 and with 20,000 entries (SQLite), and another user's GET /users/me
  meanwhile;
- a 60-second mixed load of 50 clients on PostgreSQL: requests/s, p50 and p99, 5xx, peak memory;
- PostgreSQL frozen (its processes stopped with SIGSTOP): time until /health says 503, and until it
  says 200 again once they resume;
- kill -9 under write load, on both databases: acknowledged writes missing after a restart.

Needs PostgreSQL's server binaries for the PostgreSQL parts (they are skipped without them).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import psutil
import psycopg

TESTS = Path(__file__).resolve().parents[1] / "conformance" / "tests"
sys.path.insert(0, str(TESTS))

from postgres import Cluster, find_bin_dir  # noqa: E402
from servers import App, free_port, reference_command, running  # noqa: E402

BURSTS = ((50, 10), (100, 10), (200, 30))  # (simultaneous requests, how many bursts)
STALL_SECONDS = 5.0
LOGINS = 100
HEAVY_ENTRIES = 20_000
WRITES_TIMED = 40
SOAK_SECONDS = 60
SOAK_CLIENTS = 50
KILL_AFTER_SECONDS = 3.0
WRITERS = 20
REQUEST_TIMEOUT = 30.0
PASSWORD = "correct horse battery staple"
SECRET_KEY = "bench-soak-only-" + "x" * 24


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def reference(database_url: str, folder: Path, name: str) -> Iterator[App]:
    env = {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY}
    with running(reference_command(), env=env, log=folder / f"{name}.log", port=free_port()) as app:
        yield app


def sign_up(url: str, email: str | None = None) -> dict[str, str]:
    account = {"email": email or f"soak-{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD}
    httpx.post(f"{url}/users", json=account, timeout=REQUEST_TIMEOUT).raise_for_status()
    token = httpx.post(f"{url}/auth/token", json={**account, "expires_in": 86400}, timeout=REQUEST_TIMEOUT)
    return {"Authorization": f"Bearer {token.raise_for_status().json()['access_token']}"}


def outcome(reply: httpx.Response | BaseException) -> str:
    return str(reply.status_code) if isinstance(reply, httpx.Response) else type(reply).__name__


# Bursts ---------------------------------------------------------------------------------------------

async def one_burst(url: str, headers: dict[str, str], size: int) -> tuple[float, Counter[str]]:
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT, limits=limits) as client:
        prefix = uuid.uuid4().hex[:8]

        async def send(n: int) -> str:
            try:
                if n % 2:
                    return outcome(await client.post("/projects", json={"name": f"Burst {prefix} {n}"}))
                return outcome(await client.get("/users/me"))
            except httpx.HTTPError as error:
                return outcome(error)

        started = time.monotonic()
        results = await asyncio.gather(*(send(n) for n in range(size)))
        return time.monotonic() - started, Counter(results)


def bursts(url: str, label: str) -> None:
    headers = sign_up(url)
    for size, count in BURSTS:
        durations: list[float] = []
        totals: Counter[str] = Counter()
        for _ in range(count):
            duration, results = asyncio.run(one_burst(url, headers, size))
            durations.append(duration)
            totals += results
        stalls = sum(duration > STALL_SECONDS for duration in durations)
        errors = {key: value for key, value in totals.items() if key not in ("200", "201")}
        print(f"  {label:<10} {count:>2} bursts of {size:>3}: median {statistics.median(durations):5.2f} s,"
              f" slowest {max(durations):5.2f} s, stalls (> {STALL_SECONDS:.0f} s) {stalls},"
              f" 500s {totals['500']}, 503s {totals['503']}, other than 200/201: {errors or 'none'}")


# Logins and memory ----------------------------------------------------------------------------------

async def logins(url: str, accounts: list[dict[str, str]]) -> Counter[str]:
    limits = httpx.Limits(max_connections=len(accounts))
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT * 4, limits=limits) as client:

        async def login(account: dict[str, str]) -> str:
            try:
                return outcome(await client.post("/auth/token", json=account))
            except httpx.HTTPError as error:
                return outcome(error)

        return Counter(await asyncio.gather(*(login(account) for account in accounts)))


def login_memory(folder: Path) -> None:
    with reference(f"sqlite:///{folder}/logins.db", folder, "logins") as app:
        account = {"email": "many-logins@example.com", "password": PASSWORD}
        httpx.post(f"{app.url}/users", json=account, timeout=REQUEST_TIMEOUT).raise_for_status()
        idle = memory_kib(app.process.pid, "VmRSS")
        print(f"  idle: {idle / 1024:.0f} MiB")
        for size in (40, LOGINS):
            started = time.monotonic()
            results = asyncio.run(logins(app.url, [account] * size))
            elapsed = time.monotonic() - started
            peak = memory_kib(app.process.pid, "VmHWM")
            print(f"  {size:>3} simultaneous logins: {dict(results)} in {elapsed:.1f} s,"
                  f" peak memory so far {peak / 1024:.0f} MiB   (target under 100: below 300 MiB)")


# Entry writes as one user's entries grow ------------------------------------------------------------

def add_entries_directly(database: Path, user_id: str, count: int) -> None:
    start = datetime(2001, 1, 1, tzinfo=timezone.utc)
    stored = "%Y-%m-%d %H:%M:%S.%f"  # naive UTC, as SQLAlchemy stores a DateTime in SQLite
    rows = [(uuid.uuid4().hex, user_id, (start + timedelta(hours=n)).strftime(stored),
             (start + timedelta(hours=n, minutes=30)).strftime(stored)) for n in range(count)]
    with sqlite3.connect(database, timeout=30) as connection:
        connection.executemany(
            "INSERT INTO time_entries (id, user_id, started_at, ended_at) VALUES (?, ?, ?, ?)", rows)


def timed_writes(url: str, headers: dict[str, str], day: datetime) -> list[float]:
    times = []
    with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT) as client:
        for n in range(WRITES_TIMED):
            start = day + timedelta(minutes=10 * n)
            body = {"started_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "ended_at": (start + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            began = time.monotonic()
            client.post("/time-entries", json=body).raise_for_status()
            times.append(time.monotonic() - began)
    return times


def other_user_reads(url: str, headers: dict[str, str], stop: threading.Event, times: list[float]) -> None:
    with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT) as client:
        while not stop.is_set():
            began = time.monotonic()
            client.get("/users/me").raise_for_status()
            times.append(time.monotonic() - began)


def entry_writes(folder: Path) -> None:
    database = folder / "entries.db"
    with reference(f"sqlite:///{database}", folder, "entries") as app:
        light, heavy, other = sign_up(app.url), sign_up(app.url), sign_up(app.url)
        heavy_id = httpx.get(f"{app.url}/users/me", headers=heavy, timeout=REQUEST_TIMEOUT).json()["id"]
        add_entries_directly(database, heavy_id, HEAVY_ENTRIES)
        day = datetime(2030, 1, 1, tzinfo=timezone.utc)
        figures = {}
        for label, headers in (("0 entries", light), (f"{HEAVY_ENTRIES} entries", heavy)):
            reads: list[float] = []
            stop = threading.Event()
            reader = threading.Thread(target=other_user_reads, args=(app.url, other, stop, reads))
            reader.start()
            try:
                writes = timed_writes(app.url, headers, day)
            finally:
                stop.set()
                reader.join()
            figures[label] = statistics.median(writes)
            print(f"  POST /time-entries with {label:>14}: median {1000 * figures[label]:6.1f} ms,"
                  f" p99 {1000 * percentile(writes, 0.99):6.1f} ms;"
                  f" another user's GET /users/me meanwhile: median {1000 * statistics.median(reads):5.1f} ms")
        low, high = figures.values()
        print(f"  ratio {high / low:.2f}   (target: within 2x)")


# A long mixed load ------------------------------------------------------------------------------------

async def soak(url: str) -> None:
    accounts = [sign_up(url) for _ in range(SOAK_CLIENTS)]
    latencies: list[float] = []
    results: Counter[str] = Counter()
    deadline = time.monotonic() + SOAK_SECONDS
    limits = httpx.Limits(max_connections=SOAK_CLIENTS)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT, limits=limits) as client:

        async def client_loop(headers: dict[str, str], seed: int) -> None:
            chance = random.Random(seed)
            next_start = datetime(2031, 1, 1, tzinfo=timezone.utc)
            while time.monotonic() < deadline:
                kind = chance.random()
                began = time.monotonic()
                try:
                    if kind < 0.3:
                        body = {"started_at": next_start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "ended_at": (next_start + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")}
                        next_start += timedelta(minutes=30)
                        reply = await client.post("/time-entries", json=body, headers=headers)
                    elif kind < 0.4:
                        reply = await client.post("/projects", json={"name": uuid.uuid4().hex}, headers=headers)
                    elif kind < 0.6:
                        reply = await client.get("/time-entries?limit=20", headers=headers)
                    elif kind < 0.8:
                        reply = await client.get("/projects", headers=headers)
                    else:
                        reply = await client.get("/users/me", headers=headers)
                    results[outcome(reply)] += 1
                except httpx.HTTPError as error:
                    results[outcome(error)] += 1
                latencies.append(time.monotonic() - began)

        started = time.monotonic()
        await asyncio.gather(*(client_loop(headers, n) for n, headers in enumerate(accounts)))
        elapsed = time.monotonic() - started
    server_errors = sum(count for key, count in results.items() if key.startswith("5"))
    print(f"  {len(latencies)} requests in {elapsed:.0f} s: {len(latencies) / elapsed:.0f} req/s,"
          f" p50 {1000 * percentile(latencies, 0.5):.0f} ms, p99 {1000 * percentile(latencies, 0.99):.0f} ms,"
          f" 5xx {server_errors}, answers {dict(results)}")


# A frozen PostgreSQL --------------------------------------------------------------------------------

def cluster_pids(cluster: Cluster) -> list[int]:
    """The postmaster and every process below it."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return [postmaster, *(child.pid for child in psutil.Process(postmaster).children(recursive=True))]


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def wait_for_health(url: str, status: int, limit: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if httpx.get(f"{url}/health", timeout=limit).status_code == status:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return None


def frozen_database(cluster: Cluster, folder: Path) -> None:
    with reference(cluster.create_database("frozen"), folder, "frozen") as app:
        headers = sign_up(app.url)
        for attempt in range(1, 4):
            # Warm connections in the pool, as a server in use has.
            for _ in range(5):
                httpx.get(f"{app.url}/projects", headers=headers, timeout=REQUEST_TIMEOUT)
            pids = cluster_pids(cluster)
            signal_all(pids, signal.SIGSTOP)
            try:
                to_503 = wait_for_health(app.url, 503, 30)
                time.sleep(2)
            finally:
                signal_all(pids, signal.SIGCONT)
            to_200 = wait_for_health(app.url, 200, 30)
            shown = [f"{value:.2f} s" if value is not None else "not within 30 s" for value in (to_503, to_200)]
            print(f"  freeze {attempt}: /health said 503 after {shown[0]}   (target: within 5 s);"
                  f" 200 after {shown[1]} once resumed   (target: within 2 s)")


# kill -9 under write load ----------------------------------------------------------------------------

def writer(url: str, headers: dict[str, str], stop: threading.Event, acknowledged: list[str]) -> None:
    with httpx.Client(base_url=url, headers=headers, timeout=5) as client:
        while not stop.is_set():
            try:
                reply = client.post("/projects", json={"name": uuid.uuid4().hex})
            except httpx.HTTPError:
                return  # the server is gone
            if reply.status_code == 201:
                acknowledged.append(reply.json()["id"])


def stored_project_ids(database_url: str) -> set[str]:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return {row[0] for row in connection.execute("SELECT id FROM projects")}
    with psycopg.connect(database_url) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM projects")}


def kill_under_writes(database_url: str, folder: Path, label: str) -> None:
    acknowledged: list[str] = []
    with reference(database_url, folder, f"kill-{label}") as app:
        accounts = [sign_up(app.url) for _ in range(WRITERS)]
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(app.url, headers, stop, acknowledged))
                   for headers in accounts]
        for thread in threads:
            thread.start()
        time.sleep(KILL_AFTER_SECONDS)
        os.killpg(app.process.pid, signal.SIGKILL)
        app.process.wait()
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    with reference(database_url, folder, f"restart-{label}"):
        missing = set(acknowledged) - stored_project_ids(database_url)
    print(f"  {label:<10} {len(acknowledged)} acknowledged writes before kill -9, {len(missing)} lost after the restart")


def main() -> int:
    bin_dir = find_bin_dir()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cluster = Cluster(bin_dir) if bin_dir is not None else None
        if cluster is not None:
            cluster.start()
        try:
            print("Bursts of simultaneous signed-in requests (half POST /projects, half GET /users/me):")
            with reference(f"sqlite:///{folder}/bursts.db", folder, "bursts-sqlite") as app:
                bursts(app.url, "SQLite")
            if cluster is not None:
                with reference(cluster.create_database("bursts"), folder, "bursts-pg") as app:
                    bursts(app.url, "PostgreSQL")
            print("Memory under simultaneous logins (SQLite, a fresh server):")
            login_memory(folder)
            print(f"Entry writes for one user as the entries grow (SQLite, {WRITES_TIMED} writes each):")
            entry_writes(folder)
            if cluster is None:
                print("PostgreSQL parts skipped: PostgreSQL's server binaries (pg_ctl) are missing")
                kill_under_writes(f"sqlite:///{folder}/kill.db", folder, "SQLite")
                return 0
            print(f"Mixed load, {SOAK_CLIENTS} clients for {SOAK_SECONDS} s on PostgreSQL:")
            with reference(cluster.create_database("soak"), folder, "soak") as app:
                asyncio.run(soak(app.url))
                print(f"  server's peak memory: {memory_kib(app.process.pid, 'VmHWM') / 1024:.0f} MiB")
            print("PostgreSQL frozen with SIGSTOP, then resumed:")
            frozen_database(cluster, folder)
            print(f"kill -9 after {KILL_AFTER_SECONDS:.0f} s of {WRITERS} writers:")
            kill_under_writes(f"sqlite:///{folder}/kill.db", folder, "SQLite")
            kill_under_writes(cluster.create_database("kill"), folder, "PostgreSQL")
        finally:
            if cluster is not None:
                cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
