"""Recognise a JavaScript bot challenge (the Ruishu/"RS" pages NMPA and CDE serve to non-browsers).

Such a page is never a document version and never a sign that a document was removed.
"""

from __future__ import annotations

import re

from regwatch.parsers.types import Fetched

CHALLENGE_STATUSES = (202, 412)
_MARKERS = (b"$_ts", b'r="m"', b"r='m'", b"9DhefwqGPrzGxEp9hPaoag")
_COOKIES = re.compile(r"(?:^|[\s,;])(NfBCSins2Oyw[A-Za-z]*|FSSBBIl1UgzbN7N80[A-Za-z]*)=")
SMALL = 6 * 1024


def is_challenge(fetched: Fetched) -> bool:
    """True for a challenge answer: status 202/412 with a small script page, the challenge cookies, or a
    small 200 page made of the challenge script (real NMPA 200 pages also carry the script in their head,
    so a large page is not a challenge because of it)."""
    cookies = " ".join(v for k, v in fetched.headers.items() if k.lower() == "set-cookie")
    if _COOKIES.search(cookies) and fetched.status != 200:
        return True
    small_script = len(fetched.body) < SMALL and any(m in fetched.body for m in _MARKERS)
    if fetched.status in CHALLENGE_STATUSES:
        return small_script or not fetched.body.strip() or b"<script" in fetched.body[:SMALL].lower()
    return fetched.status == 200 and small_script
