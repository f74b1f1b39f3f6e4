"""The cohort's scoreboard: one entry per submission, written as HTML, Markdown and JSON.

Every figure comes from the submissions' results documents (results.json), so `timetension report`
rebuilds the same scoreboard from saved files. The HTML is one self-contained file: inline CSS and
inline SVG charts, no script and nothing fetched from anywhere, so it opens from disk or an e-mail.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from . import __version__
from ._registry import LEVEL_IDS
from ._runner import latency_figures

CHECKED, TIMED_OUT, ERROR = "checked", "timed out", "error"
HTML_FILE, MARKDOWN_FILE, JSON_FILE = "scoreboard.html", "scoreboard.md", "scoreboard.json"
SCOREBOARD_FORMAT_VERSION = 1


# Entries -------------------------------------------------------------------------------------------

def entry_from_results(document: dict[str, Any], *, results_path: str | None = None,
                       name: str | None = None) -> dict[str, Any]:
    """A scoreboard entry from one results document."""
    submission = document.get("submission") or {}
    latency = document.get("latency")
    if latency is None and document.get("request_durations_ms"):
        latency = latency_figures([ms / 1000 for ms in document["request_durations_ms"]])
    levels = [{"id": level["id"], "name": level["name"], "status": level["status"], "passed": level["passed"],
               "failed": level["failed"], "not_run": level["not_run"],
               "total": level["passed"] + level["failed"] + level["not_run"]} for level in document["levels"]]
    failing = [{"slug": check["slug"], "level": check["level"], "title": check["title"], "docs": check["docs"],
                "expected": (check.get("failure") or {}).get("expected"),
                "received": (check.get("failure") or {}).get("received")}
               for check in document["checks"] if check["status"] == "failed"]
    reached = document["level_reached"]
    if document.get("unreachable"):
        verdict = "unreachable: " + document["unreachable"]["received"]
    else:
        verdict = f"level {reached} reached" if reached else "no level reached"
    return {
        "name": submission.get("name") or name or document["target"]["url"],
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
        "time_limit_seconds": None,
        "duration_seconds": document["duration_seconds"],
        "bench": None,
    }


def failed_entry(name: str, language: str | None, framework: str | None, status: str, message: str,
                 limit: float, duration: float) -> dict[str, Any]:
    """An entry for a submission with no results: timed out, or could not be built or started."""
    return {"name": name, "language": language, "framework": framework, "status": status, "verdict": message,
            "url": None, "level_reached": None, "passed": False, "checks_passed": 0, "checks_total": 0,
            "levels": [], "failing": [], "latency": None, "requests_sent": 0, "results": None,
            "time_limit_seconds": limit, "duration_seconds": round(duration, 3), "bench": None}


def load_entries(paths: list[Path]) -> list[dict[str, Any]]:
    """Entries from saved files: results.json files, a review's submission.json files, or a review's report
    folder (every submissions/*/ in it). A results.json beside a submission.json takes its bench figures."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            folders = sorted(p for p in (path / "submissions").glob("*") if p.is_dir()) or [path]
            for folder in folders:
                chosen = folder / "results.json" if (folder / "results.json").is_file() else folder / "submission.json"
                if chosen.is_file():
                    files.append(chosen)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    entries = []
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        if "format_version" in document:
            entry = entry_from_results(document, results_path=str(path), name=path.parent.name)
            beside = path.with_name("submission.json")
            if beside.is_file():
                saved = json.loads(beside.read_text(encoding="utf-8"))
                for key in ("bench", "time_limit_seconds", "duration_seconds"):
                    entry[key] = saved.get(key)
            entries.append(entry)
        elif "status" in document and "name" in document:
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


def scoreboard_document(entries: list[dict[str, Any]], *, title: str, wall_seconds: float | None = None
                        ) -> dict[str, Any]:
    return {"format_version": SCOREBOARD_FORMAT_VERSION, "title": title, "suite_version": __version__,
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "wall_seconds": None if wall_seconds is None else round(wall_seconds, 3),
            "levels": list(LEVEL_IDS), "submissions": ranked(entries)}


def write_scoreboard(entries: list[dict[str, Any]], folder: Path, *, title: str = "Timetension scoreboard",
                     wall_seconds: float | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    document = scoreboard_document(entries, title=title, wall_seconds=wall_seconds)
    written = [folder / HTML_FILE, folder / MARKDOWN_FILE, folder / JSON_FILE]
    written[0].write_text(render_html(document), encoding="utf-8")
    written[1].write_text(render_markdown(document), encoding="utf-8")
    written[2].write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


# Text helpers ---------------------------------------------------------------------------------------

def _level_cell(entry: dict[str, Any], level_id: str) -> str:
    level = next((level for level in entry["levels"] if level["id"] == level_id), None)
    if level is None:
        return "-"
    return f"{level['passed']}/{level['total']}"


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def _outcome(entry: dict[str, Any]) -> str:
    return entry["verdict"]


def _bench_summary(entry: dict[str, Any]) -> str:
    bench = entry.get("bench")
    if not bench:
        return "-"
    if "skipped" in bench:
        return "skipped"
    return ", ".join(f"{level['concurrency']}u {level['rps']:.0f} req/s p95 {_ms(level['p95_ms'])} ms"
                     f"{' ' + str(level['failures']) + ' failed' if level['failures'] else ''}"
                     for level in bench["levels"])


def _md(text: Any) -> str:
    return str(text if text is not None else "-").replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict[str, Any]) -> str:
    levels = document["levels"]
    lines = [f"## {document['title']}", "",
             f"Suite {document['suite_version']}, {document['generated_at']}"
             + (f", {document['wall_seconds']:.0f} s in all" if document["wall_seconds"] is not None else "") + ".",
             "",
             "| # | Submission | Language | Framework | Level | " + " | ".join(levels)
             + " | Median ms | p95 ms | Outcome |",
             "|---:|---|---|---|---|" + "---:|" * len(levels) + "---:|---:|---|"]
    for number, entry in enumerate(document["submissions"], 1):
        latency = entry["latency"] or {}
        lines.append(f"| {number} | {_md(entry['name'])} | {_md(entry['language'])} | {_md(entry['framework'])} | "
                     f"{_md(entry['level_reached'] or 'none')} | "
                     + " | ".join(_level_cell(entry, level) for level in levels)
                     + f" | {_ms(latency.get('median_ms'))} | {_ms(latency.get('p95_ms'))} | {_md(_outcome(entry))} |")
    lines += ["", "Checks passed per level as passed/total; a level runs only once the ones below it pass. Median "
              "and p95: the time the app took to answer the suite's own requests."]
    if any(entry.get("bench") for entry in document["submissions"]):
        lines += ["", "### Bench", "", "| Submission | Figures |", "|---|---|"]
        lines += [f"| {_md(entry['name'])} | {_md(_bench_summary(entry))} |"
                  for entry in document["submissions"] if entry.get("bench")]
    failing = [entry for entry in document["submissions"] if entry["failing"]]
    if failing:
        lines += ["", "### Failing checks", ""]
        for entry in failing:
            lines.append(f"**{_md(entry['name'])}**")
            lines.append("")
            for check in entry["failing"]:
                lines.append(f"- {check['level']} [{_md(check['title'])}]({check['docs']}) `{check['slug']}`")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# HTML ---------------------------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1d2430;background:#fff}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}
.meta{color:#5a6372;margin:0 0 1.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{padding:.35rem .55rem;border-bottom:1px solid #e3e6eb;text-align:left;vertical-align:top}
th{background:#f4f6f9;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17663a}.bad{color:#a8261b}.none{color:#8a919c}
.pill{display:inline-block;padding:0 .45rem;border-radius:.7rem;font-size:.85em;background:#eef1f5}
.pill.timed{background:#fde8e6;color:#a8261b}.pill.error{background:#fff1d6;color:#7a4b00}
.charts{display:flex;flex-wrap:wrap;gap:2rem}.chart{flex:1 1 520px}
svg text{font:12px system-ui,sans-serif;fill:#1d2430}
details{margin:.4rem 0}summary{cursor:pointer}
ul.failing{margin:.3rem 0 .6rem 1.2rem;padding:0}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f6f9;padding:0 .25rem}
"""


def _bar_chart(kind: str, title: str, rows: list[tuple[str, list[tuple[float, str, str]]]], maximum: float,
               ticks: list[tuple[float, str]]) -> str:
    """Horizontal bars: rows of (label, [(value, colour, text)]) stacked as sub-bars."""
    label_width, plot_width, bar, gap = 170, 460, 14, 10
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


def _latency_chart(entries: list[dict[str, Any]]) -> str:
    measured = [entry for entry in entries if entry["latency"]]
    maximum = max((entry["latency"]["p95_ms"] for entry in measured), default=1.0) or 1.0
    rows = [(entry["name"], [(entry["latency"]["median_ms"], "#3b6fb6", f"median {entry['latency']['median_ms']:.1f} ms"),
                             (entry["latency"]["p95_ms"], "#9bb7e0", f"p95 {entry['latency']['p95_ms']:.1f} ms")])
            for entry in measured]
    ticks = [(maximum * share, f"{maximum * share:.0f} ms") for share in (0, 0.5, 1)]
    return _bar_chart("latency", "Latency of the suite's requests per submission", rows, maximum, ticks)


def _h(text: Any) -> str:
    return escape(str(text)) if text is not None else '<span class="none">-</span>'


def render_html(document: dict[str, Any]) -> str:
    entries = document["submissions"]
    levels = document["levels"]
    head = ("<tr><th>#</th><th>Submission</th><th>Language</th><th>Framework</th><th>Level</th>"
            + "".join(f"<th>{escape(level)}</th>" for level in levels)
            + "<th>Median ms</th><th>p95 ms</th><th>Outcome</th></tr>")
    rows = []
    for number, entry in enumerate(entries, 1):
        latency = entry["latency"] or {}
        if entry["status"] == TIMED_OUT:
            outcome = f'<span class="pill timed">timed out</span> {escape(entry["verdict"].removeprefix("timed out: "))}'
        elif entry["status"] == ERROR:
            outcome = f'<span class="pill error">error</span> {escape(entry["verdict"].removeprefix("could not be checked: "))}'
        else:
            outcome = f'<span class="{"ok" if entry["passed"] else "bad"}">{escape(entry["verdict"])}</span>'
        cells = []
        for level in levels:
            found = next((item for item in entry["levels"] if item["id"] == level), None)
            css = "none" if found is None or found["status"] == "not-run" else ("ok" if found["status"] == "passed" else "bad")
            cells.append(f'<td class="n {css}">{escape(_level_cell(entry, level))}</td>')
        rows.append(f'<tr data-submission="{escape(entry["name"])}"><td class="n">{number}</td>'
                    f'<td><strong>{escape(entry["name"])}</strong></td><td>{_h(entry["language"])}</td>'
                    f'<td>{_h(entry["framework"])}</td><td>{_h(entry["level_reached"] or "none")}</td>'
                    + "".join(cells)
                    + f'<td class="n">{_ms(latency.get("median_ms"))}</td><td class="n">{_ms(latency.get("p95_ms"))}</td>'
                    f"<td>{outcome}</td></tr>")
    failing = []
    for entry in entries:
        if not entry["failing"]:
            continue
        items = "".join(
            f'<li>{escape(check["level"])} <a href="{escape(check["docs"], quote=True)}">{escape(check["title"])}</a> '
            f'<code>{escape(check["slug"])}</code>'
            + (f'<br><span class="none">expected {escape(str(check["expected"]))}; received '
               f'{escape(str(check["received"])[:200])}</span>' if check.get("expected") else "")
            + "</li>" for check in entry["failing"])
        failing.append(f'<details open><summary><strong>{escape(entry["name"])}</strong>: '
                       f'{len(entry["failing"])} failing</summary><ul class="failing">{items}</ul></details>')
    bench_rows = []
    for entry in entries:
        bench = entry.get("bench")
        if not bench:
            continue
        if "skipped" in bench:
            bench_rows.append(f'<tr><td>{escape(entry["name"])}</td><td colspan="7" class="none">'
                              f'skipped: {escape(bench["skipped"])}</td></tr>')
            continue
        for level in bench["levels"]:
            bench_rows.append(f'<tr><td>{escape(entry["name"])}</td><td class="n">{level["concurrency"]}</td>'
                              f'<td class="n">{level["requests"]}</td><td class="n">{level["rps"]:.1f}</td>'
                              f'<td class="n">{_ms(level["p50_ms"])}</td><td class="n">{_ms(level["p95_ms"])}</td>'
                              f'<td class="n">{_ms(level["p99_ms"])}</td><td class="n">{level["failures"]}</td></tr>')
    wall = (f", {document['wall_seconds']:.0f} s in all" if document.get("wall_seconds") is not None else "")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(document['title'])}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(document['title'])}</h1>",
        f'<p class="meta">{len(entries)} submissions, suite {escape(document["suite_version"])}, '
        f'{escape(document["generated_at"])}{wall}. Checks passed per level as passed/total; a level runs only '
        f"once the ones below it pass. Median and p95: how long the app took to answer the suite's own "
        f"requests.</p>",
        f'<table id="scoreboard"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>',
        '<div class="charts">',
        f'<div class="chart"><h2>Level reached</h2>{_levels_chart(entries)}</div>',
        f'<div class="chart"><h2>Latency (median and p95)</h2>{_latency_chart(entries)}</div>',
        "</div>",
    ]
    if bench_rows:
        parts.append('<h2>Bench</h2><table id="bench"><thead><tr><th>Submission</th><th>Users</th><th>Requests</th>'
                     '<th>req/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Failures</th></tr></thead>'
                     f'<tbody>{"".join(bench_rows)}</tbody></table>')
    if failing:
        parts.append("<h2>Failing checks</h2>" + "".join(failing))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
