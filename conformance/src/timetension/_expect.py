"""Expectations on an answer. A broken one raises CheckFailed with expected versus received."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import _hints
from ._client import Exchange
from ._spec import Spec


def as_json(value: Any) -> str:
    """A value as a participant's app would write it: JSON (tuples as arrays, None as null)."""
    return json.dumps(value, ensure_ascii=False, default=str)

JSON = "application/json"
PROBLEM = "application/problem+json"
_PROBLEM_SCHEMA = "#/components/schemas/Problem"


@dataclass
class CheckFailed(AssertionError):
    """A rule was broken. Every field is written for the person who has to fix it."""

    expected: str
    received: str
    exchange: Exchange | None = None
    why: str | None = None
    details: list[str] = field(default_factory=list)
    hint: str | None = None
    rule: str | None = None  # the id of the rule the failed assertion verifies, when it has one

    def __post_init__(self) -> None:
        super().__init__(f"Expected: {self.expected}; received: {self.received}")
        if self.hint is None and self.exchange is not None and self.exchange.status is not None:
            self.hint = _hints.for_answer(self.exchange)


def describe_answer(exchange: Exchange) -> str:
    content_type = exchange.response_headers.get("content-type", "(no Content-Type)")
    return f"{exchange.status} {content_type}  {exchange.body_preview()}"


class Reply:
    """What the app answered to one request, with the expectations a check states about it."""

    def __init__(self, exchange: Exchange, spec: Spec) -> None:
        self.exchange = exchange
        self._spec = spec

    @property
    def status(self) -> int:
        return self.exchange.status or 0

    def header(self, name: str) -> str | None:
        return self.exchange.response_headers.get(name)

    def expect(self, status: int, *, why: str | None = None, rule: str | None = None) -> Any:
        """The status is `status` and the body is what the spec documents for it; returns the body."""
        try:
            return self._expect(status, why)
        except CheckFailed as failed:
            failed.rule = failed.rule or rule
            raise

    def _expect(self, status: int, why: str | None) -> Any:
        documented = self._documented_media_types(status)
        media_type = documented[0] if documented else (PROBLEM if status >= 400 else JSON)
        expected = f"{status} {media_type}" if status != 204 else "204 with no body"
        self._expect_status(status, expected, why)
        if status == 204:
            if self.exchange.response_body.strip():
                raise self._failed(expected, why, ["a 204 answer has no body"])
            return None
        self._expect_media_type(media_type, expected, why)
        body = self._json(expected, why)
        self._expect_schema(status, media_type, body, expected, why)
        if media_type == PROBLEM and isinstance(body, dict) and body.get("status") != status:
            raise self._failed(
                expected, why, [f"the problem's status member is {as_json(body.get('status'))}; it must repeat {status}"]
            )
        return body

    def expect_problem(self, status: int, *, why: str | None = None, rule: str | None = None) -> dict[str, Any]:
        """An RFC 9457 problem with this status (the same as expect, named for readability)."""
        body = self.expect(status, why=why, rule=rule)
        return body

    def _documented_media_types(self, status: int) -> tuple[str, ...]:
        operation = self._operation()
        if operation is None:
            return ()
        return self._spec.documented_media_types(operation, status)

    def _operation(self):
        if self.exchange.operation_id is None:
            return None
        return self._spec.operation(self.exchange.operation_id)

    def _expect_status(self, status: int, expected: str, why: str | None) -> None:
        if self.status != status:
            raise self._failed(expected, why)

    def _expect_media_type(self, media_type: str, expected: str, why: str | None) -> None:
        if self.exchange.content_type != media_type:
            received_type = self.exchange.content_type or "no Content-Type header"
            detail = f"Content-Type must be {media_type} (parameters such as charset are fine), not {received_type}"
            raise self._failed(expected, why, [detail])

    def _json(self, expected: str, why: str | None) -> Any:
        try:
            return json.loads(self.exchange.response_body)
        except (ValueError, UnicodeDecodeError):
            raise self._failed(expected, why, ["the body is not valid JSON"], hint=_hints.NOT_JSON) from None

    def _expect_schema(self, status: int, media_type: str, body: Any, expected: str, why: str | None) -> None:
        operation = self._operation()
        if operation is not None:
            pointer = self._spec.response_schema(operation, status, media_type)
        else:
            pointer = _PROBLEM_SCHEMA if media_type == PROBLEM else None
        if pointer is None:
            return
        errors = self._spec.validation_errors(pointer, body)
        if errors:
            name = self._spec.schema_name(pointer)
            raise self._failed(
                f"{expected} with a body that matches the spec's {name} schema",
                why,
                errors[:5],
            )

    def _failed(
        self, expected: str, why: str | None, details: list[str] | None = None, hint: str | None = None
    ) -> CheckFailed:
        return CheckFailed(
            expected=expected,
            received=describe_answer(self.exchange),
            exchange=self.exchange,
            why=why,
            details=details or [],
            hint=hint,
        )
