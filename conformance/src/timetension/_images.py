"""The base images the kit's files name: every `FROM` of a Dockerfile (build stages left out) and every
`image:` of a compose file. `doctor` checks that each can be had; the kit's tests pin them to published
tags."""

from __future__ import annotations

import re
from pathlib import Path

FROM_LINE = re.compile(r"^FROM\s+(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?",
                       re.IGNORECASE | re.MULTILINE)
COMPOSE_IMAGE = re.compile(r"^\s+image:\s+[\"']?(?P<image>[a-z0-9][\w./-]*:[\w.-]+)[\"']?\s*$", re.MULTILINE)


def dockerfile_images(text: str) -> list[str]:
    """The images a Dockerfile builds from, in order, without its own build stages."""
    stages: set[str] = set()
    images = []
    for match in FROM_LINE.finditer(text):
        image = match.group("image")
        if image.lower() not in stages and image not in images:
            images.append(image)
        if match.group("stage"):
            stages.add(match.group("stage").lower())
    return images


def compose_images(text: str) -> list[str]:
    """The images a compose file names with a literal tag (`${VAR:-...}` ones are left out)."""
    return list(dict.fromkeys(match.group("image") for match in COMPOSE_IMAGE.finditer(text)))


def images_of(paths: list[Path]) -> list[str]:
    """The images named by these Dockerfiles and compose files, each once, in order."""
    images: list[str] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        found = compose_images(text) if path.suffix in (".yml", ".yaml") else dockerfile_images(text)
        images += [image for image in found if image not in images]
    return images
