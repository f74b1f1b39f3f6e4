"""Part of `make bench`: per starter, the participant's path from nothing to level 0 green, timed: `make new`
from a read-only copy of the kit (the suite installed into the attempt), `timetension db start`, the
starter's `setup` (dependencies fetched, from this machine's package caches), `run` until it answers, and
`timetension check --level 0`. Goal: under 3 minutes per starter, 5 for the JVM and Rust ones; `make new`
under 15 s.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "conformance" / "tests"))

from kit_copy import make_writable, read_only_kit  # noqa: E402
from participant_path import PathFailed, end, leftovers, walk_path  # noqa: E402

from timetension._database import find_native_bin_dir  # noqa: E402
from timetension._starters import load_starters  # noqa: E402

GOAL_SECONDS = {"java-spring-boot": 300, "rust-axum": 300}
DEFAULT_GOAL = 180
MAKE_NEW_GOAL = 15
COLUMNS = ("make new", "db start", "setup", "run until it answers", "check level 0")


def main() -> int:
    if find_native_bin_dir() is None:
        print("PostgreSQL's server binaries are missing (make system-deps); the participant's path is not measured.")
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="timetension-path-") as scratch:
        kit = read_only_kit(Path(scratch) / "kit")
        try:
            for starter in load_starters(REPOSITORY / "starters"):
                if starter.missing_tools():
                    rows.append((starter.name, {}, "missing " + ", ".join(starter.missing_tools())))
                    continue
                attempt = Path(scratch) / starter.name
                print(f"  {starter.name} ...", flush=True)
                try:
                    walk = walk_path(kit, starter.name, attempt)
                except PathFailed as error:
                    end(leftovers([str(attempt)], grace=0))
                    rows.append((starter.name, {}, "FAILED: " + str(error).splitlines()[0][:100]))
                    continue
                goal = GOAL_SECONDS.get(starter.name, DEFAULT_GOAL)
                verdict = f"{walk.total:.1f} s" + ("" if walk.total <= goal else f"  (over {goal} s)")
                if walk.left_running:
                    verdict += f"  LEFT RUNNING: {len(walk.left_running)} processes"
                rows.append((starter.name, walk.seconds, verdict))
        finally:
            make_writable(kit)
    print(f"\nThe participant's path, from a read-only clone to level 0 green (goal: {DEFAULT_GOAL} s, "
          f"{GOAL_SECONDS['rust-axum']} s for the JVM and Rust; make new under {MAKE_NEW_GOAL} s):")
    print(f"  {'starter':<18}" + "".join(f"{name:>22}" for name in COLUMNS) + "  total")
    for name, seconds, verdict in rows:
        cells = "".join(f"{seconds[column]:>20.1f} s" if column in seconds else f"{'':>22}" for column in COLUMNS)
        print(f"  {name:<18}{cells}  {verdict}")
    slow_new = [name for name, seconds, _ in rows if seconds.get("make new", 0) > MAKE_NEW_GOAL]
    if slow_new:
        print(f"  make new over {MAKE_NEW_GOAL} s for: {', '.join(slow_new)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
