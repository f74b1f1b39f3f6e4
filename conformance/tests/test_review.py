"""`timetension review`: a real cohort checked in parallel, one scoreboard that matches the results files,
a hung submission reported as timed out, and an HTML page that renders offline in headless Chromium."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import built_starters
import pytest
import yaml
from conftest import app_env, missing_tool
from hostile_servers import never_answers
from jsonschema import Draft202012Validator
from postgres import Cluster
from servers import REPOSITORY, broken_app_command, free_port, running

from timetension._registry import LEVEL_IDS
from timetension._report_json import SCHEMA_FILE
from timetension._review import Options, run_review
from timetension._scoreboard import HTML_FILE, JSON_FILE, MARKDOWN_FILE, load_entries, write_scoreboard
from timetension._starters import Starter, load_starters
from timetension.cli import main

BROKEN = {"broken-project-names": "project-name-case-sensitive", "broken-report-days": "report-utc-days"}
HUNG_LIMIT = 20.0
WAIT = 120.0  # for GET /health once started: Spring Boot on a busy machine
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Chromium's own background calls (clock sync, component updater, sign-in), which the flags above do not
# all silence; no page resource lives on these hosts.
BROWSER_OWN = re.compile(r"^(GET|POST|CONNECT) (https?://)?(clients2\.google\.com|update\.googleapis\.com|"
                         r"accounts\.google\.com)[:/]")

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _require(tool: str, why: str) -> None:
    if shutil.which(tool) is None:
        missing_tool(f"{tool} is missing ({why})", ci_must="run this test")


def _manifest_folder(root: Path, name: str, setup: str, run: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "starter.toml").write_text(
        f"[starter]\nname = {json.dumps(name)}\nlanguage = \"Shell\"\nframework = \"none\"\n"
        f"setup = {json.dumps(setup)}\nrun = {json.dumps(run)}\nport = 8080\n", encoding="utf-8")
    return folder


STARTERS = load_starters(REPOSITORY / "starters")
CRASH_LINE = "cannot open the database: connection refused"
BUILD_ERROR = "error[E0425]: cannot find value `port` in this scope"


@pytest.fixture(scope="module")
def reviewed(reference_on_sqlite: str, postgres_cluster: Cluster,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    for starter in STARTERS:
        for tool in starter.missing_tools():
            _require(tool, f"the {starter.name} starter is built natively from its folder")
    _require("wrk", "the speed phase's load client")
    root = tmp_path_factory.mktemp("cohort")
    with ExitStack() as stack:
        submissions: list[dict[str, Any]] = [
            {"name": "reference", "url": reference_on_sqlite, "language": "Python", "framework": "FastAPI"},
        ]
        for name, broken in BROKEN.items():
            app = stack.enter_context(running(broken_app_command(broken), env=app_env(f"sqlite:///{root}/{name}.db"),
                                              log=root / f"{name}.log", port=free_port()))
            submissions.append({"name": name, "url": app.url, "language": "Python", "framework": "FastAPI"})
        for starter in STARTERS:
            database = postgres_cluster.create_database("review_" + starter.name.replace("-", "_"))
            submissions.append({"name": starter.name, "folder": str(built_starters.folder_for(starter.name, root)),
                                "env": {"DATABASE_URL": database}})
        # Runs its setup as a chain: the second command must run too (the run needs its output).
        submissions.append({"name": "exits-on-start", "folder": str(_manifest_folder(
            root, "exits-on-start", "echo built > stamp && test -f stamp",
            f"cat stamp && echo '{CRASH_LINE}' >&2 && exit 3"))})
        submissions.append({"name": "build-fails", "folder": str(_manifest_folder(
            root, "build-fails", f"echo compiling && echo '{BUILD_ERROR}' >&2 && exit 2", "true"))})
        submissions.append({"name": "nothing-listens", "url": f"http://127.0.0.1:{free_port()}"})
        hung = stack.enter_context(never_answers())
        submissions.append({"name": "never-answers", "url": hung, "timeout": HUNG_LIMIT})
        cohort = root / "cohort.yaml"
        cohort.write_text(yaml.safe_dump({"submissions": submissions}), encoding="utf-8")
        report = root / "report"
        console = _SlowConsole()
        started = time.monotonic()
        code = run_review(cohort, Options(report=report, parallel=8, timeout=1500.0, wait=WAIT,
                                          speed_seconds=1.0, speed_connections=4), out=console)
        wall = time.monotonic() - started
        yield {"report": report, "code": code, "wall": wall, "cohort": cohort, "console": console.getvalue(),
               "board": json.loads((report / JSON_FILE).read_text(encoding="utf-8"))}


class _SlowConsole(io.StringIO):
    """Writes a character at a time, letting other threads run in between: lines written by threads without
    a lock between them come out mixed."""

    def write(self, text: str) -> int:
        for character in text:
            super().write(character)
            time.sleep(0)
        return len(text)


def _entry(reviewed: dict[str, Any], name: str) -> dict[str, Any]:
    return next(entry for entry in reviewed["board"]["submissions"] if entry["name"] == name)


def test_every_submission_has_its_verdict(reviewed: dict[str, Any]) -> None:
    board = reviewed["board"]
    assert len(board["submissions"]) == 3 + len(STARTERS) + 4
    assert _entry(reviewed, "reference")["level_reached"] == "L5"
    assert _entry(reviewed, "broken-project-names")["level_reached"] == "L1"
    assert _entry(reviewed, "broken-report-days")["level_reached"] == "L3"
    assert reviewed["code"] == 1  # some could not be checked


@pytest.mark.parametrize("starter", STARTERS, ids=lambda starter: starter.name)
def test_every_starter_builds_and_starts_from_its_folder(reviewed: dict[str, Any], starter: Starter) -> None:
    entry = _entry(reviewed, starter.name)
    assert entry["status"] == "checked", (entry["verdict"], entry.get("log_tail"))
    assert entry["level_reached"] == "L0"
    assert (entry["language"], entry["framework"]) == (starter.language, starter.framework)
    assert set(entry["logs"]) >= {"build", "app", "results"}


def test_a_crash_on_start_is_told_from_silence(reviewed: dict[str, Any]) -> None:
    crashed = _entry(reviewed, "exits-on-start")
    assert crashed["status"] == "error"
    assert crashed["verdict"] == "could not be checked: exited on start with code 3"
    assert crashed["log_tail"] == ["built", CRASH_LINE]  # the set-up's chain ran to its end
    assert crashed["duration_seconds"] < WAIT / 2  # not a minute of polling a dead process
    built = _entry(reviewed, "build-fails")
    assert built["verdict"] == "could not be checked: build failed (exit 2)"
    assert built["log_tail"] == ["compiling", BUILD_ERROR]
    silent = _entry(reviewed, "nothing-listens")
    assert silent["status"] == "error"
    assert silent["verdict"].startswith(f"could not be checked: no answer at {silent['url']} within {WAIT:g} s")


def test_the_scoreboard_links_each_submissions_files(reviewed: dict[str, Any]) -> None:
    report = reviewed["report"]
    html = (report / HTML_FILE).read_text(encoding="utf-8")
    markdown = (report / MARKDOWN_FILE).read_text(encoding="utf-8")
    for entry in reviewed["board"]["submissions"]:
        for link in entry["logs"].values():
            assert not Path(link).is_absolute() and (report / link).is_file(), link
            assert f'href="{link}"' in html and f"]({link})" in markdown
    assert _entry(reviewed, "exits-on-start")["logs"] == {"build": "submissions/exits-on-start/build.log",
                                                          "app": "submissions/exits-on-start/app.log"}
    assert CRASH_LINE in html and BUILD_ERROR in markdown


def test_the_hung_submission_is_timed_out_within_its_limit(reviewed: dict[str, Any]) -> None:
    entry = _entry(reviewed, "never-answers")
    assert entry["status"] == "timed out"
    assert entry["time_limit_seconds"] == HUNG_LIMIT
    assert f"{HUNG_LIMIT:g} s" in entry["verdict"]
    assert HUNG_LIMIT <= entry["duration_seconds"] < HUNG_LIMIT + 15


def test_the_scoreboard_matches_each_results_file(reviewed: dict[str, Any]) -> None:
    validator = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    checked = [entry for entry in reviewed["board"]["submissions"] if entry["status"] == "checked"]
    assert len(checked) == 3 + len(STARTERS)
    for entry in checked:
        results = json.loads((reviewed["report"] / entry["results"]).read_text(encoding="utf-8"))
        validator.validate(results)
        assert results["submission"]["name"] == entry["name"]
        assert entry["level_reached"] == results["level_reached"]
        assert [(level["id"], level["passed"], level["failed"], level["not_run"]) for level in entry["levels"]] == \
               [(level["id"], level["passed"], level["failed"], level["not_run"]) for level in results["levels"]]
        failed = [check["slug"] for check in results["checks"] if check["status"] == "failed"]
        assert [check["slug"] for check in entry["failing"]] == failed
        assert all(check["docs"].startswith(("http", "file:")) and check["title"] for check in entry["failing"])
    markdown = (reviewed["report"] / MARKDOWN_FILE).read_text(encoding="utf-8")
    for entry in checked:
        row = next(line for line in markdown.splitlines() if line.startswith("| ") and f" {entry['name']} |" in line)
        for level in entry["levels"]:
            if level["status"] == "not-run":
                assert "not run" in row
            else:
                assert f"{level['passed']}/{level['total']} {'✓' if level['status'] == 'passed' else '✗'}" in row
    assert "timed out" in markdown


def test_speed_is_measured_on_the_same_work_one_submission_at_a_time(reviewed: dict[str, Any]) -> None:
    checked = [entry for entry in reviewed["board"]["submissions"] if entry["status"] == "checked"]
    windows = []
    for entry in checked:
        figures = entry["speed"]["workloads"]
        reached = LEVEL_IDS.index(entry["level_reached"])
        assert [figure["workload"] for figure in figures] == [level for level in ("L0", "L1", "L2", "L3", "L4")
                                                              if LEVEL_IDS.index(level) <= reached]
        for figure in figures:
            assert figure["requests"] > 0 and figure["rps"] > 0 and figure["failures"] == 0, figure
            windows.append((figure["started_at"], figure["finished_at"], entry["name"]))
    windows.sort()
    for (_, end, first), (start, _, second) in zip(windows, windows[1:]):
        assert start >= end, f"{first} and {second} were measured at the same time"
    assert reviewed["board"]["speed_seconds"] > 0 and reviewed["board"]["checks_seconds"] > 0


def test_console_lines_are_whole(reviewed: dict[str, Any]) -> None:
    lines = reviewed["console"].splitlines()
    names = [entry["name"] for entry in reviewed["board"]["submissions"]]
    for name in names:
        assert f"  started  {name}" in lines
        assert any(line.startswith(f"  finished {name}: ") for line in lines), name
    event = re.compile(r"^(Reviewing .*|  started  \S+|  finished \S+: .*|  speed    \S+ L\d: .*|Done in .*|"
                       r"Could not be checked: .*)$")
    assert [line for line in lines if not event.match(line)] == []


def test_the_review_takes_about_the_slowest_submission_not_the_sum(reviewed: dict[str, Any]) -> None:
    durations = [entry["duration_seconds"] for entry in reviewed["board"]["submissions"]]
    # Loose on purpose (the machine may be busy); `make bench` measures it properly.
    assert reviewed["board"]["checks_seconds"] < 0.8 * sum(durations)


def test_report_rebuilds_the_same_scoreboard_from_the_saved_files(reviewed: dict[str, Any], tmp_path: Path) -> None:
    results = sorted(str(path) for path in (reviewed["report"] / "submissions").glob("*/results.json"))
    assert main(["report", *results, "--output", str(tmp_path)]) == 0
    rebuilt = json.loads((tmp_path / JSON_FILE).read_text(encoding="utf-8"))
    original = {entry["name"]: entry for entry in reviewed["board"]["submissions"] if entry["results"]}
    assert {entry["name"] for entry in rebuilt["submissions"]} == set(original)
    for entry in rebuilt["submissions"]:
        for key in ("level_reached", "levels", "failing", "latency", "language", "framework", "checks_passed",
                    "speed", "status", "verdict"):
            assert entry[key] == original[entry["name"]][key], key
        for link in entry["logs"].values():  # relative to the new scoreboard's folder
            assert not Path(link).is_absolute() and (tmp_path / link).resolve().is_file(), link
    # The whole report folder brings back those that could not be checked too.
    write_scoreboard(load_entries([reviewed["report"]]), tmp_path / "all")
    assert len(json.loads((tmp_path / "all" / JSON_FILE).read_text())["submissions"]) == \
        len(reviewed["board"]["submissions"])


# The HTML in a real browser ----------------------------------------------------------------------

class _Recorder:
    """A 'proxy' that only notes connection attempts: Chromium sends every request of the page to it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.seen: list[bytes] = []
        self.listener.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(1)
                try:
                    self.seen.append(connection.recv(2048).split(b"\r\n", 1)[0])
                except OSError:
                    self.seen.append(b"(connection)")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.listener.close()


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        missing_tool("chromium is missing: apt-get update && apt-get install -y chromium",
                     ci_must="take the scoreboard's screenshots")
    with tempfile.TemporaryDirectory(prefix="timetension-chromium-") as profile:
        return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


def test_the_html_is_self_contained(reviewed: dict[str, Any]) -> None:
    html = (reviewed["report"] / HTML_FILE).read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    # Nothing the page loads comes from elsewhere; the only absolute links are the docs links one may click.
    loaded = re.findall(r"""\b(?:src|srcset|data)\s*=\s*["']([^"']+)""", html, re.I)
    loaded += re.findall(r"""<link\b[^>]*\bhref\s*=\s*["']([^"']+)""", html, re.I)
    loaded += re.findall(r"""url\(\s*["']?([^)"']+)""", html, re.I) + re.findall(r"@import", html)
    assert loaded == []
    anchors = re.findall(r"""<a\b[^>]*\bhref\s*=\s*["']([^"']+)""", html, re.I)
    docs = {check["docs"] for entry in reviewed["board"]["submissions"] for check in entry["failing"]}
    files = {link for entry in reviewed["board"]["submissions"] for link in entry["logs"].values()}
    assert anchors and set(anchors) <= {link.replace("&", "&amp;") for link in docs} | docs | files
    assert files and set(anchors) & files == files


def test_the_html_renders_offline_in_chromium(reviewed: dict[str, Any], tmp_path: Path) -> None:
    page = (reviewed["report"] / HTML_FILE).resolve().as_uri()
    recorder = _Recorder()
    try:
        proxy = [f"--proxy-server=http://127.0.0.1:{recorder.port}", "--proxy-bypass-list=<-loopback>"]
        dumped = _chromium(*proxy, "--dump-dom", page)
        shots = Path(os.environ.get("TIMETENSION_SCREENSHOTS") or tmp_path)
        shots.mkdir(parents=True, exist_ok=True)
        screenshot = shots / "review-scoreboard.png"
        shot = _chromium(*proxy, f"--screenshot={screenshot}", "--window-size=1400,1000", page)
    finally:
        recorder.close()
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    from_the_page = [line for line in recorder.seen if not BROWSER_OWN.search(line.decode("latin-1"))]
    assert from_the_page == [], f"the page made requests: {from_the_page}"
    assert '<table id="scoreboard">' in dom
    entries = reviewed["board"]["submissions"]
    assert dom.count("<tr data-submission=") == len(entries)
    levels_chart = re.search(r'<svg[^>]*data-chart="levels".*?</svg>', dom, re.S)
    assert levels_chart and levels_chart.group(0).count('class="bar"') == len(entries)
    for workload in ("L0", "L1", "L4"):
        chart = re.search(rf'<svg[^>]*data-chart="speed-{workload}".*?</svg>', dom, re.S)
        measured = [entry for entry in entries if entry["speed"] and any(
            figure["workload"] == workload for figure in entry["speed"]["workloads"])]
        assert chart and chart.group(0).count('class="bar"') == len(measured) > 0
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000


def test_a_bad_cohort_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cohort = tmp_path / "cohort.yaml"
    cohort.write_text("submissions:\n  - name: x\n", encoding="utf-8")
    assert main(["review", str(cohort), "--report", str(tmp_path / "r")]) == 2
    assert "needs exactly one of `url`, `folder` or `image`" in capsys.readouterr().err
