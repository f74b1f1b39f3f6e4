"""The fuzz stage: schemathesis over the operations of the levels that passed, read back as checks.

schemathesis runs as a subprocess with its NDJSON event stream, so a crash or a hang in it cannot take
the suite down, and its findings come back structured: per operation, the check that failed, what it
saw, and the request that showed it.
"""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._registry import LEVEL_IDS, Check
from ._spec import Operation, Spec, find_spec_path

FUZZ_STAGE = "fuzz"  # its entry in the spec's x-levels; not a level that can be "reached"
# Checks that hold for any correct implementation: a finding fails the stage.
STRICT_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
# Checks with false positives on common frameworks (some answer OPTIONS or send an incomplete Allow
# header): a finding is advice, not a failure. positive_data_acceptance is strict on the operations whose
# schemas say every rule of the request (see _is_strict).
ADVISORY_CHECKS = (
    "negative_data_rejection",
    "positive_data_acceptance",
    "unsupported_method",
    "allow_header_conformance",
    "missing_required_header",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)
FUZZ_WHY = (
    "fuzzing sends requests no person would write: a server error or an answer the spec does not document "
    "is a bug a client will meet one day."
)
MAX_FINDINGS_PER_OPERATION = 3


@dataclass
class Finding:
    check: str
    title: str
    message: str
    reproduction: str


@dataclass
class OperationFindings:
    operation: Operation
    failures: list[Finding] = field(default_factory=list)
    advice: list[Finding] = field(default_factory=list)


@dataclass
class FuzzOutcome:
    operations: list[OperationFindings]
    error: str | None = None  # schemathesis itself could not run
    duration: float = 0.0
    requests_sent: int = 0


def fuzz_check(operation: Operation) -> Check:
    """The check an operation's fuzzing is reported as, in the same reports as the other checks."""
    return Check(
        slug=f"fuzz.{_kebab(operation.operation_id)}",
        level=FUZZ_STAGE,
        title=f"fuzzing {operation.method.upper()} {operation.path} finds no error and nothing undocumented",
        operations=(operation.operation_id,),
        anchor="fuzz",
        why=FUZZ_WHY,
        run=lambda tester: None,
    )


def fuzz_stage_check() -> Check:
    """The stage as a whole, reported when it could not run at all."""
    return Check(slug="fuzz.stage", level=FUZZ_STAGE, title="the fuzz stage runs over the operations of the levels that passed",
                 operations=(), anchor="fuzz", why=FUZZ_WHY, run=lambda tester: None)


def operations_to_fuzz(spec: Spec, level_reached: str | None) -> list[Operation]:
    if level_reached is None:
        return []
    reached = LEVEL_IDS.index(level_reached)
    return [op for op in spec.operations if LEVEL_IDS.index(op.level) <= reached]


def run_fuzz(
    url: str,
    spec: Spec,
    operations: list[Operation],
    *,
    token: str | None,
    seed: int,
    budget: float,
) -> FuzzOutcome:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="timetension-fuzz-") as folder:
        command = _command(url, spec, operations, token=token, seed=seed, budget=budget, folder=Path(folder))
        try:
            completed = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=budget + 60)
        except subprocess.TimeoutExpired:
            completed = None
        except OSError as error:
            return FuzzOutcome([], error=f"schemathesis could not start: {error}")
        events = list(Path(folder).glob("*.ndjson"))
        if not events:
            output = (completed.stdout + completed.stderr)[-2000:] if completed else "it did not finish in time"
            return FuzzOutcome([], error=f"schemathesis wrote no results: {output}",
                               duration=time.monotonic() - started)
        outcome = _read_events(events[0], spec, operations, url, token)
        outcome.requests_sent = count_requests(events[0])
    outcome.duration = time.monotonic() - started
    return outcome


def _command(url: str, spec: Spec, operations: list[Operation], *, token: str | None, seed: int, budget: float,
             folder: Path) -> list[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(find_spec_path()), "--url", url,
        "--checks", ",".join(STRICT_CHECKS + ADVISORY_CHECKS), "--seed", str(seed),
        "--max-time", str(max(1, int(budget))), "--request-timeout", "5", "--workers", "1",
        "--report", "ndjson", "--report-dir", str(folder), "--no-color", "--warnings", "off",
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if len(operations) < len(spec.operations):
        for operation in operations:
            command += ["--include-operation-id", operation.operation_id]
        # Links between the chosen operations and the others would be cut by the filter.
        command += ["--phases", "examples,coverage,fuzzing"]
    return command


def count_requests(path: Path) -> int:
    """How many requests schemathesis sent: each finished scenario records one interaction per request."""
    sent = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            finished = json.loads(line).get("ScenarioFinished")
        except (ValueError, AttributeError):
            continue
        if isinstance(finished, dict):
            sent += len(finished.get("recorder", {}).get("interactions", {}))
    return sent


def _read_events(path: Path, spec: Spec, operations: list[Operation], url: str, token: str | None) -> FuzzOutcome:
    by_label = {f"{op.method.upper()} {op.path}": OperationFindings(op) for op in operations}
    seen: set[tuple[str, str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        finished = event.get("ScenarioFinished")
        if not finished or finished.get("status") != "failure":
            continue
        recorder = finished.get("recorder", {})
        findings = by_label.get(recorder.get("label", ""))
        if findings is None:
            continue
        for case_id, checks in recorder.get("checks", {}).items():
            for result in checks:
                if result.get("status") != "failure":
                    continue
                info = result.get("failure_info", {}).get("failure", {})
                key = (findings.operation.operation_id, result.get("name", ""), info.get("title", ""))
                if key in seen:
                    continue
                seen.add(key)
                finding = Finding(
                    check=result.get("name", "?"),
                    title=info.get("title", "a check failed"),
                    message=info.get("message", ""),
                    reproduction=_curl(recorder.get("interactions", {}).get(case_id, {}), token),
                )
                target = findings.failures if _is_strict(finding.check, findings.operation) else findings.advice
                if len(target) < MAX_FINDINGS_PER_OPERATION:
                    target.append(finding)
    return FuzzOutcome(list(by_label.values()))


def _is_strict(check: str, operation: Operation) -> bool:
    """A finding fails the stage, or is advice. A valid request refused fails it where the schema says
    every rule of the request; where it cannot (`x-schema-cannot-say`), a refusal may be right."""
    if check == "positive_data_acceptance":
        return operation.schema_cannot_say is None
    return check in STRICT_CHECKS


def _curl(interaction: dict, token: str | None) -> str:
    request = interaction.get("request", {})
    if not request:
        return ""
    parts = ["curl", "-sS", "-i", "-X", request.get("method", "GET"), shlex.quote(request.get("uri", ""))]
    for name, values in request.get("headers", {}).items():
        for value in values:
            if name.lower() == "authorization" and token:
                value = f"Bearer {token}"
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        data = base64.b64decode(body["$base64"]).decode("utf-8", "replace")
        parts += ["--data-binary", shlex.quote(data)]
    return " ".join(parts)


def _kebab(name: str) -> str:
    return "".join(f"-{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("-")
