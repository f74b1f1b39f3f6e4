"""`make mutants`: the suite against every broken app of the catalogue, against the independent
implementation, and against each broken variant of the independent implementation; prints which check
caught each broken app and variant, and the two kill rates.

Fails when a broken app or a variant goes uncaught by the check it names (unless it is a listed known gap,
or a variant without a catching check yet), or when the independent implementation fails any check: the
suite must catch every wrong app and pass every right one.

`scripts/mutants.py --variants [NAME ...]` runs only the variants (all, or those named); `--whole-suite`
runs every check against each one, not only the check that must catch it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "conformance" / "tests"
sys.path.insert(0, str(TESTS))

from broken_apps.catalogue import CATALOGUE, KNOWN_GAPS, BrokenApp  # noqa: E402
from conftest import app_env  # noqa: E402
from independent_app.building import build_independent_app  # noqa: E402
from independent_app.variants import VARIANTS, Variant  # noqa: E402
from servers import broken_app_command, free_port, running  # noqa: E402

from timetension import all_checks, default_spec, run_suite  # noqa: E402
from timetension._fuzz import fuzz_check  # noqa: E402
from timetension._registry import LEVEL_IDS, Check  # noqa: E402
from timetension._runner import FAILED  # noqa: E402

# The level to run up to for each check; a fuzz check's is its operation's, so that the fuzz stage's
# budget goes to the operations up to that level rather than all of them.
LEVELS = {check.slug: check.level for check in all_checks()} | {
    fuzz_check(operation).slug: operation.level for operation in default_spec().operations}
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


# Each broken app and variant is run against the check that must catch it alone (an allowed variant, an
# open gap and a fuzz finding against the whole suite); --whole-suite runs every check, to see what else
# each one breaks.
WHOLE_SUITE = False


def _just(slug: str) -> Callable[[Check], bool]:
    return lambda check: check.slug == slug


def check_broken_app(app: BrokenApp) -> Verdict:
    with tempfile.TemporaryDirectory() as folder:
        env = app_env(f"sqlite:///{folder}/broken.db")
        try:
            with running(broken_app_command(app.name), env=env, log=Path(folder) / "app.log", port=free_port()) as server:
                fuzz = app.caught_by.startswith("fuzz.")
                # The fuzz stage needs the levels below it to pass first, so it gets the whole suite.
                only = None if fuzz or WHOLE_SUITE else _just(app.caught_by)
                result = run_suite(server.url, level=LEVELS.get(app.caught_by, LEVEL_IDS[-1]), keep_going=True,
                                   wait=20, fuzz=fuzz, fuzz_budget=FUZZ_BUDGET, only=only)
        except Exception as error:  # a broken app that cannot even start is reported, not fatal
            return Verdict(app, [], error=str(error).splitlines()[0])
    return Verdict(app, [check.check.slug for check in result.checks if check.status == FAILED])


@dataclass
class VariantVerdict:
    variant: Variant
    failed: list[str]
    error: str | None = None

    @property
    def caught(self) -> bool:
        return self.variant.caught_by is not None and self.variant.caught_by in self.failed

    @property
    def wrongly_failed(self) -> bool:
        """An allowed variant that a check failed (or that did not start): a false failure."""
        return self.variant.allowed and bool(self.failed or self.error)


def variant_run_level(variant: Variant) -> str:
    """The variant's own level, or the catching check's when that comes later; every level for one allowed."""
    if variant.allowed:
        return LEVEL_IDS[-1]
    levels = [variant.level] + ([LEVELS[variant.caught_by]] if variant.caught_by in LEVELS else [])
    return max(levels, key=LEVEL_IDS.index)


def check_variant(variant: Variant, binary: Path) -> VariantVerdict:
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{folder}/variant.db", "INDEPENDENT_APP_BREAK": variant.name}
        try:
            with running([str(binary)], env=env, log=Path(folder) / "app.log", port=free_port()) as server:
                only = None if variant.allowed or variant.caught_by is None or WHOLE_SUITE else _just(variant.caught_by)
                result = run_suite(server.url, level=variant_run_level(variant), keep_going=True, wait=20, only=only)
        except Exception as error:  # a variant that cannot even start is reported, not fatal
            return VariantVerdict(variant, [], error=str(error).splitlines()[0])
    return VariantVerdict(variant, [check.check.slug for check in result.checks if check.status == FAILED])


def check_variants(binary: Path, variants: tuple[Variant, ...] = VARIANTS) -> bool:
    """Runs and prints every variant; False when one is not caught by the check it names."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        verdicts = list(pool.map(lambda variant: check_variant(variant, binary), variants))
    title = "variant of the independent app"
    width = max(len(title), *(len(variant.name) for variant in variants))
    print(f"\n{title:<{width}}  level  verdict  caught by / failed checks")
    for verdict in verdicts:
        variant = verdict.variant
        if variant.allowed:
            mark = "FALSE" if verdict.wrongly_failed else "allowed"
        elif variant.caught_by is None:
            mark = "GAP"
        else:
            mark = "caught" if verdict.caught else "MISSED"
        detail = verdict.error or ", ".join(verdict.failed[:4]) + (" ..." if len(verdict.failed) > 4 else "")
        print(f"{variant.name:<{width}}  {variant.level:<5}  {mark:<7}  {detail or '(nothing failed)'}")
    broken = [verdict for verdict in verdicts if not verdict.variant.allowed]
    caught = sum(verdict.caught for verdict in broken)
    gaps = [verdict for verdict in broken if verdict.variant.caught_by is None]
    missed = [v.variant.name for v in broken if v.variant.caught_by is not None and not v.caught]
    false = [v.variant.name for v in verdicts if v.wrongly_failed]
    print(f"\nvariants' kill rate: {caught}/{len(broken)} = {100 * caught / max(1, len(broken)):.0f}%"
          f"   open gaps: {len(gaps)}   missed: {len(missed)}"
          f"   allowed answers failed: {len(false)} of {len(verdicts) - len(broken)}")
    for verdict in gaps:
        now = f" (now failed: {', '.join(verdict.failed)}; name the check in variants.py)" if verdict.failed else ""
        print(f"  open gap {verdict.variant.name}: {verdict.variant.gap}{now}")
    if missed:
        print(f"variants not caught by the check that names their rule: {', '.join(missed)}")
    if false:
        print(f"variants the spec allows, failed all the same: {', '.join(false)}")
    return not missed and not false


def _without_go(why_not: str) -> str:
    """Without Go the independent implementation is skipped, except in CI, which installs Go."""
    return why_not + (" (CI must have it)" if os.environ.get("CI") else "; skipped")


def check_independent_app(binary: Path | None, why_not: str) -> tuple[bool, str]:
    if binary is None:
        return not os.environ.get("CI"), _without_go(why_not)
    with tempfile.TemporaryDirectory() as folder:
        env = {"DATABASE_URL": f"sqlite:///{folder}/independent.db", "INDEPENDENT_APP_BREAK": ""}
        command = [str(binary)]
        with running(command, env=env, log=Path(folder) / "app.log", port=free_port()) as server:
            results = [run_suite(server.url, wait=20) for _ in range(2)]  # twice: the suite isolates itself
    failed = sorted({c.check.slug for r in results for c in r.checks if c.status == FAILED})
    checks = len(results[0].checks)
    if failed:
        return False, f"the independent implementation failed {', '.join(failed)}"
    return True, f"the independent implementation passed all {checks} checks, twice against one database"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whole-suite", action="store_true",
                        help="run every check against each broken app, not only the one that must catch it")
    parser.add_argument("--variants", nargs="*", metavar="NAME",
                        help="run only the independent app's broken variants: all, or the ones named")
    options = parser.parse_args(argv)
    global WHOLE_SUITE
    WHOLE_SUITE = options.whole_suite
    if options.variants is not None:
        return run_variants_only(options.variants)
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
    binary, why_not = build_independent_app()
    independent_ok, message = check_independent_app(binary, why_not)
    print(message)
    variants_ok = check_variants(binary) if binary is not None else independent_ok
    if missed:
        print(f"not caught by the check that names their rule: {', '.join(missed)}")
    return 0 if not missed and independent_ok and variants_ok else 1


def run_variants_only(names: list[str]) -> int:
    known = {variant.name: variant for variant in VARIANTS}
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"no variant called {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    binary, why_not = build_independent_app()
    if binary is None:
        print(_without_go(why_not))
        return 1 if os.environ.get("CI") else 0
    return 0 if check_variants(binary, tuple(known[name] for name in names) or VARIANTS) else 1


if __name__ == "__main__":
    raise SystemExit(main())
