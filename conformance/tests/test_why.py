"""A failure's `Why:` explains the rule of the assertion that failed, not the check's headline rule.

Each case runs one check against a small in-process app that gets one step wrong, and reads the reason
the failure gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from timetension import default_spec
from timetension._client import HttpClient
from timetension._expect import CheckFailed
from timetension._registry import find_check
from timetension._tester import RunState
from timetension._tester import Tester as CheckTester

Handler = Callable[[httpx.Request], httpx.Response | None]
STAMP = "2026-03-02T09:00:00Z"
ENTRY = {"id": "e1", "project_id": None, "description": None, "started_at": STAMP, "ended_at": None,
         "duration_seconds": None}


def _problem(status: int) -> httpx.Response:
    return httpx.Response(status, json={"type": "about:blank", "title": "No", "status": status, "detail": "no"},
                          headers={"Content-Type": "application/problem+json"})


def _accounts(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/users":
        email = json.loads(request.content)["email"]
        return httpx.Response(201, json={"id": "u1", "email": email, "created_at": STAMP})
    if request.url.path == "/auth/token":
        return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
    return None


def _app(step: Handler) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: _accounts(request) or step(request) or _problem(404))


def _why_of_failure(slug: str, step: Handler) -> str | None:
    spec = default_spec()
    client = HttpClient("http://app.test", operation_of=spec.match)
    client._http = httpx.Client(transport=_app(step))
    check = find_check(slug)
    with pytest.raises(CheckFailed) as failed:
        check.run(CheckTester(RunState(client, spec, run_id="0a1b2c3d"), check, 0))
    return failed.value.why


def _entry_read_back_differs(request: httpx.Request) -> httpx.Response | None:
    if request.method == "POST" and request.url.path == "/projects":
        return httpx.Response(201, json={"id": "p1", "name": "Site", "description": None, "created_at": STAMP})
    sent = json.loads(request.content) if request.content else {}
    day = sent.get("started_at", "2001-01-01T")[:10]  # the check's own day, as it sent it
    entry = {**ENTRY, "project_id": sent.get("project_id"), "description": sent.get("description"),
             "started_at": f"{day}T07:00:00Z", "ended_at": f"{day}T08:30:00Z", "duration_seconds": 5400}
    if request.method == "POST" and request.url.path == "/time-entries":
        return httpx.Response(201, json=entry)
    if request.method == "GET" and request.url.path == "/time-entries/e1":
        return httpx.Response(200, json={**entry, "description": "something else"})
    return None


CASES = {
    # 401 as it should be, but without WWW-Authenticate: the reason is RFC 6750's, not "a token is needed".
    "accounts.token-required": (lambda request: _problem(401), "RFC 6750 asks a 401 to name the scheme"),
    # The timer the check sets up does not start: the reason is the set-up's, not the overlap rule's.
    "timer.running-entry-blocks-later-entries": (lambda request: None, "the check needs a running timer"),
    "reports.running-entry-not-counted": (lambda request: None, "the check needs a running timer"),
    "entries.create": (_entry_read_back_differs, "an entry reads back exactly as the answer that created it"),
}


@pytest.mark.parametrize("slug", CASES)
def test_the_reason_is_the_failed_assertions_own(slug: str) -> None:
    step, reason = CASES[slug]
    why = _why_of_failure(slug, step)
    assert why is not None and reason in why, why
    assert why != find_check(slug).why
