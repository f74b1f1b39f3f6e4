"""The results file follows its published schema, and JUnit XML tells the same story."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from hostile_servers import html_error_pages
from jsonschema import Draft202012Validator

from timetension import RunResult, run_suite
from timetension._report_json import SCHEMA_FILE, write_results
from timetension._report_junit import write_junit

VALIDATOR = Draft202012Validator(json.loads(SCHEMA_FILE.read_text()), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _written(result: RunResult, folder: Path) -> tuple[dict, ET.Element]:
    results = json.loads(write_results(result, folder / "results.json").read_text())
    junit = ET.parse(write_junit(result, folder / "junit.xml")).getroot()
    return results, junit


def test_a_passing_run_reports_every_check(reference_result: RunResult, tmp_path: Path) -> None:
    results, junit = _written(reference_result, tmp_path)
    assert list(VALIDATOR.iter_errors(results)) == []
    assert results["passed"] is True and results["level_reached"] == "L5"
    assert len(results["checks"]) == len(reference_result.checks) == int(sum(int(s.get("tests")) for s in junit))
    assert results["requests_sent"] == reference_result.requests_sent > 100
    # The fuzz stage's requests are counted too: schemathesis sends hundreds in its budget.
    assert results["fuzz_requests_sent"] == reference_result.fuzz_requests_sent > 100
    assert results["requests_sent"] > results["fuzz_requests_sent"] + 300
    assert junit.findall(".//failure") == []


def test_a_failing_run_carries_expected_received_and_reproduction(tmp_path: Path) -> None:
    with html_error_pages() as url:
        result = run_suite(url, wait=2, timeout=2)
    results, junit = _written(result, tmp_path)
    assert list(VALIDATOR.iter_errors(results)) == []
    failed = [check for check in results["checks"] if check["status"] == "failed"]
    assert {check["slug"] for check in failed} == {"health.ok", "errors.unknown-path-404", "errors.wrong-method"}
    for check in failed:
        failure = check["failure"]
        assert failure["expected"].startswith(("200", "404")) and failure["received"].startswith("500 text/html")
        assert failure["reproduction"][0].startswith("curl ") and "HTML page" in failure["hint"]
        assert check["docs"].endswith(("#health", "#unknown-paths"))
    assert len(junit.findall(".//failure")) == 3
    assert len(junit.findall(".//skipped")) == len(results["checks"]) - 3
