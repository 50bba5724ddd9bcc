"""Boilerplate learned from a site: blocks that are chrome wherever they sit, and blocks that change on every fetch.

The unit is a block of normalized text (a paragraph: text between blank lines). Three kinds of rule are learned:

- **chrome**: a block found on at least `MIN_PAGES` pages (and `MIN_SHARE` of them) of the same host and section
  — a consent dialog, a share bar, a "Latest news" title — is dropped wherever it appears;
- **box**: a run of two or more chrome blocks that starts with a short title ("Latest news", "相关信息", "관련
  정보") is a box whose items rotate: the title and as many blocks after it as the box held are dropped,
  whatever they say now;
- **volatile**: in three or more versions of the same document, the block after the same anchor block (or the
  first block) was different every time (a rotating tip, a "featured" teaser): the block after that anchor is
  dropped, when it starts the way all the seen variants started.

Nothing is learned from a single page or a single version. Learned rules plus per-source `Overrides` (from the
configuration) give `Rules`; `apply` takes the boilerplate out of a text. Pure functions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

MIN_PAGES = 3  # a block must recur on this many pages of a host section…
MIN_SHARE = 0.3  # …and on this share of them
MIN_VERSIONS = 3  # volatile: the block changed between each of at least this many versions
MAX_TITLE = 30  # characters of a box title (which ends no sentence)
MAX_ITEM = 300  # characters: a longer block is never taken as a rotating box item or a volatile block
MAX_BOX = 12  # items of a box
START = "^"  # the anchor of a volatile block that opens the text
MAX_SIMILAR = 0.5  # two variants of a volatile block are at most this similar (character ratio)


def key(block: str) -> str:
    """What identifies a block: lower case, whitespace collapsed, digits masked."""
    return re.sub(r"\d+", "#", " ".join(block.lower().split()))


def blocks(text: str) -> list[str]:
    return [b for b in text.split("\n\n") if b.strip()]


@dataclass(frozen=True)
class Rule:
    """One learned rule: `kind` is chrome, box or volatile; `key` the block (chrome), title (box) or anchor
    (volatile); `size` the items of a box; `prefix` the start all volatile variants shared; `seen` how many
    pages (or versions) it was learned from; `sample` the text as seen."""

    kind: str
    key: str
    size: int = 0
    prefix: str = ""
    seen: int = 0
    sample: str = ""


@dataclass(frozen=True)
class Overrides:
    """A source's own say (config `boilerplate:`): `learn` off ignores learned rules; `chrome` and `boxes` are
    regular expressions of blocks (and box titles) that are chrome; `keep` of blocks that never are."""

    learn: bool = True
    chrome: tuple[str, ...] = ()
    boxes: tuple[str, ...] = ()
    box_items: int = 5
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    learned: tuple[Rule, ...] = ()
    overrides: Overrides = field(default_factory=Overrides)

    def __bool__(self) -> bool:
        o = self.overrides
        return bool((self.learned and o.learn) or o.chrome or o.boxes)


def learn_pages(pages: Sequence[str]) -> list[Rule]:
    """Chrome blocks and boxes from the texts of different pages of one host section (one text per page)."""
    per_page = [blocks(text) for text in pages]
    counts = Counter(k for page in per_page for k in {key(b) for b in page})
    needed = max(MIN_PAGES, int(len(per_page) * MIN_SHARE + 0.999))
    if len(per_page) < MIN_PAGES:
        return []
    chrome = {k for k, n in counts.items() if n >= needed and re.search(r"[^\W\d_]", k)}  # words, not a number
    samples: dict[str, str] = {}
    boxes: dict[str, int] = {}
    for page in per_page:
        run: list[str] = []
        for block in [*page, None]:
            if block is not None and key(block) in chrome:
                samples.setdefault(key(block), block)
                run.append(block)
                continue
            if len(run) >= 2 and _title(run[0]):
                title = key(run[0])
                boxes[title] = min(MAX_BOX, max(boxes.get(title, 0), len(run) - 1))
            run = []
    rules = [Rule("chrome", k, seen=counts[k], sample=samples.get(k, k)) for k in sorted(chrome)]
    rules += [Rule("box", k, size=n, seen=counts[k], sample=samples.get(k, k)) for k, n in sorted(boxes.items())]
    return rules


def _title(block: str) -> bool:
    """Whether a block can be a box's title: short, and no sentence."""
    return len(block) <= MAX_TITLE and not re.search(r"[.。!?！？]$", block.strip())


def learn_versions(versions: Sequence[str]) -> list[Rule]:
    """Volatile blocks from the versions of one document, oldest first: the block after an unchanged anchor that
    was replaced between every two consecutive versions by one unrelated to it (a reworded sentence keeps most of
    its words and is an edit, not volatility), while other blocks stayed."""
    if len(versions) < MIN_VERSIONS:
        return []
    seen: dict[str, list[str]] = {}
    pairs = 0
    for old, new in zip(versions, versions[1:], strict=False):
        a, b = blocks(old), blocks(new)
        if [key(x) for x in a] == [key(x) for x in b]:
            continue
        pairs += 1
        matcher = SequenceMatcher(None, [key(x) for x in a], [key(x) for x in b], autojunk=False)
        if not any(tag == "equal" for tag, *_ in matcher.get_opcodes()):
            continue  # nothing stayed: no anchor to the rest of a document
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            one = tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1
            if one and max(len(a[i1]), len(b[j1])) <= MAX_ITEM:
                variants = seen.setdefault(key(a[i1 - 1]) if i1 else START, [])
                if not variants:
                    variants.append(a[i1])
                variants.append(b[j1])
    rules = []
    for anchor, variants in sorted(seen.items()):
        every = len(variants) - 1 >= pairs and len({key(v) for v in variants}) == len(variants)
        if len(variants) >= MIN_VERSIONS and every and _unrelated(variants):
            rules.append(Rule("volatile", anchor, prefix=_common_prefix(variants), seen=len(variants),
                              sample=variants[-1]))
    return rules


def _unrelated(variants: Sequence[str]) -> bool:
    """Whether each variant shares little with the one before it, once their common start is set aside."""
    prefix = len(_common_prefix(variants))
    for before, after in zip(variants, variants[1:], strict=False):
        x, y = " ".join(before.split())[prefix:], " ".join(after.split())[prefix:]
        if SequenceMatcher(None, x, y, autojunk=False).ratio() >= MAX_SIMILAR:
            return False
    return True


def _common_prefix(variants: Iterable[str]) -> str:
    """The words (or, for CJK, characters up to a separator) every variant starts with."""
    texts = [" ".join(v.split()) for v in variants]
    first, k = texts[0], 0
    while k < len(first) and all(len(t) > k and t[k] == first[k] for t in texts):
        k += 1
    prefix = first[:k]
    cut = max(prefix.rfind(c) for c in " :：、，,|") + 1 if k < len(first) else k
    return prefix[:cut].strip()


def _any(patterns: Sequence[str], text: str) -> bool:
    return any(re.search(p, text, re.I) for p in patterns)


def apply(text: str, rules: Rules) -> str:
    """`text` without the blocks the rules call chrome, boxes or volatile (the text as is without rules)."""
    if not rules:
        return text
    o = rules.overrides
    learned = rules.learned if o.learn else ()
    chrome = {r.key for r in learned if r.kind == "chrome"}
    boxes = {r.key: r.size for r in learned if r.kind == "box"}
    volatile = {r.key: r.prefix for r in learned if r.kind == "volatile"}
    out: list[str] = []
    parts = blocks(text)
    skip = 0
    for i, block in enumerate(parts):
        k = key(block)
        if o.keep and _any(o.keep, block):
            out.append(block)
            skip = 0
            continue
        if skip and len(block) <= MAX_ITEM and k not in boxes:
            skip -= 1
            continue
        skip = 0
        if k in boxes or (o.boxes and len(block) <= MAX_TITLE and any(re.fullmatch(p, block.strip(), re.I)
                                                                      for p in o.boxes)):
            skip = boxes.get(k, o.box_items)
            continue
        if k in chrome or (o.chrome and _any(o.chrome, block)):
            continue
        anchor = key(parts[i - 1]) if i else START
        if anchor in volatile and len(block) <= MAX_ITEM:
            prefix = volatile[anchor]
            if " ".join(block.split()).startswith(prefix):
                continue
        out.append(block)
    return "\n\n".join(out)
