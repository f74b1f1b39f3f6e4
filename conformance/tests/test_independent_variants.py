"""The catalogue of the independent app's broken variants is sound. `make mutants` runs the suite against each."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from conftest import missing_tool
from independent_app.building import SOURCE as INDEPENDENT_APP
from independent_app.building import build_independent_app
from independent_app.variants import VARIANTS, find

from timetension import all_checks
from timetension._registry import LEVEL_IDS

SLUGS = {check.slug for check in all_checks()}


def go_known_breaks() -> list[str]:
    """The names in `knownBreaks` of breaks.go, the list the Go app accepts at start-up."""
    source = (INDEPENDENT_APP / "breaks.go").read_text()
    listing = re.search(r"var knownBreaks = \[\]string\{(.*?)\n\}", source, re.DOTALL)
    assert listing is not None, "breaks.go no longer has `var knownBreaks = []string{...}`"
    return re.findall(r'"([^"]+)"', listing.group(1))


def go_breaks_in_code() -> set[str]:
    """The names the Go code breaks a rule for, in `breaks("...")` calls."""
    return {name for path in INDEPENDENT_APP.glob("*.go") if not path.name.endswith("_test.go")
            for name in re.findall(r'breaks\("([^"]+)"\)', path.read_text())}


def test_every_variant_is_known_to_the_go_app_and_every_break_has_a_variant() -> None:
    names = [variant.name for variant in VARIANTS]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(go_known_breaks())
    assert go_breaks_in_code() == set(names), "a name broken in the Go code but not listed, or listed but not broken"
    assert find(names[0]) is VARIANTS[0]


def test_every_caught_by_is_a_real_check_and_every_open_one_says_why() -> None:
    assert [v.name for v in VARIANTS if v.caught_by is not None and v.caught_by not in SLUGS] == []
    assert [v.name for v in VARIANTS if not v.allowed and (v.caught_by is None) != (len(v.gap) > 20)] == []
    assert [v.name for v in VARIANTS if v.allowed and (v.caught_by is not None or v.gap)] == []


def test_at_least_thirty_variants_over_every_level() -> None:
    assert len(VARIANTS) >= 30
    assert {variant.level for variant in VARIANTS} == {level for level in LEVEL_IDS if level != "fuzz"}
    assert [v.name for v in VARIANTS if len(v.breaks) < 15] == []


def test_the_go_app_refuses_to_start_with_an_unknown_variant(tmp_path: Path) -> None:
    binary, why_not = build_independent_app(tmp_path / "independent-app")
    if binary is None:
        missing_tool(why_not, ci_must="build it")
    env = {**os.environ, "INDEPENDENT_APP_BREAK": "no-such-rule", "PORT": "0",
           "DATABASE_URL": f"sqlite:///{tmp_path}/refused.db"}
    ended = subprocess.run([str(binary)], env=env, capture_output=True, text=True, timeout=30)
    assert ended.returncode != 0
    assert '"no-such-rule" is not a broken variant' in ended.stderr and VARIANTS[0].name in ended.stderr
    assert not (tmp_path / "refused.db").exists()
