"""Part of `make bench` (run through scripts/with-engine.sh): the container path's times, per starter with a
stand-in base image. For each: `make new`, then `timetension run --level 0` cold (its build cache emptied
first) and warm (right after, the cache kept), and in the warm run the time from `docker compose up` to the
app's first passing health check, read from the engine's record of the containers.

The base images are local stand-ins (see conformance/tests/standins/build.py): the figures time the kit's
path on this machine, not downloads of the official images.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "conformance" / "tests"))

from test_containers import CHEAP_STARTERS  # noqa: E402

from timetension._engine import Engine  # noqa: E402

BIN = Path(sys.executable).parent


def timestamp(text: str) -> float:
    """Docker's RFC 3339 timestamps have nanoseconds; Python reads microseconds."""
    trimmed = re.sub(r"(\.\d{6})\d*", r"\1", text).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed).timestamp()


def up_to_healthy(engine: Engine, project: str) -> float | None:
    """From the database container's start (the first thing `up` starts) to the app's first passing probe."""
    states = engine.project_states(project)
    if "db" not in states or "app" not in states:
        return None
    database = engine.client.containers.get(states["db"].id).attrs
    app = engine.client.containers.get(states["app"].id).attrs
    passed = [entry for entry in (app["State"].get("Health") or {}).get("Log") or [] if entry.get("ExitCode") == 0]
    if not passed:
        return None
    return timestamp(passed[0]["End"]) - timestamp(database["State"]["StartedAt"])


def run_level_0(folder: Path, *extra: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    completed = subprocess.run([str(BIN / "timetension"), "run", str(folder), "--level", "0", "--no-color", *extra],
                               capture_output=True, text=True, timeout=900)
    return time.monotonic() - started, completed


def main() -> int:
    engine = Engine.connect()
    print("\nThe container path (real engine, stand-in base images): timetension run --level 0")
    print(f"  {'starter':<18} {'cold':>8} {'warm':>8} {'up to healthy':>14}  verdict")
    failures = 0
    for starter in CHEAP_STARTERS:
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work) / "attempt"
            subprocess.run(["make", "--no-print-directory", "new", f"STARTER={starter}", f"DIR={folder}"],
                           cwd=REPOSITORY, check=True, capture_output=True, timeout=300)
            subprocess.run(["docker", "builder", "prune", "--all", "--force"], check=True, capture_output=True)
            cold, first = run_level_0(folder)
            warm, second = run_level_0(folder, "--keep")
            healthy = None
            if "Stop it and delete its database with:" in second.stdout:
                project = re.findall(r"-p (timetension-[a-z0-9_-]+)", second.stdout)[0]
                healthy = up_to_healthy(engine, project)
                stop = second.stdout.split("Stop it and delete its database with:\n", 1)[1].splitlines()[0]
                subprocess.run(["bash", "-c", stop.strip()], capture_output=True, timeout=300)
            ok = first.returncode == 0 and second.returncode == 0
            failures += not ok
            shown = f"{healthy:.1f} s" if healthy is not None else "-"
            verdict = "level 0 passed" if ok else f"FAILED (exit {first.returncode}, {second.returncode})"
            print(f"  {starter:<18} {cold:>6.1f} s {warm:>6.1f} s {shown:>14}  {verdict}", flush=True)
            if not ok:
                print(shlex.join(["  see:", str(folder / "reports")]))
    engine.close()
    print("  cold: the app's image built with an empty build cache; warm: built again right after.")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
