"""431 for a request whose header block is too large, as a problem like every other error."""

from starlette.types import ASGIApp, Receive, Scope, Send

from . import problems, rules


class HeaderLimitMiddleware:
    """Answer 431 when the request's header fields add up to more than rules.HEADERS_MAX_BYTES.

    The HTTP server has a limit of its own, higher and not exact (h11 counts what is buffered
    when a read leaves the header block incomplete); past it, it answers a plain-text 400
    before the app sees anything. This one is below it, exact, and answers a problem.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # name: value CRLF, as on the wire
            size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
            if size > rules.HEADERS_MAX_BYTES:
                response = problems.problem_response(
                    431,
                    f"The request's header fields add up to {size} bytes; the limit is"
                    f" {rules.HEADERS_MAX_BYTES}.",
                    {"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
