"""schemathesis over the spec finds no server error and no answer that breaks the spec, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from timetension._spec import find_spec_path

# The checks that hold for any correct implementation; see the docs for the advisory ones left out.
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"


def _token(url: str) -> str:
    account = {"email": "fuzzer@example.com", "password": "correct horse battery staple"}
    httpx.post(f"{url}/users", json=account, timeout=10)  # 201, or 409 when an earlier run made it
    answer = httpx.post(f"{url}/auth/token", json={**account, "expires_in": 86400}, timeout=10)
    answer.raise_for_status()
    return answer.json()["access_token"]


def _fuzz(url: str, folder: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(find_spec_path()), "--url", url,
        "-H", f"Authorization: Bearer {_token(url)}", "--checks", CHECKS,
        "--max-examples", "25", "--seed", "1", "--workers", "2", "--request-timeout", "10",
    ]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_fuzzing_the_reference_on_sqlite_finds_nothing(reference_on_sqlite: str, tmp_path: Path) -> None:
    completed = _fuzz(reference_on_sqlite, tmp_path)
    assert completed.returncode == 0, completed.stdout[-6000:]
    assert " passed" in completed.stdout


@pytest.mark.slow
@pytest.mark.postgres
def test_fuzzing_the_reference_on_postgresql_finds_nothing(reference_on_postgres: str, tmp_path: Path) -> None:
    completed = _fuzz(reference_on_postgres, tmp_path)
    assert completed.returncode == 0, completed.stdout[-6000:]
