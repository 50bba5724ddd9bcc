"""HTML: decode the bytes, keep the main content, turn it into normalized text and heading-pathed sections."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from soupsieve import SelectorSyntaxError

from parsers.formats.encoding import decode_html
from parsers.formats.sections import build_sections
from parsers.formats.sniff import require_body
from parsers.normalize import normalize_text
from parsers.types import Document, Fetched, ParseError, Section

_CONTENT_ROOTS = ("main", "#main-content", "[role=main]", "article", "body")
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
               "form", "button", "input", "select", "textarea", "nav", "aside", "dialog")
_NOISE_SELECTORS = (
    "[hidden]", "[aria-hidden=true]", ".sr-only", ".visually-hidden", ".element-invisible",
    "[role=navigation]", "[role=banner]", "[role=contentinfo]", "[role=search]",
    ".breadcrumb", ".breadcrumbs", "[class*=breadcrumb]", ".usa-banner", ".usa-skipnav", ".skip-link",
    "a[href='#main-content']", ".share", "[class*=social-share]", "[class*=sharethis]", "[class*=addthis]",
    "[class*=feedback]", "[class*=cookie]", ".node-current-date",
)
# Boilerplate recognised by its words: the largest enclosing element holding little else is removed.
NOISE_PHRASES = re.compile(r"content current as of|was this page helpful|back to top|"
                           r"an official website of the united states government|here.s how you know", re.I)
_PHRASE_SLACK = 40

_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
_CELLS = frozenset({"td", "th"})
_CLOSE = object()
_SPACE = object()
_SPACES = re.compile(r"\s+")


def parse_html(fetched: Fetched) -> BeautifulSoup:
    """The response as a soup; ParseError for an error status or an empty body."""
    require_body(fetched, "html")
    return BeautifulSoup(decode_html(fetched.body, fetched.header("Content-Type")), "lxml")


def _select_one(soup: BeautifulSoup | Tag, selector: str) -> Tag | None:
    try:
        return soup.select_one(selector)
    except SelectorSyntaxError as exc:
        raise ParseError(f"invalid CSS selector {selector!r}: {exc}") from exc


def _root(soup: BeautifulSoup, selector: str | None) -> Tag:
    if selector:
        found = _select_one(soup, selector)
        if found is None:
            raise ParseError(f"selector {selector!r} matched nothing")
        return found
    return next((tag for css in _CONTENT_ROOTS if (tag := soup.select_one(css))), soup)


def drop_phrases(root: Tag, phrases: re.Pattern[str] = NOISE_PHRASES) -> None:
    """Remove boilerplate found by its words, with the largest container that holds little else.

    Text where the words are only part of a longer passage is left alone.
    """
    for string in list(root.find_all(string=phrases)):
        match = phrases.search(string)
        if string.decomposed or type(string) is not NavigableString or match is None:
            continue
        limit = len(match.group(0)) + _PHRASE_SLACK
        if len(string.strip()) > limit:
            continue
        element: PageElement = string
        while (parent := element.parent) not in (None, root) and len(parent.get_text(" ", strip=True)) <= limit:
            element = parent
        if isinstance(element, Tag):
            element.decompose()
        else:
            element.extract()


def drop_sections(root: Tag, title: re.Pattern[str]) -> None:
    """Remove each heading whose whole text matches `title`, with the siblings after it up to the next heading."""
    for heading in root.find_all(list(_HEADINGS)):
        if heading.decomposed or not title.fullmatch(" ".join(heading.get_text(" ").split())):
            continue
        for sibling in list(heading.find_next_siblings()):
            if sibling.name in _HEADINGS:
                break
            sibling.decompose()
        heading.decompose()


def drop_noise(root: Tag, extra: Iterable[str] = ()) -> None:
    """Remove chrome from `root` in place: scripts, navigation, banners, widgets, stamps."""
    for tag in root.find_all(_NOISE_TAGS):
        if not tag.decomposed:
            tag.decompose()
    for tag in root.find_all(["header", "footer"]):
        if not tag.decomposed and not (tag.name == "header" and tag.find("h1")):
            tag.decompose()
    for css in (*_NOISE_SELECTORS, *extra):
        for tag in root.select(css):
            if not tag.decomposed:
                tag.decompose()
    drop_phrases(root)


def main_content(soup: BeautifulSoup, selector: str | None = None, noise: Iterable[str] = ()) -> Tag:
    """A cleaned copy of the page's main content (the soup is left untouched).

    `selector` names the content element and must match; without it the first of main, #main-content,
    [role=main], article, body is used. `noise` adds selectors to remove on top of the generic rules.
    """
    root = copy.copy(_root(soup, selector))
    drop_noise(root, noise)
    return root


class _Walk:
    """Collects (heading level or 0, text) blocks while the tree is walked with an explicit stack."""

    def __init__(self) -> None:
        self.blocks: list[tuple[int, str]] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buf).strip()
        self.buf.clear()
        if text:
            self.blocks.append((0, text))

    def enter(self, tag: Tag) -> list[object]:
        """Handle entering `tag`; return what to push on the stack (closer first, children reversed)."""
        if tag.name in _HEADINGS:
            self.flush()
            if text := " ".join(tag.get_text(" ").split()):
                self.blocks.append((_HEADINGS[tag.name], text))
            return []
        if tag.name == "br":  # an explicit break, not wrapping: keep it as a paragraph break
            self.flush()
            return []
        children = list(reversed(tag.contents))
        if tag.name in _BLOCKS:
            self.flush()
            return [_CLOSE, *children]
        return [_SPACE, *children] if tag.name in _CELLS else children


def _blocks(element: Tag) -> list[tuple[int, str]]:
    """Text blocks in document order; block elements, headings and <br> end a block."""
    walk = _Walk()
    stack: list[object] = list(reversed(element.contents))
    while stack:
        node = stack.pop()
        if node is _CLOSE:
            walk.flush()
        elif node is _SPACE:
            walk.buf.append(" ")
        elif type(node) is NavigableString:  # not comments, doctypes, CDATA or processing instructions
            walk.buf.append(_SPACES.sub(" ", node))
        elif isinstance(node, Tag):
            stack.extend(walk.enter(node))
    walk.flush()
    return walk.blocks


def _text(blocks: list[tuple[int, str]]) -> str:
    return normalize_text("\n\n".join(text for _, text in blocks))


def html_to_text(element: Tag) -> str:
    """Normalized text of an element: one paragraph per block, headings on their own."""
    return _text(_blocks(element))


def html_to_sections(element: Tag) -> tuple[Section, ...]:
    """The element's text cut at h1–h6, each part with the path of headings above it."""
    return build_sections(_blocks(element))


def page_title(root: Tag, soup: BeautifulSoup) -> str:
    """Text of the content's first h1, else the document <title>, else ""."""
    for tag in (root.find("h1"), soup.find("title")):
        if isinstance(tag, Tag) and (title := " ".join(normalize_text(tag.get_text(" ")).split())):
            return title
    return ""


def render(fetched: Fetched, soup: BeautifulSoup, root: Tag, title: str = "") -> Document:
    """A Document from a cleaned content element; ParseError when it holds no text."""
    blocks = _blocks(root)
    text = _text(blocks)
    if not text:
        raise ParseError(f"html: no text in the main content of {fetched.url}")
    lang = soup.html.get("lang") if soup.html else None
    return Document(url=fetched.url, title=title or page_title(root, soup) or fetched.url, text=text,
                    sections=build_sections(blocks), language=lang if isinstance(lang, str) else None)


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any HTML page as a Document: main content (or `selector`) without chrome, title from h1/<title>."""
    soup = parse_html(fetched)
    return render(fetched, soup, main_content(soup, selector))
