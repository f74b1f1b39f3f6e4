"""`make new STARTER=go-nethttp DIR=../my-attempt`: a fresh folder with a starter, the compose set-up and the
conformance suite, ready for `git init`.

Runs with any Python 3.11 or newer and its standard library alone, and never writes into the kit's folder
(which may be read-only): the suite is built from a temporary copy and installed, not in editable mode, into
the attempt's own virtualenv, DIR/.timetension/venv, with the kit's pinned versions. The kit's development
tools (the docs builder, linters, load tester) stay out of it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
SUITE = REPOSITORY / "conformance"
CONSTRAINTS = REPOSITORY / "requirements" / "constraints.txt"
LOCAL = ".timetension"  # the attempt's local tools and database; ignored by git
KIT_MARKER = "timetension-kit"  # in the virtualenv: where the kit is, so the suite can find its built site
INSTALL_TIMEOUT = 600

BUILD_OUTPUTS = ("node_modules", "target", "bin", ".venv", "dist", "build", "__pycache__", "*.db")
SUITE_IGNORED = ("__pycache__", "*.egg-info", ".pytest_cache", "tests", "build", "dist")
COMPOSE_FILES = {"docker-compose.template.yml": "docker-compose.yml", ".env.example": ".env.example"}
DB_README = """\
# db/

SQL that runs once, when the compose set-up creates its database: put it in `init.sql` here, for example
`CREATE EXTENSION IF NOT EXISTS citext;`. docker-compose.yml mounts this folder on the PostgreSQL image's
/docker-entrypoint-initdb.d, which runs its .sql and .sh files in name order and ignores the rest (this
README too). They run only while the database's volume is empty: after a change, `docker compose down
--volumes`, then `docker compose up` again. Leave the folder as it is if you need nothing. Your tables
come from your app's migrations, not from here: they run the same way natively and under compose.
"""
LOCAL_GITIGNORE = "# The attempt's local tools and database (timetension, `timetension db`): never committed.\n*\n"


def _load_starters_module():
    """The kit's manifest reader, loaded from its file: importing the `timetension` package would need the
    suite's dependencies, which this script must not."""
    path = SUITE / "src" / "timetension" / "_starters.py"
    spec = importlib.util.spec_from_file_location("timetension_starters", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def install_suite(target: Path) -> Path:
    """A virtualenv in target/.timetension/venv with the suite from the kit; returns the `timetension` command."""
    local = target / LOCAL
    venv = local / "venv"
    # This Python's own pip can install into a virtualenv without pip (pip 22.3 or newer), which saves the
    # seconds ensurepip takes; otherwise the virtualenv gets a pip of its own.
    pip_here = _pip_can_target_another_python()
    subprocess.run([sys.executable, "-m", "venv", *(["--without-pip"] if pip_here else []), str(venv)], check=True,
                   timeout=INSTALL_TIMEOUT, stdout=subprocess.DEVNULL)
    pip = ([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")] if pip_here
           else [str(venv / "bin" / "python"), "-m", "pip"])
    with tempfile.TemporaryDirectory(prefix="timetension-suite-") as build:
        # The wheel carries ../spec/openapi.yaml, so the copy keeps the kit's layout.
        shutil.copytree(SUITE, Path(build) / "conformance", ignore=shutil.ignore_patterns(*SUITE_IGNORED))
        (Path(build) / "spec").mkdir()
        shutil.copy(REPOSITORY / "spec" / "openapi.yaml", Path(build) / "spec" / "openapi.yaml")
        for path in Path(build).rglob("*"):  # a read-only kit makes read-only copies; the build writes beside them
            path.chmod(path.stat().st_mode | 0o200)
        constraints = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.is_file() else []
        # --no-compile: Python compiles each module when it is first imported; doing all of them now takes seconds.
        subprocess.run([*pip, "install", "--quiet", "--disable-pip-version-check", "--no-compile", *constraints,
                        str(Path(build) / "conformance")], check=True, timeout=INSTALL_TIMEOUT,
                       env={**os.environ, "PIP_NO_INPUT": "1"})
    (venv / KIT_MARKER).write_text(str(REPOSITORY) + "\n", encoding="utf-8")
    commands = local / "bin"
    commands.mkdir(exist_ok=True)
    (commands / "timetension").symlink_to(Path("..") / "venv" / "bin" / "timetension")
    return commands / "timetension"


def _pip_can_target_another_python() -> bool:
    try:
        completed = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True,
                                   timeout=60)
        version = tuple(int(part) for part in completed.stdout.split()[1].split(".")[:2])
    except (OSError, subprocess.TimeoutExpired, IndexError, ValueError):
        return False
    return completed.returncode == 0 and version >= (22, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make new", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("starter", help="the starter's folder name under starters/")
    parser.add_argument("folder", type=Path, help="where the new attempt goes; must not exist or be empty")
    parser.add_argument("--no-install", action="store_true",
                        help="copy only; install the suite yourself (pip install <kit>/conformance)")
    args = parser.parse_args(argv)
    starters_module = _load_starters_module()
    starters = {starter.name: starter for starter in starters_module.load_starters(REPOSITORY / "starters")}
    if args.starter not in starters:
        print(f"There is no starter called {args.starter!r}. Choose one of: {', '.join(sorted(starters))}",
              file=sys.stderr)
        return 2
    target: Path = args.folder
    if target.exists() and any(target.iterdir()):
        print(f"{target} already holds files; give a new folder so nothing is overwritten.", file=sys.stderr)
        return 2
    starter = starters[args.starter]
    shutil.copytree(starter.folder, target, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS), dirs_exist_ok=True)
    _make_writable(target)
    for source, name in COMPOSE_FILES.items():
        if (REPOSITORY / source).is_file():
            shutil.copy(REPOSITORY / source, target / name)
            (target / name).chmod(0o644)
    if (target / "docker-compose.yml").is_file():
        # The template mounts ./db; made here, it belongs to the participant rather than to Docker (root).
        (target / "db").mkdir(exist_ok=True)
        (target / "db" / "README.md").write_text(DB_README, encoding="utf-8")
    (target / LOCAL).mkdir()
    (target / LOCAL / ".gitignore").write_text(LOCAL_GITIGNORE, encoding="utf-8")
    _keep_out_of_images(target / ".dockerignore")

    shown = str(target)
    if args.no_install:
        suite = f"pip install {SUITE}   # the suite, in a virtualenv of your choice"
    else:
        print(f"Installing the conformance suite into {target / LOCAL / 'venv'} ...", flush=True)
        try:
            install_suite(target)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            print(f"The suite could not be installed ({error}). The starter is copied; install the suite "
                  f"yourself: python3 -m venv {shown}/{LOCAL}/venv && {shown}/{LOCAL}/venv/bin/pip install {SUITE}",
                  file=sys.stderr)
            return 1
        suite = f'export PATH="$PWD/{LOCAL}/bin:$PATH"   # the timetension command, installed here'
    print(f"{starter.language} with {starter.framework} is ready in {shown}. Next:")
    print(f"  cd {shown} && git init && git add -A && git commit -m 'Start from the {starter.name} starter'")
    print(f"  {suite}")
    print("  export $(timetension db start)   # a PostgreSQL of this attempt's own; prints DATABASE_URL=...")
    print(f"  {starter.setup}")
    print(f"  PORT={starter.port} {starter.run}")
    print(f"  timetension check --url http://localhost:{starter.port} --level 0   # in another terminal")
    print("  timetension db stop              # when you are done for the day")
    return 0


def _keep_out_of_images(dockerignore: Path) -> None:
    """The suite's virtualenv and the local database are no part of the app's image (nor of its build context,
    which would carry them to the engine on every build)."""
    text = dockerignore.read_text(encoding="utf-8") if dockerignore.exists() else ""
    if f"{LOCAL}/" not in text.split():
        separator = "" if not text or text.endswith("\n") else "\n"
        dockerignore.write_text(f"{text}{separator}{LOCAL}/\n", encoding="utf-8")


def _make_writable(folder: Path) -> None:
    """Copies of a read-only kit are read-only too; the attempt is the participant's to edit."""
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)


if __name__ == "__main__":
    raise SystemExit(main())
