"""Which parser reads a response. Dispatch is explicit: PDFs (by magic bytes or Content-Type) go to the PDF parser
whatever the kind; HTML goes to the generic page parser or to an agency module from `AGENCY_PARSERS`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import ModuleType

from regwatch.parsers import ema, fda, mfds, nmpa, pmda
from regwatch.parsers.agencies import Agency
from regwatch.parsers.formats import html, hwp, office, pdf
from regwatch.parsers.formats.binary import binary_document
from regwatch.parsers.formats.sniff import body_format
from regwatch.parsers.selectors import checked
from regwatch.parsers.types import Document, Fetched, LayoutChanged, Listing

AGENCY_PARSERS: dict[Agency, ModuleType] = {
    Agency.FDA: fda, Agency.EMA: ema, Agency.PMDA: pmda, Agency.MFDS: mfds, Agency.NMPA: nmpa,
}
# Files recognised by their magic bytes, whatever the URL or kind says.
FILE_PARSERS: dict[str, Callable[[Fetched], Document]] = {
    "pdf": pdf.parse_pdf, "docx": office.parse_docx, "xlsx": office.parse_xlsx, "doc": office.parse_doc,
    "hwp": hwp.parse_hwp, "hwpx": hwp.parse_hwpx,
}
PAGE_KIND = "page"  # any HTML page, through parsers.formats.html.parse_page
AGENCY_PAGE_KINDS = ("guidance", "page")  # "<agency>:guidance" → parse_guidance_page, "<agency>:page" → parse_page


def kinds() -> tuple[str, ...]:
    """Every value `parse_document` accepts as `kind`."""
    return (PAGE_KIND, *(f"{agency}:{page}" for agency in AGENCY_PARSERS for page in AGENCY_PAGE_KINDS))


def _agency(name: str) -> ModuleType:
    if name not in AGENCY_PARSERS:
        raise ValueError(f"unknown agency {name!r}; known: {', '.join(AGENCY_PARSERS)}")
    return AGENCY_PARSERS[Agency(name)]


def parse_document(fetched: Fetched, kind: str, selector: str | None = None) -> Document:
    """Parse a document response; `kind` is "page" or "<agency>:guidance" / "<agency>:page" (see `kinds()`).

    Raises ParseError for a response that is not the document it should be (or a malformed `selector`),
    ValueError for an unknown kind
    (a configuration mistake, not a page problem). A page the agency template no longer recognises
    (`LayoutChanged`) is extracted by the generic page parser and marked `extractor="generic"`.
    """
    if kind not in kinds():
        raise ValueError(f"unknown document kind {kind!r}; known: {', '.join(kinds())}")
    if selector is not None:
        checked(selector)
    fmt = body_format(fetched)
    if fmt in FILE_PARSERS:
        return FILE_PARSERS[fmt](fetched)
    if fmt != "html":
        return binary_document(fetched, fmt)
    if kind == PAGE_KIND:
        return html.parse_page(fetched, selector)
    agency, _, page = kind.partition(":")
    module = _agency(agency)
    try:
        return module.parse_guidance_page(fetched) if page == "guidance" else module.parse_page(fetched, selector)
    except LayoutChanged as exc:
        generic = html.parse_page(fetched, selector)
        return dataclasses.replace(generic, extractor="generic", note=f"layout changed: {exc}")


def parse_listing(agency: str, fetched: Fetched) -> Listing:
    """An agency's catalogue/listing response (FDA: search-for-guidance.json)."""
    return _agency(agency).parse_catalogue(fetched)
