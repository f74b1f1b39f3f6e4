"""The load of `timetension bench`, run by locust as a library in a process of its own.

locust patches the standard library for gevent the moment it is imported; the rest of the suite uses
real threads (the runner's deadlines, `review`'s pool), so this module is only ever run as
`python -m timetension._bench_locust`: it reads its plan as JSON on stdin and writes one JSON document
with its figures on stdout. `_bench.py` is the side the rest of the suite talks to.
"""

from __future__ import annotations

import json
import sys

from gevent import monkey

monkey.patch_all()

import itertools  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ENTRY_KEYS = ("id", "project_id", "description", "started_at", "ended_at", "duration_seconds")
SUMMARY_KEYS = ("from", "to", "tz", "total_seconds", "projects", "days")
WRITE_SECONDS = 30  # the length of each entry the load creates
SLOTS = itertools.count()  # minutes after write_base, one per entry created; gevent runs one thread


def _entry_ok(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "an entry is not a JSON object"
    missing = [key for key in ENTRY_KEYS if key not in entry]
    if missing:
        return f"an entry lacks {', '.join(missing)}"
    if entry["ended_at"] is not None and not isinstance(entry["duration_seconds"], int):
        return f"duration_seconds of a finished entry is {entry['duration_seconds']!r}, not an integer"
    return None


def make_user(plan: dict[str, Any]) -> type[FastHttpUser]:
    base = datetime.fromisoformat(plan["write_base"])
    reader = {"Authorization": f"Bearer {plan['reader_token']}"}
    writer = {"Authorization": f"Bearer {plan['writer_token']}"}
    summary_path = plan["summary_path"]
    expected_total = plan["expected_total"]
    expected_entries = plan["expected_entries"]

    class Workload(FastHttpUser):
        host = plan["url"]
        wait_time = constant(0)
        network_timeout = plan["timeout"]
        connection_timeout = plan["timeout"]
        insecure = False

        if plan["workload"] == "health":
            @task
            def health(self) -> None:
                with self.client.get("/health", name="GET /health", catch_response=True) as reply:
                    if reply.status_code != 200:
                        reply.failure(f"status {reply.status_code}, expected 200")
                    else:
                        reply.success()
        else:
            @task(2)
            def list_entries(self) -> None:
                with self.client.get("/time-entries", name="GET /time-entries", headers=reader,
                                     catch_response=True) as reply:
                    problem = _status(reply, 200)
                    if problem is None:
                        body = _json(reply)
                        items = body.get("items") if isinstance(body, dict) else None
                        if not isinstance(items, list):
                            problem = "the body has no items array"
                        elif len(items) != expected_entries:
                            problem = f"{len(items)} entries listed, expected {expected_entries}"
                        else:
                            problem = next((p for p in map(_entry_ok, items) if p), None)
                    _settle(reply, problem)

            @task(1)
            def create_entry(self) -> None:
                start = base + timedelta(minutes=next(SLOTS))
                body = {"started_at": _stamp(start), "ended_at": _stamp(start + timedelta(seconds=WRITE_SECONDS)),
                        "description": "bench"}
                with self.client.post("/time-entries", name="POST /time-entries", json=body, headers=writer,
                                      catch_response=True) as reply:
                    problem = _status(reply, 201)
                    if problem is None:
                        entry = _json(reply)
                        problem = _entry_ok(entry)
                        if problem is None and entry["duration_seconds"] != WRITE_SECONDS:
                            problem = f"duration_seconds is {entry['duration_seconds']!r}, expected {WRITE_SECONDS}"
                    _settle(reply, problem)

            @task(1)
            def summary(self) -> None:
                with self.client.get(summary_path, name="GET /reports/summary", headers=reader,
                                     catch_response=True) as reply:
                    problem = _status(reply, 200)
                    if problem is None:
                        report = _json(reply)
                        if not isinstance(report, dict) or any(key not in report for key in SUMMARY_KEYS):
                            problem = "the body lacks some of " + ", ".join(SUMMARY_KEYS)
                        elif report["total_seconds"] != expected_total:
                            problem = f"total_seconds is {report['total_seconds']!r}, expected {expected_total}"
                    _settle(reply, problem)

    return Workload


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(reply: Any, expected: int) -> str | None:
    if reply.status_code != expected:
        detail = _json(reply)
        said = f": {detail['detail']}" if isinstance(detail, dict) and isinstance(detail.get("detail"), str) else ""
        return f"status {reply.status_code}, expected {expected}{said}"
    return None


def _json(reply: Any) -> Any:
    try:
        return json.loads(reply.content or b"null")
    except ValueError:
        return None


def _settle(reply: Any, problem: str | None) -> None:
    if problem is None:
        reply.success()
    else:
        reply.failure(problem)


def run_level(plan: dict[str, Any], users: int) -> dict[str, Any]:
    environment = Environment(user_classes=[make_user(plan)])
    durations: list[float] = []
    failures: dict[str, int] = {}
    counting = [False]

    def on_request(request_type: str, name: str, response_time: float, response_length: int,
                   exception: BaseException | None = None, **_: Any) -> None:
        if not counting[0]:
            return
        durations.append(response_time)
        if exception is not None:
            key = f"{name}: {exception}"[:200]
            failures[key] = failures.get(key, 0) + 1

    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=max(users, 1) * 10)
    gevent.sleep(min(1.0, plan["warmup"]))  # every user started and connected; not counted
    counting[0] = True
    started = time.monotonic()
    gevent.sleep(plan["duration"])
    counting[0] = False
    elapsed = time.monotonic() - started
    runner.quit()
    return {"concurrency": users, "seconds": elapsed, "durations_ms": durations, "failures": failures}


def main() -> int:
    logging.disable(logging.CRITICAL)  # locust's own log lines would mix with the figures
    plan = json.loads(sys.stdin.read())
    levels = [run_level(plan, users) for users in plan["concurrency"]]
    sys.stdout.write(json.dumps({"levels": levels}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
