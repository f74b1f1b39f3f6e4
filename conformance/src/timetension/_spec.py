"""The OpenAPI document: where to find it, its levels and operations, and response validation."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ._schema_messages import SchemaMessages

SPEC_ENV_VAR = "TIMETENSION_SPEC"
_SPEC_URI = "urn:timetension:openapi"
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    summary: str
    docs: str


@dataclass(frozen=True)
class Rule:
    """One normative sentence of the spec, with the stable id that checks name (`x-rules`)."""

    id: str
    level: str
    text: str
    place: str  # "the API" for the rules of every operation, else an operationId or a component's name
    not_checked: str | None = None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    level: str
    summary: str
    statuses: tuple[str, ...]
    unchecked_statuses: tuple[str, ...] = ()
    protected: bool = True
    schema_cannot_say: str | None = None  # x-schema-cannot-say: why a schema-valid request may be refused
    _pattern: re.Pattern[str] = field(compare=False, repr=False, default=re.compile(""))

    def matches(self, method: str, path: str) -> bool:
        return method.lower() == self.method and bool(self._pattern.fullmatch(path))


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex)


def find_spec_path() -> Path:
    """The spec in use: $TIMETENSION_SPEC, the copy inside an installed wheel, or the repository's."""
    configured = os.environ.get(SPEC_ENV_VAR)
    if configured:
        return Path(configured)
    packaged = resources.files("timetension").joinpath("openapi.yaml")
    if packaged.is_file():
        return Path(str(packaged))
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "spec" / "openapi.yaml"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "Cannot find the Timetension spec (openapi.yaml). "
        f"Set {SPEC_ENV_VAR} to its path, or reinstall the timetension package."
    )


class Spec:
    """A loaded OpenAPI document with the few questions the suite asks of it."""

    def __init__(self, document: dict[str, Any], raw: bytes = b"") -> None:
        self.document = document
        self.sha256 = hashlib.sha256(raw).hexdigest() if raw else ""
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(_SPEC_URI, resource)
        self._resolver = self._registry.resolver(base_uri=_SPEC_URI)
        self._validators: dict[str, Draft202012Validator] = {}
        components = document.get("components", {}).get("schemas", {})
        self._messages = SchemaMessages(components, lambda ref: self._resolver.lookup(ref).contents)

    @classmethod
    def load(cls, path: Path | None = None) -> Spec:
        path = path or find_spec_path()
        raw = path.read_bytes()
        return cls(yaml.safe_load(raw), raw)

    @property
    def version(self) -> str:
        return str(self.document["info"]["version"])

    @cached_property
    def levels(self) -> tuple[Level, ...]:
        return tuple(Level(**entry) for entry in self.document["x-levels"])

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(f"no level {level_id!r} in the spec; known: {', '.join(lv.id for lv in self.levels)}")

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        default_security = self.document.get("security", [])
        found = []
        for path, item in self.document["paths"].items():
            for method in _HTTP_METHODS:
                op = item.get(method)
                if op is None:
                    continue
                responses = op.get("responses", {})
                found.append(
                    Operation(
                        operation_id=op["operationId"],
                        method=method,
                        path=path,
                        level=op["x-level"],
                        summary=op.get("summary", ""),
                        statuses=tuple(responses),
                        unchecked_statuses=tuple(
                            status
                            for status, response in responses.items()
                            if "x-not-checked" in self._resolve(response)
                        ),
                        protected=bool(op.get("security", default_security)),
                        schema_cannot_say=op.get("x-schema-cannot-say"),
                        _pattern=_path_pattern(path),
                    )
                )
        return tuple(found)

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        """The rule register: the root's rules, then each operation's, then the components'."""
        found: list[Rule] = []

        def add(entries: list[dict[str, Any]], place: str, level: str | None) -> None:
            for entry in entries:
                found.append(Rule(id=entry["id"], level=entry.get("level", level or ""), text=entry["text"],
                                  place=place, not_checked=entry.get("not-checked")))

        add(self.document.get("x-rules", []), "the API", None)
        for item in self.document["paths"].values():
            for method in _HTTP_METHODS:
                if method in item:
                    op = item[method]
                    add(op.get("x-rules", []), op["operationId"], op["x-level"])
        for components in self.document.get("components", {}).values():
            for name, component in components.items():
                if isinstance(component, dict):
                    add(component.get("x-rules", []), name, None)
        return tuple(found)

    def rule(self, rule_id: str) -> Rule:
        for candidate in self.rules:
            if candidate.id == rule_id:
                return candidate
        raise KeyError(f"no rule {rule_id!r} in the spec's x-rules")

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(f"no operation {operation_id!r} in the spec")

    def match(self, method: str, path: str) -> Operation | None:
        """The operation a request goes to, or None for a path the spec does not have."""
        path = path.split("?", 1)[0]
        # A literal path such as /users/me wins over a template such as /users/{id}.
        candidates = [op for op in self.operations if op.matches(method, path)]
        candidates.sort(key=lambda op: op.path.count("{"))
        return candidates[0] if candidates else None

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        return self._resolve_with_pointer(node, "")[0]

    def _resolve_with_pointer(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        while "$ref" in node:
            pointer = node["$ref"]
            node = self._resolver.lookup(pointer).contents
        return node, pointer

    def _response(self, operation: Operation, status: int) -> tuple[dict[str, Any], str] | None:
        escaped_path = operation.path.replace("~", "~0").replace("/", "~1")
        pointer = f"#/paths/{escaped_path}/{operation.method}/responses/{status}"
        response = self.document["paths"][operation.path][operation.method]["responses"].get(str(status))
        if response is None:
            return None
        return self._resolve_with_pointer(response, pointer)

    def response_schema(self, operation: Operation, status: int, media_type: str) -> str | None:
        """A JSON pointer into the spec to a documented response body's schema, or None."""
        found = self._response(operation, status)
        if found is None:
            return None
        response, pointer = found
        content = response.get("content", {})
        if "schema" not in content.get(media_type, {}):
            return None
        escaped_type = media_type.replace("~", "~0").replace("/", "~1")
        return f"{pointer}/content/{escaped_type}/schema"

    def request_schema(self, operation: Operation, media_type: str) -> str | None:
        """A JSON pointer into the spec to an operation's request body schema, or None."""
        escaped_path = operation.path.replace("~", "~0").replace("/", "~1")
        pointer = f"#/paths/{escaped_path}/{operation.method}/requestBody"
        body, pointer = self._resolve_with_pointer(self._resolver.lookup(pointer).contents, pointer) \
            if "requestBody" in self.document["paths"][operation.path][operation.method] else ({}, pointer)
        if "schema" not in body.get("content", {}).get(media_type, {}):
            return None
        escaped_type = media_type.replace("~", "~0").replace("/", "~1")
        return f"{pointer}/content/{escaped_type}/schema"

    def documented_media_types(self, operation: Operation, status: int) -> tuple[str, ...]:
        found = self._response(operation, status)
        return tuple(found[0].get("content", {})) if found else ()

    def schema_name(self, pointer: str) -> str:
        """A short name for a schema pointer: the component's name when it is one."""
        node = self._resolver.lookup(pointer).contents
        ref = node.get("$ref", pointer)
        return ref.rsplit("/", 1)[-1]

    def validation_errors(self, pointer: str, instance: Any) -> list[str]:
        """One sentence per thing wrong with instance against the schema at pointer (empty when it matches):
        the member's JSON path, the rule it breaks, and the spec's description of it when there is one."""
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": _SPEC_URI + pointer},
                registry=self._registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            self._validators[pointer] = validator
        root = self._resolver.lookup(pointer).contents
        top_name = self.schema_name(pointer)
        messages: dict[tuple[str, ...], str] = {}  # one sentence per member, and one per object's missing ones
        for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
            key = (*map(str, error.absolute_path), "required" if error.validator == "required" else "")
            messages.setdefault(key, self._messages.sentence(error, top_name, root, instance))
        return list(messages.values())


@lru_cache(maxsize=1)
def default_spec() -> Spec:
    return Spec.load()
