"""`make bench`: `timetension review` of eight submissions, one per starter, each built and started from
its own folder, all at once (--parallel 8) against a throwaway PostgreSQL.

Prints each submission's time (build, start, checks), the checks phase's wall time against the slowest
submission (the target: within 1.5x), and the speed phase, timed on its own. Needs every starter's
toolchain and PostgreSQL's server binaries.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parents[1] / "conformance" / "tests"
sys.path.insert(0, str(TESTS))

from postgres import Cluster, find_bin_dir  # noqa: E402
from servers import REPOSITORY  # noqa: E402

from timetension._review import Console, Options, Timings, load_cohort, review  # noqa: E402
from timetension._starters import load_starters  # noqa: E402

BUILD_OUTPUTS = ("node_modules", "target", "bin", ".venv", "dist", "build", "__pycache__")
TARGET = 1.5


def main() -> int:
    starters = load_starters(REPOSITORY / "starters")
    missing = sorted({tool for starter in starters for tool in starter.missing_tools()})
    bin_dir = find_bin_dir()
    if missing or bin_dir is None:
        print(f"review of the starters: not measured (missing: {', '.join(missing) or 'PostgreSQL server binaries'})")
        return 1
    cluster = Cluster(bin_dir)
    cluster.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            submissions = []
            for starter in starters:
                copy = root / starter.name
                shutil.copytree(starter.folder, copy, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
                database = cluster.create_database("bench_" + starter.name.replace("-", "_"))
                submissions.append({"name": starter.name, "folder": str(copy), "env": {"DATABASE_URL": database}})
            cohort = root / "cohort.yaml"
            cohort.write_text(yaml.safe_dump({"submissions": submissions}), encoding="utf-8")
            timings = Timings()
            started = time.monotonic()
            entries = review(load_cohort(cohort), Options(report=root / "report", parallel=len(submissions),
                                                          timeout=1800.0, wait=180.0),
                             progress=Console(sys.stdout), timings=timings)
            wall = time.monotonic() - started
    finally:
        cluster.stop()
    print(f"timetension review of {len(entries)} starters from their folders, --parallel {len(entries)}:")
    for entry in entries:
        speed = (entry.get("speed") or {}).get("workloads") or []
        figure = f"{speed[-1]['rps']:.0f} req/s on {speed[-1]['workload']}" if speed else "no speed figure"
        print(f"  {entry['name']:<20} {entry['duration_seconds']:7.1f} s   {entry['verdict']}   ({figure})")
    slowest = max(entries, key=lambda entry: entry["duration_seconds"])
    ratio = timings.checks_seconds / slowest["duration_seconds"]
    print(f"checks phase {timings.checks_seconds:.1f} s; slowest submission ({slowest['name']}) "
          f"{slowest['duration_seconds']:.1f} s; ratio {ratio:.2f} (target <= {TARGET}); "
          f"sum {sum(entry['duration_seconds'] for entry in entries):.1f} s")
    print(f"speed phase {timings.speed_seconds:.1f} s (one submission at a time); whole review {wall:.1f} s")
    unchecked = [entry["name"] for entry in entries if entry["status"] != "checked"]
    if unchecked:
        print(f"could not be checked: {', '.join(unchecked)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
