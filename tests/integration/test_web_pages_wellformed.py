"""Every page a person opens is well-formed HTML: a plain-text title, one main landmark, unique ids,
every element closed where HTML requires it. A template whose blocks got tangled (a section
inside the <title>) is caught here, whatever a browser would silently repair."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from web_app import client_for, login, make_app, seed

PAGES = ["/", "/settings", "/settings/account", "/settings/team", "/settings/alerts", "/settings/rules", "/alerts", "/summaries", "/reports"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements HTML lets a page leave open; every other one must be closed in order.
OPTIONAL_END = {"p", "li", "tr", "td", "th", "thead", "tbody", "option", "dt", "dd"}


class Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: Counter[str] = Counter()
        self.title_tags = 0
        self.mains = 0
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if "title" in self.stack:
            self.title_tags += 1
        if tag == "main":
            self.mains += 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        while self.stack and self.stack[-1] != tag and self.stack[-1] in OPTIONAL_END:
            self.stack.pop()
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")


async def test_every_page_is_well_formed(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        for path in PAGES:
            page = await client.get(path)
            assert page.status_code == 200, path
            shape = Shape()
            shape.feed(page.text)
            assert shape.title_tags == 0, f"{path}: markup inside <title>"
            assert shape.mains == 1, f"{path}: {shape.mains} <main> landmarks"
            assert [i for i, n in shape.ids.items() if n > 1] == [], f"{path}: repeated ids"
            assert shape.problems == [], f"{path}: {shape.problems[:3]}"
