"""The starters' manifests (`starters/<name>/starter.toml`): what the kit's tooling knows of each."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "starter.toml"
REQUIRED_KEYS = ("name", "language", "language_version", "framework", "framework_version", "toolchain",
                 "setup", "run", "dev", "port")


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class Starter:
    folder: Path
    name: str
    language: str
    language_version: str
    framework: str
    framework_version: str
    toolchain: tuple[str, ...]  # executables the native set-up needs on PATH
    setup: str  # the native set-up command: install dependencies and build
    run: str  # the native run command; the Dockerfile's CMD runs the same
    dev: str  # the native run command that rebuilds and restarts the app when a source file changes
    port: int

    def missing_tools(self) -> list[str]:
        return [tool for tool in self.toolchain if shutil.which(tool) is None]


def load_starter(folder: Path) -> Starter:
    path = folder / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))["starter"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise ManifestError(f"{path}: cannot read a [starter] table ({error})") from None
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise ManifestError(f"{path}: missing {', '.join(missing)}")
    if data["name"] != folder.name:
        raise ManifestError(f"{path}: name {data['name']!r} must be the folder's name {folder.name!r}")
    return Starter(folder=folder, toolchain=tuple(data["toolchain"]), port=int(data["port"]),
                   **{key: str(data[key]) for key in REQUIRED_KEYS if key not in ("toolchain", "port")})


def load_starters(root: Path) -> list[Starter]:
    return [load_starter(folder) for folder in sorted(root.iterdir()) if (folder / MANIFEST).is_file()]
