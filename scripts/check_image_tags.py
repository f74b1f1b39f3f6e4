"""Which of the kit's pinned base images has its official repository published? Reads a checkout of
docker-library/official-images (its `library/<name>` files list every tag the Docker Official Images build)
and, for each image the kit's Dockerfiles and compose template name, finds the first commit that lists it.

    git clone https://github.com/docker-library/official-images /tmp/official-images
    .venv/bin/python scripts/check_image_tags.py /tmp/official-images            # prints the record
    .venv/bin/python scripts/check_image_tags.py /tmp/official-images --write    # refreshes the kit's record

The record, conformance/tests/data/published_image_tags.txt, is what test_image_tags.py holds every pin to.
Exit status 1 when a pinned tag was never published.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from timetension._images import images_of  # run with the kit's virtualenv: make venv

REPOSITORY = Path(__file__).resolve().parents[1]

RECORD = REPOSITORY / "conformance" / "tests" / "data" / "published_image_tags.txt"
HEADER = """\
# Base images the kit pins, each with the docker-library/official-images commit that first listed its tag.
# Written by scripts/check_image_tags.py; test_image_tags.py requires every pin of the kit to be here.
"""


def kit_images() -> list[str]:
    files = sorted(REPOSITORY.glob("starters/*/Dockerfile"))
    files += [REPOSITORY / "reference" / "Dockerfile", REPOSITORY / "conformance" / "Dockerfile",
              REPOSITORY / "docker-compose.template.yml"]
    return sorted(images_of(files))


def first_listing(library: Path, image: str) -> str:
    """'<commit> <date>' of the first commit whose library/<name> lists the tag, or ''."""
    name, _, tag = image.partition(":")
    listed = subprocess.run(["git", "-C", str(library), "log", "--reverse", "--format=%H %cs", "-S", tag, "--",
                             f"library/{name}"], capture_output=True, text=True, check=True).stdout.splitlines()
    for line in listed:
        commit = line.split()[0]
        text = subprocess.run(["git", "-C", str(library), "show", f"{commit}:library/{name}"], capture_output=True,
                              text=True).stdout
        for row in text.splitlines():
            key, _, tags = row.partition(":")
            if key in ("Tags", "SharedTags") and tag in [word.strip() for word in tags.split(",")]:
                return line
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("library", type=Path, help="a checkout of docker-library/official-images")
    parser.add_argument("--write", action="store_true", help=f"write the record ({RECORD.relative_to(REPOSITORY)})")
    args = parser.parse_args(argv)
    rows, missing = [], []
    for image in kit_images():
        found = first_listing(args.library, image)
        if found:
            commit, date = found.split()
            rows.append(f"{image} {commit[:12]} {date}")
        else:
            missing.append(image)
    text = HEADER + "".join(f"{row}\n" for row in rows)
    print(text, end="")
    for image in missing:
        print(f"NOT PUBLISHED: {image}", file=sys.stderr)
    if args.write and not missing:
        RECORD.write_text(text, encoding="utf-8")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
