"""Every starter, walked the way a participant walks it from a fresh, read-only clone of the kit: `make new`,
`timetension db start`, the starter's setup and run, level 0 passing with the suite `make new` installed,
then the app and the database stopped with nothing left running. One starter after another: the JVM and
Rust builds take the machine's cores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import built_starters
import pytest
from conftest import missing_tool
from kit_copy import contents, make_writable, read_only_kit
from participant_path import PathFailed, end, leftovers, walk_path
from servers import REPOSITORY

from timetension._database import find_native_bin_dir
from timetension._starters import Starter, load_starters

STARTERS = load_starters(REPOSITORY / "starters") if (REPOSITORY / "starters").is_dir() else []


def _require(starter: Starter) -> None:
    missing = starter.missing_tools() + ([] if find_native_bin_dir() else ["PostgreSQL's initdb and pg_ctl"])
    if missing:
        missing_tool(f"{starter.name}'s path needs {', '.join(missing)}", ci_must="walk every starter")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = read_only_kit(tmp_path_factory.mktemp("clone") / "kit")
    yield folder
    make_writable(folder)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.name)
def test_from_a_read_only_clone_to_level_0_and_nothing_left_running(starter: Starter, kit: Path,
                                                                    tmp_path: Path) -> None:
    _require(starter)
    before = contents(kit)
    attempt = tmp_path / "my-attempt"
    try:
        walk = walk_path(kit, starter.name, attempt)
    except PathFailed:
        end(leftovers([str(attempt)], grace=0))
        raise
    assert walk.left_running == [], "still running after the walk:\n" + "\n".join(walk.left_running)
    assert list(walk.seconds) == ["make new", "db start", "setup", "run until it answers", "check level 0"]
    assert contents(kit) == before, "the path wrote into the kit's folder"
    built_starters.remember(starter.name, attempt)


def test_leftovers_sees_a_process_started_in_the_attempt(tmp_path: Path) -> None:
    """The no-leftovers check can fail: a process left in the attempt's folder is found, and ended."""
    import subprocess

    process = subprocess.Popen(["sleep", "60"], cwd=tmp_path)
    try:
        found = leftovers([str(tmp_path)], grace=0)
        assert [line.split(":", 1)[0] for line in found] == [str(process.pid)]
        end(found)
        assert process.wait(timeout=10) != 0
    finally:
        process.kill()
        process.wait()
