"""A copy of the kit as a participant gets it: the files git tracks, read-only, and a way to tell afterwards
that nothing was written into it (root ignores file modes, so the modes alone prove nothing)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

from servers import REPOSITORY


def read_only_kit(destination: Path) -> Path:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True,
                             timeout=60).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = REPOSITORY / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    for path in [destination, *destination.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return destination


def contents(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under folder with its size and modification time."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
    return found


def make_writable(folder: Path) -> None:
    """So that the test's temporary folder can be removed."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
