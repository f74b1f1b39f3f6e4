"""A schema failure in a participant's words: the member, its JSON path, the rule, and the spec's reason.

jsonschema says "False schema does not allow 'password_hash'"; a participant needs "`password_hash` is not
part of User: an account never carries its password". Each kind of error gets one sentence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null",
               int: "an integer", float: "a number"}
_TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "boolean": "a boolean",
               "null": "null", "integer": "an integer", "number": "a number"}
_FORMATS = {"date-time": "an RFC 3339 timestamp with an offset (2026-03-02T09:00:00Z)",
            "date": "a date (2026-03-02)", "email": "an email address", "uuid": "a UUID",
            "uri": "an absolute URI", "uri-reference": "a URI reference"}


def json_path(parts: Iterable[Any]) -> str:
    """items[2].ended_at; `the body` for the document itself."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "the body"


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _shown(value: Any, limit: int = 60) -> str:
    text = _as_json(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _value_with_kind(value: Any) -> str:
    shown = _shown(value)
    return shown if value is None or isinstance(value, bool) else f"{shown} ({_kind(value)})"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _value_at(document: Any, parts: list[Any]) -> Any:
    for part in parts:
        try:
            document = document[part]
        except (KeyError, IndexError, TypeError):
            return None
    return document


def _description(schema: Any) -> str | None:
    """The first sentence of a schema's description, without its final full stop."""
    if not isinstance(schema, dict) or not schema.get("description"):
        return None
    text = " ".join(str(schema["description"]).split())
    first = text.split(". ", 1)[0].rstrip(".")
    return first[0].lower() + first[1:] if first[:1].isupper() and not first[1:2].isupper() else first


def _with_reason(sentence: str, *schemas: Any) -> str:
    for schema in schemas:
        reason = _description(schema)
        if reason:
            return f"{sentence}: {reason}"
    return sentence


class SchemaMessages:
    """Turns jsonschema errors into sentences, naming components by the spec's names."""

    def __init__(self, components: dict[str, Any], resolve: Any) -> None:
        self._names = {id(schema): name for name, schema in components.items()}
        self._resolve = resolve  # a "$ref" string -> the schema it points to

    def name_of(self, schema: Any, fallback: str) -> str:
        return self._names.get(id(schema), fallback)

    def _member_schema(self, owner: Any, member: str) -> Any:
        if not isinstance(owner, dict):
            return None
        return self._plain(owner.get("properties", {}).get(member))

    def _plain(self, schema: Any) -> Any:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self._resolve(schema["$ref"])
        return schema

    def schema_at(self, root: Any, parts: list[Any]) -> Any:
        """The schema that describes the member at parts (through $refs, properties and items)."""
        schema = self._plain(root)
        for part in parts:
            if not isinstance(schema, dict):
                return None
            schema = self._plain(schema.get("items") if isinstance(part, int) else
                                 schema.get("properties", {}).get(part))
        return schema

    def sentence(self, error: ValidationError, top_name: str, root: Any = None, document: Any = None) -> str:
        path = list(error.absolute_path)
        where = json_path(path)
        value = error.instance
        keyword = error.validator
        if error.schema is False:
            # A member the spec forbids outright (`password_hash: false`). jsonschema leaves the member's
            # name out of the path of such an error, so it is found again from the owning object.
            owner = self.schema_at(root, path)
            holder = _value_at(document, path)
            forbidden = [key for key, sub in (owner or {}).get("properties", {}).items()
                         if sub is False and isinstance(holder, dict) and key in holder]
            members = ", ".join(f"`{json_path(path + [key])}`" for key in forbidden) or f"`{where}`"
            verb = "is" if len(forbidden) < 2 else "are"
            return _with_reason(f"{members} {verb} not part of {self.name_of(owner, top_name)}", owner)
        if keyword in ("additionalProperties", "unevaluatedProperties"):
            owner = error.schema
            known = set(owner.get("properties", {})) if isinstance(owner, dict) else set()
            extra = [key for key in value if key not in known] if isinstance(value, dict) else []
            members = ", ".join(f"`{json_path(path + [key])}`" for key in extra) or "a member"
            return _with_reason(f"{members} {'is' if len(extra) < 2 else 'are'} not part of "
                                f"{self.name_of(owner, top_name)}", owner)
        if keyword == "required":
            owner = error.schema
            missing = [m for m in error.validator_value if isinstance(value, dict) and m not in value]
            names = ", ".join(f"`{m}`" for m in missing)
            whose = f"`{where}`" if path else "the body"
            them = "it" if len(missing) < 2 else "them"
            sentence = f"{whose} has no {names}; {self.name_of(owner, top_name)} requires {them}"
            return _with_reason(sentence, self._member_schema(owner, missing[0])) if len(missing) == 1 else sentence
        if keyword in ("anyOf", "oneOf") and error.context:
            # Of the branches, the one that failed on something other than the type says the most.
            near = [sub for sub in error.context if sub.validator != "type"]
            if near:
                return self.sentence(near[0], top_name, root, document)
            wanted = [t for sub in error.context for t in _as_list(sub.validator_value)]
            names = " or ".join(dict.fromkeys(_TYPE_NAMES.get(t, t) for t in wanted))
            return _with_reason(f"`{where}` is {_value_with_kind(value)}, but it must be {names}", error.schema)
        if keyword == "type":
            wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            names = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
            return _with_reason(f"`{where}` is {_value_with_kind(value)}, but it must be {names}", error.schema)
        if keyword == "format":
            wanted = _FORMATS.get(error.validator_value, f"in the format {error.validator_value}")
            return _with_reason(f"`{where}` is {_shown(value)}, but it must be {wanted}", error.schema)
        if keyword == "pattern":
            return _with_reason(f"`{where}` is {_shown(value)}, which does not match the pattern "
                                f"{error.validator_value}", error.schema)
        if keyword in ("enum", "const"):
            allowed = error.validator_value if keyword == "enum" else [error.validator_value]
            return _with_reason(f"`{where}` is {_shown(value)}, but it must be one of "
                                f"{', '.join(_as_json(a) for a in allowed)}", error.schema)
        if keyword in ("minLength", "maxLength"):
            bound = "at least" if keyword == "minLength" else "at most"
            return _with_reason(f"`{where}` is {len(value)} characters long ({_shown(value)}), but it must be "
                                f"{bound} {error.validator_value}", error.schema)
        if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            bound = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                     "exclusiveMaximum": "less than"}[keyword]
            return _with_reason(f"`{where}` is {_shown(value)}, but it must be {bound} {error.validator_value}",
                                error.schema)
        if keyword in ("minItems", "maxItems"):
            bound = "at least" if keyword == "minItems" else "at most"
            return f"`{where}` has {len(value)} items, but it must have {bound} {error.validator_value}"
        return f"`{where}`: {error.message}"
