"""The API's operations, one module per tag of the spec."""

from datetime import datetime

from fastapi import Request

from .. import rules


def now(request: Request) -> datetime:
    """The server's current time in UTC, truncated to the second."""
    return rules.to_utc_second(request.app.state.clock())
