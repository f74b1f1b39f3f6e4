"""A stand-in for the `docker` command line, for what `timetension run` and `doctor` check before they reach an
engine: the command, its compose and buildx plugins. It records every call (arguments, working folder, the
variables run sets) as one JSON line in $STANDIN_LOG and answers for the scenario in $STANDIN_SCENARIO:

  healthy     docker, its compose and buildx plugins answer; every other compose command succeeds silently
  no-compose  `docker` without its compose plugin
  no-buildx   `docker` with compose but without buildx

No engine answers behind it: the tests point DOCKER_HOST at a socket that does not exist. Everything that
needs an engine runs against a real one, in test_containers.py.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

SCRIPT = r'''
import json, os, signal, sys

signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
args = sys.argv[1:]
scenario = os.environ.get("STANDIN_SCENARIO", "healthy")
with open(os.environ["STANDIN_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"args": args, "cwd": os.getcwd(),
                          "env": {key: os.environ.get(key) for key in ("APP_PORT", "POSTGRES_PASSWORD",
                                                                       "COMPOSE_PROFILES")}}) + "\n")


def fail(message, code=1):
    print(message, file=sys.stderr)
    sys.exit(code)


if args[:1] == ["--version"]:
    print("Docker version 28.5.1, build stand-in")
elif args[:2] == ["compose", "version"] and scenario != "no-compose":
    print("Docker Compose version v2.40.0")
elif args[:2] == ["buildx", "version"] and scenario == "healthy":
    print("github.com/docker/buildx v0.29.1 stand-in")
elif args[:1] == ["compose"] and scenario == "healthy":
    pass  # any other compose command succeeds, saying nothing: the tests read the recorded calls
elif args[:1] in (["compose"], ["buildx"]):
    fail(f"docker: unknown command: docker {args[0]}\n\nRun 'docker --help' for more information")
else:
    fail(f"stand-in docker: no answer for {' '.join(args)}")
'''


def install(folder: Path) -> Path:
    """Write the stand-in as folder/docker; put folder first on PATH to use it."""
    folder.mkdir(parents=True, exist_ok=True)
    docker = folder / "docker"
    docker.write_text(f"#!{sys.executable}\n{SCRIPT}", encoding="utf-8")
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return docker


def calls(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def steps(log: Path) -> list[str]:
    """The calls in short: `compose up --detach`, `version`, ...; the project and file options left out,
    repeated `compose ps` calls (polling) counted once."""
    named: list[str] = []
    for call in calls(log):
        args = list(call["args"])
        if args[:1] == ["compose"]:
            rest = args[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:]
            args = ["compose", *rest]
        step = " ".join(args)
        if not (named and named[-1] == step and step.startswith("compose ps")):
            named.append(step)
    return named


def environment(bin_folder: Path, log: Path, scenario: str, **extra: str) -> dict[str, str]:
    """The environment for a `timetension` subprocess that finds the stand-in (and nothing else) on PATH, and
    no engine behind DOCKER_HOST."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("POSTGRES_PASSWORD", "APP_PORT", "COMPOSE_PROFILES", "NO_COLOR", "DOCKER_CONFIG")}
    env.update({"PATH": str(bin_folder), "STANDIN_LOG": str(log), "STANDIN_SCENARIO": scenario,
                "DOCKER_HOST": f"unix://{log.parent}/no-engine.sock", **extra})
    return env
