"""What a rendered page shows a person: its text, without tags, scripts or form inputs' markup.

Page tests assert that a detail page shows its object's identifying fields, not only that it answers 200.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import ClassVar


class _Text(HTMLParser):
    SKIP: ClassVar[set[str]] = {"script", "style", "head", "textarea", "select"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.h1: list[str] = []
        self._skip = 0
        self._in_h1 = 0
        self._in_main = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "h1":
            self._in_h1 += 1
        if tag in ("br", "p", "div", "tr", "li", "dt", "dd", "h1", "h2", "td", "th", "section", "span"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "h1":
            self._in_h1 = max(0, self._in_h1 - 1)
        if tag in ("p", "div", "tr", "li", "dt", "dd", "h1", "h2", "td", "th", "section", "span"):
            self.parts.append(" ")

    def handle_data(self, data):
        if self._skip:
            return
        self.parts.append(data)
        if self._in_h1:
            self.h1.append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page(response) -> tuple[str, str]:
    """(the page's first heading, the page's whole visible text), whitespace collapsed."""
    assert response.status_code == 200, response.status_code
    parser = _Text()
    parser.feed(response.content.decode())
    return _squash("".join(parser.h1)), _squash("".join(parser.parts))


def facts(response) -> dict[str, str]:
    """The page's ``<dl class="facts">`` as {term: definition} (visible text)."""
    html = response.content.decode()
    found: dict[str, str] = {}
    for dl in re.findall(r'<dl class="facts">(.*?)</dl>', html, flags=re.DOTALL):
        for term, definition in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", dl, flags=re.DOTALL):
            parser = _Text()
            parser.feed(definition)
            found[_squash(re.sub(r"<[^>]+>", "", term))] = _squash("".join(parser.parts))
    return found
