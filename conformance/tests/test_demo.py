"""`make demo` starts the reference, passes every level, shows the result and stops the server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from servers import REPOSITORY

from timetension._registry import LEVEL_IDS


@pytest.mark.slow
def test_the_demo_passes_every_level_and_leaves_nothing_running(tmp_path: Path) -> None:
    env = {**os.environ, "VENV": sys.prefix, "REPORTS": str(tmp_path), "NO_COLOR": "1"}
    completed = subprocess.run(["scripts/demo.sh"], cwd=REPOSITORY, env=env, capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"Level reached: {LEVEL_IDS[-1]} (requested {LEVEL_IDS[-1]})." in completed.stdout
    assert (tmp_path / "demo" / "results.json").exists()
    port = int(re.search(r"^\+ PORT=(\d+) ", completed.stdout, re.MULTILINE).group(1))
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
