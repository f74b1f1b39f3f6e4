"""`make new` copies a starter, without build outputs, plus the compose set-up, into a fresh folder, and
installs the suite there from a read-only kit with the system Python alone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit_copy import contents, make_writable, read_only_kit
from servers import REPOSITORY


def make_new(*variables: str, install: bool = False) -> subprocess.CompletedProcess[str]:
    """What `make new STARTER=... DIR=...` runs; without the suite's installation unless asked for."""
    arguments = [value.split("=", 1)[1] for value in variables]
    return subprocess.run([sys.executable, "scripts/new_attempt.py", *arguments,
                           *([] if install else ["--no-install"])], cwd=REPOSITORY,
                          capture_output=True, text=True, timeout=60)


def test_a_starter_is_copied_ready_for_git_init(tmp_path: Path) -> None:
    target = tmp_path / "my-attempt"
    completed = make_new("STARTER=go-nethttp", f"DIR={target}")
    assert completed.returncode == 0, completed.stderr
    assert (target / "starter.toml").is_file() and (target / "main.go").is_file()
    assert not (target / "bin").exists()
    assert "git init" in completed.stdout and "timetension check --url http://localhost:8080" in completed.stdout
    assert "timetension db start" in completed.stdout and "pip install" in completed.stdout
    assert (target / ".timetension" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert ".timetension/" in (target / ".dockerignore").read_text().split(), "the local database stays out of builds"
    assert (REPOSITORY / "starters" / "go-nethttp" / ".dockerignore").read_text() in (target / ".dockerignore").read_text()
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


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Path]:
    folder = read_only_kit(tmp_path / "kit")
    yield folder
    make_writable(folder)


def test_from_a_read_only_kit_the_attempt_gets_the_suite_and_the_kit_is_untouched(kit: Path, tmp_path: Path) -> None:
    before = contents(kit)
    target = tmp_path / "my-attempt"
    # The system Python, without the kit's virtualenv (there is none in a fresh clone).
    completed = subprocess.run(["make", "--no-print-directory", "new", "STARTER=python-flask", f"DIR={target}",
                                f"PYTHON={sys.base_prefix}/bin/python3"], cwd=kit, capture_output=True,
                               text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert contents(kit) == before, "make new wrote into the kit's folder"
    assert not (kit / ".venv").exists()
    suite = target / ".timetension" / "bin" / "timetension"
    version = subprocess.run([str(suite), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("timetension "), version.stderr
    installed = subprocess.run([str(target / ".timetension" / "venv" / "bin" / "python"), "-c",
                                "import importlib.util as u; print(u.find_spec('mkdocs') is None, "
                                "u.find_spec('locust') is None, u.find_spec('timetension_reference') is None)"],
                               capture_output=True, text=True, timeout=60)
    assert installed.stdout.split() == ["True", "True", "True"], "the kit's development tools stay out"
    assert (target / "app" / "__init__.py").exists() or (target / "app").exists()
    assert (target / "starter.toml").stat().st_mode & 0o200, "the attempt's files are the participant's to edit"
