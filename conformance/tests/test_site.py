"""The exercise site: it builds strictly, works offline, has every check's "Read:" link, and renders in a browser.

The site is built once, with `mkdocs build --strict`, into a temporary folder. Headless Chromium (Debian's
`chromium`, from `make system-deps`) then opens pages from a local server; its screenshots go to
$TIMETENSION_SCREENSHOTS (default: a folder under pytest's temporary path), and the test prints where.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from conftest import missing_tool
from servers import REPOSITORY

from timetension import all_checks, default_spec
from timetension._fuzz import fuzz_check, fuzz_stage_check
from timetension._runner import Run

SCREENSHOTS_ENV_VAR = "TIMETENSION_SCREENSHOTS"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
DOCS_BASE = "http://docs.invalid/"  # any base: the test only uses what follows it


# Building ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        pytest.fail("mkdocs is not installed: `make venv` installs it from requirements/dev.txt")
    folder = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(REPOSITORY / "mkdocs.yml"),
         "--site-dir", str(folder)],
        cwd=REPOSITORY, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stdout}\n{build.stderr}"
    return folder


def every_check() -> list:
    spec = default_spec()
    return [*all_checks(), fuzz_stage_check(), *(fuzz_check(operation) for operation in spec.operations)]


def page_file(site: Path, url_path: str) -> Path:
    path = site / url_path.lstrip("/")
    return path / "index.html" if url_path.endswith("/") or path.is_dir() else path


# Reading built pages -------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Element ids, and every URL the page makes a browser load (not the links it only offers)."""

    # (tag, attribute) pairs whose URL a browser fetches by itself while showing the page.
    LOADED = {("script", "src"), ("img", "src"), ("img", "srcset"), ("iframe", "src"), ("frame", "src"),
              ("embed", "src"), ("object", "data"), ("source", "src"), ("source", "srcset"), ("video", "src"),
              ("video", "poster"), ("audio", "src"), ("track", "src"), ("input", "src"), ("link", "href"),
              ("image", "href"), ("use", "href")}

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.loaded: list[str] = []
        self.inline_css: list[str] = []
        self.iframes: list[str] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif name == "style":
                self.inline_css.append(value)
            elif (tag, name) in self.LOADED or (tag == "link" and name == "imagesrcset"):
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in name else [value]
                self.loaded.extend(url for url in urls if url)
            if tag == "iframe" and name == "src":
                self.iframes.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_css.append(data)
        self.text.append(data)


def read_page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


_CSS_URL = re.compile(r"""url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"\s]+))\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")


def css_urls(css: str) -> list[str]:
    found = [next(group for group in match.groups() if group is not None) for match in _CSS_URL.finditer(css)]
    found += [next(group for group in match.groups() if group is not None) for match in _CSS_IMPORT.finditer(css)]
    return found


def leaves_the_site(url: str) -> bool:
    """An absolute http(s) URL, or a protocol-relative one, points at another host than the local server."""
    url = url.strip()
    if url.startswith("//"):
        return True
    return urlsplit(url).scheme in ("http", "https")


# The build ----------------------------------------------------------------------------------------


def test_the_site_builds_strictly(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "openapi.yaml").read_bytes() == (REPOSITORY / "spec" / "openapi.yaml").read_bytes()


def test_nothing_is_loaded_from_another_host(site: Path) -> None:
    offenders = []
    for path in sorted(site.rglob("*.html")):
        page = read_page(path)
        urls = page.loaded + [url for css in page.inline_css for url in css_urls(css)]
        offenders += [f"{path.relative_to(site)}: {url}" for url in urls if leaves_the_site(url)]
    for path in sorted(site.rglob("*.css")):
        urls = css_urls(path.read_text(encoding="utf-8", errors="replace"))
        offenders += [f"{path.relative_to(site)}: {url}" for url in urls if leaves_the_site(url)]
    assert offenders == []


def test_the_offline_check_sees_what_it_must() -> None:
    page = _Page()
    page.feed('<link rel="stylesheet" href="https://fonts.example/css"><script src="//cdn.example/x.js"></script>'
              '<img srcset="a.png 1x, https://img.example/b.png 2x"><a href="https://example.com/">out</a>'
              '<div style="background: url(https://img.example/c.png)"></div>')
    urls = page.loaded + [url for css in page.inline_css for url in css_urls(css)]
    assert [url for url in urls if leaves_the_site(url)] == [
        "https://fonts.example/css", "//cdn.example/x.js", "https://img.example/b.png", "https://img.example/c.png"]
    css = 'a{background:url("data:image/svg+xml;charset=utf-8,<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>")}' \
          "@import 'https://fonts.example/a.css'; b{src:url(../fonts/x.woff2)}"
    assert [url for url in css_urls(css) if leaves_the_site(url)] == ["https://fonts.example/a.css"]


def test_every_check_links_to_an_element_that_exists(site: Path) -> None:
    run = Run("http://127.0.0.1:9", docs_url=DOCS_BASE)
    try:
        links = {check.slug: run.docs_link(check) for check in every_check()}
    finally:
        run.close()
    broken = []
    pages: dict[Path, set[str]] = {}
    for slug, link in links.items():
        assert link.startswith(DOCS_BASE), link
        path, _, anchor = link[len(DOCS_BASE):].partition("#")
        html = page_file(site, path)
        if not html.is_file():
            broken.append(f"{slug}: {link} (no page {path})")
            continue
        ids = pages.setdefault(html, read_page(html).ids)
        if anchor not in ids:
            broken.append(f"{slug}: {link} (no id {anchor!r} on {path})")
    assert broken == []


def test_every_check_link_opens_from_the_built_site_on_disk(site: Path) -> None:
    """With the site as files (`make docs`, no server), each link names the page's file, which exists."""
    run = Run("http://127.0.0.1:9", docs_url=site.as_uri())
    try:
        links = {check.slug: run.docs_link(check) for check in every_check()}
    finally:
        run.close()
    missing = []
    for slug, link in links.items():
        path, _, anchor = link.partition("#")
        file = Path(urlsplit(path).path)
        if not (path.endswith(".html") and file.is_file() and anchor in read_page(file).ids):
            missing.append(f"{slug}: {link}")
    assert missing == []


def test_every_check_is_in_the_catalogue(site: Path) -> None:
    text = "".join(read_page(site / "reference" / "checks" / "index.html").text)
    missing = [check.slug for check in every_check() if check.slug not in text]
    assert missing == []


def test_every_rule_is_on_the_rules_page_with_its_checks(site: Path) -> None:
    page = read_page(site / "reference" / "rules" / "index.html")
    spec_rules = default_spec().rules
    assert [rule.id for rule in spec_rules if f"rule-{rule.id.replace('.', '-')}" not in page.ids] == []
    catalogue = read_page(site / "reference" / "checks" / "index.html")
    unlinked = [check.slug for check in every_check() if check.level != "fuzz" and check.slug not in catalogue.ids]
    assert unlinked == [], "the rules page links each check by its slug"
    assert "0 rules without a check" in "".join(page.text)


def test_every_starter_has_a_page(site: Path) -> None:
    starters = sorted(path.parent.name for path in (REPOSITORY / "starters").glob("*/starter.toml"))
    assert starters
    missing = [name for name in starters if not (site / "starters" / name / "index.html").is_file()]
    assert missing == []
    index = "".join(read_page(site / "starters" / "index.html").text)
    assert all(name in index for name in starters)


def test_the_reference_pages_are_generated(site: Path) -> None:
    cli = "".join(read_page(site / "reference" / "cli" / "index.html").text)
    assert "usage: timetension check" in cli and "--docs-url" in cli
    results = "".join(read_page(site / "reference" / "results" / "index.html").text)
    assert "format_version" in results and "reproduction" in results
    assert (site / "reference" / "results.schema.json").is_file()


# In a browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    missing_tool("Chromium is missing: run `make system-deps` (Debian's chromium package)",
                 ci_must="run the browser tests")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".yaml": "application/yaml"}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get(SCREENSHOTS_ENV_VAR)
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def browse(chromium: str, url: str, *, screenshot: Path | None = None) -> str:
    """The page's DOM once its scripts ran (up to 10 s of virtual time), or a screenshot of it."""
    with tempfile.TemporaryDirectory(prefix="timetension-chromium-") as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=10000"]
        command += [f"--screenshot={screenshot}", "--window-size=1280,900", "--hide-scrollbars"] if screenshot \
            else ["--dump-dom"]
        done = subprocess.run([*command, url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"chromium failed on {url}:\n{done.stderr[-3000:]}"
    return done.stdout


def test_pages_render_in_a_browser(chromium: str, served: str, screenshots: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    home = browse(chromium, served)
    assert "Picking a framework" in home and "md-header" in home
    level = browse(chromium, urljoin(served, "levels/projects/"))
    assert 'id="unique-names"' in level

    shots = {"home.png": "", "level-projects.png": "levels/projects/", "api-reference.png": "api/",
             "quickstart.png": "quickstart/", "catalogue.png": "reference/checks/", "rules.png": "reference/rules/"}
    for name, path in shots.items():
        browse(chromium, urljoin(served, path), screenshot=screenshots / name)
        assert (screenshots / name).stat().st_size > 10_000, f"{name} looks empty"
    with capsys.disabled():
        print(f"\nScreenshots of the site: {screenshots}")


def test_the_api_reference_renders_every_operation(chromium: str, served: str, site: Path) -> None:
    page = read_page(site / "api" / "index.html")
    [frame] = page.iframes  # Swagger UI runs in a frame of its own, made by mkdocs-swagger-ui-tag
    dom = browse(chromium, urljoin(urljoin(served, "api/"), frame))
    assert "swagger-ui" in dom and "opblock" in dom, "Swagger UI did not render any operation"
    missing = [f"{op.operation_id}: {op.summary}" for op in default_spec().operations if op.summary not in dom]
    assert missing == []
