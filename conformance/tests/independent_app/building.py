"""Builds the independent Go implementation, for the kit's tests and scripts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent


def build_independent_app(output: Path = SOURCE / "bin" / "independent-app") -> tuple[Path | None, str]:
    """The binary, built at `output`; or None and why, when Go is missing."""
    if shutil.which("go") is None:
        return None, "the independent implementation needs Go to build"
    subprocess.run(["go", "build", "-o", str(output), "."], cwd=SOURCE, check=True, timeout=600)
    return output, ""
