"""Starters already set up natively in this test run. Three test files run a starter's set-up (the
participant's path, the review cohort, the starter tests); the later ones start from the folder the first
one built instead of building from nothing again (Java's and Rust's builds take minutes on two cores).
Each still runs what it tests: the review runs the set-up again over the build, in seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

from servers import REPOSITORY

BUILD_OUTPUTS = ("node_modules", "target", "bin", ".venv", "dist", "build", "__pycache__", ".tools")
BUILT: dict[str, Path] = {}


def remember(name: str, folder: Path) -> None:
    """folder holds starter name, set up successfully."""
    BUILT[name] = folder


def built(name: str) -> Path | None:
    return BUILT.get(name)


def folder_for(name: str, root: Path) -> Path:
    """The folder built earlier in this run, when there is one; else a fresh copy of the starter's sources
    under root."""
    if name in BUILT:
        return BUILT[name]
    folder = root / name
    shutil.copytree(REPOSITORY / "starters" / name, folder, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
    return folder
