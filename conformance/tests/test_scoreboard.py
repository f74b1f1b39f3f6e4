"""The scoreboard from saved results, without any app: names, failing checks grouped, not run told from
failed in every format, values in failures written as JSON."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from timetension._expect import CheckFailed
from timetension._scoreboard import HTML_FILE, JSON_FILE, MARKDOWN_FILE, write_scoreboard, load_entries
from timetension._tester import RunState
from timetension._tester import Tester as _Tester
from timetension.cli import main

MISSING = "404 Not Found: there is no POST /users here yet; add the route (operation registerUser)."


def _check(slug: str, level: str, status: str, hint: str | None = None) -> dict[str, Any]:
    failure = None
    if status == "failed":
        failure = {"expected": "201", "received": "404", "hint": hint, "why": None, "request": None,
                   "details": [], "reproduction": [], "no_answer": False}
    return {"slug": slug, "level": level, "title": slug.replace(".", " "), "docs": f"https://example.org/{slug}",
            "status": status, "failure": failure}


def _results(url: str, name: str | None, levels: list[tuple[str, str, int, int, int]],
             checks: list[dict[str, Any]]) -> dict[str, Any]:
    passed_levels = [level for level, status, *_ in levels if status == "passed"]
    document = {"format_version": 1, "target": {"url": url}, "passed": False,
                "level_reached": passed_levels[-1] if passed_levels else None,
                "levels": [{"id": level, "name": level, "status": status, "passed": passed, "failed": failed,
                            "not_run": not_run} for level, status, passed, failed, not_run in levels],
                "checks": checks, "requests_sent": 10, "duration_seconds": 1.0, "latency": None}
    if name:
        document["submission"] = {"name": name, "language": None, "framework": None}
    return document


def _save(folder: Path, document: dict[str, Any]) -> Path:
    folder.mkdir(parents=True)
    path = folder / "results.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def two_attempts(tmp_path: Path) -> list[Path]:
    l1_failures = [_check(f"accounts.c{number:02}", "L1", "failed", MISSING) for number in range(15)]
    first = _results("http://127.0.0.1:8081", None,
                     [("L0", "passed", 3, 0, 0), ("L1", "failed", 0, 15, 0), ("L2", "not-run", 0, 0, 8)],
                     [_check("health.ok", "L0", "passed")] + l1_failures)
    second = _results("http://127.0.0.1:8082", None,
                      [("L0", "passed", 3, 0, 0), ("L1", "passed", 15, 0, 0), ("L2", "failed", 0, 8, 0)],
                      [_check(f"projects.p{number}", "L2", "failed", f"hint {number % 2}") for number in range(8)])
    return [_save(tmp_path / "alice" / "reports", first), _save(tmp_path / "bob" / "reports", second)]


def _board(folder: Path) -> tuple[dict[str, Any], str, str]:
    return (json.loads((folder / JSON_FILE).read_text()), (folder / MARKDOWN_FILE).read_text(),
            (folder / HTML_FILE).read_text())


def test_report_names_files_by_their_folder_or_by_name(two_attempts: list[Path], tmp_path: Path) -> None:
    assert main(["report", *map(str, two_attempts), "--output", str(tmp_path / "a")]) == 0
    assert {entry["name"] for entry in _board(tmp_path / "a")[0]["submissions"]} == {"alice", "bob"}
    assert main(["report", *map(str, two_attempts), "--name", "Ada", "--name", "Brian",
                 "--output", str(tmp_path / "b")]) == 0
    board = _board(tmp_path / "b")[0]
    assert {entry["url"]: entry["name"] for entry in board["submissions"]} == {
        "http://127.0.0.1:8081": "Ada", "http://127.0.0.1:8082": "Brian"}
    assert main(["report", *map(str, two_attempts), "--name", "Ada", "--output", str(tmp_path / "c")]) == 2


def test_the_name_saved_in_the_results_file_is_used(tmp_path: Path) -> None:
    saved = _save(tmp_path / "x" / "reports", _results("http://127.0.0.1:1", "carol", [("L0", "passed", 3, 0, 0)], []))
    assert [entry["name"] for entry in load_entries([saved])] == ["carol"]


def test_not_run_and_failed_read_differently_in_every_format(two_attempts: list[Path], tmp_path: Path) -> None:
    write_scoreboard(load_entries(two_attempts), tmp_path)
    board, markdown, html = _board(tmp_path)
    alice = next(line for line in markdown.splitlines() if line.startswith("| ") and " alice |" in line)
    assert "| 3/3 ✓ | 0/15 ✗ | not run |" in alice
    assert re.search(r'data-level-status="failed">0/15 ✗</td>', html)
    assert re.search(r'data-level-status="not-run">not run</td>', html)
    levels = {level["id"]: level["status"] for level in board["submissions"][1]["levels"]}
    assert levels == {"L0": "passed", "L1": "failed", "L2": "not-run"}


def test_failing_checks_are_grouped_per_level_and_hint(two_attempts: list[Path], tmp_path: Path) -> None:
    write_scoreboard(load_entries(two_attempts), tmp_path)
    _, markdown, html = _board(tmp_path)
    assert markdown.count(MISSING) == 1
    assert "- L1: [accounts c00]" in markdown and "14 more: " + MISSING in markdown
    assert "- L2: [projects p0]" in markdown
    assert "4 more: hint 1" in markdown and "3 more: hint 0" in markdown  # the first (hint 0) is shown in full
    assert html.count(MISSING) == 2  # once under the first check, once for the other 14
    assert "14 × " + MISSING in html and "14 more failing at L1" in html


def test_values_in_failures_are_written_as_json() -> None:
    with pytest.raises(CheckFailed) as raised:
        _Tester.ensure_equal(_Tester(RunState(None, None, "run"), None, 0), [("2026-03-28", 86400)], [("2026-03-28", 3600)],
                            what="days")
    failure = raised.value
    assert failure.expected == 'days = [["2026-03-28", 3600]]'
    assert failure.received == 'days = [["2026-03-28", 86400]]'


def test_check_saves_the_name_report_then_uses(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    main(["check", "--url", f"http://127.0.0.1:{port}", "--wait", "0.5", "--report", str(tmp_path / "reports"),
          "--name", "Ada", "--no-color"])
    assert [entry["name"] for entry in load_entries([tmp_path / "reports" / "results.json"])] == ["Ada"]
