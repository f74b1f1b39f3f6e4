"""`make bench`: how long a full run of every level against the reference takes, one check at a time
(--jobs 1) and with the default number of checks at a time, how many requests it sends, and how long
the fuzz stage takes with its default budget.

Starts the reference on SQLite in a temporary folder, runs the whole suite RUNS times against it for each
setting (alternately, so that a busy machine weighs on both alike) and prints each run's figures and the
medians. The wait for the app to come up is not counted.

It also prints the CPU time a default run costs the reference and the suite: their sum divided by the
machine's cores is a time no scheduling can beat. And the same full run against the independent Go
implementation (when Go is here), to tell the suite's own speed from the app's.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance" / "tests"))

from independent_app.building import build_independent_app  # noqa: E402
from servers import free_port, reference_command, running  # noqa: E402

from timetension import run_suite  # noqa: E402
from timetension._runner import DEFAULT_JOBS  # noqa: E402

RUNS = 5


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def main() -> int:
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        with running(reference_command(), env=env, log=Path(folder) / "server.log", port=free_port()) as app:
            url = app.url
            reference = psutil.Process(app.process.pid)
            print(f"Full run of every level against the reference on SQLite ({url}), {RUNS} runs per setting:")
            times: dict[int, list[float]] = {1: [], DEFAULT_JOBS: []}
            cpu: dict[str, list[float]] = {"reference": [], "suite": []}
            for number in range(1, RUNS + 1):
                for jobs in times:
                    app_before, suite_before = cpu_seconds(reference), time.process_time()
                    result = run_suite(url, wait=20, jobs=jobs)
                    if not result.passed:
                        print(f"run {number} (--jobs {jobs}) did not pass; the figures would mean nothing",
                              file=sys.stderr)
                        return 1
                    if jobs == DEFAULT_JOBS:
                        cpu["reference"].append(cpu_seconds(reference) - app_before)
                        cpu["suite"].append(time.process_time() - suite_before)
                    times[jobs].append(result.checks_duration)
                    print(f"  run {number}, --jobs {jobs}: {result.checks_duration:.2f} s for {len(result.checks)} "
                          f"checks, {result.requests_sent} requests")
            print(f"median, one check at a time (--jobs 1): {statistics.median(times[1]):.2f} s")
            print(f"median, {DEFAULT_JOBS} checks at a time (the default): {statistics.median(times[DEFAULT_JOBS]):.2f} s"
                  "   (target: under 2 s)")
            app_cpu, suite_cpu = statistics.median(cpu["reference"]), statistics.median(cpu["suite"])
            print(f"CPU per default run (median): the reference {app_cpu:.2f} s, the suite {suite_cpu:.2f} s; "
                  f"on {cores} cores no run can take less than {(app_cpu + suite_cpu) / cores:.2f} s")
            level_3 = [run_suite(url, wait=20, level="L3").checks_duration for _ in range(RUNS)]
            print(f"levels 0-3 only, median of {RUNS}: {statistics.median(level_3):.2f} s   (target: under 3 s)")
            fuzzed = run_suite(url, wait=20, fuzz=True)
            stage = sum(check.duration for check in fuzzed.checks if check.check.level == "fuzz")
            print(f"fuzz stage with the default budget: {stage:.1f} s, {fuzzed.fuzz_requests_sent} requests"
                  "   (target: under 60 s)")
    independent_app()
    return 0


def independent_app() -> None:
    """The same full run against the independent Go implementation: how fast the suite is when the app is."""
    binary, why_not = build_independent_app()
    if binary is None:
        print(f"against the independent Go implementation: {why_not}")
        return
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{folder}/independent.db", "INDEPENDENT_APP_BREAK": ""}
        with running([str(binary)], env=env, log=Path(folder) / "app.log", port=free_port()) as server:
            durations = [run_suite(server.url, wait=20).checks_duration for _ in range(RUNS)]
    print(f"median against the independent Go implementation, {DEFAULT_JOBS} checks at a time: "
          f"{statistics.median(durations):.2f} s")


if __name__ == "__main__":
    raise SystemExit(main())
