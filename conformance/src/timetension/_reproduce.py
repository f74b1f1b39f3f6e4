"""A failure's requests as a shell script: pasted into a shell, it shows the failure again.

Every exchange of a run is recorded with the values its answer carried (tokens, ids). For a failure the
script holds the failing request and what it depends on: the registration and token of each user whose
token it sends, the requests that made the objects whose ids appear in it, and the earlier changes the
same user made in the check (a duplicate name or an overlap depends on them though no id says so). Tokens
and ids become shell variables captured from the earlier answers with jq; the run's unique part of names
and emails becomes $RUN, so a second paste registers fresh users.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._client import Exchange

_VARIABLE_NAMES = {"/projects": "PROJECT_ID", "/time-entries": "ENTRY_ID", "/timer/start": "ENTRY_ID",
                   "/users": "USER_ID"}
_RUN = "RUN=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \\n')  # 8 random hex digits: new emails and names each paste"
_SUCCESS = range(200, 300)
_CONDITIONS = ("if-match", "if-none-match")
ETAG = "etag"


@dataclass
class _Produced:
    exchange: Exchange
    field: str  # where the answer carries the value: its JSON member access_token or id, or its ETag header


def _json(data: bytes | None) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _label(item: dict[str, Any]) -> str | None:
    for member in ("name", "description", "email"):
        if isinstance(item.get(member), str) and item[member]:
            return item[member]
    return None


class Recorder:
    """What every answer of a run carried, for reproductions and for naming ids in messages."""

    def __init__(self, run_id: str, labels: dict[str, str] | None = None) -> None:
        self.run_id = run_id
        self.labels = labels if labels is not None else {}  # an object's id -> its name (or description)
        self._sequence: dict[int, int] = {}  # id(exchange) -> the order it was sent in
        self._produced: dict[str, _Produced] = {}
        self._registrations: dict[str, Exchange] = {}  # email -> POST /users that made the account
        self._lock = threading.Lock()

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self._sequence[id(exchange)] = len(self._sequence)
        if exchange.status not in _SUCCESS:
            return
        answer = _json(exchange.response_body)
        sent = _json(exchange.request_body)
        path = urlsplit(exchange.path).path
        with self._lock:
            if exchange.method == "POST" and path == "/users" and isinstance(sent, dict):
                self._registrations.setdefault(str(sent.get("email")), exchange)
            tag = exchange.response_headers.get("etag")
            if tag:
                self._produced.setdefault(tag, _Produced(exchange, ETAG))
            if not isinstance(answer, dict):
                return
            if isinstance(answer.get("access_token"), str):
                self._produced.setdefault(answer["access_token"], _Produced(exchange, "access_token"))
            if exchange.method == "POST" and isinstance(answer.get("id"), str):
                self._produced.setdefault(answer["id"], _Produced(exchange, "id"))
            for item in [answer, *[i for i in answer.get("items", []) if isinstance(i, dict)]]:
                if isinstance(item.get("id"), str) and _label(item):
                    self.labels[item["id"]] = _label(item)  # type: ignore[assignment]

    # Which requests a failure needs ------------------------------------------------------------

    def _used_values(self, exchange: Exchange) -> list[str]:
        """Tokens, ids and entity tags the request sends: in its Authorization header, its path, query and
        body, and its If-Match."""
        split = urlsplit(exchange.path)
        found = [part for part in split.path.split("/") if part]
        found += [value for _, value in parse_qsl(split.query)]
        found += list(_strings(_json(exchange.request_body)))
        for name, value in exchange.request_headers.items():
            if name.lower() == "authorization" and value.lower().startswith("bearer "):
                found.append(value[7:].strip())
            if name.lower() in _CONDITIONS:
                tags = [tag.strip() for tag in value.split(",")]
                found += tags + [tag[2:] for tag in tags if tag.startswith("W/")]
        return [value for value in dict.fromkeys(found) if value in self._produced]

    def _token_of(self, exchange: Exchange) -> str | None:
        for name, value in exchange.request_headers.items():
            if name.lower() == "authorization" and value.lower().startswith("bearer "):
                return value[7:].strip()
        return None

    def needed(self, conversation: list[Exchange], failing: Exchange) -> list[Exchange]:
        """The failing request and, in the order they were sent, the requests it depends on."""
        with self._lock:
            before = conversation[: next((i for i, e in enumerate(conversation) if e is failing), len(conversation))]
            token = self._token_of(failing)
            chosen: dict[int, Exchange] = {id(failing): failing}
            pending = [failing]
            # The same caller's earlier changes in this check: state no id points at (a name or an email
            # taken, a timer running, an overlapping entry). Anonymous callers count as one.
            for earlier in before:
                if (self._token_of(earlier) == token and earlier.method != "GET"
                        and earlier.status in _SUCCESS and id(earlier) not in chosen):
                    chosen[id(earlier)] = earlier
                    pending.append(earlier)
            while pending:
                exchange = pending.pop()
                for value in self._used_values(exchange):
                    producer = self._produced[value].exchange
                    if producer is exchange or id(producer) in chosen:
                        continue
                    chosen[id(producer)] = producer
                    pending.append(producer)
                if exchange.method == "POST" and urlsplit(exchange.path).path == "/auth/token":
                    sent = _json(exchange.request_body)
                    registration = self._registrations.get(str(sent.get("email"))) if isinstance(sent, dict) else None
                    if registration is not None and id(registration) not in chosen:
                        chosen[id(registration)] = registration
            return sorted(chosen.values(), key=lambda e: self._sequence.get(id(e), 0))

    # The script ----------------------------------------------------------------------------------

    def script(self, conversation: list[Exchange], failing: Exchange | None) -> list[str]:
        """Shell commands, one per line, from the set-up to the failing request (sent with -i)."""
        if failing is None:
            if not conversation:
                return []
            failing = conversation[-1]
        steps = self.needed(conversation, failing)
        variables: dict[str, str] = {}  # value -> variable name
        captures: dict[int, list[tuple[str, str]]] = {}  # id(exchange) -> [(variable, where its value is)]
        counts: dict[str, int] = {}
        for step in steps:
            for value in self._used_values(step):
                if value in variables:
                    continue
                produced = self._produced[value]
                if not any(s is produced.exchange for s in steps):
                    continue
                if produced.field == "access_token":
                    base = "TOKEN"
                elif produced.field == ETAG:
                    base = "ETAG"
                else:
                    base = _VARIABLE_NAMES.get(urlsplit(produced.exchange.path).path, "ID")
                counts[base] = counts.get(base, 0) + 1
                name = base if counts[base] == 1 else f"{base}_{counts[base]}"
                variables[value] = name
                captures.setdefault(id(produced.exchange), []).append((name, produced.field))
        # Each kind of value is replaced only where it travels, so a short one cannot match by accident.
        where = {value: self._produced[value].field for value in variables}
        substitutions = {value: name for value, name in variables.items() if where[value] == "id"}
        tokens = {value: name for value, name in variables.items() if where[value] == "access_token"}
        tags = {value: name for value, name in variables.items() if where[value] == ETAG}
        # A fresh $RUN only matters when the script makes something (an account, a project) that a second
        # paste would otherwise find taken.
        if self.run_id and any(step.method != "GET" for step in steps):
            substitutions[self.run_id] = "RUN"
            substitutions[self.run_id.upper()] = "RUN"
        lines = []
        if "RUN" in substitutions.values() and any(self.run_id.lower() in _text(step).lower() for step in steps):
            lines.append(_RUN)
        for step in steps:
            words = _curl_words(step, substitutions, tokens, tags)
            if step is failing:
                lines.append(" ".join(["curl", "-sS", "-i", *words]))
            elif [field for _, field in captures.get(id(step), [])] in (["access_token"], ["id"]):
                [(name, member)] = captures[id(step)]
                lines.append(f"{name}=$(curl -sS {' '.join(words)} | jq -r .{member})")
            elif id(step) in captures:
                # An entity tag is in the headers: keep the whole answer, then read each value out of it.
                lines.append(f"ANSWER=$(curl -sS -i {' '.join(words)})")
                for name, where in captures[id(step)]:
                    if where == ETAG:
                        read = "tr -d '\\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p'"
                    else:
                        read = f"tr -d '\\r' | sed '1,/^$/d' | jq -r .{where}"
                    lines.append(f'{name}=$(printf \'%s\\n\' "$ANSWER" | {read})')
            else:
                line = shell_word(f"{step.method} {step.path} -> %{{http_code}}\\n", substitutions)
                lines.append(" ".join(["curl", "-sS", "-o", "/dev/null", "-w", line, *words]))
        return lines


def _text(exchange: Exchange) -> str:
    body = exchange.request_body.decode("utf-8", "replace") if exchange.request_body else ""
    return " ".join([exchange.url, body, *exchange.request_headers.values()])


def _curl_words(exchange: Exchange, substitutions: dict[str, str], tokens: dict[str, str],
                tags: dict[str, str]) -> list[str]:
    """curl's arguments for the request: ids (and $RUN) replaced in the URL and the body, tokens in
    Authorization, entity tags in If-Match."""
    words = ["-X", exchange.method] if exchange.method != "GET" else []
    words.append(shell_word(exchange.url, substitutions))
    for name, value in exchange.request_headers.items():
        only = {"authorization": tokens, **{condition: tags for condition in _CONDITIONS}}.get(name.lower())
        words += ["-H", shell_word(f"{name}: {value}", substitutions if only is None else only)]
    if exchange.request_body is not None:
        words += ["--data-binary", shell_word(exchange.request_body.decode("utf-8", "replace"), substitutions)]
    return words


def shell_word(text: str, substitutions: dict[str, str]) -> str:
    """text as one shell word, with each substituted value written as "$VARIABLE"."""
    present = sorted((value for value in substitutions if value and value in text), key=len, reverse=True)
    if not present:
        return shlex.quote(text)
    pieces = re.split("(" + "|".join(map(re.escape, present)) + ")", text)
    return "".join(
        f'"${substitutions[piece]}"' if piece in substitutions else shlex.quote(piece) for piece in pieces if piece
    )
