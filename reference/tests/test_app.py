"""A smoke test of the whole app on SQLite and PostgreSQL, through FastAPI's TestClient."""

from datetime import timedelta

from fastapi.testclient import TestClient

from timetension_reference.app import create_app
from timetension_reference.settings import Settings

PROBLEM = "application/problem+json"


def test_smoke(client, clock):
    assert client.get("/health").json() == {"status": "ok"}
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM

    user = {"email": "Ada@Example.com", "password": "correct horse battery"}
    registered = client.post("/users", json=user)
    assert registered.status_code == 201
    assert registered.json()["email"] == "Ada@Example.com"
    assert client.post("/users", json={**user, "email": "ada@example.COM"}).status_code == 409

    wrong = client.post("/auth/token", json={**user, "password": "wrong password"})
    unknown = client.post("/auth/token", json={**user, "email": "bob@example.com"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()

    token = client.post("/auth/token", json={**user, "email": "ada@example.com"}).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    anonymous = client.post("/projects", json={"name": "Website"})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    client.headers["Authorization"] = f"Bearer {token['access_token']}"
    assert client.get("/users/me").json()["id"] == registered.json()["id"]

    project = client.post("/projects", json={"name": "  Website  "}).json()
    assert project["name"] == "Website" and project["description"] is None
    assert client.post("/projects", json={"name": "WEBSITE"}).status_code == 409
    client.post("/projects", json={"name": "Mobile app"})
    names = [item["name"] for item in client.get("/projects").json()["items"]]
    assert names == ["Website", "Mobile app"]

    no_offset = {"started_at": "2026-03-02T09:00:00", "ended_at": "2026-03-02T09:00:00Z"}
    bad = client.post("/time-entries", json={**no_offset, "description": "a\x00"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"started_at", "description"}
    malformed = client.post("/projects", content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    text = client.post("/projects", content=b"Website", headers={"Content-Type": "text/plain"})
    assert text.status_code == 415

    entry = client.post(
        "/time-entries",
        json={
            "started_at": "2026-03-02T10:00:00.999+02:00",
            "ended_at": "2026-03-02T09:30:00+01:00",
            "project_id": project["id"],
        },
    )
    assert entry.status_code == 201
    assert entry.json()["started_at"] == "2026-03-02T08:00:00Z"
    assert entry.json()["duration_seconds"] == 1800
    overlap = {"started_at": "2026-03-02T08:20:00Z", "ended_at": "2026-03-02T09:00:00Z"}
    assert client.post("/time-entries", json=overlap).status_code == 409
    touching = {"started_at": "2026-03-02T08:30:00Z", "ended_at": "2026-03-02T09:00:00Z"}
    assert client.post("/time-entries", json=touching).status_code == 201
    assert client.delete(f"/projects/{project['id']}").status_code == 409

    assert client.post("/timer/stop").status_code == 409
    started = client.post("/timer/start")
    assert started.status_code == 201
    assert started.json()["started_at"] == "2026-03-02T12:00:00Z"
    assert client.post("/timer/start", json={}).status_code == 409
    assert client.get("/timer").json()["id"] == started.json()["id"]
    stopped = client.post("/timer/stop").json()
    assert stopped["ended_at"] == "2026-03-02T12:00:01Z" and stopped["duration_seconds"] == 1
    assert client.get("/timer").status_code == 404

    assert client.delete(f"/time-entries/{entry.json()['id']}").status_code == 204
    assert client.put("/projects").headers["allow"] == "GET, POST"

    short = client.post("/auth/token", json={**user, "expires_in": 1}).json()["access_token"]
    me = {"Authorization": f"Bearer {short}"}
    assert client.get("/users/me", headers=me).status_code == 200
    clock.now = clock.now.replace(microsecond=0) + timedelta(seconds=1)
    expired = client.get("/users/me", headers=me)
    assert expired.status_code == 401
    assert expired.headers["www-authenticate"].startswith("Bearer")


def test_health_is_503_when_the_database_does_not_answer(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/missing/folder/test.db"))
    with TestClient(app) as client:
        answer = client.get("/health")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["status"] == 503
    assert answer.headers["retry-after"] == "2"
