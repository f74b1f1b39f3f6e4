"""The reference implementation passes every level on both databases, and twice in a row."""

from __future__ import annotations

import pytest

from conftest import FUZZ_BUDGET

from timetension import RunResult, default_spec, run_suite
from timetension._registry import LEVEL_IDS
from timetension._report_terminal import failure_heading, render_failure


def _failures(result: RunResult) -> str:
    return "\n\n".join(
        render_failure(check.failure, heading=failure_heading(check))
        for check in result.checks
        if check.failure is not None
    ) or (render_failure(result.unreachable) if result.unreachable else "")


def _fuzzed_operations(result: RunResult) -> set[str]:
    return {op for check in result.checks if check.check.level == "fuzz" and check.status == "passed"
            for op in check.check.operations}


def test_the_reference_passes_every_level_and_the_fuzz_stage_on_sqlite(reference_result: RunResult) -> None:
    assert reference_result.passed, _failures(reference_result)
    assert reference_result.level_reached == LEVEL_IDS[-1]
    assert _fuzzed_operations(reference_result) == {op.operation_id for op in default_spec().operations}


@pytest.mark.postgres
def test_the_reference_passes_every_level_and_the_fuzz_stage_on_postgresql(reference_on_postgres: str) -> None:
    result = run_suite(reference_on_postgres, wait=20, fuzz=True, fuzz_budget=FUZZ_BUDGET)
    assert result.passed, _failures(result)
    assert result.level_reached == LEVEL_IDS[-1]
    assert _fuzzed_operations(result) == {op.operation_id for op in default_spec().operations}


def test_a_second_run_against_the_same_database_passes(reference_result: RunResult, reference_on_sqlite: str) -> None:
    again = run_suite(reference_on_sqlite, wait=20)
    assert again.passed, _failures(again)
