"""`make new` copies a starter, without build outputs, plus the compose set-up, into a fresh folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from servers import REPOSITORY


def make_new(*variables: str) -> subprocess.CompletedProcess[str]:
    """What `make new STARTER=... DIR=...` runs once the kit's virtualenv exists."""
    arguments = [value.split("=", 1)[1] for value in variables]
    return subprocess.run([sys.executable, "scripts/new_attempt.py", *arguments], cwd=REPOSITORY,
                          capture_output=True, text=True, timeout=60)


def test_a_starter_is_copied_ready_for_git_init(tmp_path: Path) -> None:
    target = tmp_path / "my-attempt"
    completed = make_new("STARTER=go-nethttp", f"DIR={target}")
    assert completed.returncode == 0, completed.stderr
    assert (target / "starter.toml").is_file() and (target / "main.go").is_file()
    assert not (target / "bin").exists()
    assert "git init" in completed.stdout and "timetension check --url http://localhost:8080" in completed.stdout
    if (REPOSITORY / "docker-compose.template.yml").exists():
        assert (target / "docker-compose.yml").is_file()


def test_an_unknown_starter_lists_the_choices(tmp_path: Path) -> None:
    completed = make_new("STARTER=cobol-cics", f"DIR={tmp_path / 'x'}")
    assert completed.returncode != 0
    assert "Choose one of:" in completed.stderr and "go-nethttp" in completed.stderr


def test_a_folder_with_files_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    completed = make_new("STARTER=go-nethttp", f"DIR={tmp_path}")
    assert completed.returncode != 0 and "already holds files" in completed.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_without_variables_make_new_says_how() -> None:
    completed = subprocess.run(["make", "--no-print-directory", "new"], cwd=REPOSITORY, capture_output=True,
                               text=True, timeout=60)
    assert completed.returncode == 2 and "usage: make new STARTER=" in completed.stdout
