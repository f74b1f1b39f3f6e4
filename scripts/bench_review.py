"""`make bench`: `timetension review` of 8 submissions at once against the slowest of them and the sum.

Starts the reference and seven broken apps (each on SQLite, in a process of its own), reviews them with
--parallel 8, and prints the review's wall time beside its slowest submission's time and the sum of all.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance" / "tests"))

from servers import broken_app_command, free_port, reference_command, running  # noqa: E402

from timetension._review import Options, load_cohort, review  # noqa: E402

BROKEN = ("project-name-case-sensitive", "report-utc-days", "overlaps-allowed", "token-never-expires",
          "lost-update", "malformed-json-422", "delete-answers-200")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        root = Path(folder)
        commands = [("reference", reference_command())] + [(name, broken_app_command(name)) for name in BROKEN]
        submissions = []
        for name, command in commands:
            app = stack.enter_context(running(command, env={"DATABASE_URL": f"sqlite:///{root}/{name}.db"},
                                              log=root / f"{name}.log", port=free_port()))
            submissions.append({"name": name, "url": app.url})
        cohort = root / "cohort.yaml"
        cohort.write_text(yaml.safe_dump({"submissions": submissions}), encoding="utf-8")
        started = time.monotonic()
        entries = review(load_cohort(cohort), Options(report=root / "report", parallel=len(submissions)))
        wall = time.monotonic() - started
    durations = {entry["name"]: entry["duration_seconds"] for entry in entries}
    slowest = max(durations, key=durations.get)
    print(f"timetension review of {len(entries)} submissions, --parallel {len(entries)}:")
    for name, seconds in durations.items():
        print(f"  {name:<30} {seconds:6.2f} s")
    print(f"wall time {wall:.2f} s; slowest submission ({slowest}) {durations[slowest]:.2f} s; "
          f"sum {sum(durations.values()):.2f} s; overhead over the slowest {wall - durations[slowest]:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
