"""The fuzz stage reads schemathesis' event stream back as checks, and fails on what it finds."""

from __future__ import annotations

import io
import tomllib
from datetime import datetime, timezone
from pathlib import Path

from timetension import default_spec, run_suite
from timetension._fuzz import (
    ADVISORY_CHECKS,
    STRICT_CHECKS,
    _command,
    _read_events,
    count_requests,
    operations_to_fuzz,
)
from timetension._report_terminal import TerminalReporter, render_failure
from timetension._runner import FAILED, NOT_RUN, PASSED, RunResult, fuzz_result

EVENTS = Path(__file__).parent / "data" / "schemathesis-events.ndjson"
# Recorded against the broken app fuzzed-name-500 (POST /projects), then edited: POST /users answering 500
# with the fuzzer's token on it, and PATCH /projects/{id} with {} that schemathesis called invalid
# ("Missing required property: name") after its error feedback had made `name` required.
FINDINGS = Path(__file__).parent / "data" / "schemathesis-findings.ndjson"
STATEFUL = Path(__file__).parent / "data" / "schemathesis-stateful.ndjson"
SPEC = default_spec()


def _results(path: Path, *operation_ids: str) -> dict:
    operations = [SPEC.operation(operation_id) for operation_id in operation_ids]
    outcome = _read_events(path, SPEC, operations, "http://127.0.0.1:8095", token="the-token")
    return {f.operation.operation_id: fuzz_result(f, 1.0, "http://localhost:8000/fuzz/") for f in outcome.operations}


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


def test_a_case_schemathesis_calls_invalid_but_the_spec_allows_is_no_finding() -> None:
    patched = _results(FINDINGS, "updateProject")["updateProject"]
    assert patched.status == PASSED and patched.advice == []


def test_a_fuzz_failure_reads_like_any_other_failure() -> None:
    created = _results(FINDINGS, "createProject")["createProject"]
    assert created.status == FAILED and created.failure is not None
    lines = render_failure(created.failure, docs_url=created.docs_url).splitlines()
    assert lines[0] == "  POST /projects -> 500"
    assert lines[1].startswith("  Expected: an answer below 500")
    assert lines[2].startswith("  Received: 500 application/problem+json  {")
    assert all(line.startswith("  ") for line in lines), "every line is indented under its failure"
    assert not any("Documented:" in line or line.rstrip().endswith(":") for line in lines)
    # Two checks failed on the same request (a 500 is undocumented too): one curl, said once.
    assert [line for line in lines if "curl" in line] == [next(line for line in lines if "Reproduce:" in line)]


def test_an_open_operation_is_reproduced_without_the_fuzzers_token() -> None:
    results = _results(FINDINGS, "registerUser", "createProject")
    assert "Authorization" not in results["registerUser"].failure.reproduction[0]
    assert "Authorization: Bearer the-token" in results["createProject"].failure.reproduction[0]


def test_a_finding_of_a_stateful_scenario_counts_for_its_operation() -> None:
    assert _results(STATEFUL, "createProject")["createProject"].status == FAILED


def test_schemathesis_error_feedback_is_off(tmp_path: Path) -> None:
    command = _command("http://127.0.0.1:9", SPEC, list(SPEC.operations), token=None, seed=1, budget=5,
                       folder=tmp_path)
    config = Path(command[command.index("--config-file") + 1])
    assert command.index("--config-file") < command.index("run")
    assert tomllib.loads(config.read_text())["phases"]["fuzzing"]["error-feedback"] == {"enabled": False}
