"""`make bench`: is `timetension bench` measuring the app or itself? GET /health with locust (the bench's
load generator) and with wrk, against the reference (SQLite) and the go-nethttp starter (PostgreSQL).

Prints each tool's requests per second at the same number of connections and the ratio locust/wrk.
Needs wrk (apt-get install wrk), go, and PostgreSQL's server binaries.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "conformance" / "tests"
sys.path.insert(0, str(TESTS))

from postgres import Cluster, find_bin_dir  # noqa: E402
from servers import REPOSITORY, free_port, reference_command, running  # noqa: E402

from timetension._bench import run_bench  # noqa: E402

SECONDS = 5
CONNECTIONS = (1, 16)


def wrk_rps(url: str, connections: int) -> float:
    threads = min(connections, 4)
    completed = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", url + "/health"],
                               capture_output=True, text=True, timeout=SECONDS + 60, check=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", completed.stdout).group(1))


def compare(label: str, url: str) -> None:
    locust = run_bench(url, workload="health", duration=SECONDS, concurrency=CONNECTIONS)
    for level in locust.levels:
        wrk = wrk_rps(url, level.concurrency)
        print(f"  {label:<26} {level.concurrency:>3} conn   locust {level.rps:>9.0f} req/s   wrk {wrk:>9.0f} req/s"
              f"   locust/wrk {level.rps / wrk:5.2f}   (locust p50 {level.p50_ms} ms, {level.failures} failed)")


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    print(f"GET /health, {SECONDS} s per run, locust (FastHttpUser, one process) against wrk:")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with running(reference_command(), env={"DATABASE_URL": f"sqlite:///{root}/bench.db"},
                     log=root / "reference.log", port=free_port()) as app:
            compare("reference (SQLite)", app.url)
        bin_dir = find_bin_dir()
        if bin_dir is None or shutil.which("go") is None:
            print("  go-nethttp: skipped (needs go and PostgreSQL's server binaries)")
            return 0
        starter = root / "go-nethttp"
        shutil.copytree(REPOSITORY / "starters" / "go-nethttp", starter, ignore=shutil.ignore_patterns("bin"))
        subprocess.run(["go", "build", "-o", "bin/app", "."], cwd=starter, check=True, timeout=600)
        cluster = Cluster(bin_dir)
        cluster.start()
        try:
            database = cluster.create_database("bench")
            with running(["./bin/app"], env={"DATABASE_URL": database}, log=root / "go.log", port=free_port(),
                         cwd=starter) as app:
                compare("go-nethttp (PostgreSQL)", app.url)
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
