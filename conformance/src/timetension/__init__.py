"""Timetension: a black-box conformance suite for the Timetension time-tracking API.

Run it from the command line (`timetension check --url http://localhost:8080`), from pytest
(`pytest --timetension-url http://localhost:8080`), or from Python with `run_suite`.
"""

__version__ = "0.1.0"

from ._registry import Check, all_checks, check  # noqa: E402
from ._runner import CheckResult, Failure, LevelResult, RunResult, run_suite  # noqa: E402
from ._spec import Level, Operation, Spec, default_spec  # noqa: E402

__all__ = [
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
