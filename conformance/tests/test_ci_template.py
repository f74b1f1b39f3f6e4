"""The GitHub Actions template for a participant's repository: a valid workflow that starts the stack,
runs the suite, publishes JUnit, keeps the reports and always tears the stack down."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from servers import REPOSITORY

TEMPLATE = REPOSITORY / "templates" / "github-workflow.yml"


def _steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return workflow["jobs"]["conformance"]["steps"]


def test_the_template_is_a_valid_github_workflow() -> None:
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    if not Path(tool).exists():
        pytest.fail("check-jsonschema is missing: it is in requirements/dev.txt")
    completed = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(TEMPLATE)],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_it_starts_the_stack_runs_the_suite_and_always_tears_down() -> None:
    steps = _steps()
    runs = [step.get("run", "") for step in steps]
    up = next(i for i, run in enumerate(runs) if "docker compose up" in run)
    assert "-d" in runs[up].split() and "--build" in runs[up] and "--wait" in runs[up]
    checks = [i for i, run in enumerate(runs) if "check --url http://localhost:8080" in run]
    assert checks and all(i > up for i in checks)
    assert all("--report" in runs[i] for i in checks)
    assert any("pip install" in run for run in runs)
    down = steps[-1]
    assert "docker compose down" in down["run"] and down["if"] == "always()"


def test_actions_are_pinned_and_reports_survive_a_failure() -> None:
    steps = _steps()
    used = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert all("@v" in step["uses"] for step in used.values()), "every action is pinned to a version"
    junit = used["mikepenz/action-junit-report"]
    assert junit["if"] == "always()" and junit["with"]["report_paths"] == "reports/junit.xml"
    upload = used["actions/upload-artifact"]
    assert upload["uses"] == "actions/upload-artifact@v4" and upload["if"] == "always()"
    assert upload["with"]["path"] == "reports/"
