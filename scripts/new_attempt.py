"""`make new STARTER=go-nethttp DIR=../my-attempt`: a fresh folder with a starter and the compose set-up,
ready for `git init`."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
from timetension._starters import load_starters  # noqa: E402  (the kit's virtualenv has the suite)

BUILD_OUTPUTS = ("node_modules", "target", "bin", ".venv", "dist", "build", "__pycache__", "*.db")
COMPOSE_FILES = {"docker-compose.template.yml": "docker-compose.yml", ".env.example": ".env.example"}
DB_README = """\
# db/

SQL that runs once, when the compose set-up creates its database: put it in `init.sql` here, for example
`CREATE EXTENSION IF NOT EXISTS citext;`. docker-compose.yml mounts this folder on the PostgreSQL image's
/docker-entrypoint-initdb.d, which runs its .sql and .sh files in name order and ignores the rest (this
README too). They run only while the database's volume is empty: after a change, `docker compose down
--volumes`, then `docker compose up` again. Leave the folder as it is if you need nothing.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make new", description=__doc__)
    parser.add_argument("starter", help="the starter's folder name under starters/")
    parser.add_argument("folder", type=Path, help="where the new attempt goes; must not exist or be empty")
    args = parser.parse_args(argv)
    starters = {starter.name: starter for starter in load_starters(REPOSITORY / "starters")}
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
    for source, name in COMPOSE_FILES.items():
        if (REPOSITORY / source).is_file():
            shutil.copy(REPOSITORY / source, target / name)
    if (target / "docker-compose.yml").is_file():
        # The template mounts ./db; made here, it belongs to the participant rather than to Docker (root).
        (target / "db").mkdir(exist_ok=True)
        (target / "db" / "README.md").write_text(DB_README, encoding="utf-8")
    print(f"{starter.language} with {starter.framework} is ready in {target}. Next:")
    print(f"  cd {target} && git init && git add -A && git commit -m 'Start from the {starter.name} starter'")
    print(f"  {starter.setup}")
    print(f"  PORT={starter.port} DATABASE_URL=postgresql://... {starter.run}")
    print(f"  timetension check --url http://localhost:{starter.port} --level 0")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
