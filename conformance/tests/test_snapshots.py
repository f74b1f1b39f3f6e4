"""Recorded terminal reports, so a change in wording shows up as a diff someone has to accept.

Update them after a deliberate change with: `cd conformance && pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hostile_servers import html_error_pages, redirects_in_a_loop, refuses_connections

SERVERS = {"refuses-connections": refuses_connections, "html-error-pages": html_error_pages,
           "redirects-in-a-loop": redirects_in_a_loop}


def _normalised(output: str) -> str:
    output = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", output)
    output = re.sub(r"-[0-9a-f]{8}-(\d+)", r"-RUNID-\1", output)
    output = re.sub(r"\d+\.\d\d s", "N.NN s", output)
    output = re.sub(r"\d+ requests", "N requests", output)  # the wait polls as often as time allows
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
