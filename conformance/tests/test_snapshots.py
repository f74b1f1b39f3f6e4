"""Recorded terminal reports, so a change in wording shows up as a diff someone has to accept.

Update them after a deliberate change with: `cd conformance && pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import app_env
from hostile_servers import html_error_pages, redirects_in_a_loop, refuses_connections
from servers import broken_app_command, free_port, running

SERVERS = {"refuses-connections": refuses_connections, "html-error-pages": html_error_pages,
           "redirects-in-a-loop": redirects_in_a_loop}
# Broken apps whose failure shows one kind of message: a schema failure, a list compared by ids, and a
# failure whose reproduction needs a user, a token and a project first.
BROKEN_APPS = {"password-hash-returned": "accounts.register", "projects-newest-first": "projects.list-own-in-order",
               "patch-clears-description": "projects.update-partial"}


def _normalised(output: str) -> str:
    output = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", output)
    # The counter in unique names follows the order checks ask for them, which running them at once varies.
    output = re.sub(r"-[0-9a-f]{8}-\d+", "-RUNID-N", output)
    output = re.sub(r"(\$RUN\"'-)\d+", r"\1N", output)
    output = re.sub(r"\d+\.\d\d s", "N.NN s", output)
    output = re.sub(r"\d+ requests", "N requests", output)  # the wait polls as often as time allows
    output = re.sub(r"\b[0-9a-f]{32}\b", "ID", output)
    output = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIMESTAMP", output)
    output = re.sub(r"\$argon2id\$[^\"]+", "HASH", output)
    return re.sub(r"timetension \d+\.\d+\.\d+ · spec \d+\.\d+\.\d+", "timetension VERSION · spec VERSION", output)


@pytest.mark.parametrize("name", SERVERS)
def test_the_terminal_report_reads_as_recorded(name: str, snapshot) -> None:
    with SERVERS[name]() as url:
        completed = subprocess.run(
            [sys.executable, "-m", "timetension.cli", "check", "--url", url, "--wait", "1", "--timeout", "2",
             "--no-color", "--level", "1", "--docs-url", "http://localhost:8000/"],
            capture_output=True, text=True, timeout=60,
        )
    assert _normalised(completed.stdout) == snapshot


@pytest.mark.parametrize("name", BROKEN_APPS)
def test_a_broken_apps_failure_reads_as_recorded(name: str, snapshot, tmp_path: Path) -> None:
    env = app_env(f"sqlite:///{tmp_path}/app.db")
    with running(broken_app_command(name), env=env, log=tmp_path / "app.log", port=free_port()) as app:
        completed = subprocess.run(
            [sys.executable, "-m", "timetension.cli", "check", "--url", app.url, "--no-color",
             "--only", BROKEN_APPS[name], "--docs-url", "http://localhost:8000/"],
            capture_output=True, text=True, timeout=60,
        )
    assert _normalised(completed.stdout) == snapshot
