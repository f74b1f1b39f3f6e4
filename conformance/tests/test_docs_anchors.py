"""Every check's "Read:" link points at a section that exists in the level pages under docs/."""

from __future__ import annotations

import re

from servers import REPOSITORY

from timetension import all_checks, default_spec


def test_every_check_has_its_section_in_the_docs() -> None:
    spec = default_spec()
    missing = []
    for check in all_checks():
        page = REPOSITORY / "docs" / (spec.level(check.level).docs.rstrip("/") + ".md")
        anchors = set(re.findall(r"\{#([a-z0-9-]+)\}", page.read_text())) if page.exists() else set()
        if check.anchor not in anchors:
            missing.append(f"{check.slug} -> {page.relative_to(REPOSITORY)}#{check.anchor}")
    assert missing == []
