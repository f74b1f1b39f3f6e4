"""Where the suite's `Read:` links point by default: the kit's built site on disk when there is one, else the
site as `make docs-serve` serves it. `--docs-url` or $TIMETENSION_DOCS_URL overrides both."""

from __future__ import annotations

import sys
from pathlib import Path

SERVED_DOCS_URL = "http://localhost:8000/"  # `make docs-serve`
KIT_MARKER = "timetension-kit"  # written into an attempt's virtualenv by `make new`: the kit's folder


def kit_folder() -> Path | None:
    """The kit this suite comes from: its checkout for an editable install, or the folder `make new` recorded
    in the virtualenv it installed the suite into."""
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "mkdocs.yml").is_file():
        return checkout
    try:
        recorded = Path((Path(sys.prefix) / KIT_MARKER).read_text(encoding="utf-8").strip())
    except OSError:
        return None
    return recorded if (recorded / "mkdocs.yml").is_file() else None


def default_docs_url() -> str:
    kit = kit_folder()
    if kit is not None and (kit / "site" / "index.html").is_file():
        return (kit / "site").as_uri() + "/"
    return SERVED_DOCS_URL


def page_link(docs_url: str, page: str, anchor: str) -> str:
    """A page's address under docs_url; a built site opened from disk has no server to turn `levels/x/` into
    `levels/x/index.html`."""
    if docs_url.startswith("file:") and (page.endswith("/") or not page):
        page += "index.html"
    return f"{docs_url}{page}#{anchor}"
