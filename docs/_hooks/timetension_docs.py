"""MkDocs hook: the pages of the exercise site that are generated from the kit itself at build time.

Nothing here is copied by hand, so the site cannot drift from what it describes:

- `openapi.yaml` and `reference/results.schema.json`: the spec and the results schema, copied into the
  built site (the API reference's Swagger UI reads the spec from there, offline);
- `starters/index.md` and one `starters/<name>.md` per starter, from `starters/*/starter.toml` and
  `starters/*/README.md`, added to the navigation under "Starters";
- `reference/cli.md`: the help of the `timetension` command line (its argparse parser) and the options of
  the pytest plugin;
- `reference/results.md`: the fields of `results.json`, from `results.schema.json`;
- `reference/checks.md`: the catalogue of checks, from the suite's registry and the spec's operations;
- `reference/rules.md`: the spec's rule register (`x-rules`), each rule with the checks that verify it;
- markers in hand-written pages, replaced by tables made from the same sources:
  `<!-- timetension:levels -->`, `<!-- timetension:starters -->` and `<!-- timetension:versions -->`.

"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

GENERATED_NOTE = (
    "\n\n---\n\n<small>This page is generated when the site is built, from {sources}. "
    "Change those, not the page.</small>\n"
)
STARTERS_SECTION = "Starters"


# The kit ------------------------------------------------------------------------------------------


class Kit:
    """What the site is generated from, read from the repository the mkdocs.yml sits in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        source = root / "conformance" / "src"
        if str(source) not in sys.path:
            sys.path.insert(0, str(source))  # the suite as it is in this repository
        from timetension import all_checks
        from timetension._spec import Spec

        self.spec_path = root / "spec" / "openapi.yaml"
        self.spec = Spec.load(self.spec_path)
        self.checks = all_checks()
        self.schema_path = root / "conformance" / "src" / "timetension" / "results.schema.json"
        self.schema = json.loads(self.schema_path.read_text(encoding="utf-8"))

    @property
    def starters(self) -> list[Any]:
        from timetension._starters import load_starters

        return load_starters(self.root / "starters")

    def fuzz_checks(self) -> list[Any]:
        from timetension._fuzz import fuzz_check, fuzz_stage_check

        return [fuzz_stage_check(), *(fuzz_check(operation) for operation in self.spec.operations)]

    def operation(self, operation_id: str) -> Any:
        for operation in self.spec.operations:
            if operation.operation_id == operation_id:
                return operation
        raise KeyError(operation_id)


_kit: Kit | None = None


def _the_kit(config: MkDocsConfig) -> Kit:
    global _kit
    root = Path(config.config_file_path).resolve().parent
    if _kit is None or _kit.root != root:
        _kit = Kit(root)
    return _kit


# Markdown helpers ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text that Markdown shows as it is, inside a table cell too."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def code(text: str) -> str:
    """Inline code for any text, backticks included (Markdown's tables leave pipes in code spans alone)."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def level_page(kit: Kit, level_id: str, *, relative_to: str) -> str:
    """The Markdown path of a level's page (`levels/projects.md`), relative to the page `relative_to`."""
    target = kit.spec.level(level_id).docs.rstrip("/") + ".md"
    depth = relative_to.count("/")
    return "../" * depth + target


# Pages made from the starters ---------------------------------------------------------------------


def starter_title(starter: Any) -> str:
    readme = starter.folder / "README.md"
    if readme.is_file():
        first = readme.read_text(encoding="utf-8").lstrip().splitlines()[0]
        if first.startswith("# "):
            return re.sub(r"^Timetension starter:\s*", "", first[2:].strip())
    return f"{starter.language} + {starter.framework}"


def starter_page(starter: Any) -> str:
    readme_path = starter.folder / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.is_file() else ""
    body = readme.lstrip()
    if body.startswith("# "):
        body = body.split("\n", 1)[1] if "\n" in body else ""
    # A relative link in a README points into the starter's folder, which the site does not serve.
    body = re.sub(r"(?<!!)\[([^\]]+)\]\((?!https?:|mailto:|#)([^)\s]+)\)",
                  lambda m: f"{m.group(1)} ({code(f'starters/{starter.name}/{m.group(2)}')})", body)
    version = "" if starter.framework_version in ("", "standard library") else f" {starter.framework_version}"
    facts = table(
        ["Manifest", code(f"starters/{starter.name}/starter.toml")],
        [
            ["Language", escape(f"{starter.language} {starter.language_version}")],
            ["Framework", escape(f"{starter.framework}{version}")
             + (" (standard library)" if starter.framework_version == "standard library" else "")],
            ["Tools it needs", ", ".join(code(tool) for tool in starter.toolchain)],
            ["Set-up (native)", code(starter.setup)],
            ["Run (native)", code(starter.run)],
            ["Run, rebuilt on change", code(starter.dev)],
            ["Port", code(str(starter.port)) + f" (or {code('$PORT')})"],
        ],
    )
    return (
        f"# {starter_title(starter)}\n\n"
        f"{facts}\n"
        "Start an attempt from it, in a new folder next to the kit:\n\n"
        f"```console\nmake new STARTER={starter.name} DIR=../my-attempt\n```\n\n"
        '!!! note "Reading the starter\'s README below"\n'
        f"    It is the starter's own `README.md`. Its paths are relative to `starters/{starter.name}/` in the\n"
        "    kit. In a folder made by `make new`, `docker-compose.yml` and `.env.example` are already there:\n"
        "    `cp .env.example .env`, set `POSTGRES_PASSWORD` in `.env`, then `docker compose up --build`\n"
        "    (see [Containers](../containers.md)).\n\n"
        f"{body.strip()}\n"
        + GENERATED_NOTE.format(sources=f"`starters/{starter.name}/starter.toml` and `starters/{starter.name}/README.md`")
    )


def starters_table(kit: Kit, *, relative_to: str) -> str:
    prefix = "../" * relative_to.count("/")
    rows = []
    for starter in kit.starters:
        version = "" if starter.framework_version == "standard library" else f" {starter.framework_version}"
        rows.append([
            f"[{escape(starter_title(starter))}]({prefix}starters/{starter.name}.md)",
            code(starter.name),
            escape(f"{starter.language} {starter.language_version}"),
            escape(f"{starter.framework}{version}"),
            ", ".join(code(tool) for tool in starter.toolchain),
        ])
    return table(["Starter", "STARTER=", "Language", "Framework", "Needs"], rows)


def starters_commands(kit: Kit) -> str:
    rows = [[code(starter.name), code(starter.setup), code(starter.run), code(starter.dev)] for starter in kit.starters]
    return table(["Starter", "Set-up (native)", "Run (native)", "Run, rebuilt on change"], rows)


def starters_index(kit: Kit) -> str:
    return (
        "# Starters\n\n"
        f"The kit has {len(kit.starters)} starters: level-0 skeletons, one per framework, each in that framework's own idiom. Every "
        "one passes level 0 as it comes: it answers `GET /health` after a `SELECT 1`, answers unknown paths "
        "with a problem, logs one line per request, stops cleanly on SIGTERM, and says in one line when it "
        "cannot reach its database. Each has a `Dockerfile` whose `CMD` runs exactly the native run "
        "command below.\n\n"
        "Choose with the [rules for picking a framework](../index.md#picking-a-framework): the one you know "
        "least. Then:\n\n"
        "```console\nmake new STARTER=<name> DIR=../my-attempt\n```\n\n"
        + starters_table(kit, relative_to="starters/index.md")
        + "\nEvery starter reads `DATABASE_URL` (a `postgresql://` URL) and `PORT` (default 8080) and listens "
        "on `0.0.0.0`. Natively, each is set up and started with two commands, run in the attempt's folder "
        "(the Dockerfile's `CMD` is the same run command):\n\n"
        + starters_commands(kit)
        + "\nNothing else is built: level 1 starts with an empty route under a `LEVEL 1 STARTS HERE` "
        "comment.\n"
        + GENERATED_NOTE.format(sources="`starters/*/starter.toml` and `starters/*/README.md`")
    )


# The command line ---------------------------------------------------------------------------------


class _OptionRecorder:
    """Stands in for pytest's parser to read the plugin's options without starting pytest."""

    def __init__(self) -> None:
        self.options: list[tuple[str, dict[str, Any]]] = []
        self.ini: list[tuple[str, str]] = []

    def getgroup(self, *args: Any, **kwargs: Any) -> _OptionRecorder:
        return self

    def addoption(self, *names: str, **kwargs: Any) -> None:
        self.options.append((", ".join(names), kwargs))

    def addini(self, name: str, help: str, *args: Any, **kwargs: Any) -> None:
        self.ini.append((name, help))


def _help(parser: argparse.ArgumentParser) -> str:
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return parser.format_help().rstrip()
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def cli_page(kit: Kit) -> str:
    from timetension import cli, pytest_plugin
    from timetension._spec import SPEC_ENV_VAR

    parser = cli.build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    parts = [
        "# Command line\n",
        "The suite is the `timetension` command (and a pytest plugin, below). Install it from the kit with "
        "`pip install ./conformance`; `make new` and `make venv` put it in the kit's `.venv`. The help below is "
        "the command's own `--help`.\n",
        "## timetension\n",
        f"```text\n{_help(parser)}\n```\n",
    ]
    for name, subparser in commands.choices.items():
        parts += [f"## timetension {name}\n", f"```text\n{_help(subparser)}\n```\n"]
    parts += [
        "## Exit status of `timetension check`\n",
        "(Other commands say theirs in their help above.)\n",
        table(["Status", "Meaning"], [
            [code(str(cli.EXIT_PASSED)), "every requested level passed"],
            [code(str(cli.EXIT_FAILED)), "a requested level failed, or the app could not be reached"],
            [code(str(cli.EXIT_USAGE)), "a mistake on the command line (or the spec could not be found)"],
            [code("130"), "interrupted with Ctrl-C"],
        ]),
        "## Environment variables\n",
        table(["Variable", "What it sets"], [
            [code(cli.URL_ENV_VAR), "the app's URL, when `--url` is not given"],
            [code(cli.DOCS_ENV_VAR), "where this site is served, for the `Read:` links of failures (`--docs-url`)"],
            [code(cli.CORS_ENV_VAR), "the browser origin your app allows, for the level 5 CORS checks (`--cors-origin`)"],
            [code(SPEC_ENV_VAR), "another copy of the spec to check against (normally the one inside the package)"],
            [code("NO_COLOR"), "plain output without colours, like `--no-color`"],
        ]),
        "## As pytest tests\n",
        "The same checks run as pytest items named `timetension::<level>::<slug>`, with the same level gate:\n\n"
        "```console\npytest --timetension-url http://localhost:8080\n```\n",
    ]
    recorder = _OptionRecorder()
    pytest_plugin.pytest_addoption(recorder)  # type: ignore[arg-type]
    rows = []
    for names, options in recorder.options:
        metavar = options.get("metavar")
        shown = names + (f" {metavar}" if metavar else "")
        rows.append([code(shown), escape(options.get("help", ""))])
    for name, text in recorder.ini:
        rows.append([code(f"{name} = ...") + " (ini)", escape(text)])
    parts.append(table(["Option", "Meaning"], rows))
    parts.append(GENERATED_NOTE.format(sources="`timetension.cli.build_parser()` and the pytest plugin's options"))
    return "\n".join(parts)


# The results file ---------------------------------------------------------------------------------


def _schema_type(node: dict[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_def_anchor(name)})"
    if "const" in node:
        return code(json.dumps(node["const"]))
    if "enum" in node:
        return " or ".join(code(json.dumps(value)) for value in node["enum"])
    if "oneOf" in node:
        return " or ".join(_schema_type(option) for option in node["oneOf"])
    kind = node.get("type")
    if isinstance(kind, list):
        return " or ".join(code(str(k)) for k in kind)
    if kind == "array":
        return "array of " + _schema_type(node.get("items", {}))
    text = code(kind) if kind else "any"
    if "format" in node:
        text += f" ({escape(node['format'])})"
    if "pattern" in node:
        text += f", matching {code(node['pattern'])}"
    if "minimum" in node:
        text += f", at least {node['minimum']}"
    return text


def markdown_cell(text: str) -> str:
    """Text that is Markdown already (the schema's descriptions), made safe for a table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


# Meanings for the fields that results.schema.json does not describe (its own descriptions win).
FIELD_NOTES = {
    ("", "format_version"): "the version of this format",
    ("", "suite"): "the suite that ran: see [`suite`](#suite)",
    ("", "spec"): "the spec it checked against: see [`spec`](#spec)",
    ("", "target"): "the app it checked: see [`target`](#target)",
    ("", "started_at"): "when the run started",
    ("", "duration_seconds"): "how long the run took",
    ("", "requested_level"): "the highest level asked for (`--level`)",
    ("", "levels"): "each level's outcome: see [`levels[]`](#levels)",
    ("", "checks"): "each check's outcome: see [`checks[]`](#checks)",
    ("suite", "name"): "always `timetension`",
    ("suite", "version"): "the suite's version (`timetension --version`)",
    ("suite", "python"): "the Python it ran on",
    ("spec", "title"): "`info.title` of the spec",
    ("target", "url"): "the `--url` that was checked",
    ("levels", "id"): "`L0` to `L5`, or `fuzz`",
    ("levels", "name"): "the level's name in the spec",
    ("levels", "status"): "`passed` when every check of the level passed",
    ("levels", "passed"): "how many of its checks passed",
    ("levels", "failed"): "how many failed",
    ("levels", "not_run"): "how many did not run (a lower level failed, or `--only` left them out)",
    ("checks", "level"): "the level (or `fuzz`) the check belongs to",
    ("checks", "title"): "what the check checks, in words",
    ("checks", "status"): "how it went",
    ("checks", "duration_seconds"): "how long it took",
    ("failure", "expected"): "what the spec asks for",
    ("failure", "received"): "what came back",
    ("failure", "details"): "more lines about what was received",
}


def _def_anchor(name: str) -> str:
    return "def-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _fields(node: dict[str, Any], where: str = "") -> str:
    required = set(node.get("required", ()))
    rows = []
    for name, field in node.get("properties", {}).items():
        meaning = field.get("description") or FIELD_NOTES.get((where, name), "")
        rows.append([code(name), _schema_type(field), "yes" if name in required else "no", markdown_cell(meaning)])
    return table(["Field", "Type", "Always there", "Meaning"], rows)


def results_page(kit: Kit) -> str:
    schema = kit.schema
    properties = schema["properties"]
    parts = [
        "# Results file\n",
        "`timetension check --report DIR` writes `DIR/results.json` (this format) and `DIR/junit.xml` (JUnit "
        "XML, which most CI systems show as test results). The format is described by a JSON Schema, "
        "[`results.schema.json`](results.schema.json) "
        f"({code(schema.get('$id', ''))}, {escape(schema.get('title', ''))}).\n",
        markdown_cell(schema.get("description", "")) + "\n",
        "## The run\n",
        _fields(schema, ""),
    ]
    for name in ("suite", "spec", "target"):
        parts += [f"## `{name}` {{#{name}}}\n", markdown_cell(properties[name].get("description", "")),
                  _fields(properties[name], name)]
    for name in ("levels", "checks"):
        items = properties[name]["items"]
        parts += [f"## `{name}[]` {{#{name}}}\n",
                  f"One item per {'level (and the fuzz stage)' if name == 'levels' else 'check'}, in the order they ran.\n",
                  _fields(items, name)]
    parts.append("## Shared definitions\n")
    for name, node in schema.get("$defs", {}).items():
        parts.append(f"### {name} {{#{_def_anchor(name)}}}\n")
        if node.get("description"):
            parts.append(markdown_cell(node["description"]) + "\n")
        if node.get("type") == "object":
            parts.append(_fields(node, name))
        else:
            parts.append(_schema_type(node) + "\n")
    parts += [
        "## Reading it\n",
        "```console\n"
        "jq -r '.checks[] | select(.status == \"failed\") | \"\\(.slug)  \\(.docs)\"' reports/results.json\n"
        "jq '.level_reached' reports/results.json\n"
        "```\n",
        '??? note "The schema itself"\n\n    ```json\n'
        + "\n".join("    " + line for line in kit.schema_path.read_text(encoding="utf-8").rstrip().splitlines())
        + "\n    ```\n",
        GENERATED_NOTE.format(sources="`conformance/src/timetension/results.schema.json`"),
    ]
    return "\n".join(parts)


# The catalogue of checks --------------------------------------------------------------------------


def _operations_cell(kit: Kit, operation_ids: Iterable[str]) -> str:
    cells = []
    for operation_id in operation_ids:
        try:
            operation = kit.operation(operation_id)
            cells.append(f"{code(operation_id)} <small>{escape(operation.method.upper())} {escape(operation.path)}</small>")
        except KeyError:
            cells.append(code(operation_id))
    return "<br>".join(cells) or "<small>(no operation of the spec)</small>"


def _check_row(kit: Kit, check: Any, page: str) -> list[str]:
    rule = level_page(kit, check.level, relative_to=page)
    rules = "<br>".join(f"[{code(rule_id)}](rules.md#{rule_anchor(rule_id)})" for rule_id in getattr(check, "rules", ()))
    return [
        code(check.level),
        f'<span id="{check.slug}"></span>{code(check.slug)}',
        escape(check.title) + f"<br><small>Why: {escape(check.why)}</small>",
        _operations_cell(kit, check.operations),
        f"[#{check.anchor}]({rule}#{check.anchor})" + (f"<br>{rules}" if rules else ""),
    ]


def checks_page(kit: Kit) -> str:
    page = "reference/checks.md"
    header = ["Level", "Check", "What it checks", "Operations", "Level page and rules"]
    parts = [
        "---\nhide:\n  - navigation\n---\n",  # the tables need the width
        "# Catalogue of checks\n",
        f"Every check of the suite: {len(kit.checks)} in levels "
        f"{kit.checks[0].level}-{kit.checks[-1].level}, and the fuzz stage's. A check's slug never changes once "
        "released; its failure ends with a `Read:` link to the rule in the last column. "
        "`timetension levels` prints the same list, and `--only SLUG` runs the checks whose slug starts with "
        "`SLUG`.\n",
    ]
    for level in kit.spec.levels:
        checks = [check for check in kit.checks if check.level == level.id]
        if not checks:
            continue
        parts += [
            f"## {level.id} {escape(level.name)}\n",
            f"{escape(level.summary)} Page: [{escape(level.name)}]({level_page(kit, level.id, relative_to=page)}).\n",
            table(header, (_check_row(kit, check, page) for check in checks)),
        ]
    fuzz = kit.spec.level("fuzz")
    parts += [
        f"## {escape(fuzz.name)}\n",
        f"{escape(fuzz.summary)} With `--fuzz`, each operation of the levels that passed becomes one check "
        f"named `fuzz.<operation>`; `fuzz.stage` stands for the whole stage when it cannot run. "
        f"Page: [{escape(fuzz.name)}]({level_page(kit, 'fuzz', relative_to=page)}).\n",
        table(header, (_check_row(kit, check, page) for check in kit.fuzz_checks())),
        GENERATED_NOTE.format(sources="the suite's registry (`timetension.all_checks()`) and `spec/openapi.yaml`"),
    ]
    return "\n".join(parts)


# The rule register ---------------------------------------------------------------------------------


def rule_anchor(rule_id: str) -> str:
    return "rule-" + rule_id.replace(".", "-")


def _rule_place(kit: Kit, place: str) -> str:
    if place == "the API":
        return "every operation"
    try:
        operation = kit.operation(place)
        return f"{code(place)}<br><small>{escape(operation.method.upper())} {escape(operation.path)}</small>"
    except KeyError:
        return f"{code(place)} <small>(a component)</small>"


def rules_page(kit: Kit) -> str:
    from timetension._rules import trace

    page = "reference/rules.md"
    rule_trace = trace(kit.spec, kit.checks)
    parts = [
        "---\nhide:\n  - navigation\n---\n",
        "# Rules of the API\n",
        f"Every rule the spec states, {len(rule_trace.rules)} of them, each with a stable id and the checks that "
        "verify it. The ids live in the spec (`x-rules`, at its root, on each operation and on some "
        "components), quoting the sentence they stand for; a check names the ids it verifies, and the kit's "
        "own tests fail when a rule has no check, unless the rule says why it cannot be checked from outside. "
        "`timetension levels --rules` prints the same register.\n",
        f"**{escape(rule_trace.summary())}.**\n",
    ]
    for level in kit.spec.levels:
        rules = [rule for rule in rule_trace.rules if rule.level == level.id]
        if not rules:
            continue
        rows = []
        for rule in rules:
            checks = rule_trace.checks_of[rule.id]
            if checks:
                verified = "<br>".join(f"[{code(check.slug)}](checks.md#{check.slug})" for check in checks)
            else:
                verified = f"<small>Not checkable from outside: {escape(rule.not_checked or '')}</small>"
            rows.append([f'<span id="{rule_anchor(rule.id)}"></span>{code(rule.id)}', markdown_cell(rule.text),
                         _rule_place(kit, rule.place), verified])
        parts += [
            f"## {level.id} {escape(level.name)}\n",
            f"Page: [{escape(level.name)}]({level_page(kit, level.id, relative_to=page)}).\n",
            table(["Rule", "What the spec says", "Where", "Checked by"], rows),
        ]
    parts.append(GENERATED_NOTE.format(sources="`spec/openapi.yaml` (`x-rules`) and the suite's registry"))
    return "\n".join(parts)


# Tables for hand-written pages --------------------------------------------------------------------


def levels_table(kit: Kit, *, relative_to: str) -> str:
    rows = []
    for level in kit.spec.levels:
        count = sum(1 for check in kit.checks if check.level == level.id)
        checks = f"{count}" if count else "one per operation"
        rows.append([code(level.id), f"[{escape(level.name)}]({level_page(kit, level.id, relative_to=relative_to)})",
                     escape(level.summary), checks])
    return table(["Level", "Name", "What it asks", "Checks"], rows)


def versions_table(kit: Kit) -> str:
    import timetension

    levels = [level.id for level in kit.spec.levels]
    return table(["What", "Version"], [
        ["The spec (`info.version` of `spec/openapi.yaml`)", code(kit.spec.version)],
        ["The suite (`timetension --version`)", code(timetension.__version__)],
        ["The results file (`format_version`)", code(json.dumps(kit.schema["properties"]["format_version"]["const"]))],
        ["Levels and stages in the spec", ", ".join(code(level) for level in levels)],
        ["Checks in the registry", f"{len(kit.checks)} (and one per operation in the fuzz stage)"],
    ])


MARKERS = {
    "<!-- timetension:levels -->": lambda kit, page: levels_table(kit, relative_to=page),
    "<!-- timetension:starters -->": lambda kit, page: starters_table(kit, relative_to=page),
    "<!-- timetension:versions -->": lambda kit, page: versions_table(kit),
}


# The hooks ----------------------------------------------------------------------------------------


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _kit
    _kit = None  # read the kit afresh on every build (mkdocs serve rebuilds on changes)
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    kit = _the_kit(config)
    generated: dict[str, str | bytes] = {
        "openapi.yaml": kit.spec_path.read_bytes(),
        "reference/results.schema.json": kit.schema_path.read_bytes(),
        "starters/index.md": starters_index(kit),
        "reference/cli.md": cli_page(kit),
        "reference/results.md": results_page(kit),
        "reference/checks.md": checks_page(kit),
        "reference/rules.md": rules_page(kit),
    }
    for starter in kit.starters:
        generated[f"starters/{starter.name}.md"] = starter_page(starter)
    for src_uri, content in generated.items():
        existing = files.get_file_from_path(src_uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, src_uri, content=content))
    _add_starters_to_nav(config, kit)
    return files


def _add_starters_to_nav(config: MkDocsConfig, kit: Kit) -> None:
    entries = [{starter_title(starter): f"starters/{starter.name}.md"} for starter in kit.starters]
    for item in config.nav or []:
        if isinstance(item, dict) and STARTERS_SECTION in item:
            section = item[STARTERS_SECTION]
            if not isinstance(section, list):
                section = item[STARTERS_SECTION] = [section]
            wanted = {next(iter(entry.values())) for entry in entries}
            section[:] = [entry for entry in section
                          if not (isinstance(entry, dict) and next(iter(entry.values())) in wanted)]
            section.extend(entries)
            return
    raise ValueError(f"mkdocs.yml: the nav needs a section called {STARTERS_SECTION!r} for the starters' pages")


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if "<!-- timetension:" not in markdown:
        return markdown
    kit = _the_kit(config)
    for marker, make in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, make(kit, page.file.src_uri))
    unknown = re.findall(r"<!-- timetension:[a-z-]+ -->", markdown)
    if unknown:
        raise ValueError(f"{page.file.src_uri}: unknown markers {unknown}; known: {list(MARKERS)}")
    return markdown
