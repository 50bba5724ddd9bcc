"""HTML: decode the bytes, keep the main content, turn it into normalized text and heading-pathed sections."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable, Sequence

import lxml.html
from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from soupsieve import SelectorSyntaxError

from regwatch.parsers.formats.encoding import decode_html
from regwatch.parsers.formats.scan import named, select
from regwatch.parsers.formats.sections import build_sections
from regwatch.parsers.formats.sniff import require_body
from regwatch.parsers.normalize import normalize_text
from regwatch.parsers.stamps import Stamp, strip_stamps
from regwatch.parsers.types import Document, Fetched, ParseError, Section

_CONTENT_ROOTS = ("main", "#main-content", "[role=main]", "article", "body")
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
               "form", "button", "input", "select", "textarea", "nav", "aside", "dialog")
_NOISE_SELECTORS = (
    "[hidden]", "[aria-hidden=true]", ".sr-only", ".visually-hidden", ".element-invisible",
    "[role=navigation]", "[role=banner]", "[role=contentinfo]", "[role=search]",
    ".breadcrumb", ".breadcrumbs", "[class*=breadcrumb]", ".usa-banner", ".usa-skipnav", ".skip-link",
    "a[href='#main-content']", ".share", "[class*=social-share]", "[class*=sharethis]", "[class*=addthis]",
    "[class*=feedback]", "[class*=cookie]", ".node-current-date",
    # consent dialogs and share bars rendered inside the content (issue 15)
    "[class*=consent]", "[id*=consent]", "[id*=cookie]", "[class*=gdpr]", "[role=dialog]", "[role=alertdialog]",
    "[aria-modal=true]", "[class*=share-bar]", "[class*=sharebar]", "[class*=share-tools]", "[class*=sharing]",
)
# Boilerplate recognised by its words: the largest enclosing element holding little else is removed.
NOISE_PHRASES = re.compile(r"content current as of|was this page helpful|back to top|"
                           r"an official website of the united states government|here.s how you know|"
                           r"share this page|このページを共有|공유하기|分享到", re.I)
# Titles of the boxes sites put inside the content ("Latest news", 相关信息 …): with the link lists after them they
# are chrome wherever they sit (issue 15). Site-specific boxes are learned (parsers.boilerplate).
BOX_TITLES = re.compile(
    r"(?:latest|recent|related)\s+(?:news|information|links?|content|articles|topics)|see also|more news|"
    r"関連(?:情報|リンク|記事|ページ|コンテンツ)|新着情報|最新情報|"
    r"관련\s?(?:정보|링크|기사|콘텐츠)|최신\s?소식|새소식|"
    r"相关(?:信息|链接|新闻|文章|阅读)|最新(?:动态|消息|资讯)|热点新闻|推荐阅读", re.I)
_LINKS_SHARE = 0.5  # a block after a box title whose text is at least this much link text belongs to the box
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


def parse_html(fetched: Fetched, keep: Sequence[str] = ()) -> BeautifulSoup:
    """The response as a soup (only `<head>` and the `keep` elements when given, see `soup_of`); ParseError for
    an error status or an empty body."""
    require_body(fetched, "html")
    return soup_of(decode_html(fetched.body, fetched.header("Content-Type")), keep)


def soup_of(markup: str, keep: Sequence[str] = ()) -> BeautifulSoup:
    """A soup of the page, or, with `keep` (CSS selectors), of `<head>` and every element matching one of them.

    Building BeautifulSoup's tree is ~10× the cost of lxml's, and chrome is most of a page: lxml finds the
    `keep` elements, and only they (outermost first, in page order, under `<body>`) become the soup. A
    parser that reads nothing but elements matching `keep`, their insides and `<head>` sees what it would see
    in the whole page. Without `keep`, when none matches, or when lxml cannot read the markup: the whole page.
    """
    pruned = pruned_soup(markup, keep) if keep else None
    return pruned if pruned is not None else BeautifulSoup(markup, "lxml")


def pruned_soup(markup: str, keep: Sequence[str]) -> BeautifulSoup | None:
    """The soup of `<head>` and the `keep` elements (see `soup_of`); None when it would be the whole page (no
    element matches, or lxml cannot read the markup)."""
    try:
        pruned = _pruned(markup, tuple(keep))
    except (ValueError, etree.LxmlError, SelectorError):
        return None
    return BeautifulSoup(pruned, "lxml") if pruned is not None else None


@functools.lru_cache(maxsize=256)
def _selector(css: str) -> CSSSelector:
    return CSSSelector(css, translator="html")


def _pruned(markup: str, keep: tuple[str, ...]) -> str | None:
    """`<html>` with the page's `<head>` and the outermost `keep` elements in page order, as markup."""
    page = lxml.html.document_fromstring(markup)
    head, body = page.find("head"), page.find("body")
    found = {el for css in keep for el in _selector(css)(page)}
    kept = [el for el in found if not any(a in found or a is head for a in el.iterancestors())]
    if not kept or any(el is page or el is head or el is body for el in kept):
        return None
    if len(kept) > 1:  # page order (walking the tree only as far as the last of them)
        wanted, kept = set(kept), []
        for el in page.iter():
            if el in wanted:
                kept.append(el)
                if len(kept) == len(wanted):
                    break
    root = lxml.html.Element("html", dict(page.attrib))
    if head is not None:
        root.append(head)
    body_out = etree.SubElement(root, "body", dict(body.attrib) if body is not None else {})
    for el in kept:
        el.tail = None
        body_out.append(el)
    return lxml.html.tostring(root, encoding="unicode")


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
    candidates = select(soup, _CONTENT_ROOTS)  # one walk for all five (soupsieve walks the page for each)
    return next((tag for css in _CONTENT_ROOTS for tag in soup.css.compile(css).filter(candidates)), soup)


def drop_phrases(root: Tag, phrases: re.Pattern[str] = NOISE_PHRASES) -> None:
    """Remove boilerplate found by its words, with the largest container that holds little else.

    Text where the words are only part of a longer passage is left alone.
    """
    # Strings worth searching: a string longer than any match plus the slack is left alone whatever it says, and one
    # without a piece of text every match holds cannot match.
    longest, pieces = _longest_match(phrases), _pieces(phrases)
    candidates = [s for s in root.descendants if type(s) is NavigableString and s
                  and (longest is None or len(s.strip()) <= longest + _PHRASE_SLACK)
                  and (pieces is None or pieces.search(s))]
    for string in candidates:
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


@functools.lru_cache(maxsize=64)
def _longest_match(pattern: re.Pattern[str]) -> int | None:
    """The most characters `pattern` can match, None when unbounded (or when Python cannot tell)."""
    try:
        longest = re._parser.parse(pattern.pattern, pattern.flags).getwidth()[1]  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 — a private API: without it, every string is searched
        return None
    return longest if longest < 1_000_000 else None


@functools.lru_cache(maxsize=64)
def _pieces(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A pattern finding, in every string `pattern` finds a match in, a piece of plain text that match holds (the
    longest run of literal characters of each alternative, compared under the same flags); None when an
    alternative has no such run (or when Python cannot tell)."""
    try:
        parsed = list(re._parser.parse(pattern.pattern, pattern.flags))  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 — a private API: without it, every string is searched
        return None
    branch = re._constants.BRANCH  # type: ignore[attr-defined]
    alternatives = parsed[0][1][1] if len(parsed) == 1 and parsed[0][0] is branch else [parsed]
    runs = []
    for alternative in alternatives:
        longest: list[int] = []
        current: list[int] = []
        for op, value in alternative:
            current = [*current, value] if op is re._constants.LITERAL else []  # type: ignore[attr-defined]
            longest = max(longest, current, key=len)
        if not longest:
            return None
        runs.append("".join(map(chr, longest)))
    return re.compile("|".join(map(re.escape, runs)), pattern.flags)


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
    plain = not named(root, ("_decomposed",))
    for tag in named(root, _NOISE_TAGS):
        if not _gone(tag, plain):
            tag.decompose()
    for tag in named(root, ("header", "footer")):
        if not _gone(tag, plain) and not (tag.name == "header" and named(tag, ("h1",))):
            tag.decompose()
    for group in _selector_groups((*_NOISE_SELECTORS, *extra)):
        for tag in select(root, group):
            if not _gone(tag, plain):
                tag.decompose()
    drop_phrases(root)
    drop_boxes(root)


def _gone(tag: Tag, plain: bool) -> bool:
    """`tag.decomposed`. That property searches the element for a tag named "_decomposed" (Beautiful Soup reads an
    unknown attribute as a search) unless it was decomposed, which empties its name: with no such tag in the
    content (`plain`), the empty name says the same without the search."""
    return tag.name == "" if plain else tag.decomposed


def _link_share(tag: Tag) -> float:
    text = len(tag.get_text(" ", strip=True))
    return sum(len(a.get_text(" ", strip=True)) for a in tag.find_all("a")) / text if text else 1.0


def drop_boxes(root: Tag, titles: re.Pattern[str] = BOX_TITLES) -> None:
    """Remove each box a title from `titles` opens: the title, then the link lists and link blocks after it.

    The title is taken with the largest container holding nothing else; what follows it goes while it is
    mostly links (a paragraph of prose after a "Related information" heading stays).
    """
    for string in list(root.find_all(string=lambda s: len(s.strip()) <= 40 and titles.fullmatch(
            " ".join(s.split()).rstrip(":：")))):
        if string.decomposed or type(string) is not NavigableString:
            continue
        title: PageElement = string
        wanted = len(string.strip())
        while (parent := title.parent) not in (None, root) and len(parent.get_text("", strip=True)) <= wanted:
            title = parent
        items = []
        for sibling in title.find_next_siblings():
            if sibling.name in _HEADINGS or _link_share(sibling) < _LINKS_SHARE:
                break
            items.append(sibling)
        if not items:
            continue
        for tag in items:
            tag.decompose()
        if isinstance(title, Tag):
            title.decompose()
        else:
            title.extract()


# Pseudo-classes (:has, :first-child, :empty…) and sibling combinators can start or stop matching when other
# elements are removed; any other selector matches an element by the element and its ancestors alone.
_CONTEXTUAL = re.compile(r"[:+~]")


def _selector_groups(selectors: Sequence[str]) -> list[list[str]]:
    """The selectors in groups, removal order kept: a run of selectors whose matches do not depend on what an
    earlier one removed is matched in one walk; contextual ones stay alone, in place."""
    groups: list[list[str]] = []
    for css in selectors:
        if _CONTEXTUAL.search(css) or not groups or _CONTEXTUAL.search(groups[-1][-1]):
            groups.append([css])
        else:
            groups[-1].append(css)
    return groups


def main_content(soup: BeautifulSoup, selector: str | None = None, noise: Iterable[str] = (), *,
                 in_place: bool = False) -> Tag:
    """A cleaned copy of the page's main content (the soup is left untouched).

    `selector` names the content element and must match; without it the first of main, #main-content,
    [role=main], article, body is used. `noise` adds selectors to remove on top of the generic rules.
    `in_place` cleans the page's own element instead of a copy (copying costs about what parsing does), see
    `cleanable`: for a caller that reads nothing more from the soup's content once it has the result.
    """
    noise = tuple(noise)
    root = _root(soup, selector)
    root = cleanable(soup, root, noise) if in_place else copy.copy(root)
    drop_noise(root, noise)
    return root


def cleanable(soup: BeautifulSoup, root: Tag, noise: Iterable[str] = ()) -> Tag:
    """`root` itself, to clean in place, when that cleans it exactly as a (parentless) copy and leaves what `render`
    reads of the soup (`<html lang>`, the first `<title>`) as it was: no `noise` selector looks outside the
    element, the title is not inside it; else a copy."""
    if root is soup or _holds_title(soup, root) or any(map(_looks_above, (*_NOISE_SELECTORS, *noise))):
        return copy.copy(root)
    return root


# What in a selector can make it match an element by what lies outside the element's subtree (a copied content has
# no parent): combinators, selector arguments, :root, :scope. `:has(…)` is harmless: it looks below and after.
_HAS = re.compile(r":has\((?:[^()]|\([^()]*\))*\)")
_ABOVE = re.compile(r"[\s>+~(]|:root|:scope")


def _looks_above(css: str) -> bool:
    return bool(_ABOVE.search(_HAS.sub("", css.strip())))


def _holds_title(soup: BeautifulSoup, root: Tag) -> bool:
    """Whether the page's first `<title>` (the one `page_title` reads) is inside `root`."""
    title = soup.find("title")
    return title is not None and any(parent is root for parent in title.parents)


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
    """Text blocks in document order; block elements, headings and <br> end a block; stamps taken out."""
    return _unstamped(_raw_blocks(element))[0]


def _raw_blocks(element: Tag) -> list[tuple[int, str]]:
    """Text blocks in document order, as written."""
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


def _unstamped(blocks: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[Stamp]]:
    """The blocks without stamps and counters ("Last updated …", "조회수 1287", "(下载次数: 15)"), and those stamps."""
    out, found = [], []
    for level, text in blocks:
        if level:
            out.append((level, text))
            continue
        kept, stamps = strip_stamps(" ".join(text.split()))
        found += stamps
        if kept:
            out.append((level, kept if stamps else text))
    return out, found


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
    blocks, stamps = _unstamped(_raw_blocks(root))
    text = _text(blocks)
    if not text:
        raise ParseError(f"html: no text in the main content of {fetched.url}")
    lang = soup.html.get("lang") if soup.html else None
    return Document(url=fetched.url, title=title or page_title(root, soup) or fetched.url, text=text,
                    sections=build_sections(blocks), language=lang if isinstance(lang, str) else None,
                    stamps=tuple(stamps))


def parse_page(fetched: Fetched, selector: str | None = None) -> Document:
    """Any HTML page as a Document: main content (or `selector`) without chrome, title from h1/<title>."""
    soup = parse_html(fetched, keep=() if selector else _CONTENT_ROOTS[:-1])
    return render(fetched, soup, main_content(soup, selector, in_place=True))
