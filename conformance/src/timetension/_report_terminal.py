"""The terminal report: live progress, each failure in full, and a summary per level."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

from ._runner import FAILED, NOT_RUN, PASSED, CheckResult, Failure, RunResult
from ._spec import Level

_COLORS = {PASSED: "32", FAILED: "31", NOT_RUN: "33", "bold": "1", "dim": "2"}
_LABELS = {PASSED: "PASS", FAILED: "FAIL", NOT_RUN: "SKIP"}


def render_failure(failure: Failure, *, heading: str | None = None, docs_url: str | None = None) -> str:
    """A failure as the lines a person reads: what, expected, received, why, reproduce, read."""
    lines = [heading] if heading else []
    if failure.request:
        lines.append(f"  {failure.request}")
    lines.append(f"  Expected: {_indented(failure.expected)}")
    lines.append(f"  Received: {_indented(failure.received)}")
    for detail in failure.details:
        lines.append(f"            {detail}")
    if failure.why:
        rule = f" (rule {failure.rule})" if failure.rule else ""
        lines.append(f"  Why: {failure.why}{rule}")
    if failure.hint:
        lines.append(f"  Hint: {failure.hint}")
    for number, command in enumerate(failure.reproduction):
        label = "  Reproduce: " if number == 0 else "             "
        lines.append(label + command)
    if docs_url:
        lines.append(f"  Read: {docs_url}")
    return "\n".join(lines)


def _indented(text: str) -> str:
    """Continuation lines line up under the first one."""
    return "\n            ".join(line for line in text.splitlines() if line.strip()) or text


def failure_heading(result: CheckResult) -> str:
    return f"{result.check.level} {result.check.slug}: {result.check.title}"


class TerminalReporter:
    """Prints as the run goes; used as the run's progress callback."""

    def __init__(self, stream: TextIO | None = None, *, color: bool | None = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stdout
        if color is None:
            color = self.stream.isatty() and "NO_COLOR" not in os.environ
        self.color = color
        self.verbose = verbose
        self._skipped_level_said = False

    def _paint(self, text: str, style: str) -> str:
        return f"\033[{_COLORS[style]}m{text}\033[0m" if self.color else text

    def _print(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def header(self, url: str, requested_level: str, suite_version: str, spec_version: str) -> None:
        self._print(self._paint(
            f"timetension {suite_version} · spec {spec_version} · target {url} · levels L0-{requested_level}", "bold"))

    def __call__(self, event: str, payload: Any) -> None:
        if event == "waiting":
            self.stream.write(f"Waiting up to {payload:g} s for GET /health ... ")
            self.stream.flush()
        elif event == "waited":
            self._print("no answer." if payload else "the app answers.")
        elif event == "level":
            self._level(payload)
        elif event == "check":
            self._check(payload)
        elif event == "done":
            self.summary(payload)

    def _level(self, level: Level) -> None:
        self._print()
        self._print(self._paint(f"{level.id} {level.name}", "bold"))
        if level.id == "fuzz":
            self._print("  (schemathesis generates requests for a while; advice is worth a look but fails nothing)")
        self._skipped_level_said = False

    def _check(self, result: CheckResult) -> None:
        if result.status == NOT_RUN and not self.verbose:
            if not self._skipped_level_said:
                self._print(f"  {self._paint('SKIP', NOT_RUN)}  not run: {result.reason}")
                self._skipped_level_said = True
            return
        label = self._paint(_LABELS[result.status], result.status)
        timing = f" ({result.duration * 1000:.0f} ms)" if result.status != NOT_RUN and self.verbose else ""
        self._print(f"  {label}  {result.check.slug}  {self._paint(result.check.title, 'dim')}{timing}")
        for advice in result.advice:
            self._print(f"        {self._paint('advice', 'dim')}: {advice}")

    def summary(self, result: RunResult) -> None:
        if result.unreachable is not None:
            self._print()
            self._print(self._paint("The app could not be reached", FAILED))
            self._print(render_failure(result.unreachable))
        failed = [check for check in result.checks if check.status == FAILED]
        if failed:
            self._print()
            self._print(self._paint(f"Failures ({len(failed)})", "bold"))
            for check_result in failed:
                self._print()
                assert check_result.failure is not None
                heading = self._paint(failure_heading(check_result), FAILED)
                self._print(render_failure(check_result.failure, heading=heading, docs_url=check_result.docs_url))
        self._print()
        self._print(self._paint("Summary", "bold"))
        for level in result.levels:
            total = len(level.checks)
            if level.status == NOT_RUN:
                reason = next((c.reason for c in level.checks if c.reason), "not run")
                line = f"not run: {reason}"
            else:
                line = f"{level.count(PASSED)}/{total} passed"
                if level.count(FAILED):
                    line += f", {level.count(FAILED)} failed"
            self._print(f"  {level.level.id:<4} {level.level.name:<28} {self._paint(line, level.status)}")
        reached = result.level_reached or "none"
        verdict = f"Level reached: {reached} (requested {result.requested_level})."
        if result.filtered:
            verdict = "All selected checks passed." if result.passed else "Some selected checks failed."
            verdict += " (--only ran part of the suite, so no level is reached.)"
        self._print(self._paint(verdict, PASSED if result.passed else FAILED))
        fuzzed = f" ({result.fuzz_requests_sent} of them by the fuzzer)" if result.fuzz_requests_sent else ""
        self._print(f"{len(result.checks)} checks, {result.requests_sent} requests{fuzzed}, "
                    f"{result.checks_duration:.2f} s (plus {result.wait_duration:.2f} s waiting for the app).")
        if failed:
            self._print(f"Next: fix {failed[0].check.slug} first; its failure is the first one above.")
