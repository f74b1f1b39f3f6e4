"""The public surface of the package is pinned: changing it is a decision, not an accident."""

import timetension


def test_public_names_are_pinned() -> None:
    assert sorted(timetension.__all__) == [
        "Check",
        "CheckResult",
        "Failure",
        "Level",
        "LevelResult",
        "Operation",
        "RunResult",
        "Spec",
        "__version__",
        "all_checks",
        "check",
        "default_spec",
        "run_suite",
    ]
    for name in timetension.__all__:
        assert hasattr(timetension, name), name
