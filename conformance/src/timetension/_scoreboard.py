"""The cohort's scoreboard: one entry per submission, written as HTML, Markdown and JSON.

Every figure comes from the submissions' results documents (results.json), so `timetension report`
rebuilds the same scoreboard from saved files. The HTML is one self-contained file: inline CSS and
inline SVG charts, no script and nothing fetched from anywhere, so it opens from disk or an e-mail.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from . import __version__
from ._registry import LEVEL_IDS
from ._runner import latency_figures
from ._speed import SPEED_LEVELS, WORKLOADS

CHECKED, TIMED_OUT, ERROR = "checked", "timed out", "error"
HTML_FILE, MARKDOWN_FILE, JSON_FILE = "scoreboard.html", "scoreboard.md", "scoreboard.json"
SCOREBOARD_FORMAT_VERSION = 1


# Entries -------------------------------------------------------------------------------------------

def _name_from_path(path: Path) -> str:
    """attempts/alice/reports/results.json is alice's: a folder called reports names nobody."""
    folder = path.parent
    if folder.name in ("reports", "report", "") and folder.parent.name:
        folder = folder.parent
    return folder.name


def entry_from_results(document: dict[str, Any], *, results_path: str | None = None,
                       name: str | None = None, fallback_name: str | None = None) -> dict[str, Any]:
    """A scoreboard entry from one results document. Its name: `name` when given, else the one the
    results file saved, else fallback_name, else the URL."""
    submission = document.get("submission") or {}
    latency = document.get("latency")
    if latency is None and document.get("request_durations_ms"):
        latency = latency_figures([ms / 1000 for ms in document["request_durations_ms"]])
    levels = [{"id": level["id"], "name": level["name"], "status": level["status"], "passed": level["passed"],
               "failed": level["failed"], "not_run": level["not_run"],
               "total": level["passed"] + level["failed"] + level["not_run"]} for level in document["levels"]]
    failing = [{"slug": check["slug"], "level": check["level"], "title": check["title"], "docs": check["docs"],
                "expected": (check.get("failure") or {}).get("expected"),
                "received": (check.get("failure") or {}).get("received"),
                "hint": (check.get("failure") or {}).get("hint")}
               for check in document["checks"] if check["status"] == "failed"]
    reached = document["level_reached"]
    if document.get("unreachable"):
        verdict = "unreachable: " + document["unreachable"]["received"]
    else:
        verdict = f"level {reached} reached" if reached else "no level reached"
    return {
        "name": name or submission.get("name") or fallback_name or document["target"]["url"],
        "language": submission.get("language"),
        "framework": submission.get("framework"),
        "status": CHECKED,
        "verdict": verdict,
        "url": document["target"]["url"],
        "level_reached": reached,
        "passed": document["passed"],
        "checks_passed": sum(level["passed"] for level in levels),
        "checks_total": sum(level["total"] for level in levels),
        "levels": levels,
        "failing": failing,
        "latency": latency,
        "requests_sent": document["requests_sent"],
        "results": results_path,
        "logs": {"results": results_path} if results_path else {},
        "log_tail": [],
        "time_limit_seconds": None,
        "duration_seconds": document["duration_seconds"],
        "speed": None,
    }


def failed_entry(name: str, language: str | None, framework: str | None, status: str, message: str,
                 limit: float, duration: float) -> dict[str, Any]:
    """An entry for a submission with no results: timed out, or could not be built or started."""
    return {"name": name, "language": language, "framework": framework, "status": status, "verdict": message,
            "url": None, "level_reached": None, "passed": False, "checks_passed": 0, "checks_total": 0,
            "levels": [], "failing": [], "latency": None, "requests_sent": 0, "results": None, "logs": {},
            "log_tail": [], "time_limit_seconds": limit, "duration_seconds": round(duration, 3), "speed": None}


def _absolute_links(entry: dict[str, Any], folder: Path) -> None:
    """A saved entry's links are relative to its review's report folder; make them absolute so that a
    scoreboard written elsewhere can point at the same files."""
    entry["logs"] = {key: str((folder / link).resolve()) for key, link in (entry.get("logs") or {}).items()}
    if entry.get("results"):
        entry["results"] = str((folder / entry["results"]).resolve())


def load_entries(paths: list[Path], names: list[str] | None = None) -> list[dict[str, Any]]:
    """Entries from saved files: results.json files, a review's submission.json files, or a review's report
    folder (every submissions/*/ in it). A results.json beside a submission.json takes its speed figures,
    links and name. names, when given, name the files in order (one per path)."""
    names = list(names or [])
    if names and len(names) != len(paths):
        raise ValueError(f"{len(names)} names for {len(paths)} files: give one --name per file, in order")
    files: list[tuple[Path, str | None]] = []
    for number, path in enumerate(paths):
        given = names[number] if names else None
        if path.is_dir():
            folders = sorted(p for p in (path / "submissions").glob("*") if p.is_dir()) or [path]
            if given and len(folders) > 1:
                raise ValueError(f"{path} holds {len(folders)} submissions; --name names one results file")
            for folder in folders:
                chosen = folder / "results.json" if (folder / "results.json").is_file() else folder / "submission.json"
                if chosen.is_file():
                    files.append((chosen, given))
        elif path.is_file():
            files.append((path, given))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    entries = []
    for path, given in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        beside = path.with_name("submission.json")
        saved = json.loads(beside.read_text(encoding="utf-8")) if beside.is_file() and beside != path else None
        if "format_version" in document:
            entry = entry_from_results(document, results_path=str(path.resolve()), name=given,
                                       fallback_name=(saved or {}).get("name") or _name_from_path(path))
            if saved is not None:
                review_folder = path.parent.parent.parent
                _absolute_links(saved, review_folder)
                for key in ("speed", "time_limit_seconds", "duration_seconds", "logs", "log_tail", "status",
                            "verdict"):
                    if key in saved:
                        entry[key] = saved[key]
                entry["results"] = str(path.resolve())
            entries.append(entry)
        elif "status" in document and "name" in document:
            _absolute_links(document, path.parent.parent.parent)
            if given:
                document["name"] = given
            entries.append(document)
        else:
            raise ValueError(f"{path}: neither a results.json nor a review's submission.json")
    return entries


def ranked(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(entry: dict[str, Any]) -> tuple:
        return (-level_number(entry["level_reached"]), -entry["checks_passed"], entry["name"].lower())
    return sorted(entries, key=key)


def level_number(level: str | None) -> int:
    """0 for no level reached, 1 for L0, ... len(LEVEL_IDS) for the last."""
    return 0 if level is None else LEVEL_IDS.index(level) + 1


def _relative_links(entry: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The entry with its links relative to the scoreboard's folder, so that it opens from disk anywhere."""
    def relative(link: str) -> str:
        return Path(os.path.relpath(link, folder)).as_posix() if os.path.isabs(link) else link
    entry = dict(entry)
    entry["logs"] = {key: relative(link) for key, link in (entry.get("logs") or {}).items()}
    if entry.get("results"):
        entry["results"] = relative(entry["results"])
    return entry


def scoreboard_document(entries: list[dict[str, Any]], *, title: str, wall_seconds: float | None = None,
                        checks_seconds: float | None = None, speed_seconds: float | None = None,
                        folder: Path | None = None) -> dict[str, Any]:
    if folder is not None:
        entries = [_relative_links(entry, folder.resolve()) for entry in entries]
    return {"format_version": SCOREBOARD_FORMAT_VERSION, "title": title, "suite_version": __version__,
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wall_seconds": _round(wall_seconds), "checks_seconds": _round(checks_seconds),
            "speed_seconds": _round(speed_seconds), "levels": list(LEVEL_IDS),
            "workloads": {level: WORKLOADS[level] for level in SPEED_LEVELS}, "submissions": ranked(entries)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def write_scoreboard(entries: list[dict[str, Any]], folder: Path, *, title: str = "Timetension scoreboard",
                     wall_seconds: float | None = None, checks_seconds: float | None = None,
                     speed_seconds: float | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    document = scoreboard_document(entries, title=title, wall_seconds=wall_seconds, checks_seconds=checks_seconds,
                                   speed_seconds=speed_seconds, folder=folder)
    written = [folder / HTML_FILE, folder / MARKDOWN_FILE, folder / JSON_FILE]
    written[0].write_text(render_html(document), encoding="utf-8")
    written[1].write_text(render_markdown(document), encoding="utf-8")
    written[2].write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


# What the formats share -----------------------------------------------------------------------------

NOT_RUN = "not run"
LEGEND = ("Checks passed per level as passed/total, with ✓ when the level passed and ✗ when it failed; "
          "\"not run\": the level was not reached (a level runs only once the ones below it pass).")
SPEED_NOTE = ("Speed: requests per second on each level's fixed workload, measured one submission at a time "
              "after all were checked, every answer checked; the figure shown is at the highest level reached "
              "(up to L4).")


def level_cell(entry: dict[str, Any], level_id: str) -> str:
    level = next((level for level in entry["levels"] if level["id"] == level_id), None)
    if level is None:
        return "-"
    if level["status"] == "not-run":
        return NOT_RUN
    return f"{level['passed']}/{level['total']} " + ("✓" if level["status"] == "passed" else "✗")


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def speed_figures(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return list((entry.get("speed") or {}).get("workloads") or [])


def headline_speed(entry: dict[str, Any]) -> str:
    figures = speed_figures(entry)
    if not figures:
        skipped = (entry.get("speed") or {}).get("skipped")
        return f"not measured: {skipped}" if skipped else "-"
    top = figures[-1]
    failed = f", {top['failures']} failed" if top["failures"] else ""
    return f"{top['workload']} {top['rps']:.0f} req/s{failed}"


def failure_groups(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Per level: its first failing check in full, then the others grouped by their hint (identical hints
    once, with how many checks gave them)."""
    groups: list[dict[str, Any]] = []
    order = list(LEVEL_IDS) + [check["level"] for check in entry["failing"] if check["level"] not in LEVEL_IDS]
    for level in dict.fromkeys(order):
        checks = [check for check in entry["failing"] if check["level"] == level]
        if not checks:
            continue
        rest: dict[str, list[dict[str, Any]]] = {}
        for check in checks[1:]:
            rest.setdefault(check.get("hint") or check.get("expected") or "", []).append(check)
        groups.append({"level": level, "first": checks[0], "count": len(checks),
                       "rest": [{"hint": hint, "checks": same} for hint, same in rest.items()]})
    return groups


def _md(text: Any) -> str:
    return str(text if text is not None else "-").replace("|", "\\|").replace("\n", " ")


LINK_NAMES = (("build", "build.log"), ("app", "app.log"), ("compose", "compose.log"), ("results", "results.json"))


def render_markdown(document: dict[str, Any]) -> str:
    levels = document["levels"]
    timing = ""
    if document["wall_seconds"] is not None:
        timing = f", {document['wall_seconds']:.0f} s in all"
        if document.get("checks_seconds") is not None and document.get("speed_seconds") is not None:
            timing += f" (checks {document['checks_seconds']:.0f} s, speed {document['speed_seconds']:.0f} s)"
    lines = [f"## {document['title']}", "",
             f"Suite {document['suite_version']}, {document['generated_at']}{timing}.", "",
             "| # | Submission | Language | Framework | Level | " + " | ".join(levels) + " | Speed | Outcome | Files |",
             "|---:|---|---|---|---|" + "---:|" * len(levels) + "---|---|---|"]
    for number, entry in enumerate(document["submissions"], 1):
        files = " ".join(f"[{label}]({entry['logs'][key]})" for key, label in LINK_NAMES
                         if (entry.get("logs") or {}).get(key))
        lines.append(f"| {number} | {_md(entry['name'])} | {_md(entry['language'])} | {_md(entry['framework'])} | "
                     f"{_md(entry['level_reached'] or 'none')} | "
                     + " | ".join(level_cell(entry, level) for level in levels)
                     + f" | {_md(headline_speed(entry))} | {_md(entry['verdict'])} | {files or '-'} |")
    lines += ["", LEGEND + " " + SPEED_NOTE]
    measured = [entry for entry in document["submissions"] if speed_figures(entry)]
    if measured:
        lines += ["", "### Speed", "", "| Workload | Submission | req/s | p50 ms | p95 ms | Failed |", "|---|---|---:|---:|---:|---:|"]
        for workload in document["workloads"]:
            for entry in sorted(measured, key=lambda e: -_rps(e, workload)):
                figure = next((f for f in speed_figures(entry) if f["workload"] == workload), None)
                if figure:
                    lines.append(f"| {workload} | {_md(entry['name'])} | {figure['rps']:.0f} | {_ms(figure['p50_ms'])} | "
                                 f"{_ms(figure['p95_ms'])} | {figure['failures']} |")
        lines += ["", "Workloads: " + "; ".join(f"{key}: {text}" for key, text in document["workloads"].items()) + "."]
    unchecked = [entry for entry in document["submissions"] if entry["status"] != CHECKED]
    if unchecked:
        lines += ["", "### Could not be checked", ""]
        for entry in unchecked:
            lines += [f"**{_md(entry['name'])}**: {_md(entry['verdict'])}", ""]
            if entry.get("log_tail"):
                lines += ["```text", *entry["log_tail"], "```", ""]
    failing = [entry for entry in document["submissions"] if entry["failing"]]
    if failing:
        lines += ["", "### Failing checks", ""]
        for entry in failing:
            lines += [f"**{_md(entry['name'])}**", ""]
            for group in failure_groups(entry):
                first = group["first"]
                lines.append(f"- {group['level']}: [{_md(first['title'])}]({first['docs']}) `{first['slug']}`"
                             + (f": expected {_md(first['expected'])}; received {_md(_short(first['received']))}"
                                if first.get("expected") else ""))
                for same in group["rest"]:
                    slugs = ", ".join(f"`{check['slug']}`" for check in same["checks"])
                    lines.append(f"  - {len(same['checks'])} more: {_md(_short(same['hint'], 160))} ({slugs})")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _rps(entry: dict[str, Any], workload: str) -> float:
    return next((f["rps"] for f in speed_figures(entry) if f["workload"] == workload), 0.0)


def _short(text: Any, limit: int = 200) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# HTML ---------------------------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1d2430;background:#fff}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}
.meta{color:#5a6372;margin:0 0 1.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{padding:.35rem .55rem;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
th{background:#f4f6f9;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ok{color:#17663a}.bad{color:#a8261b}.none{color:#8a919c}
.pill{display:inline-block;padding:0 .45rem;border-radius:.7rem;font-size:.85em;background:#eef1f5}
.pill.timed{background:#fde8e6;color:#a8261b}.pill.error{background:#fff1d6;color:#7a4b00}
.charts{display:flex;flex-wrap:wrap;gap:2rem;align-items:flex-start}.chart{flex:1 1 560px}
svg text{font:12px system-ui,sans-serif;fill:#1d2430}
details{margin:.4rem 0}summary{cursor:pointer}
ul.failing{margin:.3rem 0 .6rem 1.2rem;padding:0}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f6f9;padding:0 .25rem}
pre.log{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f6f9;padding:.4rem;white-space:pre-wrap;max-width:60rem}
.hint{color:#5a6372}h3{font-size:.95rem;margin:.8rem 0 .2rem}
"""


def _bar_chart(kind: str, title: str, rows: list[tuple[str, list[tuple[float, str, str]]]], maximum: float,
               ticks: list[tuple[float, str]]) -> str:
    """Horizontal bars: rows of (label, [(value, colour, text)]) stacked as sub-bars."""
    label_width, plot_width, bar, gap = 150, 320, 14, 10
    per_row = max(1, max((len(values) for _, values in rows), default=1)) * (bar + 2) + gap
    height = 30 + per_row * len(rows) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'data-chart="{kind}" width="{label_width + plot_width + 90}" height="{height}">']
    for value, text in ticks:
        x = label_width + (plot_width * value / maximum if maximum else 0)
        parts.append(f'<line x1="{x:.1f}" y1="22" x2="{x:.1f}" y2="{height - 20}" stroke="#e3e6eb"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{escape(text)}</text>')
    y = 28
    for label, values in rows:
        parts.append(f'<text x="{label_width - 8}" y="{y + bar - 3}" text-anchor="end">{escape(label[:24])}</text>')
        for value, colour, text in values:
            width = plot_width * value / maximum if maximum else 0
            parts.append(f'<rect class="bar" x="{label_width}" y="{y}" width="{max(width, 0):.1f}" height="{bar}" '
                         f'fill="{colour}"><title>{escape(label)}: {escape(text)}</title></rect>')
            parts.append(f'<text x="{label_width + width + 5:.1f}" y="{y + bar - 3}">{escape(text)}</text>')
            y += bar + 2
        y += gap
    parts.append("</svg>")
    return "".join(parts)


def _levels_chart(entries: list[dict[str, Any]]) -> str:
    rows = []
    for entry in entries:
        number = level_number(entry["level_reached"])
        if entry["status"] != CHECKED:
            text, colour = entry["status"], "#d9534f"
        else:
            text, colour = entry["level_reached"] or "none", "#2f7d4f" if number else "#b8bec7"
        rows.append((entry["name"], [(number, colour, text)]))
    ticks = [(0, "none")] + [(index + 1, level) for index, level in enumerate(LEVEL_IDS)]
    return _bar_chart("levels", "Level reached per submission", rows, len(LEVEL_IDS), ticks)


SPEED_COLOURS = {"L0": "#9bb7e0", "L1": "#6f98d2", "L2": "#3b6fb6", "L3": "#2b5591", "L4": "#1c3b68"}


def _speed_chart(entries: list[dict[str, Any]], workloads: dict[str, str]) -> str:
    """Requests per second per workload: one group of bars per level, each submission that reached it."""
    parts = []
    for workload in workloads:
        measured = sorted((entry for entry in entries if _rps(entry, workload)), key=lambda e: -_rps(e, workload))
        if not measured:
            continue
        maximum = max(_rps(entry, workload) for entry in measured)
        rows = [(entry["name"], [(_rps(entry, workload), SPEED_COLOURS.get(workload, "#3b6fb6"),
                                  f"{_rps(entry, workload):.0f} req/s")]) for entry in measured]
        ticks = [(maximum * share, f"{maximum * share:.0f}") for share in (0, 0.5, 1)]
        parts.append(f'<h3>{escape(workload)}: {escape(workloads[workload])}</h3>'
                     + _bar_chart(f"speed-{workload}", f"Requests per second on the {workload} workload", rows,
                                  maximum, ticks))
    return "".join(parts) or '<p class="none">No speed measured.</p>'


def _h(text: Any) -> str:
    return escape(str(text)) if text is not None else '<span class="none">-</span>'


def _files(entry: dict[str, Any]) -> str:
    links = [f'<a href="{escape(entry["logs"][key], quote=True)}">{label}</a>' for key, label in LINK_NAMES
             if (entry.get("logs") or {}).get(key)]
    return " ".join(links) or '<span class="none">-</span>'


def _outcome_html(entry: dict[str, Any]) -> str:
    if entry["status"] == TIMED_OUT:
        outcome = f'<span class="pill timed">timed out</span> {escape(entry["verdict"].removeprefix("timed out: "))}'
    elif entry["status"] == ERROR:
        outcome = (f'<span class="pill error">not checked</span> '
                   f'{escape(entry["verdict"].removeprefix("could not be checked: "))}')
    else:
        return f'<span class="{"ok" if entry["passed"] else "bad"}">{escape(entry["verdict"])}</span>'
    if entry.get("log_tail"):
        outcome += ('<details><summary>last lines of its log</summary><pre class="log">'
                    + escape("\n".join(entry["log_tail"])) + "</pre></details>")
    return outcome


def _failing_html(entry: dict[str, Any]) -> str:
    items = []
    for group in failure_groups(entry):
        first = group["first"]
        detail = ""
        if first.get("expected"):
            detail = (f'<br><span class="none">expected {escape(str(first["expected"]))}; received '
                      f'{escape(_short(first["received"]))}</span>')
        if first.get("hint"):
            detail += f'<br><span class="hint">{escape(_short(first["hint"], 300))}</span>'
        rest = ""
        if group["rest"]:
            lines = "".join(
                f'<li>{len(same["checks"])} × {escape(_short(same["hint"], 300))}: '
                + ", ".join(f'<a href="{escape(check["docs"], quote=True)}">{escape(check["title"])}</a>'
                            for check in same["checks"]) + "</li>" for same in group["rest"])
            rest = (f'<details class="rest"><summary>{group["count"] - 1} more failing at {escape(group["level"])}'
                    f'</summary><ul>{lines}</ul></details>')
        items.append(f'<li>{escape(group["level"])} <a href="{escape(first["docs"], quote=True)}">'
                     f'{escape(first["title"])}</a> <code>{escape(first["slug"])}</code>{detail}{rest}</li>')
    return (f'<details open><summary><strong>{escape(entry["name"])}</strong>: {len(entry["failing"])} failing'
            f'</summary><ul class="failing">{"".join(items)}</ul></details>')


def render_html(document: dict[str, Any]) -> str:
    entries = document["submissions"]
    levels = document["levels"]
    head = ("<tr><th>#</th><th>Submission</th><th>Language</th><th>Framework</th><th>Level</th>"
            + "".join(f"<th>{escape(level)}</th>" for level in levels)
            + "<th>Speed</th><th>Outcome</th><th>Files</th></tr>")
    rows = []
    for number, entry in enumerate(entries, 1):
        cells = []
        for level in levels:
            found = next((item for item in entry["levels"] if item["id"] == level), None)
            css = ("none" if found is None or found["status"] == "not-run"
                   else ("ok" if found["status"] == "passed" else "bad"))
            cells.append(f'<td class="n {css}" data-level-status="{escape(found["status"]) if found else "none"}">'
                         f"{escape(level_cell(entry, level))}</td>")
        rows.append(f'<tr data-submission="{escape(entry["name"])}"><td class="n">{number}</td>'
                    f'<td><strong>{escape(entry["name"])}</strong></td><td>{_h(entry["language"])}</td>'
                    f'<td>{_h(entry["framework"])}</td><td>{_h(entry["level_reached"] or "none")}</td>'
                    + "".join(cells)
                    + f'<td class="n">{escape(headline_speed(entry))}</td>'
                    f"<td>{_outcome_html(entry)}</td><td>{_files(entry)}</td></tr>")
    failing = [_failing_html(entry) for entry in entries if entry["failing"]]
    speed_rows = []
    for workload in document["workloads"]:
        for entry in sorted(entries, key=lambda e: -_rps(e, workload)):
            figure = next((f for f in speed_figures(entry) if f["workload"] == workload), None)
            if figure is None:
                continue
            speed_rows.append(f'<tr><td>{escape(workload)}</td><td>{escape(entry["name"])}</td>'
                              f'<td class="n">{figure["requests"]}</td><td class="n">{figure["rps"]:.1f}</td>'
                              f'<td class="n">{_ms(figure["p50_ms"])}</td><td class="n">{_ms(figure["p95_ms"])}</td>'
                              f'<td class="n">{_ms(figure["p99_ms"])}</td><td class="n">{figure["failures"]}</td></tr>')
    wall = ""
    if document.get("wall_seconds") is not None:
        wall = f", {document['wall_seconds']:.0f} s in all"
        if document.get("checks_seconds") is not None and document.get("speed_seconds") is not None:
            wall += f" (checks {document['checks_seconds']:.0f} s, speed {document['speed_seconds']:.0f} s)"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document['title'])}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(document['title'])}</h1>",
        f'<p class="meta">{len(entries)} submissions, suite {escape(document["suite_version"])}, '
        f'{escape(document["generated_at"])}{wall}. {escape(LEGEND)} {escape(SPEED_NOTE)}</p>',
        f'<table id="scoreboard"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>',
        '<div class="charts">',
        f'<div class="chart"><h2>Level reached</h2>{_levels_chart(entries)}</div>',
        f'<div class="chart"><h2>Speed (requests per second, same work per level)</h2>'
        f'{_speed_chart(entries, document["workloads"])}</div>',
        "</div>",
    ]
    if speed_rows:
        parts.append('<h2>Speed</h2><table id="speed"><thead><tr><th>Workload</th><th>Submission</th><th>Requests</th>'
                     '<th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Failed</th></tr></thead>'
                     f'<tbody>{"".join(speed_rows)}</tbody></table>')
    if failing:
        parts.append("<h2>Failing checks</h2><p class=\"meta\">Per level, its first failing check; the others "
                     "below it, grouped by hint.</p>" + "".join(failing))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
