"""Part of `make bench`: per starter, the native build with dependencies already fetched, the time from
start to the first answer, and whether level 0 then passes; the goal is level 0 within 60 s of the build's
start.

Each starter is copied to a temporary folder and set up once to fetch its dependencies; its build
outputs are then deleted and the set-up is timed a second time (dependency caches stay warm).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "conformance" / "tests"))

from postgres import Cluster, find_bin_dir  # noqa: E402
from servers import free_port, running  # noqa: E402

from timetension import run_suite  # noqa: E402
from timetension._starters import load_starters  # noqa: E402

BUILD_OUTPUTS = ("node_modules", "target", "bin", ".venv", "dist", "build", "__pycache__")
GOAL_SECONDS = 60


def first_answer(url: str, started: float) -> float:
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)


def main() -> int:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL's server binaries are missing (make system-deps); starters not measured.")
        return 0
    cluster = Cluster(bin_dir)
    cluster.start()
    rows = []
    try:
        for starter in load_starters(REPOSITORY / "starters"):
            if starter.missing_tools():
                rows.append((starter.name, "missing " + ", ".join(starter.missing_tools()), "", "", ""))
                continue
            with tempfile.TemporaryDirectory() as folder:
                copy = Path(folder) / starter.name
                shutil.copytree(starter.folder, copy, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
                subprocess.run(["bash", "-c", starter.setup], cwd=copy, capture_output=True, check=True, timeout=1800)
                for output in BUILD_OUTPUTS:
                    for path in copy.glob(output):
                        shutil.rmtree(path, ignore_errors=True)
                started = time.monotonic()
                subprocess.run(["bash", "-c", starter.setup], cwd=copy, capture_output=True, check=True, timeout=1800)
                build = time.monotonic() - started
                database = cluster.create_database("bench_" + starter.name.replace("-", "_"))
                launched = time.monotonic()
                with running(["bash", "-c", f"exec {starter.run}"], env={"DATABASE_URL": database},
                             log=Path(folder) / "app.log", port=free_port(), cwd=copy, startup_seconds=120) as app:
                    answer = first_answer(app.url, launched)
                    passed = run_suite(app.url, level="L0", wait=10).passed
                total = build + answer
                rows.append((starter.name, f"{build:.1f} s", f"{answer:.2f} s", "passes" if passed else "FAILS",
                             f"{total:.1f} s" + ("" if total <= GOAL_SECONDS else f"  (over {GOAL_SECONDS} s)")))
    finally:
        cluster.stop()
    print(f"\nStarters, dependencies already fetched (goal: level 0 within {GOAL_SECONDS} s of the build's start):")
    print(f"  {'starter':<18} {'build':>8} {'first 200':>10}  {'level 0':<7}  build + first answer")
    for name, build, answer, level_0, total in rows:
        print(f"  {name:<18} {build:>8} {answer:>10}  {level_0:<7}  {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
