"""HTTP to the app under test: every request bounded in time and size, and recorded for reproduction."""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from . import _hints
from ._spec import Operation

MAX_BODY_BYTES = 1024 * 1024
_NO_BODY = object()


@dataclass
class Exchange:
    """One request and what came back (or the transport error that came instead)."""

    method: str
    url: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes | None
    status: int | None = None
    response_headers: httpx.Headers = field(default_factory=httpx.Headers)
    response_body: bytes = b""
    body_truncated: bool = False
    elapsed: float = 0.0
    operation_id: str | None = None
    documented_statuses: tuple[str, ...] = ()  # of the operation, as the spec lists them

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased ('' when there is none)."""
        return self.response_headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def body_preview(self, limit: int = 300) -> str:
        if not self.response_body:
            return "(empty body)"
        text = self.response_body.decode("utf-8", "replace")
        text = " ".join(text.split())
        suffix = " ..." if len(text) > limit or self.body_truncated else ""
        return text[:limit] + suffix


def _with_framing(headers: dict[str, str], body: bytes | None) -> tuple[dict[str, str], Any]:
    """A request that asks for `Transfer-Encoding: chunked` is sent in chunks, without Content-Length
    (httpx frames an iterator that way and writes the header itself)."""
    chunked = any(name.lower() == "transfer-encoding" and "chunked" in value.lower() for name, value in headers.items())
    if not chunked or body is None:
        return headers, body
    return {name: value for name, value in headers.items() if name.lower() != "transfer-encoding"}, iter([body])


def _closed_before_answering(error: httpx.HTTPError) -> bool:
    """The server had closed (or reset) the connection: no byte of an answer came back. Not bytes that are
    not HTTP, which may be the rest of an earlier answer that overran its Content-Length."""
    if isinstance(error, httpx.RemoteProtocolError):
        return "without sending a response" in str(error)
    return isinstance(error, (httpx.ReadError, httpx.WriteError))


class _NewConnection:
    """An httpcore trace callback: `seen` once the request opened a connection of its own, rather than
    reusing one kept alive from an earlier request."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event.startswith("connection.connect_") and event.endswith(".started"):
            self.seen = True


class TransportProblem(Exception):
    """No usable HTTP answer: refused, timed out, closed early, not HTTP, or far too large."""

    def __init__(self, exchange: Exchange, what: str, hint: str) -> None:
        super().__init__(what)
        self.exchange = exchange
        self.what = what
        self.hint = hint


class HttpClient:
    """A small synchronous client for the app under test.

    Every request has a connect, read and overall time limit and a body size cap, so a broken or
    hostile server can slow the suite down but never stop it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        on_exchange: Callable[[Exchange], None] | None = None,
        operation_of: Callable[[str, str], Operation | None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._on_exchange = on_exchange
        self._operation_of = operation_of
        self._http = self._new_http_client()

    def _new_http_client(self, **options: Any) -> httpx.Client:
        return httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": "timetension"},
            **options,
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = _NO_BODY,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        request_headers = {"Accept": "application/json, application/problem+json"}
        body: bytes | None = None
        if json is not _NO_BODY:
            body = jsonlib.dumps(json).encode()
            request_headers["Content-Type"] = "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        request_headers.update(headers or {})
        exchange = Exchange(
            method=method.upper(),
            url=self.base_url + path,
            path=path,
            request_headers=request_headers,
            request_body=body,
        )
        operation = self._operation_of(method, path) if self._operation_of else None
        if operation is not None:
            exchange.operation_id = operation.operation_id
            exchange.documented_statuses = operation.statuses
        started = time.monotonic()
        try:
            self._send(exchange, started)
        except httpx.HTTPError as error:
            exchange.elapsed = time.monotonic() - started
            self._record(exchange)
            what, hint = _hints.for_transport_error(error, self.base_url, self.timeout)
            raise TransportProblem(exchange, what, hint) from None
        exchange.elapsed = time.monotonic() - started
        self._record(exchange)
        if exchange.body_truncated:
            raise TransportProblem(
                exchange,
                f"the body was larger than {MAX_BODY_BYTES // 1024} KiB, so the suite stopped reading it",
                _hints.TOO_LARGE,
            )
        return exchange

    def _send(self, exchange: Exchange, started: float) -> None:
        opened = _NewConnection()
        try:
            self._send_once(self._http, exchange, started, opened)
        except httpx.HTTPError as error:
            # A server may close a kept-alive connection at any time (RFC 9112, section 9.3.1), and many
            # do after an answer that left the request body unread. A request that meets that close was
            # never read, so it is sent again, once, on a connection of its own, as curl and Go's client do.
            if opened.seen or exchange.status is not None or not _closed_before_answering(error):
                raise
            with self._new_http_client(limits=httpx.Limits(max_keepalive_connections=0)) as fresh:
                self._send_once(fresh, exchange, started, _NewConnection())

    def _send_once(self, http: httpx.Client, exchange: Exchange, started: float, opened: _NewConnection) -> None:
        headers, content = _with_framing(exchange.request_headers, exchange.request_body)
        with http.stream(exchange.method, exchange.url, headers=headers, content=content,
                         extensions={"trace": opened}) as response:
            exchange.status = response.status_code
            exchange.response_headers = response.headers
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    exchange.body_truncated = True
                    break
                if time.monotonic() - started > self.timeout:
                    raise httpx.ReadTimeout("the body arrived too slowly", request=response.request)
            exchange.response_body = b"".join(chunks)

    def _record(self, exchange: Exchange) -> None:
        if self._on_exchange is not None:
            self._on_exchange(exchange)

