"""`timetension review COHORT.yaml`: check a whole cohort's submissions in parallel, then one scoreboard.

The cohort file:

    database_url: postgresql://user@127.0.0.1:5432/cohort   # optional: DATABASE_URL of natively run apps
    level: L5                                               # optional: the highest level to check
    submissions:
      - name: alice
        url: http://127.0.0.1:8081          # an app already running
        language: Kotlin                    # optional, for apps without a manifest
        framework: Ktor
      - name: bob
        folder: ../attempts/bob             # with a starter.toml: built with its `setup`, started with its
        env: {DATABASE_URL: postgresql://...}   # `run` on a free port; env overrides database_url
        timeout: 300                        # optional: this submission's own time limit, in seconds
      - name: carol
        folder: ../attempts/carol           # with a docker-compose.yml: `timetension run`'s machinery
      - name: dave
        image: dave-timetension:latest      # an image: started with a PostgreSQL container of its own on a
        env: {SECRET_KEY: review}           # private network, through the Docker SDK, then both removed

Paths are relative to the cohort file. Every submission runs in a worker thread of its own, at most
--parallel at a time; each has a time limit that covers its build, its start and its run of the suite,
and a submission that overruns it is reported as timed out (its processes are stopped) while the
others go on. A folder's `setup` and `run` run as written through bash, in a session of their own that
is stopped as a whole; while waiting for GET /health the app's process is polled, so that a crash reads
as "exited on start with code N", not as silence.

Once every submission is checked, those that answered stay up for the speed phase: one at a time, the
fixed workload of every level each reached (`_speed.py`), then they are stopped.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import signal
import subprocess
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from ._compose import (COMPOSE_FILE_NAMES, Commands, Stack, StackFailed, env_file_sets, free_port, project_name)
from ._registry import LEVEL_IDS
from ._review_image import ImageFailed, ImageRun
from ._report_json import results_document
from ._runner import DEFAULT_DOCS_URL, DEFAULT_JOBS, run_suite
from ._scoreboard import TIMED_OUT, ERROR, CHECKED, entry_from_results, failed_entry, write_scoreboard
from ._spec import default_spec
from ._speed import LoadError, run_workload, workloads_for
from ._starters import MANIFEST

DEFAULT_PARALLEL = 4
DEFAULT_SUBMISSION_TIMEOUT = 600.0
SETUP_LOG, APP_LOG, COMPOSE_LOG = "build.log", "app.log", "compose.log"


class CohortError(ValueError):
    pass


@dataclass
class Submission:
    name: str
    url: str | None = None
    folder: Path | None = None
    image: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    framework: str | None = None
    timeout: float | None = None


@dataclass
class Cohort:
    submissions: list[Submission]
    database_url: str | None = None
    level: str = LEVEL_IDS[-1]


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "submission"


def load_cohort(path: Path) -> Cohort:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CohortError(f"{path}: cannot read it ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("submissions"), list) or not data["submissions"]:
        raise CohortError(f"{path}: needs a `submissions:` list")
    level = str(data.get("level", LEVEL_IDS[-1])).upper()
    level = level if level.startswith("L") else f"L{level}"
    if level not in LEVEL_IDS:
        raise CohortError(f"{path}: level {data.get('level')!r} is not one of {', '.join(LEVEL_IDS)}")
    submissions, seen = [], set()
    for number, item in enumerate(data["submissions"], 1):
        if not isinstance(item, dict) or not item.get("name"):
            raise CohortError(f"{path}: submission {number} needs a `name`")
        name = str(item["name"])
        if _slug(name) in seen:
            raise CohortError(f"{path}: two submissions are called {name!r}")
        seen.add(_slug(name))
        given = [key for key in ("url", "folder", "image") if item.get(key)]
        if len(given) != 1:
            raise CohortError(f"{path}: submission {name!r} needs exactly one of `url`, `folder` or `image`"
                              + (f" (it has {' and '.join(given)})" if given else ""))
        url = item.get("url")
        if url and not str(url).startswith(("http://", "https://")):
            raise CohortError(f"{path}: submission {name!r}: url must start with http:// or https://")
        folder = (path.parent / str(item["folder"])).resolve() if item.get("folder") else None
        env = item.get("env") or {}
        if not isinstance(env, dict):
            raise CohortError(f"{path}: submission {name!r}: env must be a mapping")
        timeout = item.get("timeout")
        submissions.append(Submission(
            name=name, url=str(url).rstrip("/") if url else None, folder=folder,
            image=str(item["image"]) if item.get("image") else None,
            env={str(k): str(v) for k, v in env.items()}, language=item.get("language"),
            framework=item.get("framework"), timeout=float(timeout) if timeout is not None else None))
    return Cohort(submissions, database_url=data.get("database_url"), level=level)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The [starter] table of folder/starter.toml, or None. The folder's name need not be the starter's
    (an attempt copied by `make new` keeps the starter's manifest under its own folder name)."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))["starter"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise StartFailed(f"{path}: cannot read a [starter] table ({error})") from None
    for key in ("setup", "run"):
        if not isinstance(table.get(key), str):
            raise StartFailed(f"{path}: no `{key}` command")
    return table


class StartFailed(Exception):
    """The submission could not be built or started; the message says why, `log` names the log to read."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


LOG_TAIL_LINES = 12


def log_tail(path: Path | None, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last non-empty lines of a log, for a verdict that shows what happened."""
    if path is None or not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    return [line.rstrip() for line in text.splitlines() if line.strip()][-lines:]


def wait_for_app(process: subprocess.Popen, url: str, wait: float, log: Path) -> None:
    """Until GET /health gets any HTTP answer; a process that exits first is a crash, not silence."""
    import httpx

    port = url.rsplit(":", 1)[-1]
    limit = time.monotonic() + wait
    with httpx.Client(timeout=httpx.Timeout(2.0)) as client:
        while True:
            code = process.poll()
            if code is not None:
                raise StartFailed(f"exited on start with code {code}", log)
            try:
                client.get(url + "/health")
                return
            except httpx.HTTPError:
                pass
            if time.monotonic() >= limit:
                raise StartFailed(f"no answer on port {port} within {wait:g} s", log)
            time.sleep(0.25)


@dataclass
class Options:
    report: Path
    parallel: int = DEFAULT_PARALLEL
    timeout: float = DEFAULT_SUBMISSION_TIMEOUT
    request_timeout: float = 10.0
    jobs: int = DEFAULT_JOBS  # checks of a level run at the same time, per submission
    wait: float = 60.0  # for GET /health, once started
    docs_url: str = DEFAULT_DOCS_URL
    speed: bool = True  # measure each checked submission's speed once all are checked
    speed_seconds: float = 3.0  # per workload
    speed_connections: int = 8


class _Work:
    """What one submission started, so that a timed-out one can be stopped from outside."""

    def __init__(self, submission: Submission, folder: Path) -> None:
        self.submission = submission
        self.folder = folder  # its report folder
        self.processes: list[subprocess.Popen] = []
        self.stack: Stack | None = None
        self.image_run: ImageRun | None = None
        self.lock = threading.Lock()
        self.abandoned = False
        self.language = submission.language
        self.framework = submission.framework

    def popen(self, command: str, *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
        with self.lock:
            if self.abandoned:
                raise StartFailed("abandoned")
            with log.open("ab") as log_file:
                # Through a shell, as written: `a && b` must run both (a session of its own, so that
                # stopping it stops everything it started).
                process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=log_file,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                           start_new_session=True)
            self.processes.append(process)
            return process

    def stop(self) -> None:
        with self.lock:
            processes, self.processes = self.processes, []
            stack, self.stack = self.stack, None
            image_run, self.image_run = self.image_run, None
        for process in processes:
            _stop_group(process)
        if image_run is not None:
            image_run.stop()
        if stack is not None:
            stack.commands.capture(stack.compose("down", "--volumes", "--remove-orphans", "--rmi", "local"),
                                   timeout=180, note="always")


def _stop_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _start_native(work: _Work, manifest: dict[str, Any], cohort: Cohort, deadline: float, wait: float) -> str:
    submission = work.submission
    assert submission.folder is not None
    work.language = work.language or manifest.get("language")
    work.framework = work.framework or manifest.get("framework")
    env = {**os.environ}
    if cohort.database_url:
        env["DATABASE_URL"] = cohort.database_url
    env.update(submission.env)
    build_log = work.folder / SETUP_LOG
    setup = work.popen(manifest["setup"], cwd=submission.folder, env=env, log=build_log)
    try:
        code = setup.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise StartFailed("its set-up did not finish in time", build_log) from None
    if code != 0:
        raise StartFailed(f"build failed (exit {code})", build_log)
    port = free_port()
    env["PORT"] = str(port)
    app_log = work.folder / APP_LOG
    app = work.popen(manifest["run"], cwd=submission.folder, env=env, log=app_log)
    url = f"http://127.0.0.1:{port}"
    wait_for_app(app, url, max(1.0, min(wait, deadline - time.monotonic())), app_log)
    return url


def _start_compose(work: _Work, compose_file: Path, deadline: float) -> str:
    folder = compose_file.parent
    env = {key: value for key, value in os.environ.items() if key != "COMPOSE_PROFILES"}
    log = io.StringIO()
    stack = Stack(Commands(log, env, cwd=folder), project_name(folder), compose_file.name)
    stack.set_env["APP_PORT"] = str(free_port())
    if not os.environ.get("POSTGRES_PASSWORD") and not env_file_sets(folder, "POSTGRES_PASSWORD"):
        stack.set_env["POSTGRES_PASSWORD"] = secrets.token_hex(12)
    env.update(stack.set_env)
    with work.lock:
        work.stack = stack
    try:
        stack.touched = True
        services = stack.services()
        remaining = max(1.0, deadline - time.monotonic())
        built = stack.commands.capture(stack.compose("build"), timeout=remaining)
        if not built.ok:
            raise StartFailed(f"docker compose build failed: {built.said}")
        up = stack.commands.capture(stack.compose("up", "--detach"), timeout=max(1.0, deadline - time.monotonic()))
        if not up.ok:
            raise StartFailed(f"docker compose up failed: {up.said}")
        wait = max(1.0, deadline - time.monotonic())
        stack.wait_until_healthy(services, deadline, wait)
        return stack.published_url()
    except StackFailed as problem:
        raise StartFailed(str(problem)) from None
    finally:
        (work.folder / COMPOSE_LOG).write_text(log.getvalue(), encoding="utf-8")


def _check_one(work: _Work, cohort: Cohort, options: Options, limit: float) -> dict[str, Any]:
    """Build and start (when needed) and run the suite; the submission's results document."""
    submission = work.submission
    deadline = time.monotonic() + limit
    wait = options.wait
    if submission.url:
        url = submission.url
    elif submission.image:
        image_run = ImageRun(submission.image, _slug(submission.name), work.folder, env=dict(submission.env))
        with work.lock:
            if work.abandoned:
                raise StartFailed("abandoned")
            work.image_run = image_run
        try:
            url = image_run.start(deadline, wait)
        except ImageFailed as problem:
            raise StartFailed(str(problem)) from None
    else:
        assert submission.folder is not None
        if not submission.folder.is_dir():
            raise StartFailed(f"{submission.folder} is not a folder")
        manifest = read_manifest(submission.folder)
        compose = next((submission.folder / name for name in COMPOSE_FILE_NAMES
                        if (submission.folder / name).is_file()), None)
        if manifest is not None:
            url = _start_native(work, manifest, cohort, deadline, wait)
        elif compose is not None:
            url = _start_compose(work, compose, deadline)
        else:
            raise StartFailed(f"{submission.folder} has neither a {MANIFEST} nor a docker-compose.yml")
    # The suite waits for the app; a hung one runs into the submission's limit instead.
    remaining = deadline - time.monotonic()
    wait = wait if wait < remaining else max(1.0, remaining) + 5.0
    result = run_suite(url, level=cohort.level, timeout=options.request_timeout, wait=wait,
                       docs_url=options.docs_url, jobs=options.jobs)
    document = results_document(result)
    document["submission"] = {"name": submission.name, "language": work.language, "framework": work.framework}
    return document


def _links(folder: Path, report: Path) -> dict[str, str]:
    """The submission's files that exist, as paths relative to the report folder (the scoreboard's links)."""
    found = {}
    for key, name in (("build", SETUP_LOG), ("app", APP_LOG), ("compose", COMPOSE_LOG), ("results", "results.json")):
        if (folder / name).is_file():
            found[key] = (folder / name).relative_to(report).as_posix()
    return found


def _review_one(submission: Submission, cohort: Cohort, options: Options) -> tuple[dict[str, Any], _Work]:
    """Check one submission; its entry, and what it started (still running, for the speed phase)."""
    folder = options.report / "submissions" / _slug(submission.name)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (SETUP_LOG, APP_LOG, COMPOSE_LOG, "results.json"):
        (folder / stale).unlink(missing_ok=True)
    work = _Work(submission, folder)
    limit = submission.timeout or options.timeout
    started = time.monotonic()
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(_check_one(work, cohort, options, limit))
        except BaseException as error:  # reported as the submission's outcome
            box.append(error)

    worker = threading.Thread(target=target, name=f"review-{submission.name}", daemon=True)
    worker.start()
    worker.join(limit)
    try:
        if worker.is_alive():
            with work.lock:
                work.abandoned = True
            entry = failed_entry(submission.name, work.language, work.framework, TIMED_OUT,
                                 f"timed out: no verdict within its time limit of {limit:g} s", limit,
                                 time.monotonic() - started)
        elif isinstance(box[0], BaseException):
            error = box[0]
            message = str(error) if isinstance(error, StartFailed) else f"{type(error).__name__}: {error}"
            entry = failed_entry(submission.name, work.language, work.framework, ERROR,
                                 f"could not be checked: {message}", limit, time.monotonic() - started)
            entry["log_tail"] = log_tail(error.log) if isinstance(error, StartFailed) else []
        else:
            document = box[0]
            _write_json(folder / "results.json", document)
            entry = entry_from_results(document, results_path=(folder / "results.json").relative_to(
                options.report).as_posix())
            entry["time_limit_seconds"] = limit
            entry["duration_seconds"] = round(time.monotonic() - started, 3)
            if document.get("unreachable"):
                # Nothing answered: the submission could not be checked at all.
                entry["status"] = ERROR
                entry["verdict"] = (f"could not be checked: no answer at {document['target']['url']} within "
                                    f"{options.wait:g} s ({document['unreachable']['received']})")
                entry["log_tail"] = log_tail(folder / APP_LOG)
    except BaseException:
        work.stop()
        raise
    entry["logs"] = _links(folder, options.report)
    if entry["status"] != CHECKED or not options.speed or not workloads_for(entry["level_reached"]):
        work.stop()
    _write_json(folder / "submission.json", entry)
    return entry, work


def _measure_speed(entry: dict[str, Any], options: Options, say: Any) -> dict[str, Any]:
    """Every workload of the levels the submission reached, one after the other, alone on the machine."""
    figures: list[dict[str, Any]] = []
    for workload in workloads_for(entry["level_reached"]):
        started = time.time()
        try:
            measured = run_workload(entry["url"], workload, connections=options.speed_connections,
                                    seconds=options.speed_seconds, timeout=options.request_timeout)
        except LoadError as error:
            say(f"  speed    {entry['name']} {workload}: not measured: {error}")
            return {"connections": options.speed_connections, "seconds": options.speed_seconds,
                    "workloads": figures, "skipped": str(error)}
        except httpx.HTTPError as error:
            reason = f"the set-up of {workload} got no answer ({type(error).__name__})"
            say(f"  speed    {entry['name']} {workload}: not measured: {reason}")
            return {"connections": options.speed_connections, "seconds": options.speed_seconds,
                    "workloads": figures, "skipped": reason}
        figures.append({**measured.to_json(), "started_at": round(started, 3), "finished_at": round(time.time(), 3)})
        say(f"  speed    {entry['name']} {workload}: {measured.rps:.0f} req/s, p95 {measured.p95_ms} ms, "
            f"{measured.failures} failed")
    return {"connections": options.speed_connections, "seconds": options.speed_seconds, "workloads": figures}


def _write_json(path: Path, document: Any) -> None:
    import json

    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class Console:
    """One line per event, whole: the worker threads write through one lock."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self.lock:
            self.out.write(text + "\n")
            self.out.flush()


@dataclass
class Timings:
    checks_seconds: float = 0.0
    speed_seconds: float = 0.0


def review(cohort: Cohort, options: Options, *, progress: Any = None, timings: Timings | None = None
           ) -> list[dict[str, Any]]:
    """Check every submission, at most options.parallel at a time, then measure the speed of those that
    answered, one at a time; the scoreboard's entries, in cohort order."""
    options.report.mkdir(parents=True, exist_ok=True)
    default_spec()  # load the spec once, before the threads need it
    say = progress or (lambda text: None)
    timings = timings if timings is not None else Timings()
    started = time.monotonic()

    def one(submission: Submission) -> tuple[dict[str, Any], _Work]:
        say(f"  started  {submission.name}")
        entry, work = _review_one(submission, cohort, options)
        say(f"  finished {submission.name}: {entry['verdict']} ({time.monotonic() - started:.1f} s)")
        return entry, work

    done: list[tuple[dict[str, Any], _Work]] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, options.parallel), thread_name_prefix="review") as pool:
            done = list(pool.map(one, cohort.submissions))
        timings.checks_seconds = time.monotonic() - started
        speed_started = time.monotonic()
        for entry, work in done:
            if options.speed and entry["status"] == CHECKED and workloads_for(entry["level_reached"]):
                entry["speed"] = _measure_speed(entry, options, say)
                _write_json(work.folder / "submission.json", entry)
            work.stop()
        timings.speed_seconds = time.monotonic() - speed_started
    finally:
        for _, work in done:
            work.stop()
    return [entry for entry, _ in done]


def run_review(cohort_path: Path, options: Options, out: Any = None) -> int:
    import sys

    say = Console(out or sys.stdout)
    cohort = load_cohort(cohort_path)
    say(f"Reviewing {len(cohort.submissions)} submissions of {cohort_path}, {options.parallel} at a time, "
        f"each within {options.timeout:g} s (unless the cohort file says otherwise):")
    started = time.monotonic()
    timings = Timings()
    entries = review(cohort, options, progress=say, timings=timings)
    elapsed = time.monotonic() - started
    written = write_scoreboard(entries, options.report, title=f"Timetension scoreboard: {cohort_path.stem}",
                               wall_seconds=elapsed, checks_seconds=timings.checks_seconds,
                               speed_seconds=timings.speed_seconds)
    unchecked = [entry["name"] for entry in entries if entry["status"] != CHECKED]
    say(f"Done in {elapsed:.1f} s (checks {timings.checks_seconds:.1f} s, speed {timings.speed_seconds:.1f} s). "
        "Scoreboard: " + ", ".join(str(path) for path in written))
    if unchecked:
        say(f"Could not be checked: {', '.join(unchecked)} (see each one's verdict and logs on the scoreboard).")
    return 0 if not unchecked else 1
