"""A stand-in for the `docker` command, for the tests of `timetension run` and `timetension doctor`: there is
no Docker engine where the kit's tests run. It records every call (arguments, working folder, the variables
run sets) as one JSON line in $STANDIN_LOG, and plays the engine's answers for the scenario in
$STANDIN_SCENARIO:

  healthy        everything builds, starts and becomes healthy; the app is published on $STANDIN_APP_PORT
  never-healthy  the database becomes healthy, the app stays "starting"
  db-unhealthy   the database's health check fails, so `up` gives up and the app is never started
  build-failure  `docker compose build` fails
  hang-up        `docker compose up` never returns (until it is interrupted)
  no-compose     `docker` without its compose plugin
  no-engine      the compose plugin is there, the engine does not answer
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

SCRIPT = r'''
import json, os, signal, sys, time

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
    sys.exit(0)
if args[:1] == ["version"]:
    if scenario in ("no-engine", "no-compose"):
        fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
    print("28.5.1")
    sys.exit(0)
if args[:1] == ["inspect"]:
    print(json.dumps({"Status": "starting", "FailingStreak": 3, "Log": [
        {"ExitCode": 1, "Output": "wget: can't connect to remote host (127.0.0.1): Connection refused\n"}]}))
    sys.exit(0)
if args[:1] != ["compose"]:
    fail(f"docker: unknown command: docker {' '.join(args[:1])}")
if scenario == "no-compose":
    fail("docker: unknown command: docker compose\n\nRun 'docker --help' for more information")

rest = args[1:]
project = "project"
while rest and rest[0].startswith("-"):
    if rest[0] == "-p":
        project = rest[1]
    rest = rest[2:]
command, options = rest[0], rest[1:]


def container(service, state, health="", exit_code=0):
    return json.dumps({"Name": f"{project}-{service}-1", "Service": service, "State": state,
                       "Health": health, "ExitCode": exit_code})


if command == "version":
    print("Docker Compose version v2.40.0")
elif command == "config":
    print("db\napp")
elif command == "build":
    print("#1 [app internal] load build definition from Dockerfile")
    if scenario == "build-failure":
        print("#9 [app build 6/6] RUN CGO_ENABLED=0 go build -trimpath -o bin/app .")
        print("#9 0.912 ./main.go:12:2: undefined: handler")
        fail('failed to solve: process "/bin/sh -c CGO_ENABLED=0 go build -trimpath -o bin/app ." did not '
             'complete successfully: exit code: 1')
    print("#9 naming to docker.io/library/" + project + "-app done")
elif command == "up" and "--no-start" in options:
    print(f" Container {project}-db-1  Created\n Container {project}-app-1  Created")
elif command == "up":
    print(f" Container {project}-db-1  Starting")
    if scenario == "hang-up":
        time.sleep(120)
    if scenario == "db-unhealthy":
        print(f" Container {project}-db-1  Waiting")
        fail(f"dependency failed to start: container {project}-db-1 is unhealthy")
    print(f" Container {project}-db-1  Healthy\n Container {project}-app-1  Started")
elif command == "ps":
    if scenario == "db-unhealthy":
        print(container("db", "running", "unhealthy"))
        print(container("app", "created"))
    elif scenario == "never-healthy":
        print(container("db", "running", "healthy"))
        print(container("app", "running", "starting"))
    else:
        print(container("db", "running", "healthy"))
        print(container("app", "running", "healthy"))
elif command == "port":
    print(f"127.0.0.1:{os.environ['STANDIN_APP_PORT']}")
elif command == "logs":
    if "--tail" in options:
        service = options[-1]
        if service == "db":
            print("db-1  | FATAL:  password authentication failed for user \"timetension\"")
        else:
            print("app-1  | connecting to postgresql://timetension:***@localhost:5432/timetension")
            print("app-1  | connection refused; retrying")
    else:
        print("db-1   | 2026-11-02T09:00:00Z LOG:  database system is ready to accept connections")
        print("app-1  | 2026-11-02T09:00:01Z listening on 0.0.0.0:8080")
elif command == "down":
    print(f" Container {project}-app-1  Removed\n Container {project}-db-1  Removed")
else:
    fail(f"stand-in docker compose: no answer for {command}")
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
    """The environment for a `timetension` subprocess that finds the stand-in (and nothing else) on PATH."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("POSTGRES_PASSWORD", "APP_PORT", "COMPOSE_PROFILES", "NO_COLOR")}
    env.update({"PATH": str(bin_folder), "STANDIN_LOG": str(log), "STANDIN_SCENARIO": scenario, **extra})
    return env
