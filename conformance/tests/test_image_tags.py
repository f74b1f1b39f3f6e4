"""Every base image the kit pins is a tag its official repository has published: a tag that was never
published fails every participant's first build. The record of published tags is written from the
official-images library by scripts/check_image_tags.py."""

from __future__ import annotations

import re

from servers import REPOSITORY, TESTS

from timetension._doctor import CONTAINER_TEST_IMAGES
from timetension._images import compose_images, dockerfile_images, images_of
from timetension._review_image import DATABASE_IMAGE

RECORD = TESTS / "data" / "published_image_tags.txt"


def published() -> dict[str, str]:
    rows = [line.split() for line in RECORD.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    assert all(len(row) == 3 and re.fullmatch(r"[0-9a-f]{12}", row[1]) for row in rows), rows
    return {row[0]: row[1] for row in rows}


def kit_images() -> list[str]:
    files = [*sorted(REPOSITORY.glob("starters/*/Dockerfile")), REPOSITORY / "reference" / "Dockerfile",
             REPOSITORY / "conformance" / "Dockerfile", REPOSITORY / "docker-compose.template.yml"]
    return images_of(files)


def test_every_pinned_image_was_published() -> None:
    images = kit_images()
    assert "postgres:17.11-trixie" in images and len(images) >= 8
    unpublished = sorted(set(images) - set(published()))
    assert unpublished == [], (f"not in {RECORD.name}: {unpublished}. Pin a tag the official repository lists, "
                               f"then run scripts/check_image_tags.py on a checkout of "
                               f"docker-library/official-images with --write.")


def test_the_tools_name_only_pinned_images() -> None:
    assert DATABASE_IMAGE in kit_images()
    assert set(CONTAINER_TEST_IMAGES) <= set(kit_images())


def test_images_are_read_without_build_stages_or_variables() -> None:
    dockerfile = "FROM golang:1.26.7-alpine3.24 AS build\nRUN true\nFROM build AS test\nFROM alpine:3.24.1\n"
    assert dockerfile_images(dockerfile) == ["golang:1.26.7-alpine3.24", "alpine:3.24.1"]
    compose = "services:\n  db:\n    image: postgres:17.11-trixie\n  suite:\n    image: ${TIMETENSION_IMAGE:-x:1}\n"
    assert compose_images(compose) == ["postgres:17.11-trixie"]
