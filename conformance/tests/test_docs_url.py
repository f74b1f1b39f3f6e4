"""The `Read:` links' default: the kit's built site as files when it is there (also for a suite that `make new`
installed into an attempt), else `make docs-serve`'s address; $TIMETENSION_DOCS_URL wins over both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hostile_servers import html_error_pages

from timetension import _docs_url


def fake_kit(tmp_path: Path, *, built: bool) -> Path:
    kit = tmp_path / "kit"
    (kit / "site").mkdir(parents=True)
    (kit / "mkdocs.yml").write_text("site_name: x\n")
    if built:
        (kit / "site" / "index.html").write_text("<html></html>")
    return kit


def test_a_built_site_is_linked_as_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kit = fake_kit(tmp_path, built=True)
    monkeypatch.setattr(_docs_url, "kit_folder", lambda: kit)
    base = _docs_url.default_docs_url()
    assert base == (kit / "site").as_uri() + "/"
    assert _docs_url.page_link(base, "levels/accounts/", "register") == f"{base}levels/accounts/index.html#register"


def test_without_a_built_site_the_links_go_to_docs_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kit = fake_kit(tmp_path, built=False)
    monkeypatch.setattr(_docs_url, "kit_folder", lambda: kit)
    assert _docs_url.default_docs_url() == "http://localhost:8000/"
    assert _docs_url.page_link("http://localhost:8000/", "levels/accounts/", "register") == \
        "http://localhost:8000/levels/accounts/#register"


def test_a_suite_installed_by_make_new_finds_its_kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kit = fake_kit(tmp_path, built=True)
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / _docs_url.KIT_MARKER).write_text(f"{kit}\n")
    monkeypatch.setattr(_docs_url, "__file__", str(venv / "lib" / "python3" / "site-packages" / "timetension" / "x.py"))
    monkeypatch.setattr(sys, "prefix", str(venv))
    assert _docs_url.kit_folder() == kit


def test_the_environment_variable_wins() -> None:
    with html_error_pages() as url:
        completed = subprocess.run(
            [sys.executable, "-m", "timetension.cli", "check", "--url", url, "--wait", "2", "--timeout", "2",
             "--level", "0", "--no-color"],
            capture_output=True, text=True, timeout=60,
            env={"TIMETENSION_DOCS_URL": "https://docs.example/", "PATH": "/usr/bin:/bin"},
        )
    assert "Read: https://docs.example/levels/walking-skeleton/#" in completed.stdout, completed.stdout
