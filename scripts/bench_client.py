"""`make bench`: is the kit's load client measuring the app or itself? GET /health through the kit's client
(wrk driven by `_load.lua`, every answer checked) against plain wrk, on the reference (SQLite) and the
go-nethttp starter (PostgreSQL), at 1 and 16 connections.

The machine may be shared, so each pair is run ROUNDS times back to back, taking turns at going first;
prints the median requests per second of each and the median of the rounds' ratios kit/wrk, which must
be at least 0.8. Needs wrk (apt-get install wrk), go, and PostgreSQL's server binaries.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "conformance" / "tests"
sys.path.insert(0, str(TESTS))

from postgres import Cluster, find_bin_dir  # noqa: E402
from servers import REPOSITORY, free_port, reference_command, running  # noqa: E402

from timetension._speed import run_workload  # noqa: E402

SECONDS = 3
ROUNDS = 7
CONNECTIONS = (1, 16)
TARGET = 0.8


def wrk_rps(url: str, connections: int) -> float:
    threads = min(connections, os.cpu_count() or 1)
    completed = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", url + "/health"],
                               capture_output=True, text=True, timeout=SECONDS + 60, check=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", completed.stdout).group(1))


def compare(label: str, url: str) -> bool:
    wrk_rps(url, 4)  # warm-up
    ok = True
    for connections in CONNECTIONS:
        kits, plains, failures = [], [], 0
        for round_number in range(ROUNDS):
            if round_number % 2:  # alternate who goes first, so that neither always meets the same moment
                plains.append(wrk_rps(url, connections))
            figures = run_workload(url, "L0", connections=connections, seconds=SECONDS)
            kits.append(figures.rps)
            failures += figures.failures
            if not round_number % 2:
                plains.append(wrk_rps(url, connections))
        # Each round's two runs are back to back, so they meet the same load from the rest of the machine.
        ratio = statistics.median(kit / plain for kit, plain in zip(kits, plains))
        ok = ok and ratio >= TARGET and failures == 0
        print(f"  {label:<26} {connections:>3} conn   kit client {statistics.median(kits):>9.0f} req/s   "
              f"wrk {statistics.median(plains):>9.0f} req/s   kit/wrk {ratio:5.2f} "
              f"{'ok' if ratio >= TARGET else 'BELOW ' + str(TARGET)}   ({failures} answers failed their check)",
              flush=True)
    return ok


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    print(f"GET /health, {SECONDS} s per run, median of {ROUNDS} rounds: the kit's client (wrk + checks) against plain wrk:")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with running(reference_command(), env={"DATABASE_URL": f"sqlite:///{root}/bench.db"},
                     log=root / "reference.log", port=free_port()) as app:
            ok = compare("reference (SQLite)", app.url)
        bin_dir = find_bin_dir()
        if bin_dir is None or shutil.which("go") is None:
            print("  go-nethttp: not measured (needs go and PostgreSQL's server binaries)", file=sys.stderr)
            return 1
        starter = root / "go-nethttp"
        shutil.copytree(REPOSITORY / "starters" / "go-nethttp", starter, ignore=shutil.ignore_patterns("bin"))
        subprocess.run(["go", "build", "-o", "bin/app", "."], cwd=starter, check=True, timeout=600)
        cluster = Cluster(bin_dir)
        cluster.start()
        try:
            database = cluster.create_database("bench")
            with running(["./bin/app"], env={"DATABASE_URL": database}, log=root / "go.log", port=free_port(),
                         cwd=starter) as app:
                ok = compare("go-nethttp (PostgreSQL)", app.url) and ok
        finally:
            cluster.stop()
    print("every ratio at least " + str(TARGET) if ok else "some ratio below " + str(TARGET) + " (see above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
