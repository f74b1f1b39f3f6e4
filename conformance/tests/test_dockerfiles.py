"""Every Dockerfile of the kit passes hadolint (no engine runs here, so this is how they are checked)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from servers import REPOSITORY

DOCKERFILES = sorted(path for path in REPOSITORY.rglob("Dockerfile")
                     if not any(part in ("node_modules", ".venv", "target") for part in path.parts))
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def test_the_kit_has_its_dockerfiles() -> None:
    names = {path.parent.relative_to(REPOSITORY).as_posix() for path in DOCKERFILES}
    assert "reference" in names and any(name.startswith("starters/") for name in names)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.relative_to(REPOSITORY).as_posix())
def test_hadolint_finds_nothing(dockerfile: Path) -> None:
    completed = subprocess.run([HADOLINT, "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0 and completed.stdout == "", completed.stdout + completed.stderr
