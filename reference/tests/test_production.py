"""Level 5 through TestClient, on SQLite and PostgreSQL: filters and pages of time entries,
ETag and If-Match, the body limit, CORS."""

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from timetension_reference import db, rules
from timetension_reference.app import create_app
from timetension_reference.settings import Settings, SettingsError

PROBLEM = "application/problem+json"
NINE = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def stamp(moment: datetime) -> str:
    return rules.format_timestamp(moment)


def record(client, start: datetime, minutes: int = 30, project_id=None) -> dict:
    body = {
        "started_at": stamp(start),
        "ended_at": stamp(start + timedelta(minutes=minutes)),
        "project_id": project_id,
    }
    answer = client.post("/time-entries", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def field_errors(answer) -> set[str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    return {error["field"] for error in answer.json()["errors"]}


def ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


# Filters and pages.


def test_without_parameters_the_list_is_the_first_50_and_a_cursor(signed_in):
    made = [record(signed_in, NINE + timedelta(hours=n))["id"] for n in range(52)]
    first = signed_in.get("/time-entries")
    assert ids(first) == made[:50]
    cursor = first.json()["next_cursor"]
    assert isinstance(cursor, str) and cursor
    rest = signed_in.get("/time-entries", params={"cursor": cursor})
    assert ids(rest) == made[50:] and rest.json()["next_cursor"] is None


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_paging_finds_every_entry_exactly_once(signed_in, limit):
    # Made out of order, so the list's order is the server's doing.
    starts = [NINE + timedelta(hours=n) for n in (5, 1, 3, 0, 2, 6, 4)]
    made = {record(signed_in, start)["id"]: start for start in starts}
    seen: list[str] = []
    params: dict[str, object] = {"limit": limit}
    while True:
        page = signed_in.get("/time-entries", params=params)
        assert len(ids(page)) <= limit
        seen += ids(page)
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
    assert seen == sorted(made, key=made.get)


def test_a_page_that_ends_the_list_exactly_has_no_next_cursor(signed_in):
    for n in range(4):
        record(signed_in, NINE + timedelta(hours=n))
    page = signed_in.get("/time-entries", params={"limit": 4})
    assert len(ids(page)) == 4 and page.json()["next_cursor"] is None
    assert signed_in.get("/time-entries").json() == {**page.json(), "next_cursor": None}


def test_filters_by_project_and_by_a_half_open_window(signed_in, bearer):
    project = signed_in.post("/projects", json={"name": "Website"}).json()["id"]
    early = record(signed_in, NINE, 60, project)["id"]  # 09:00-10:00
    middle = record(signed_in, NINE + timedelta(hours=1), 60)["id"]  # 10:00-11:00
    late = record(signed_in, NINE + timedelta(hours=2), 60, project)["id"]  # 11:00-12:00
    running = signed_in.post("/timer/start").json()["id"]  # from 12:00, with the test clock

    def window(**params):
        return ids(signed_in.get("/time-entries", params=params))

    assert window(project_id=project) == [early, late]
    assert window(**{"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T11:00:00Z"}) == [middle]
    assert window(**{"from": "2026-03-02T10:59:59Z", "to": "2026-03-02T11:00:01Z"}) == [
        middle,
        late,
    ]
    assert window(**{"from": "2026-03-02T11:00:00+01:00"}) == [middle, late, running]
    assert window(**{"from": "2030-01-01T00:00:00Z"}) == [running]  # it reaches to infinity
    assert window(to="2026-03-02T10:00:00Z") == [early]
    assert window(to="2026-03-02T10:00:00.999Z") == [early]  # truncated to the second
    assert window(project_id=project, **{"from": "2026-03-02T09:30:00Z"}) == [early, late]
    other = bearer("bob@example.com")
    assert ids(signed_in.get("/time-entries", params={"project_id": project}, headers=other)) == []
    assert window(project_id="no such project") == []


def test_the_filters_hold_from_page_to_page(signed_in):
    project = signed_in.post("/projects", json={"name": "Website"}).json()["id"]
    mine = [
        record(signed_in, NINE + timedelta(hours=n), 30, project if n % 2 else None)
        for n in range(9)
    ]
    wanted = [entry["id"] for entry in mine if entry["project_id"] == project]
    page = signed_in.get("/time-entries", params={"project_id": project, "limit": 3})
    seen = ids(page)
    page = signed_in.get(
        "/time-entries",
        params={"project_id": project, "limit": 3, "cursor": page.json()["next_cursor"]},
    )
    assert seen + ids(page) == wanted and page.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"limit": "0"}, {"limit"}),
        ({"limit": "101"}, {"limit"}),
        ({"limit": "ten"}, {"limit"}),
        ({"cursor": "made-up"}, {"cursor"}),
        ({"cursor": ""}, {"cursor"}),
        ({"from": "2026-03-02T10:00:00"}, {"from"}),  # no offset
        ({"to": "2026-03-02T10:00:00 01:00"}, {"to"}),  # a + that became a space
        ({"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T10:00:00Z"}, {"to"}),
        ({"from": "2026-03-02T10:00:00Z", "to": "2026-03-02T11:00:00+02:00"}, {"to"}),
        ({"project_id": ""}, {"project_id"}),
        ({"project_id": "a\x00b"}, {"project_id"}),
        ({"limit": "0", "cursor": "x", "from": "y"}, {"limit", "cursor", "from"}),
    ],
)
def test_bad_list_parameters_are_422_on_the_parameter(signed_in, params, fields):
    assert field_errors(signed_in.get("/time-entries", params=params)) == fields


def test_a_cursor_signed_with_another_key_is_refused(signed_in):
    forged = rules.encode_cursor(NINE, "0" * 32, rules.cursor_key("not the server's key"))
    assert field_errors(signed_in.get("/time-entries", params={"cursor": forged})) == {"cursor"}
    ours = rules.encode_cursor(
        NINE, "0" * 32, rules.cursor_key(signed_in.app.state.settings.secret_key)
    )
    assert signed_in.get("/time-entries", params={"cursor": ours}).status_code == 200


def test_the_list_checks_the_token_first(client):
    assert client.get("/time-entries", params={"limit": "0"}).status_code == 401


# ETag and If-Match.


def test_etags_on_create_read_and_change(signed_in, clock):
    created = signed_in.post(
        "/time-entries",
        json={"started_at": "2026-03-02T09:00:00Z", "ended_at": "2026-03-02T10:00:00Z"},
    )
    tag = created.headers["etag"]
    assert tag == '"1"'
    path = f"/time-entries/{created.json()['id']}"
    assert signed_in.get(path).headers["etag"] == tag
    changed = signed_in.patch(path, json={"description": "Landing page"})
    assert changed.status_code == 200
    new_tag = changed.headers["etag"]
    assert new_tag != tag and signed_in.get(path).headers["etag"] == new_tag
    # A change to nothing changes nothing, the tag included.
    assert signed_in.patch(path, json={}).headers["etag"] == new_tag


def test_if_match(signed_in):
    created = record(signed_in, NINE)
    path = f"/time-entries/{created['id']}"
    first = signed_in.get(path).headers["etag"]
    second = signed_in.patch(path, json={"description": "one"}, headers={"If-Match": first})
    assert second.status_code == 200
    # The first tag is stale now: 412, and nothing changes.
    stale = signed_in.patch(path, json={"description": "two"}, headers={"If-Match": first})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM and stale.json()["status"] == 412
    assert signed_in.get(path).json()["description"] == "one"
    assert signed_in.get(path).headers["etag"] == second.headers["etag"]
    for header in ("W/" + second.headers["etag"], "", "garbage"):
        answer = signed_in.patch(path, json={"description": "x"}, headers={"If-Match": header})
        assert answer.status_code == 412
    listed = f'"nope", {second.headers["etag"]}'
    assert (
        signed_in.patch(
            path, json={"description": "three"}, headers={"If-Match": listed}
        ).status_code
        == 200
    )
    assert (
        signed_in.patch(path, json={"description": "four"}, headers={"If-Match": "*"}).status_code
        == 200
    )
    assert signed_in.patch(path, json={"description": "five"}).status_code == 200
    assert signed_in.get(path).json()["description"] == "five"


def test_if_match_comes_after_404_and_before_the_rules_of_the_change(signed_in):
    created = record(signed_in, NINE)
    missing = signed_in.patch("/time-entries/" + "0" * 32, json={}, headers={"If-Match": '"1"'})
    assert missing.status_code == 404
    path = f"/time-entries/{created['id']}"
    backwards = {"ended_at": "2026-03-01T00:00:00Z"}
    assert signed_in.patch(path, json=backwards, headers={"If-Match": '"7"'}).status_code == 412
    assert signed_in.patch(path, json=backwards, headers={"If-Match": '"1"'}).status_code == 422


def test_stopping_the_timer_changes_the_etag(signed_in, clock):
    started = signed_in.post("/timer/start")
    path = f"/time-entries/{started.json()['id']}"
    running_tag = signed_in.get(path).headers["etag"]
    assert started.headers["etag"] == signed_in.get("/timer").headers["etag"] == running_tag
    clock.now += timedelta(minutes=5)
    stopped = signed_in.post("/timer/stop")
    assert stopped.headers["etag"] != running_tag
    assert signed_in.get(path).headers["etag"] == stopped.headers["etag"]
    stale = signed_in.patch(path, json={"description": "x"}, headers={"If-Match": running_tag})
    assert stale.status_code == 412


# The body limit.

LIMIT = rules.BODY_MAX_BYTES


def padded_project(size: int) -> bytes:
    """A valid project body of exactly `size` bytes."""
    head, tail = b'{"name": "Website", "description": null, "pad": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


JSON = {"Content-Type": "application/json"}


def test_a_body_of_64_kib_is_fine_and_one_byte_more_is_413(signed_in):
    assert (
        signed_in.post("/projects", content=padded_project(LIMIT), headers=JSON).status_code == 201
    )
    too_large = signed_in.post("/projects", content=padded_project(LIMIT + 1), headers=JSON)
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == PROBLEM
    assert too_large.json()["title"] == "Content Too Large"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/users"),
        ("POST", "/auth/token"),
        ("POST", "/projects"),
        ("PATCH", "/projects/0"),
        ("POST", "/time-entries"),
        ("PATCH", "/time-entries/0"),
        ("POST", "/timer/start"),
    ],
)
def test_every_operation_with_a_body_is_413_before_parsing(signed_in, method, path):
    # Not JSON, and the wrong media type: the size is checked first.
    answer = signed_in.request(
        method, path, content=b"{" * (LIMIT + 1), headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 413


def test_a_body_without_content_length_is_counted(signed_in):
    def chunks():
        for _ in range(LIMIT // 1024 + 1):
            yield b"x" * 1024

    answer = signed_in.post("/projects", content=chunks(), headers=JSON)
    assert answer.status_code == 413


def test_the_token_is_checked_before_the_size(client):
    answer = client.post("/projects", content=padded_project(LIMIT + 1), headers=JSON)
    assert answer.status_code == 401


# CORS.

ORIGIN = "http://localhost:5173"


def preflight(client, origin, method="PATCH", headers="authorization, content-type, if-match"):
    return client.options(
        "/time-entries/x",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_a_preflight_from_the_default_origin_is_allowed(client):
    answer = preflight(client, ORIGIN)
    assert answer.status_code in (200, 204)
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    allowed_methods = {m.strip() for m in answer.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= allowed_methods
    allowed_headers = {
        h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")
    }
    assert {"authorization", "content-type", "if-match"} <= allowed_headers


def test_other_origins_get_no_allow_origin(client):
    answer = preflight(client, "https://evil.example")
    assert "access-control-allow-origin" not in answer.headers
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    plain = client.get("/health", headers={"Origin": "https://evil.example"})
    assert plain.status_code == 200 and "access-control-allow-origin" not in plain.headers


def test_actual_requests_carry_the_origin_and_expose_the_etag(signed_in):
    created = record(signed_in, NINE)
    answer = signed_in.get(f"/time-entries/{created['id']}", headers={"Origin": ORIGIN})
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert "etag" in answer.headers["access-control-expose-headers"].lower()
    problem = signed_in.get("/nowhere", headers={"Origin": ORIGIN})
    assert problem.status_code == 404
    assert problem.headers["access-control-allow-origin"] == ORIGIN


def test_cors_origins_come_from_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path}/test.db",
            "CORS_ORIGINS": " https://app.example.com ,HTTP://LOCALHOST:3000,",
        }
    )
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:3000")
    assert Settings.from_env({}).cors_origins == ("http://localhost:5173",)
    for bad in ("https://app.example.com/", "localhost:3000", "https://a.example/path"):
        with pytest.raises(SettingsError, match="CORS_ORIGINS"):
            Settings.from_env({"CORS_ORIGINS": bad})
    app = create_app(settings)
    db.upgrade(app.state.engine)
    with TestClient(app) as client:
        assert preflight(client, "https://app.example.com").status_code == 200
        assert "access-control-allow-origin" not in preflight(client, ORIGIN).headers
    app.state.engine.dispose()
