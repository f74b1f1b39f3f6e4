"""The trace from the spec's rule register (`x-rules`) to the checks that verify each rule."""

from __future__ import annotations

from dataclasses import dataclass

from ._registry import Check
from ._spec import Rule, Spec


@dataclass(frozen=True)
class RuleTrace:
    rules: tuple[Rule, ...]
    checks_of: dict[str, tuple[Check, ...]]  # rule id -> the checks that name it
    unknown: dict[str, tuple[str, ...]]  # check slug -> rule ids it names that the spec does not have

    @property
    def without_check(self) -> tuple[Rule, ...]:
        """Rules no check verifies and that are not marked as impossible to check from outside."""
        return tuple(rule for rule in self.rules if not self.checks_of[rule.id] and not rule.not_checked)

    @property
    def not_checkable(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.not_checked)

    def summary(self) -> str:
        checked = sum(1 for rule in self.rules if self.checks_of[rule.id])
        return (
            f"{len(self.without_check)} rules without a check: {len(self.rules)} rules in the spec, {checked} "
            f"verified by the suite's checks, {len(self.not_checkable)} marked as not checkable from outside"
        )


def trace(spec: Spec, checks: tuple[Check, ...]) -> RuleTrace:
    known = {rule.id for rule in spec.rules}
    checks_of = {rule.id: tuple(check for check in checks if rule.id in check.rules) for rule in spec.rules}
    unknown = {check.slug: tuple(r for r in check.rules if r not in known) for check in checks}
    return RuleTrace(spec.rules, checks_of, {slug: ids for slug, ids in unknown.items() if ids})


def register_lines(spec: Spec, rule_trace: RuleTrace) -> list[str]:
    """`timetension levels --rules`: each level's rules, each with its checks or why it has none."""
    lines: list[str] = []
    for level in spec.levels:
        rules = [rule for rule in rule_trace.rules if rule.level == level.id]
        if not rules:
            continue
        lines.append(f"{level.id} {level.name}")
        for rule in rules:
            lines.append(f"   {rule.id}  ({rule.place})")
            lines.append(f"      {rule.text}")
            checks = rule_trace.checks_of[rule.id]
            if checks:
                lines.append("      -> " + ", ".join(check.slug for check in checks))
            elif rule.not_checked:
                lines.append(f"      -> not checkable from outside: {rule.not_checked}")
            else:
                lines.append("      -> NO CHECK")
        lines.append("")
    for slug, ids in rule_trace.unknown.items():
        lines.append(f"{slug} names rules the spec does not have: {', '.join(ids)}")
    lines.append(rule_trace.summary())
    return lines
