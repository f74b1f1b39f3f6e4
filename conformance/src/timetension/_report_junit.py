"""JUnit XML, one testsuite per level, for CI systems that show test results."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ._report_terminal import render_failure
from ._runner import FAILED, NOT_RUN, RunResult


def junit_tree(result: RunResult) -> ET.ElementTree:
    root = ET.Element("testsuites", name="timetension", time=f"{result.duration:.3f}")
    for level in result.levels:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{level.level.id} {level.level.name}",
            tests=str(len(level.checks)),
            failures=str(level.count(FAILED)),
            skipped=str(level.count(NOT_RUN)),
            errors="0",
            time=f"{sum(c.duration for c in level.checks):.3f}",
        )
        for check in level.checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"timetension.{level.level.id}.{check.check.area}",
                name=f"{check.check.slug}: {check.check.title}",
                time=f"{check.duration:.3f}",
            )
            if check.status == FAILED and check.failure is not None:
                element = ET.SubElement(case, "failure", message=f"Expected {check.failure.expected}")
                element.text = render_failure(check.failure, docs_url=check.docs_url)
            elif check.status == NOT_RUN:
                ET.SubElement(case, "skipped", message=check.reason or "not run")
    if result.unreachable is not None:
        suite = ET.SubElement(root, "testsuite", name="reachability", tests="1", failures="1", errors="0", skipped="0")
        case = ET.SubElement(suite, "testcase", classname="timetension", name="the app answers GET /health")
        element = ET.SubElement(case, "failure", message=result.unreachable.received)
        element.text = render_failure(result.unreachable)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(result: RunResult, path: Path) -> Path:
    junit_tree(result).write(path, encoding="utf-8", xml_declaration=True)
    return path
