"""One table of hints for the low-level ways an answer goes wrong, in words a tired person can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ._client import Exchange

REFUSED = (
    "Nothing accepts connections at {url}. Is the app running? Does it listen on 0.0.0.0 and on $PORT "
    "(default 8080)? In a container, listening on 127.0.0.1 only is unreachable from outside, and the "
    "port must be published (`ports:` in compose)."
)
CONNECT_TIMEOUT = (
    "The connection to {url} was not accepted within {timeout:g} s: a wrong host name, a firewall, or a "
    "container port that is not published."
)
READ_TIMEOUT = (
    "The app accepted the connection but did not finish its answer within {timeout:g} s. A worker "
    "blocked on a database call or a lock? An endless loop? The app's log shows where it hangs."
)
NOT_HTTP = (
    "The app closed the connection or sent something that is not HTTP/1.1. Did it crash mid-request "
    "(see its log)? Is this port serving TLS (use http:// for the suite) or another protocol?"
)
TOO_LARGE = (
    "An API answer here is a few kilobytes. A huge body usually means a loop that serialises too much, "
    "or a file or debug dump sent by mistake."
)
HTML_PAGE = (
    "The app answered with an HTML page. That is usually a framework's debug error page or its default "
    "error page: the app's log says what went wrong, and errors must be application/problem+json. Most "
    "frameworks let you register one error handler that renders every error as problem+json."
)
SERVER_ERROR = "The app failed on this request (a 5xx status): its log has the stack trace."
REDIRECT = (
    "The app answered with a redirect to {location}. Frameworks redirect when a route is declared with a "
    "trailing slash or a different case; declare the route exactly as the spec writes it."
)
NOT_JSON = (
    "The body is not JSON. Return the object through the framework's JSON response helper, which also "
    "sets Content-Type: application/json."
)
MISSING_ROUTE = (
    "The app has no route for {method} {path} yet (it answered 404 or 405). The spec's operation "
    "{operation} belongs to this level."
)


def for_transport_error(error: httpx.HTTPError, url: str, timeout: float) -> tuple[str, str]:
    """What happened, and the hint, for an error that left no usable HTTP answer."""
    if isinstance(error, httpx.ConnectError):
        return "the connection was refused", REFUSED.format(url=url)
    if isinstance(error, httpx.ConnectTimeout):
        return f"no connection within {timeout:g} s", CONNECT_TIMEOUT.format(url=url, timeout=timeout)
    if isinstance(error, httpx.TimeoutException):
        return f"no complete answer within {timeout:g} s", READ_TIMEOUT.format(timeout=timeout)
    if isinstance(error, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.DecodingError)):
        return "the connection closed early or the answer was not valid HTTP", NOT_HTTP
    return f"the request failed ({type(error).__name__}: {error})", NOT_HTTP


def for_answer(exchange: Exchange) -> str | None:
    """A hint for an HTTP answer whose shape (not its content) suggests a low-level cause."""
    status = exchange.status or 0
    if exchange.content_type == "text/html":
        return HTML_PAGE
    if status >= 500:
        return SERVER_ERROR
    if 300 <= status < 400:
        return REDIRECT.format(location=exchange.response_headers.get("location", "(no Location header)"))
    if status in (404, 405) and exchange.operation_id and str(status) not in exchange.documented_statuses:
        return MISSING_ROUTE.format(method=exchange.method, path=exchange.path, operation=exchange.operation_id)
    return None
