"""Reading the question set edit form the way a browser would post it."""

import html
import re
from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and name != "csrf_token":
            kind = attributes.get("type", "text")
            if kind == "checkbox":
                if "checked" in attributes:
                    self.values[name] = attributes.get("value", "y")
            elif kind != "submit":
                self.values[name] = attributes.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(page: str) -> dict[str, str]:
    """The values the edit form on the page would post unchanged (checked boxes only)."""
    form = page.split('id="edit"', 1)[1].split("</form>", 1)[0]
    parser = _Inputs()
    parser.feed(form)
    return parser.values


def row_of(values: dict[str, str], text: str) -> int:
    """The index of the row whose wording is `text`."""
    for name, value in values.items():
        if name.endswith("-text") and value == text:
            return int(name.split("-")[1])
    raise AssertionError(f"no row worded {text!r}")


def table_rows(page: str) -> list[list[str]]:
    """The text of each cell of each body row of the first table on the page."""
    body = page.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]
