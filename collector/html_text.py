"""Plain text of the HTML platforms send: WordPress comments, feed summaries, HTML-only mail.

One reader for all three, so a fix (a block tag missed, a script's text let through) lands
everywhere. Entities are decoded; scripts, styles and the document head are dropped, since
their text is not what anyone wrote.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Tags that start a new line of text, opening or closing.
BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"}
SKIP_TAGS = {"script", "style", "head", "title", "template"}


class _Lines(HTMLParser):
    def __init__(self, quotes: bool, newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skip = 0
        self.quotes = quotes
        self.newlines = newlines
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
            self.lines.append("")
        elif tag in BLOCK_TAGS:
            self.lines.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> is one break, not the two a start and an end tag would make.
        if tag in BLOCK_TAGS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.lines.append("")
        elif tag in BLOCK_TAGS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        for number, part in enumerate(data.split("\n") if self.newlines else [data]):
            if number:
                self.lines.append("")
            if self.quotes and self.quote and not self.lines[-1]:
                self.lines[-1] = "> " * self.quote  # mail readers cut quoted text by its "> " marks
            self.lines[-1] += part


def html_lines(markup: str, *, quotes: bool = False, newlines: bool = False) -> list[str]:
    """The lines of text of an HTML fragment, whitespace collapsed in each; empty lines kept.

    With `quotes`, text inside <blockquote> starts with "> " per level, as mail quotes read.
    With `newlines`, a line break in the source text breaks the line too (else it is a space,
    as HTML has it: mail HTML is wrapped at 76 columns).
    """
    parser = _Lines(quotes, newlines)
    parser.feed(markup)
    parser.close()
    return [" ".join(line.split()) for line in parser.lines]


def text_of_html(markup: str, *, newlines: bool = False) -> str:
    """Plain text of an HTML fragment: one line per block, empty lines dropped."""
    return "\n".join(line for line in html_lines(markup, newlines=newlines) if line)


def one_line_of_html(markup: str) -> str:
    """Plain text of an HTML fragment on one line (a feed title or summary)."""
    return " ".join(line for line in html_lines(markup) if line)
