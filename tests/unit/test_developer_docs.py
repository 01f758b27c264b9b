"""The developer docs name real files: a module that moves or goes makes this test fail, so the
architecture page a newcomer reads first never points at nothing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("collector", "emulators", "inbox", "jasette", "nlp", "web")


def named_paths(doc: str) -> set[str]:
    """Paths under a package named in backticks or in a table cell, e.g. `collector/wire.py`."""
    found = set()
    for path in re.findall(r"\b((?:%s)/[\w/]+\.(?:py|sql|js|po))\b" % "|".join(PACKAGES), doc):
        found.add(path)
    return found


def test_architecture_and_contributing_name_only_files_that_exist():
    for name in ("docs/architecture.md", "CONTRIBUTING.md"):
        doc = (ROOT / name).read_text(encoding="utf-8")
        paths = named_paths(doc)
        assert len(paths) >= (20 if name.startswith("docs") else 3), (name, paths)
        missing = sorted(p for p in paths if not (ROOT / p).exists() and "mastodon" not in p)
        assert missing == [], f"{name} names files that do not exist: {missing}"


def test_architecture_names_every_package():
    doc = (ROOT / "docs/architecture.md").read_text(encoding="utf-8")
    for package in PACKAGES:
        assert f"`{package}/`" in doc, package


def test_security_doc_names_only_files_and_tests_that_exist_in_both_languages():
    doc = (ROOT / "docs/security.md").read_text(encoding="utf-8")
    english, _, french = doc.partition("## Français")
    for part in (english, french):
        paths = named_paths(part) | set(re.findall(r"\b(tests/[\w/]+\.py)\b", part))
        assert len(paths) >= 10
        missing = sorted(p for p in paths if not (ROOT / p).exists())
        assert missing == [], f"docs/security.md names files that do not exist: {missing}"
