"""Every documented answer of levels 0-3 is produced by some check, and checks say what they cover."""

from __future__ import annotations

import re

from timetension import RunResult, all_checks, default_spec
from timetension._registry import LEVEL_IDS


def test_every_operation_and_documented_status_is_exercised(reference_result: RunResult) -> None:
    spec = default_spec()
    documented = {
        (operation.operation_id, int(status))
        for operation in spec.operations
        if operation.level in LEVEL_IDS
        for status in operation.statuses
        if status not in operation.unchecked_statuses
    }
    assert sorted(documented - reference_result.observed) == []


def test_every_check_sends_the_operations_it_names(reference_result: RunResult) -> None:
    unsent = {
        result.check.slug: sorted(set(result.check.operations) - result.operations_seen)
        for result in reference_result.checks
        if result.check.level != "fuzz" and set(result.check.operations) - result.operations_seen
    }
    assert unsent == {}


def test_every_operation_of_the_spec_is_named_by_a_check() -> None:
    spec_operations = {operation.operation_id for operation in default_spec().operations}
    named = {operation for check in all_checks() for operation in check.operations}
    assert named - spec_operations == set(), "checks name operations the spec does not have"
    assert spec_operations - named == set(), "operations no check names"


def test_unchecked_statuses_say_why() -> None:
    spec = default_spec()
    for operation in spec.operations:
        for status in operation.unchecked_statuses:
            response = spec.document["paths"][operation.path][operation.method]["responses"][status]
            if "$ref" in response:  # a shared response of components/responses
                response = spec.document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            assert len(response["x-not-checked"]) > 20, f"{operation.operation_id} {status}: give the reason"


def test_slugs_are_stable_names_and_titles_fit_on_a_line() -> None:
    for check in all_checks():
        assert re.fullmatch(r"[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*", check.slug), check.slug
        assert 10 < len(check.title) <= 110 and "\n" not in check.title and not check.title.endswith("."), check.slug
        assert check.why, check.slug
