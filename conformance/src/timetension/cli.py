"""The command line: `timetension check`, `levels`, `run`, `db`, `doctor`, `review`, `report` and `bench`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from ._compose import DEFAULT_WAIT, RunOptions, run_attempt
from ._docs_url import SERVED_DOCS_URL
from ._doctor import DEFAULT_PORT, doctor
from ._registry import LEVEL_IDS, all_checks
from ._report_json import write_results
from ._report_junit import write_junit
from ._report_terminal import TerminalReporter
from ._rules import register_lines, trace
from ._runner import DEFAULT_DOCS_URL, DEFAULT_JOBS, run_suite
from ._spec import Spec, default_spec
from ._tester import DEFAULT_CORS_ORIGIN

URL_ENV_VAR = "TIMETENSION_URL"
CORS_ENV_VAR = "TIMETENSION_CORS_ORIGIN"
DOCS_ENV_VAR = "TIMETENSION_DOCS_URL"
EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DOCS_DEFAULT_TEXT = f"the kit's site built with `make docs`, as a file, else {SERVED_DOCS_URL} (`make docs-serve`)"

DESCRIPTION = """\
Check a running Timetension implementation over HTTP, level by level.

Start your app first (it must listen on the port in the URL), then:

  timetension check --url http://localhost:8080            check every level
  timetension check --url http://localhost:8080 --level 1  stop after level 1
  timetension check --url http://localhost:8080 --fuzz     then fuzz what passed
  timetension levels                                       what each level asks
  timetension run ../my-attempt                            build and start it with docker compose, check it,
                                                           then take it down again
  timetension db start                                     a PostgreSQL for the attempt here; prints DATABASE_URL
  timetension doctor                                       is this machine ready (Docker, ports, toolchains)?

A level runs only when every lower level passed. Each failure says what was expected, what came back,
why the rule exists, and a curl command that sends the same request.
"""


RUN_DESCRIPTION = """\
Build and start an attempt's stack with docker compose, run the suite against it, keep the logs, and take
the stack down again, also after a failure or Ctrl-C.

DIR must hold a docker-compose.yml (`make new` copies the kit's template there). The stack runs under a
project name of its own (timetension-<folder>-<random>), with the app on a free port of 127.0.0.1, so it
never clashes with a `docker compose up` of your own. Every command is printed with `+ ` before it runs.
"""

RUN_EPILOG = """\
exit status: 0 the suite passed, 1 it did not, 2 something is missing (docker, docker compose, the
engine, DIR/docker-compose.yml), 3 the stack did not come up (build failed, a service not healthy),
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""


REVIEW_DESCRIPTION = """\
Check every submission of a cohort, several at a time, then measure the speed of each one that answered,
one at a time, and write a scoreboard (scoreboard.html, .md and .json) with each submission's files
(results.json, build.log, app.log) under DIR/submissions/NAME/.

The cohort file, COHORT.yaml (paths are relative to it):

  database_url: postgresql://user@127.0.0.1:5432/cohort  # optional: DATABASE_URL of the apps started natively
  level: L5                      # optional: the highest level to check (default: the last)
  submissions:                   # each: a name and exactly one of url, folder, image
    - name: alice
      url: http://127.0.0.1:8081 # an app already running
      language: Kotlin           # optional: shown on the scoreboard (a folder's starter.toml says it itself)
      framework: Ktor            # optional, likewise
    - name: bob
      folder: ../bob             # with a starter.toml: its `setup` then its `run`, as written, through bash,
                                 # with PORT set to a free port (with a docker-compose.yml instead: built
                                 # and started like `timetension run`)
      env: {DATABASE_URL: "postgresql://..."}  # optional: extra environment; overrides database_url
      timeout: 300               # optional: this submission's own time limit in seconds (build, start, checks)
    - name: dave
      image: dave-timetension:latest  # an image: started with a PostgreSQL container of its own

A submission that fails to build, exits on start or never answers is reported as such ("build failed
(exit 2)", "exited on start with code 1", "no answer on port 8080 within 60 s") with the last lines of
its log; one that overruns its time limit is reported as timed out. The others go on.

Speed: each submission is measured on the fixed workload of every level it reached, L0 to L4 (see
`bench`), with wrk, one submission at a time once all are checked, so that they do not compete.

Exit status: 0 when every submission could be checked (whatever level it reached), 1 when one could not
(build failed, exited, no answer, timed out), 2 for a bad cohort file.
"""

BENCH_DESCRIPTION = """\
Put a fixed workload on an app with wrk and check every answer under load.

Workloads: L0 GET /health; L1 sign in and read the account; L2 list 5 projects and create one; L3 list 20
entries and create one; L4 the week's summary of 20 entries; api (the default) L3 and L4 mixed (list,
create, list, summary). The set-up, not measured, makes fresh users and data of a fixed size. Each
concurrency level runs for --duration seconds. An answer with the wrong status or the wrong content
counts as a failure. Prints requests per second, latency p50/p95/p99 in ms and failures per level.
Exit status 1 when any answer failed.

Needs wrk (apt-get install wrk, brew install wrk): a native client, so the figure is the app's.
"""


def level_id(text: str) -> str:
    """Accept 2, L2 or l2."""
    candidate = text.upper() if text.upper().startswith("L") else f"L{text}"
    if candidate not in LEVEL_IDS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a level; choose one of {', '.join(LEVEL_IDS)} (or 0-{len(LEVEL_IDS) - 1})")
    return candidate


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="timetension", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"timetension {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check", help="run the checks against a running app", description="Run the checks against a running app.",
    )
    check.add_argument("--url", default=os.environ.get(URL_ENV_VAR),
                       help=f"the app's base URL, e.g. http://localhost:8080 (default: ${URL_ENV_VAR})")
    check.add_argument("--level", type=level_id, default=LEVEL_IDS[-1],
                       help=f"highest level to check, 0-{len(LEVEL_IDS) - 1} or L0-{LEVEL_IDS[-1]} (default: all)")
    check.add_argument("--report", type=Path, metavar="DIR",
                       help="write results.json and junit.xml into DIR (created if needed)")
    check.add_argument("--name", metavar="NAME",
                       help="with --report: the submission's name, saved in results.json for `timetension report`")
    check.add_argument("--only", action="append", metavar="SLUG",
                       help="run only checks whose slug starts with SLUG (repeatable), e.g. --only projects.")
    check.add_argument("--keep-going", action="store_true", help="run higher levels even when a lower one fails")
    check.add_argument("--timeout", type=positive_seconds, default=10.0,
                       help="seconds one request may take (default: 10)")
    check.add_argument("--jobs", type=positive_int, default=DEFAULT_JOBS, metavar="N",
                       help=f"checks of a level that run at the same time; 1 runs them one at a time "
                            f"(default: {DEFAULT_JOBS})")
    check.add_argument("--wait", type=positive_seconds, default=15.0,
                       help="seconds to wait for GET /health to answer before giving up (default: 15)")
    check.add_argument("--docs-url", default=os.environ.get(DOCS_ENV_VAR, DEFAULT_DOCS_URL),
                       help=f"the exercise site, for the links in failures (default: ${DOCS_ENV_VAR}, else {DOCS_DEFAULT_TEXT})")
    check.add_argument("--cors-origin", default=os.environ.get(CORS_ENV_VAR, DEFAULT_CORS_ORIGIN),
                       help=f"the browser origin your app allows, for the level 5 CORS checks (default: ${CORS_ENV_VAR} "
                            f"or {DEFAULT_CORS_ORIGIN})")
    check.add_argument("--fuzz", action="store_true",
                       help="after the levels, fuzz the operations of the levels that passed with schemathesis")
    check.add_argument("--fuzz-time", type=positive_seconds, default=45.0, metavar="SECONDS",
                       help="the fuzz stage's time budget (default: 45)")
    check.add_argument("--fuzz-seed", type=int, default=1, metavar="N",
                       help="the fuzzer's random seed; the same seed repeats the same requests (default: 1)")
    check.add_argument("--no-color", action="store_true", help="plain text output (NO_COLOR=1 does the same)")
    check.add_argument("-v", "--verbose", action="store_true", help="show each check's time")

    levels = commands.add_parser("levels", help="list the levels and what each one checks",
                                 description="List the levels and what each one checks.")
    levels.add_argument("--rules", action="store_true",
                        help="list the spec's rules instead, each with the checks that verify it; "
                             "exits 1 when a rule has no check and is not marked as not checkable")

    run = commands.add_parser(
        "run", help="build and start an attempt with docker compose, check it, take it down",
        description=RUN_DESCRIPTION, epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("folder", type=Path, metavar="DIR", help="the attempt's folder, with its docker-compose.yml")
    run.add_argument("--wait", type=positive_seconds, default=DEFAULT_WAIT, metavar="SECONDS",
                     help=f"how long the services may take to become healthy once built (default: {DEFAULT_WAIT:g})")
    run.add_argument("--report", type=Path, metavar="REPORT_DIR",
                     help="where results.json, junit.xml and the services' logs go (default: DIR/reports)")
    run.add_argument("--keep", action="store_true", help="leave the stack running afterwards (says how to stop it)")
    run.add_argument("--level", type=level_id, default=LEVEL_IDS[-1],
                     help=f"highest level to check, 0-{len(LEVEL_IDS) - 1} or L0-{LEVEL_IDS[-1]} (default: all)")
    run.add_argument("--only", action="append", metavar="SLUG",
                     help="run only checks whose slug starts with SLUG (repeatable)")
    run.add_argument("--keep-going", action="store_true", help="run higher levels even when a lower one fails")
    run.add_argument("--timeout", type=positive_seconds, default=10.0,
                     help="seconds one request may take (default: 10)")
    run.add_argument("--jobs", type=positive_int, default=DEFAULT_JOBS, metavar="N",
                     help=f"checks of a level that run at the same time; 1 runs them one at a time "
                          f"(default: {DEFAULT_JOBS})")
    run.add_argument("--docs-url", default=os.environ.get(DOCS_ENV_VAR, DEFAULT_DOCS_URL),
                     help=f"the exercise site, for the links in failures (default: ${DOCS_ENV_VAR}, else {DOCS_DEFAULT_TEXT})")
    run.add_argument("--cors-origin", default=os.environ.get(CORS_ENV_VAR, DEFAULT_CORS_ORIGIN),
                     help=f"the browser origin your app allows (default: ${CORS_ENV_VAR} or {DEFAULT_CORS_ORIGIN})")
    run.add_argument("--fuzz", action="store_true", help="after the levels, fuzz the operations that passed")
    run.add_argument("--no-color", action="store_true", help="plain text output (NO_COLOR=1 does the same)")
    run.add_argument("-v", "--verbose", action="store_true", help="show each check's time")

    doctor_parser = commands.add_parser(
        "doctor", help="check that this machine has what the workshop needs",
        description="Check Python, docker, docker compose, the Docker engine and a free port (required), and "
                    "each starter's native toolchain (for information). Exit status 0 when every required "
                    "item is there.",
    )
    doctor_parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                               help=f"the port your app will be published on (default: {DEFAULT_PORT})")
    doctor_parser.add_argument("--starters", type=Path, metavar="DIR",
                               help="the kit's starters folder (default: found beside the suite or here)")
    _add_db_parser(commands)

    review = commands.add_parser(
        "review", help="check a cohort's submissions in parallel and write a scoreboard",
        description=REVIEW_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument("cohort", type=Path, metavar="COHORT.yaml", help="the cohort file (see above)")
    review.add_argument("--report", type=Path, metavar="DIR", default=Path("review"),
                        help="where the scoreboard and each submission's results go (default: ./review)")
    review.add_argument("--parallel", type=positive_int, default=4, metavar="N",
                        help="how many submissions are checked at a time (default: 4)")
    review.add_argument("--timeout-per-submission", type=positive_seconds, default=600.0, metavar="S",
                        help="each submission's time limit for build, start and checks (default: 600)")
    review.add_argument("--timeout", type=positive_seconds, default=10.0,
                        help="seconds one request may take (default: 10)")
    review.add_argument("--jobs", type=positive_int, default=DEFAULT_JOBS, metavar="N",
                        help=f"checks of a submission's level that run at the same time (default: {DEFAULT_JOBS})")
    review.add_argument("--wait", type=positive_seconds, default=60.0,
                        help="seconds to wait for GET /health once an app is started (default: 60)")
    review.add_argument("--docs-url", default=os.environ.get(DOCS_ENV_VAR, DEFAULT_DOCS_URL),
                        help=f"the exercise site, for the links in failures (default: ${DOCS_ENV_VAR}, else {DOCS_DEFAULT_TEXT})")
    review.add_argument("--no-speed", action="store_true",
                        help="do not measure speed after the checks")
    review.add_argument("--speed-seconds", type=positive_seconds, default=3.0, metavar="S",
                        help="seconds of load per workload (default: 3)")
    review.add_argument("--speed-connections", type=positive_int, default=8, metavar="N",
                        help="connections the speed load keeps open (default: 8)")

    report = commands.add_parser(
        "report", help="rebuild a scoreboard from saved results files, without checking anything again",
        description="Rebuild the scoreboard (HTML, Markdown, JSON) from results.json files, a review's "
                    "submission.json files or a review's report folder.",
    )
    report.add_argument("results", type=Path, nargs="+", metavar="RESULTS.json",
                        help="results.json files, submission.json files, or a review's report folder")
    report.add_argument("--output", type=Path, default=Path("."), metavar="DIR",
                        help="where scoreboard.html, scoreboard.md and scoreboard.json go (default: here)")
    report.add_argument("--title", default="Timetension scoreboard", help="the scoreboard's title")
    report.add_argument("--name", action="append", metavar="NAME",
                        help="the submission's name, once per file, in the files' order (default: the name saved "
                             "in the results file by `review` or `check --name`, else the folder's name)")

    bench = commands.add_parser(
        "bench", help="a short fixed workload at a few concurrency levels: req/s, latency, failures",
        description=BENCH_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bench.add_argument("url", help="the app's base URL; it must pass the workload's level")
    bench.add_argument("--duration", type=positive_seconds, default=10.0, metavar="S",
                       help="seconds of load per concurrency level (default: 10)")
    bench.add_argument("--concurrency", type=concurrency_list, default=(1, 4, 16), metavar="LIST",
                       help="connections per level, comma-separated (default: 1,4,16)")
    bench.add_argument("--workload", choices=("api", "health", "L0", "L1", "L2", "L3", "L4"), default="api",
                       help="api: L3 and L4 mixed (default); health (same as L0): GET /health; L1..L4: that level's workload")
    bench.add_argument("--timeout", type=positive_seconds, default=10.0, help="seconds one request may take")
    bench.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON to FILE")
    return parser


DB_DESCRIPTION = """\
A PostgreSQL for one attempt, for an app started natively.

  timetension db start [DIR]    start it, wait until it answers, print DATABASE_URL=... on stdout
  timetension db status [DIR]   running or not, and its DATABASE_URL
  timetension db stop [DIR]     stop it (--delete also removes its data)

Natively when PostgreSQL's server binaries are installed (initdb and pg_ctl, on PATH or in
/usr/lib/postgresql/N/bin): a cluster of the attempt's own in DIR/.timetension/db, on 127.0.0.1 and a free
port, in UTC, also when run as root. Otherwise the attempt's compose `db` service, published on 127.0.0.1.
In a shell: export $(timetension db start)
"""


def _add_db_parser(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="start, stop or show a PostgreSQL for an attempt (native or compose)",
                             description=DB_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    start = actions.add_parser("start", help="start it and wait until it answers; prints DATABASE_URL=...")
    start.add_argument("--route", choices=("auto", "native", "docker"), default="auto",
                       help="native binaries, the compose db service, or auto: native when installed (default)")
    stop = actions.add_parser("stop", help="stop it")
    stop.add_argument("--delete", action="store_true", help="also delete its data (a fresh database next time)")
    actions.add_parser("status", help="running or not; exit status 0 when running")
    for action in (start, stop, actions.choices["status"]):
        action.add_argument("folder", type=Path, nargs="?", default=Path("."), metavar="DIR",
                            help="the attempt's folder (default: here)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def concurrency_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers, e.g. 1,4,16") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give one or more numbers of 1 or more, e.g. 1,4,16")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(parser, args)
        if args.command == "levels":
            return _rules(default_spec()) if args.rules else _levels(default_spec())
        if args.command == "run":
            return _run(args)
        if args.command == "doctor":
            return doctor(port=args.port, starters=args.starters)
        if args.command == "db":
            return _db(args)
        if args.command == "review":
            return _review(args)
        if args.command == "report":
            return _report(args)
        if args.command == "bench":
            return _bench(parser, args)
        parser.print_help()
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `timetension levels | head`); stay quiet like other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PASSED
    except FileNotFoundError as error:
        print(f"timetension: {error}", file=sys.stderr)
        return EXIT_USAGE


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.url:
        parser.error(f"say which app to check: --url http://localhost:8080 (or set {URL_ENV_VAR})")
    if not args.url.startswith(("http://", "https://")):
        parser.error(f"--url must start with http:// or https://, got {args.url!r}")
    reporter = TerminalReporter(color=False if args.no_color else None, verbose=args.verbose)
    spec = default_spec()
    reporter.header(args.url, args.level, __version__, spec.version)
    prefixes = tuple(args.only or ())
    result = run_suite(
        args.url,
        level=args.level,
        spec=spec,
        timeout=args.timeout,
        wait=args.wait,
        keep_going=args.keep_going,
        only=(lambda check: check.slug.startswith(prefixes)) if prefixes else None,
        docs_url=args.docs_url,
        cors_origin=args.cors_origin,
        fuzz=args.fuzz,
        fuzz_seed=args.fuzz_seed,
        fuzz_budget=args.fuzz_time,
        progress=reporter,
        jobs=args.jobs,
    )
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        submission = {"name": args.name, "language": None, "framework": None} if args.name else None
        written = [write_results(result, args.report / "results.json", submission=submission),
                   write_junit(result, args.report / "junit.xml")]
        print("Reports: " + ", ".join(str(path) for path in written))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def _run(args: argparse.Namespace) -> int:
    return run_attempt(RunOptions(
        folder=args.folder, wait=args.wait, report=args.report, keep=args.keep, level=args.level,
        only=tuple(args.only or ()), keep_going=args.keep_going, timeout=args.timeout, docs_url=args.docs_url,
        cors_origin=args.cors_origin, fuzz=args.fuzz, color=False if args.no_color else None, verbose=args.verbose,
        jobs=args.jobs,
    ))


def _db(args: argparse.Namespace) -> int:
    from . import _database

    if args.db_action == "start":
        return _database.start(args.folder, route=args.route)
    if args.db_action == "stop":
        return _database.stop(args.folder, delete=args.delete)
    return _database.status(args.folder)


def _review(args: argparse.Namespace) -> int:
    from ._review import CohortError, Options, run_review

    options = Options(report=args.report, parallel=args.parallel, timeout=args.timeout_per_submission,
                      request_timeout=args.timeout, jobs=args.jobs, wait=args.wait, docs_url=args.docs_url,
                      speed=not args.no_speed, speed_seconds=args.speed_seconds,
                      speed_connections=args.speed_connections)
    try:
        return run_review(args.cohort, options)
    except CohortError as error:
        print(f"timetension review: {error}", file=sys.stderr)
        return EXIT_USAGE


def _report(args: argparse.Namespace) -> int:
    from ._scoreboard import load_entries, write_scoreboard

    try:
        entries = load_entries(args.results, args.name)
    except (ValueError, KeyError) as error:
        print(f"timetension report: {error}", file=sys.stderr)
        return EXIT_USAGE
    written = write_scoreboard(entries, args.output, title=args.title)
    print("Scoreboard: " + ", ".join(str(path) for path in written))
    return EXIT_PASSED


def _bench(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import json

    from ._bench import BenchError, print_bench, run_bench

    if not args.url.startswith(("http://", "https://")):
        parser.error(f"URL must start with http:// or https://, got {args.url!r}")
    try:
        result = run_bench(args.url, duration=args.duration, concurrency=args.concurrency, workload=args.workload,
                           timeout=args.timeout)
    except BenchError as error:
        print(f"timetension bench: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # the app went away during the set-up, for one
        print(f"timetension bench: the set-up failed: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED
    print_bench(result)
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    return EXIT_FAILED if any(level.failures for level in result.levels) else EXIT_PASSED


def _rules(spec: Spec) -> int:
    rule_trace = trace(spec, all_checks())
    print("\n".join(register_lines(spec, rule_trace)))
    return EXIT_FAILED if rule_trace.without_check or rule_trace.unknown else EXIT_PASSED


def _levels(spec: Spec) -> int:
    checks = all_checks()
    for level in spec.levels:
        print(f"{level.id} {level.name}")
        print(f"   {level.summary}")
        operations = [op for op in spec.operations if op.level == level.id]
        if operations:
            print("   Operations: " + ", ".join(f"{op.method.upper()} {op.path}" for op in operations))
        for check in checks:
            if check.level == level.id:
                print(f"   - {check.title}  [{check.slug}]")
                print(f"       rules: {', '.join(check.rules)}")
        print()
    return EXIT_PASSED


if __name__ == "__main__":
    raise SystemExit(main())
