"""The fuzz stage reads schemathesis' event stream back as checks, and fails on what it finds."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

from timetension import default_spec, run_suite
from timetension._fuzz import ADVISORY_CHECKS, STRICT_CHECKS, _read_events, count_requests, operations_to_fuzz
from timetension._report_terminal import TerminalReporter
from timetension._runner import NOT_RUN, RunResult

EVENTS = Path(__file__).parent / "data" / "schemathesis-events.ndjson"


def test_a_recorded_finding_becomes_a_failure_with_its_reproduction() -> None:
    spec = default_spec()
    operations = [spec.operation("createProject"), spec.operation("deleteProject")]
    outcome = _read_events(EVENTS, spec, operations, "http://127.0.0.1:8095", token="the-token")
    by_id = {findings.operation.operation_id: findings for findings in outcome.operations}
    assert by_id["createProject"].failures == []
    [finding] = by_id["deleteProject"].failures
    assert finding.check == "status_code_conformance" and finding.title == "Undocumented status code"
    assert "Received: 200" in finding.message
    assert finding.reproduction.startswith("curl -sS -i -X DELETE http://127.0.0.1:8095/projects/")
    assert "Authorization: Bearer the-token" in finding.reproduction


def test_strict_and_advisory_checks_do_not_overlap() -> None:
    assert set(STRICT_CHECKS).isdisjoint(ADVISORY_CHECKS)


def test_only_the_operations_of_levels_that_passed_are_fuzzed() -> None:
    spec = default_spec()
    assert operations_to_fuzz(spec, None) == []
    assert {op.operation_id for op in operations_to_fuzz(spec, "L0")} == {"getHealth"}
    assert {op.level for op in operations_to_fuzz(spec, "L2")} == {"L0", "L1", "L2"}


def test_the_stage_does_not_run_when_no_level_passed(tmp_path: Path) -> None:
    result = run_suite("http://127.0.0.1:9", wait=1, fuzz=True)
    [stage] = [level for level in result.levels if level.level.id == "fuzz"]
    assert [check.status for check in stage.checks] == [NOT_RUN]
    assert result.passed is False


def test_the_requests_schemathesis_sent_are_counted_from_its_events() -> None:
    """Each finished scenario records one interaction per request: 2 scenarios with 6 in the recording."""
    assert count_requests(EVENTS) == 6


def test_the_summary_line_counts_the_fuzzers_requests() -> None:
    result = RunResult("http://127.0.0.1:9", default_spec(), "L5", datetime.now(timezone.utc), requests_sent=1700,
                       fuzz_requests_sent=1280)
    stream = io.StringIO()
    TerminalReporter(stream, color=False).summary(result)
    assert "1700 requests (1280 of them by the fuzzer)" in stream.getvalue()


def test_a_valid_request_refused_fails_only_where_the_schema_says_every_rule() -> None:
    from timetension._fuzz import _is_strict

    spec = default_spec()
    cannot_say = {op.operation_id for op in spec.operations if op.schema_cannot_say}
    assert cannot_say == {"createTimeEntry", "updateTimeEntry", "listTimeEntries", "getSummaryReport"}
    assert _is_strict("positive_data_acceptance", spec.operation("createProject"))
    assert _is_strict("positive_data_acceptance", spec.operation("registerUser"))
    assert not _is_strict("positive_data_acceptance", spec.operation("createTimeEntry"))
    assert not _is_strict("negative_data_rejection", spec.operation("createProject"))
    assert _is_strict("not_a_server_error", spec.operation("getSummaryReport"))
