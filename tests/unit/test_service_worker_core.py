"""The service worker keeps every script and stylesheet a page loads: one missing from its list
would be fetched on each start, and an offline start would draw a page that does nothing."""

from __future__ import annotations

import re
from pathlib import Path

from web import routes_app

TEMPLATES = Path(routes_app.__file__).parent / "templates"


def test_every_static_file_a_template_loads_is_kept_by_the_service_worker() -> None:
    loaded = set()
    for template in TEMPLATES.glob("*.html"):
        loaded |= set(re.findall(r'asset\("([^"]+\.(?:js|css))"\)', template.read_text(encoding="utf-8")))
    assert loaded, "no template loads a script through asset()"
    assert loaded <= set(routes_app._CORE), sorted(loaded - set(routes_app._CORE))
    assert all((routes_app.STATIC / name).is_file() for name in routes_app._CORE)
