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
from urllib.parse import urlsplit

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
    request: str = ""  # the request line with its status: PATCH /projects/p1 -> 500
    expected: str = ""
    received: str = ""  # the answer: status, Content-Type and the start of the body
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the advice list and the other findings of a failure."""
        return f"{self.title} ({self.check}): {self.request}" + (f"; {self.details[0]}" if self.details else "")


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


# schemathesis' error feedback reads a 422's messages to learn rules the schema does not state. It reads the
# reference's "name: must not be empty or only white space" (a blank name) as "name is required", rewrites
# UpdateProject to require it, and then calls a correct app wrong for accepting PATCH {} (a finding in some
# runs, not in others, depending on whether a blank name came up). The spec is the only truth here.
SCHEMATHESIS_CONFIG = """\
[phases.fuzzing.error-feedback]
enabled = false
"""


def _command(url: str, spec: Spec, operations: list[Operation], *, token: str | None, seed: int, budget: float,
             folder: Path) -> list[str]:
    config = folder / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG, encoding="utf-8")
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", str(find_spec_path()),
        "--url", url,
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
        for case_id, checks in recorder.get("checks", {}).items():
            case = recorder.get("cases", {}).get(case_id, {}).get("value", {})
            # A stateful scenario ("Stateful tests") holds cases of several operations: each case names its own.
            label = f"{case['method'].upper()} {case['path']}" if case.get("method") else recorder.get("label", "")
            findings = by_label.get(label)
            if findings is None:
                continue
            interaction = recorder.get("interactions", {}).get(case_id, {})
            for result in checks:
                if result.get("status") != "failure":
                    continue
                info = result.get("failure_info", {}).get("failure", {})
                key = (findings.operation.operation_id, result.get("name", ""), info.get("title", ""))
                if key in seen:
                    continue
                negative = result.get("name") == "negative_data_rejection"
                if negative and _matches_request_schema(spec, findings.operation, case):
                    continue  # schemathesis' "negative" case is one the spec allows
                seen.add(key)
                finding = _finding(spec, findings.operation, result.get("name", "?"), info, interaction, token)
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


_EXPECTED = {
    "not_a_server_error": "an answer below 500: a request, however odd, is the client's problem (4xx)",
    "content_type_conformance": "a Content-Type the spec documents for this status",
    "response_schema_conformance": "a body that matches the schema the spec documents for this status",
    "response_headers_conformance": "the headers the spec documents for this status",
}


def _finding(spec: Spec, operation: Operation, check: str, info: dict, interaction: dict, token: str | None) -> Finding:
    request = interaction.get("request", {})
    response = interaction.get("response") or {}
    lines = [line.strip() for line in info.get("message", "").splitlines() if line.strip()]
    documented = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("Documented:")), None)
    expected = _EXPECTED.get(check, info.get("title", check))
    if check == "status_code_conformance":
        expected = f"a status the spec documents: {documented or ', '.join(operation.statuses)}"
    details = [line for line in lines if not line.startswith(("Received:", "Documented:"))]
    status = response.get("status_code")
    body = _decoded(response.get("content") or response.get("body"))
    if check == "response_schema_conformance" and status is not None:
        details = _schema_sentences(spec, operation, status, response, body) or details
    path = urlsplit(request.get("uri", "")).path
    query = urlsplit(request.get("uri", "")).query
    return Finding(
        check=check,
        title=info.get("title", "a check failed"),
        message=info.get("message", ""),
        reproduction=_curl(interaction, token, operation),
        request=f"{request.get('method', operation.method.upper())} {path}{'?' + query if query else ''} -> "
                f"{status if status is not None else 'no answer'}",
        expected=expected,
        received=_answer(response, body) if response else "no answer",
        details=details,
    )


def _decoded(content: object) -> str:
    if isinstance(content, dict) and "$base64" in content:
        return base64.b64decode(content["$base64"]).decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _answer(response: dict, body: str) -> str:
    headers = {name.lower(): values for name, values in response.get("headers", {}).items()}
    content_type = (headers.get("content-type") or ["(no Content-Type)"])[0]
    text = " ".join(body.split())
    preview = (text[:300] + (" ..." if len(text) > 300 else "")) or "(empty body)"
    return f"{response.get('status_code')} {content_type}  {preview}"


def _schema_sentences(spec: Spec, operation: Operation, status: int, response: dict, body: str) -> list[str]:
    headers = {name.lower(): values for name, values in response.get("headers", {}).items()}
    media_type = (headers.get("content-type") or [""])[0].split(";", 1)[0].strip().lower()
    pointer = spec.response_schema(operation, status, media_type)
    try:
        document = json.loads(body)
    except ValueError:
        return []
    return spec.validation_errors(pointer, document)[:5] if pointer else []


def _matches_request_schema(spec: Spec, operation: Operation, case: dict) -> bool:
    """Whether a case schemathesis generated as invalid in its body is in fact valid under the spec."""
    phase = case.get("meta", {}).get("phase", {}).get("data") or {}
    if phase.get("parameter_location") != "body" or case.get("media_type", "application/json") != "application/json":
        return False
    pointer = spec.request_schema(operation, "application/json")
    return pointer is not None and "body" in case and not spec.validation_errors(pointer, case["body"])


def _curl(interaction: dict, token: str | None, operation: Operation) -> str:
    request = interaction.get("request", {})
    if not request:
        return ""
    parts = ["curl", "-sS", "-i", "-X", request.get("method", "GET"), shlex.quote(request.get("uri", ""))]
    for name, values in request.get("headers", {}).items():
        if name.lower() == "authorization" and not operation.protected:
            continue  # the fuzzer sends its token everywhere; an open operation never reads it
        for value in values:
            if name.lower() == "authorization" and token:
                value = f"Bearer {token}"
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.get("body")
    if isinstance(body, dict) and "$base64" in body:
        parts += ["--data-binary", shlex.quote(_decoded(body))]
    return " ".join(parts)


def _kebab(name: str) -> str:
    return "".join(f"-{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("-")
