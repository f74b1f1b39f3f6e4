"""The results file: everything a run found, in a versioned JSON format (results.schema.json)."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._runner import CheckResult, Failure, RunResult

RESULTS_FORMAT_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")


def _failure(failure: Failure | None) -> dict[str, Any] | None:
    if failure is None:
        return None
    document = asdict(failure)
    del document["no_answer"]
    return document


def _check(result: CheckResult) -> dict[str, Any]:
    return {
        "slug": result.check.slug,
        "level": result.check.level,
        "title": result.check.title,
        "operations": list(result.check.operations),
        "status": result.status,
        "duration_seconds": round(result.duration, 4),
        "docs": result.docs_url,
        "reason": result.reason,
        "failure": _failure(result.failure),
        "advice": list(result.advice),
    }


def results_document(result: RunResult) -> dict[str, Any]:
    return {
        "format_version": RESULTS_FORMAT_VERSION,
        "suite": {"name": "timetension", "version": result.suite_version, "python": platform.python_version()},
        "spec": {"title": result.spec.document["info"]["title"], "version": result.spec.version,
                 "sha256": result.spec.sha256},
        "target": {"url": result.target},
        "started_at": result.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": round(result.duration, 3),
        "requested_level": result.requested_level,
        "level_reached": result.level_reached,
        "passed": result.passed,
        "filtered": result.filtered,
        "requests_sent": result.requests_sent,
        "fuzz_requests_sent": result.fuzz_requests_sent,
        "unreachable": _failure(result.unreachable),
        "latency": result.latency(),
        "request_durations_ms": [round(seconds * 1000, 2) for seconds in result.request_durations],
        "levels": [
            {
                "id": level.level.id,
                "name": level.level.name,
                "status": level.status,
                "passed": level.count("passed"),
                "failed": level.count("failed"),
                "not_run": level.count("not-run"),
            }
            for level in result.levels
        ],
        "checks": [_check(check) for check in result.checks],
    }


def write_results(result: RunResult, path: Path, *, submission: dict[str, Any] | None = None) -> Path:
    """Write results.json; `submission` (name, language, framework) is added by `timetension review`."""
    document = results_document(result)
    if submission is not None:
        document["submission"] = submission
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
