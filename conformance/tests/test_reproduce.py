"""A failure's Reproduce block holds every request it needs, and pasted into a shell it shows the failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from conftest import app_env, missing_tool
from servers import broken_app_command, free_port, running

from timetension import run_suite
from timetension._client import Exchange
from timetension._report_terminal import render_failure
from timetension._reproduce import Recorder, shell_word
from timetension._runner import Failure

BASE = "http://127.0.0.1:8080"
RUN_ID = "0a1b2c3d"


def _exchange(method: str, path: str, status: int, sent: object = None, answer: object = None,
              token: str | None = None, if_match: str | None = None, etag: str | None = None) -> Exchange:
    headers = {"Accept": "application/json"}
    if sent is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if if_match:
        headers["If-Match"] = if_match
    return Exchange(method, BASE + path, path, headers, json.dumps(sent).encode() if sent is not None else None,
                    status=status, response_body=json.dumps(answer).encode() if answer is not None else b"",
                    response_headers=httpx.Headers({"ETag": etag} if etag else {}))


def _conversation(recorder: Recorder) -> list[Exchange]:
    alice = f"tt-alice-{RUN_ID}-1@example.com"
    exchanges = [
        _exchange("POST", "/users", 201, {"email": alice, "password": "pw"}, {"id": "u1", "email": alice}),
        _exchange("POST", "/auth/token", 200, {"email": alice, "password": "pw"}, {"access_token": "tok-a"}),
        _exchange("POST", "/users", 201, {"email": "bob@example.com", "password": "pw"}, {"id": "u2"}),
        _exchange("POST", "/auth/token", 200, {"email": "bob@example.com", "password": "pw"},
                  {"access_token": "tok-b"}),
        _exchange("POST", "/projects", 201, {"name": f"Site-{RUN_ID}-2"}, {"id": "p1", "name": "Site"}, "tok-a"),
        _exchange("POST", "/projects", 201, {"name": "Bob's"}, {"id": "p2", "name": "Bob's"}, "tok-b"),
        _exchange("GET", "/projects/p1", 200, None, {"id": "p1", "name": "Site"}, "tok-a"),
        _exchange("PATCH", "/projects/p1", 200, {"description": "after"}, {"id": "p1"}, "tok-a"),
    ]
    for exchange in exchanges:
        recorder.record(exchange)
    return exchanges


def test_the_script_holds_the_registration_the_token_the_setup_and_the_failing_request_only() -> None:
    recorder = Recorder(RUN_ID)
    conversation = _conversation(recorder)
    lines = recorder.script(conversation, conversation[-1])
    assert [line.split(" -H ")[0] for line in lines] == [
        "RUN=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \\n')  # 8 random hex digits: new emails and names each paste",
        "curl -sS -o /dev/null -w 'POST /users -> %{http_code}\\n' -X POST http://127.0.0.1:8080/users",
        "TOKEN=$(curl -sS -X POST http://127.0.0.1:8080/auth/token",
        "PROJECT_ID=$(curl -sS -X POST http://127.0.0.1:8080/projects",
        'curl -sS -i -X PATCH http://127.0.0.1:8080/projects/"$PROJECT_ID"',
    ]
    assert lines[2].endswith("| jq -r .access_token)") and lines[3].endswith("| jq -r .id)")
    assert """-H 'Authorization: Bearer '"$TOKEN\"""" in lines[4] and "tok-a" not in "".join(lines)
    assert """'{"email": "tt-alice-'"$RUN"'-1@example.com", "password": "pw"}'""" in lines[1]
    assert "bob" not in "".join(lines).lower(), "another user's requests are not needed"


def test_an_entity_tag_is_read_from_the_answer_that_carried_it() -> None:
    recorder = Recorder(RUN_ID)
    conversation = [
        _exchange("POST", "/users", 201, {"email": "a@example.com", "password": "pw"}, {"id": "u1"}),
        _exchange("POST", "/auth/token", 200, {"email": "a@example.com", "password": "pw"}, {"access_token": "tok"}),
        _exchange("POST", "/time-entries", 201, {"description": "first"}, {"id": "e1"}, "tok", etag='"v1"'),
        _exchange("PATCH", "/time-entries/e1", 200, {"description": "second"}, {"id": "e1"}, "tok", '"v1"', '"v2"'),
        _exchange("PATCH", "/time-entries/e1", 200, {"description": "lost"}, {"id": "e1"}, "tok", '"v1"', '"v3"'),
    ]
    for exchange in conversation:
        recorder.record(exchange)
    lines = recorder.script(conversation, conversation[-1])
    assert "/auth/token" in lines[1], "a short token is replaced in Authorization only"
    assert lines[-1].endswith("""-H 'If-Match: '"$ETAG" --data-binary '{"description": "lost"}'""")
    # The set-up's answer, as a stand-in curl gives it, yields both the entry's id and its tag.
    answer = 'HTTP/1.1 201 Created\r\nETag: "v1"\r\ncontent-type: application/json\r\n\r\n{"id": "e-new"}'
    stand_in = f"curl() {{ printf '%s' {shell_word(answer, {})}; }}"
    captured = subprocess.run(["bash", "-c", "\n".join([stand_in, *lines[2:5], 'echo "$ENTRY_ID $ETAG"'])],
                              capture_output=True, text=True, timeout=10)
    assert captured.stdout == 'e-new "v1"\n', captured.stderr


def test_an_anonymous_request_keeps_the_anonymous_changes_before_it() -> None:
    recorder = Recorder(RUN_ID)
    email = f"tt-ada-{RUN_ID}-1@example.com"
    conversation = [
        _exchange("POST", "/users", 201, {"email": email, "password": "pw"}, {"id": "u1"}),
        _exchange("POST", "/users", 201, {"email": email.upper(), "password": "pw"}, {"id": "u2"}),
    ]
    for exchange in conversation:
        recorder.record(exchange)
    lines = recorder.script(conversation, conversation[-1])
    assert len(lines) == 3 and "tt-ada-'\"$RUN\"'-1" in lines[1] and "TT-ADA-'\"$RUN\"'-1" in lines[2]


def test_ids_in_a_list_are_named() -> None:
    recorder = Recorder(RUN_ID)
    _conversation(recorder)
    assert recorder.labels == {"p1": "Site", "p2": "Bob's", "u1": f"tt-alice-{RUN_ID}-1@example.com"}


def test_a_shell_word_keeps_quotes_and_expands_only_the_variables() -> None:
    text = """{"name": "it's \\"p1\\" $HOME `x`", "id": "p1"}"""
    word = shell_word(text, {"p1": "PROJECT_ID"})
    echoed = subprocess.run(["bash", "-c", f"printf %s {word}"], env={"PROJECT_ID": "42", "PATH": os.defpath},
                            capture_output=True, text=True, check=True).stdout
    assert echoed == text.replace("p1", "42")


def test_the_rule_id_is_printed_after_the_reason() -> None:
    failure = Failure(expected="201", received="500", why="registration is the door.", rule="accounts-register",
                      request="POST /users -> 500")
    assert "  Why: registration is the door. (rule accounts-register)" in render_failure(failure).splitlines()
    assert "(rule" not in render_failure(Failure(expected="201", received="500", why="registration is the door."))


# A project made and changed; an entry whose ETag goes stale (a shared user's sign-in from another check).
PASTED = {"patch-clears-description": "projects.update-partial", "lost-update": "entries.stale-etag-is-412"}


def app_log_tail(folder: Path) -> str:
    return "\n".join((folder / "app.log").read_text(errors="replace").splitlines()[-20:])


@pytest.mark.parametrize("app_name", PASTED)
def test_pasting_the_reproduction_into_a_shell_shows_the_failure(app_name: str, tmp_path: Path) -> None:
    if shutil.which("jq") is None:
        missing_tool("jq is missing: run `make system-deps`", ci_must="run this test")
    env = app_env(f"sqlite:///{tmp_path}/app.db")
    with running(broken_app_command(app_name), env=env, log=tmp_path / "app.log", port=free_port()) as app:
        result = run_suite(app.url, only=lambda check: check.slug == PASTED[app_name], wait=10)
        [failed] = [check for check in result.checks if check.failure is not None]
        seen_status = failed.failure.request.rsplit("-> ", 1)[1]
        script = "set -eo pipefail\n" + "\n".join(failed.failure.reproduction)
        for _ in range(2):  # a second paste registers a user of its own
            pasted = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
            shown = f"{script}\n--- printed:\n{pasted.stdout}{pasted.stderr}\n--- app log:\n{app_log_tail(tmp_path)}"
            assert pasted.returncode == 0, shown
            lines = pasted.stdout.strip().splitlines()
            assert lines[0].startswith("POST /users -> 201"), shown
            assert [line for line in lines if line.startswith("HTTP/")][-1].split()[1] == seen_status, shown
            if app_name == "patch-clears-description":
                assert json.loads(lines[-1])["description"] is None
        assert httpx.get(app.url + "/health").status_code == 200
