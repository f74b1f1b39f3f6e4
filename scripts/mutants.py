"""`make mutants`: the suite against every broken app of the catalogue, and against the independent
implementation; prints which check caught each broken app and the kill rate.

Fails when a broken app goes uncaught by the check it names (unless it is a listed known gap), or when
the independent implementation fails any check: the suite must catch every wrong app and pass every
right one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "conformance" / "tests"
sys.path.insert(0, str(TESTS))

from broken_apps.catalogue import CATALOGUE, KNOWN_GAPS, BrokenApp  # noqa: E402
from conftest import app_env  # noqa: E402
from servers import broken_app_command, free_port, running  # noqa: E402

from timetension import all_checks, run_suite  # noqa: E402
from timetension._registry import LEVEL_IDS  # noqa: E402
from timetension._runner import FAILED  # noqa: E402

LEVELS = {check.slug: check.level for check in all_checks()}
INDEPENDENT_APP = TESTS / "independent_app"
PARALLEL = 2
FUZZ_BUDGET = 20  # enough for schemathesis to send a name with a character the checks never send


@dataclass
class Verdict:
    app: BrokenApp
    failed: list[str]
    error: str | None = None

    @property
    def caught(self) -> bool:
        return self.app.caught_by in self.failed


def check_broken_app(app: BrokenApp) -> Verdict:
    with tempfile.TemporaryDirectory() as folder:
        env = app_env(f"sqlite:///{folder}/broken.db")
        try:
            with running(broken_app_command(app.name), env=env, log=Path(folder) / "app.log", port=free_port()) as server:
                fuzz = app.caught_by.startswith("fuzz.")
                result = run_suite(server.url, level=LEVELS.get(app.caught_by, LEVEL_IDS[-1]), keep_going=True,
                                   wait=20, fuzz=fuzz, fuzz_budget=FUZZ_BUDGET)
        except Exception as error:  # a broken app that cannot even start is reported, not fatal
            return Verdict(app, [], error=str(error).splitlines()[0])
    return Verdict(app, [check.check.slug for check in result.checks if check.status == FAILED])


def check_independent_app() -> tuple[bool, str]:
    if shutil.which("go") is None:
        message = "the independent implementation needs Go to build"
        return (not os.environ.get("CI"), message + (" (CI must have it)" if os.environ.get("CI") else "; skipped"))
    subprocess.run(["go", "build", "-o", "bin/independent-app", "."], cwd=INDEPENDENT_APP, check=True, timeout=600)
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{folder}/independent.db"}
        command = [str(INDEPENDENT_APP / "bin" / "independent-app")]
        with running(command, env=env, log=Path(folder) / "app.log", port=free_port()) as server:
            results = [run_suite(server.url, wait=20) for _ in range(2)]  # twice: the suite isolates itself
    failed = sorted({c.check.slug for r in results for c in r.checks if c.status == FAILED})
    checks = len(results[0].checks)
    if failed:
        return False, f"the independent implementation failed {', '.join(failed)}"
    return True, f"the independent implementation passed all {checks} checks, twice against one database"


def main() -> int:
    with ThreadPoolExecutor(PARALLEL) as pool:
        verdicts = list(pool.map(check_broken_app, CATALOGUE))
    width = max(len(app.name) for app in CATALOGUE)
    print(f"{'broken app':<{width}}  verdict  caught by / failed checks")
    for verdict in verdicts:
        mark = "caught" if verdict.caught else ("GAP" if verdict.app.name in KNOWN_GAPS else "MISSED")
        detail = verdict.error or ", ".join(verdict.failed[:4]) + (" ..." if len(verdict.failed) > 4 else "")
        print(f"{verdict.app.name:<{width}}  {mark:<7}  {detail or '(nothing failed)'}")
    caught = sum(verdict.caught for verdict in verdicts)
    missed = [v.app.name for v in verdicts if not v.caught and v.app.name not in KNOWN_GAPS]
    print(f"\nkill rate: {caught}/{len(verdicts)} = {100 * caught / len(verdicts):.0f}%"
          f"   known gaps: {len(KNOWN_GAPS)}   missed: {len(missed)}")
    for name, reason in KNOWN_GAPS.items():
        print(f"  known gap {name}: {reason}")
    independent_ok, message = check_independent_app()
    print(message)
    if missed:
        print(f"not caught by the check that names their rule: {', '.join(missed)}")
    return 0 if not missed and independent_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
