"""`make bench`: how long a full run of every level against the reference takes, one check at a time
(--jobs 1) and with the default number of checks at a time, how many requests it sends, and how long
the fuzz stage takes with its default budget.

Starts the reference on SQLite in a temporary folder, runs the whole suite RUNS times against it for each
setting (alternately, so that a busy machine weighs on both alike) and prints each run's figures and the
medians. The wait for the app to come up is not counted.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance" / "tests"))

from servers import free_port, reference_command, running  # noqa: E402

from timetension import run_suite  # noqa: E402
from timetension._runner import DEFAULT_JOBS  # noqa: E402

RUNS = 5


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{folder}/bench.db"}
        with running(reference_command(), env=env, log=Path(folder) / "server.log", port=free_port()) as app:
            url = app.url
            print(f"Full run of every level against the reference on SQLite ({url}), {RUNS} runs per setting:")
            times: dict[int, list[float]] = {1: [], DEFAULT_JOBS: []}
            for number in range(1, RUNS + 1):
                for jobs in times:
                    result = run_suite(url, wait=20, jobs=jobs)
                    if not result.passed:
                        print(f"run {number} (--jobs {jobs}) did not pass; the figures would mean nothing",
                              file=sys.stderr)
                        return 1
                    times[jobs].append(result.checks_duration)
                    print(f"  run {number}, --jobs {jobs}: {result.checks_duration:.2f} s for {len(result.checks)} "
                          f"checks, {result.requests_sent} requests")
            print(f"median, one check at a time (--jobs 1): {statistics.median(times[1]):.2f} s")
            print(f"median, {DEFAULT_JOBS} checks at a time (the default): {statistics.median(times[DEFAULT_JOBS]):.2f} s"
                  "   (target: under 2 s)")
            level_3 = [run_suite(url, wait=20, level="L3").checks_duration for _ in range(RUNS)]
            print(f"levels 0-3 only, median of {RUNS}: {statistics.median(level_3):.2f} s   (target: under 3 s)")
            fuzzed = run_suite(url, wait=20, fuzz=True)
            stage = sum(check.duration for check in fuzzed.checks if check.check.level == "fuzz")
            print(f"fuzz stage with the default budget: {stage:.1f} s, {fuzzed.fuzz_requests_sent} requests"
                  "   (target: under 60 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
