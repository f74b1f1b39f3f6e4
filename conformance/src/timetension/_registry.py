"""The ordered registry of checks: each a plain function with a stable slug, a level and a title."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._tester import Tester

LEVEL_IDS = ("L0", "L1", "L2", "L3", "L4", "L5")


@dataclass(frozen=True)
class Check:
    """One rule of the API, tested by a short recipe over the shared helpers."""

    slug: str
    level: str
    title: str
    operations: tuple[str, ...]
    anchor: str
    why: str
    run: Callable[[Tester], None]
    prepare: Callable[[Tester], Any] | None = None
    rules: tuple[str, ...] = ()  # ids of the spec's x-rules this check verifies
    alone: bool = False  # runs after the level's other checks, with nothing else running
    waits: bool = False  # mostly waits for time to pass: runs on beside the next levels' checks

    @property
    def area(self) -> str:
        return self.slug.split(".", 1)[0]


_CHECKS: list[Check] = []


def check(
    slug: str,
    *,
    level: str,
    title: str,
    operations: tuple[str, ...] | list[str],
    why: str,
    rules: tuple[str, ...] | list[str],
    anchor: str | None = None,
    prepare: Callable[[Tester], Any] | None = None,
    alone: bool = False,
    waits: bool = False,
) -> Callable[[Callable[[Tester], None]], Callable[[Tester], None]]:
    """Register a check. The slug is `area.rule-in-words`; it never changes once released.

    `rules` names the ids of the spec's rule register (`x-rules`) that the check verifies; a kit test
    holds every rule to at least one check, and every id to a rule.

    Checks of a level run at the same time, so a check must not depend on what another check does: it
    works on users of its own (or shared users, on a day of its own), and leaves nothing behind that
    could disturb another. A check that cannot (it loads the server, or times it) says `alone=True`.

    A check that spends most of its time waiting for time to pass (a token's lifetime) says `waits=True`:
    once every other check of its level has passed, the next levels start while it waits, and their
    results count only if it passes too.
    """

    def register(function: Callable[[Tester], None]) -> Callable[[Tester], None]:
        if level not in LEVEL_IDS:
            raise ValueError(f"{slug}: unknown level {level!r}")
        if not rules:
            raise ValueError(f"{slug}: name the rules it verifies (rules=...)")
        if any(existing.slug == slug for existing in _CHECKS):
            raise ValueError(f"two checks are called {slug!r}")
        _CHECKS.append(
            Check(
                slug=slug,
                level=level,
                title=title,
                operations=tuple(operations),
                anchor=anchor or slug.split(".", 1)[1],
                why=why,
                run=function,
                prepare=prepare,
                rules=tuple(rules),
                alone=alone,
                waits=waits,
            )
        )
        return function

    return register


def all_checks() -> tuple[Check, ...]:
    """Every check, by level, then in the order the level's module declares them."""
    importlib.import_module("timetension.checks")
    return tuple(sorted(_CHECKS, key=lambda c: LEVEL_IDS.index(c.level)))


def find_check(slug: str) -> Check:
    for candidate in all_checks():
        if candidate.slug == slug:
            return candidate
    raise KeyError(f"no check called {slug!r}")
