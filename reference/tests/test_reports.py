"""GET /reports/summary (level 4), through TestClient on SQLite and PostgreSQL."""

import pytest

PROBLEM = "application/problem+json"


def record(client, started_at, ended_at, project_id=None):
    body = {"started_at": started_at, "ended_at": ended_at, "project_id": project_id}
    answer = client.post("/time-entries", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def report(client, **params):
    answer = client.get("/reports/summary", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def days(body):
    return {item["date"]: item["total_seconds"] for item in body["days"]}


def test_the_days_around_both_dst_changes_in_warsaw(signed_in):
    project = signed_in.post("/projects", json={"name": "Website"}).json()["id"]
    # 22:00 on the 28th to 01:00 on the 30th, local time: 2 h, the whole 23-hour day, 1 h.
    record(signed_in, "2026-03-28T22:00:00+01:00", "2026-03-30T01:00:00+02:00", project)
    # The 25-hour day, whole: from midnight to midnight local time.
    record(signed_in, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00")
    spring = report(signed_in, **{"from": "2026-03-28", "to": "2026-03-30", "tz": "Europe/Warsaw"})
    assert days(spring) == {"2026-03-28": 7200, "2026-03-29": 23 * 3600, "2026-03-30": 3600}
    assert spring["total_seconds"] == 26 * 3600
    assert spring["projects"] == [{"project_id": project, "total_seconds": 26 * 3600}]
    assert (spring["from"], spring["to"], spring["tz"]) == (
        "2026-03-28",
        "2026-03-30",
        "Europe/Warsaw",
    )
    autumn = report(signed_in, **{"from": "2026-10-25", "to": "2026-10-25", "tz": "Europe/Warsaw"})
    assert days(autumn) == {"2026-10-25": 25 * 3600}
    assert autumn["projects"] == [{"project_id": None, "total_seconds": 25 * 3600}]


def test_the_dst_days_in_new_york_and_a_zone_east_of_utc(signed_in):
    record(signed_in, "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00")
    record(signed_in, "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00")
    spring = report(
        signed_in, **{"from": "2026-03-08", "to": "2026-03-08", "tz": "America/New_York"}
    )
    assert spring["total_seconds"] == 23 * 3600
    autumn = report(
        signed_in, **{"from": "2026-11-01", "to": "2026-11-01", "tz": "America/New_York"}
    )
    assert autumn["total_seconds"] == 25 * 3600
    # In UTC the same 23 hours fall on two dates.
    utc = report(signed_in, **{"from": "2026-03-08", "to": "2026-03-09"})
    assert days(utc) == {"2026-03-08": 19 * 3600, "2026-03-09": 4 * 3600} and utc["tz"] == "UTC"
    # 20:00 to 02:00 UTC on the 2nd-3rd is 05:00 to 11:00 on the 3rd in Tokyo.
    record(signed_in, "2026-06-02T20:00:00Z", "2026-06-03T02:00:00Z")
    tokyo = report(signed_in, **{"from": "2026-06-02", "to": "2026-06-03", "tz": "Asia/Tokyo"})
    assert days(tokyo) == {"2026-06-02": 0, "2026-06-03": 6 * 3600}


def test_entries_are_clipped_and_running_ones_left_out(signed_in, clock):
    a = signed_in.post("/projects", json={"name": "A"}).json()["id"]
    b = signed_in.post("/projects", json={"name": "B"}).json()["id"]
    record(signed_in, "2026-02-27T23:00:00Z", "2026-02-28T01:00:00Z", a)  # ends before
    record(signed_in, "2026-02-28T23:00:00Z", "2026-03-01T02:00:00Z", a)  # 2 h inside
    record(signed_in, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z", b)
    record(signed_in, "2026-03-01T12:00:00Z", "2026-03-01T14:00:00Z")
    record(signed_in, "2026-03-01T23:00:00Z", "2026-03-02T01:00:00Z", b)  # 1 h inside
    assert signed_in.post("/timer/start", json={"project_id": a}).status_code == 201
    body = report(signed_in, **{"from": "2026-03-01", "to": "2026-03-01"})
    assert body["total_seconds"] == 6 * 3600
    assert body["projects"] == [
        {"project_id": min(a, b), "total_seconds": 7200},
        {"project_id": max(a, b), "total_seconds": 7200},
        {"project_id": None, "total_seconds": 7200},
    ]
    assert report(signed_in, **{"from": "2026-03-02", "to": "2026-03-02"})["projects"] == [
        {"project_id": b, "total_seconds": 3600}
    ]


def test_every_date_is_listed_and_other_users_time_is_not_counted(signed_in, bearer):
    other = bearer("bob@example.com")
    body = {"started_at": "2026-03-02T09:00:00Z", "ended_at": "2026-03-02T10:00:00Z"}
    assert signed_in.post("/time-entries", json=body, headers=other).status_code == 201
    empty = report(
        signed_in, **{"from": "2028-01-01", "to": "2028-12-31", "tz": "Pacific/Kiritimati"}
    )
    assert len(empty["days"]) == 366 and empty["days"][59]["date"] == "2028-02-29"
    assert empty["total_seconds"] == 0 and empty["projects"] == []
    assert report(signed_in, **{"from": "2026-03-02", "to": "2026-03-02"})["total_seconds"] == 0


def test_the_ends_of_the_calendar(signed_in):
    record(signed_in, "0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z")
    record(signed_in, "9999-12-31T22:00:00Z", "9999-12-31T23:59:59Z")
    first = report(signed_in, **{"from": "0001-01-01", "to": "0001-01-02", "tz": "Asia/Tokyo"})
    assert first["total_seconds"] == 3600 and first["days"][0]["date"] == "0001-01-01"
    last = report(signed_in, **{"from": "9999-12-30", "to": "9999-12-31", "tz": "America/New_York"})
    assert last["total_seconds"] == 7199 and last["days"][-1]["total_seconds"] == 7199


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"from", "to"}),
        ({"from": "2026-03-01"}, {"to"}),
        ({"from": "2026-02-30", "to": "2026-03-01"}, {"from"}),
        ({"from": "2026-03-01", "to": "1 March"}, {"to"}),
        ({"from": "2026-03-02", "to": "2026-03-01"}, {"to"}),
        ({"from": "2026-01-01", "to": "2027-01-02"}, {"to"}),
        ({"from": "2026-03-01", "to": "2026-03-01", "tz": "Europe/Atlantis"}, {"tz"}),
        ({"from": "2026-03-01", "to": "2026-03-01", "tz": ""}, {"tz"}),
        ({"from": "x", "to": "2026-03-01", "tz": "Nowhere"}, {"from", "tz"}),
    ],
)
def test_bad_parameters_are_422_on_the_parameter(signed_in, params, fields):
    answer = signed_in.get("/reports/summary", params=params)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert {error["field"] for error in answer.json()["errors"]} == fields


def test_the_token_comes_first(client):
    answer = client.get("/reports/summary", params={"from": "nonsense"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
