"""The rule register: every normative sentence of the spec has a rule id, and every rule a check.

A rule without a check must say why it cannot be checked from outside (`not-checked`). `make test` prints
the same count through `timetension levels --rules`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from timetension import all_checks, default_spec
from timetension._rules import trace
from timetension._spec import Spec

FREEDOM = re.compile(r"left open|may be accepted or refused|is a right answer|need not be")


def normalised(text: str) -> str:
    return " ".join(text.split())


def descriptions(node: Any) -> list[str]:
    """Every description inside a node, but not those of the rule register itself."""
    if isinstance(node, dict):
        found = [node["description"]] if isinstance(node.get("description"), str) else []
        for key, value in node.items():
            if key != "x-rules":
                found += descriptions(value)
        return found
    if isinstance(node, list):
        return [text for item in node for text in descriptions(item)]
    return []


def place_texts(spec: Spec) -> dict[str, str]:
    document = spec.document
    texts = {"the API": normalised(document["info"]["description"])}
    for item in document["paths"].values():
        for value in item.values():
            if isinstance(value, dict) and "operationId" in value:
                own = [value.get("description", "")] + [p.get("description", "") for p in value.get("parameters", [])]
                texts[value["operationId"]] = normalised(" ".join(own))
    for components in document["components"].values():
        for name, component in components.items():  # a schema and an example may share a name
            texts[name] = normalised(texts.get(name, "") + " " + " ".join(descriptions(component)))
    return texts


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=\.)\s+(?=[A-Z`\"])", normalised(text)) if part]


def normative_texts(spec: Spec) -> dict[str, list[str]]:
    """The root's rule lists and every operation's description, by place."""
    root = spec.document["info"]["description"].split("Rules that hold for every operation:", 1)[1]
    bullets = re.split(r"\n\s*- ", root)[1:]
    found = {"the API": [normalised(item.split("\n\n")[0]) for item in bullets]}
    for operation in spec.operations:
        described = spec.document["paths"][operation.path][operation.method].get("description", "")
        found[operation.operation_id] = [normalised(described)] if described else []
    return found


def test_rule_ids_are_unique_and_stable_names() -> None:
    ids = [rule.id for rule in default_spec().rules]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for rule_id in ids:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9]+(-[a-z0-9]+)*", rule_id), rule_id


def misquoted(spec: Spec) -> list[str]:
    texts = place_texts(spec)
    return [rule.id for rule in spec.rules if normalised(rule.text) not in texts.get(rule.place, "")]


def test_each_rule_quotes_the_spec_where_it_stands() -> None:
    assert misquoted(default_spec()) == [], "these rules' text is not in the description where they stand"


def test_every_normative_sentence_has_a_rule() -> None:
    spec = default_spec()
    quoted: dict[str, list[str]] = {}
    for rule in spec.rules:
        quoted.setdefault(rule.place, []).append(normalised(rule.text))
    uncovered = []
    for place, paragraphs in normative_texts(spec).items():
        for sentence in (s for paragraph in paragraphs for s in sentences(paragraph)):
            covered = any(text in sentence or sentence in text for text in quoted.get(place, []))
            if not covered and not FREEDOM.search(sentence):
                uncovered.append(f"{place}: {sentence}")
    assert uncovered == []


def test_every_rule_has_a_check_or_says_why_it_cannot() -> None:
    spec = default_spec()
    rule_trace = trace(spec, all_checks())
    assert rule_trace.unknown == {}, "checks name rules the spec does not have"
    assert [rule.id for rule in rule_trace.without_check] == []
    for rule in rule_trace.not_checkable:
        assert len(rule.not_checked or "") > 30, f"{rule.id}: say why it cannot be checked from outside"
        assert not rule_trace.checks_of[rule.id], f"{rule.id} is marked not checkable, yet checks name it"


def test_every_check_names_a_rule_of_its_level_or_below() -> None:
    spec = default_spec()
    order = [level.id for level in spec.levels]
    for check in all_checks():
        assert check.rules, check.slug
        for rule_id in check.rules:
            assert order.index(spec.rule(rule_id).level) <= order.index(check.level) or rule_id in LEVEL_5_EDGES, (
                f"{check.slug} ({check.level}) names {rule_id} ({spec.rule(rule_id).level})"
            )


# Level 3 checks that already send requests without If-Match: the level 5 rule that such a change is
# unconditional holds there too.
LEVEL_5_EDGES = {"entries.if-match-optional"}


@pytest.mark.parametrize("broken", ["unknown id", "misquoted", "unchecked"])
def test_the_trace_catches_each_kind_of_gap(broken: str) -> None:
    spec = Spec.load()  # a copy of its own, changed below
    checks = all_checks()
    if broken == "unknown id":
        checks = (replace(checks[0], rules=("no.such-rule",)), *checks[1:])
        assert trace(spec, checks).unknown == {checks[0].slug: ("no.such-rule",)}
    elif broken == "misquoted":
        spec.document["x-rules"][0]["text"] += " never said"
        assert misquoted(spec) == [spec.document["x-rules"][0]["id"]]
    else:
        spec.document["x-rules"].append({"id": "errors.lonely", "level": "L0", "text": "x"})
        assert [rule.id for rule in trace(spec, checks).without_check] == ["errors.lonely"]
