"""`timetension bench`: one of the fixed workloads of `_speed.py` at a few concurrency levels, every answer
checked under load, driven by wrk.

Each concurrency level makes its own users and data first (not measured), then runs for `--duration`
seconds. The figures: requests per second, latency p50/p95/p99 (wrk's, each request's time to its whole
answer, in ms) and failures (a wrong status or content, a broken connection, a timeout), by kind.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

from ._speed import WORKLOADS, Figures, LoadError, run_workload

DEFAULT_DURATION = 10.0
DEFAULT_CONCURRENCY = (1, 4, 16)
ALIASES = {"health": "L0"}

BenchError = LoadError


@dataclass
class BenchResult:
    url: str
    workload: str
    duration: float
    levels: list[Figures]

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "workload": self.workload, "duration_seconds": self.duration,
                "levels": [level.to_json() for level in self.levels]}


def run_bench(url: str, *, duration: float = DEFAULT_DURATION, concurrency: tuple[int, ...] = DEFAULT_CONCURRENCY,
              workload: str = "api", timeout: float = 10.0) -> BenchResult:
    workload = ALIASES.get(workload, workload)
    levels = [run_workload(url, workload, connections=connections, seconds=duration, timeout=timeout)
              for connections in concurrency]
    return BenchResult(url.rstrip("/"), workload, duration, levels)


def print_bench(result: BenchResult, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    print(f"Bench of {result.url}: {WORKLOADS[result.workload]}, {result.duration:g} s per level, "
          "every answer checked (wrk)", file=out)
    print(f"{'conns':>6} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failures':>9}",
          file=out)
    for level in result.levels:
        print(f"{level.connections:>6} {level.requests:>9} {level.rps:>9.1f} {_cell(level.p50_ms):>8} "
              f"{_cell(level.p95_ms):>8} {_cell(level.p99_ms):>8} {level.failures:>9}", file=out)
    kinds: dict[str, int] = {}
    for level in result.levels:
        for kind, count in level.failure_kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
    if kinds:
        print("Failures:", file=out)
        for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:10]:
            print(f"  {count:>6} x {kind}", file=out)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
