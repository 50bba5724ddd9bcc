"""The MFDS mirror (www.mfds.go.kr): its scripted edits, and a server whose 조회수 moves like the real one.

The site folder is generated: `mirror/sites/mfds/_mirror/build.py` renders pages, feeds and attachments from
`_mirror/posts.json` and the text sources in `_mirror/files/`. Every edit here changes those inputs in a
writable copy and rebuilds it, so pages, list rows, RSS items and files always agree.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import threading
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from regwatch.mirror.server import MirrorServer

ORIGINS: dict[str, str] = {"https://www.mfds.go.kr": "mfds"}
SITE = Path(__file__).resolve().parents[1] / "sites" / "mfds"
COSMETICS_RULES = "m_211:14931"  # 화장품 안전기준 등에 관한 규정 (고시전문)
ANNEX_3 = "211-14931-2"  # its file 2: [별표 3] 인체 세포·조직 배양액 안전기준 (HWPX)
DEMO_OLD = "완제품의 제조일로부터 3년간 보존하여야 한다"
DEMO_NEW = "완제품의 제조일로부터 3년간 보존할 수 있다"
_VIEWS = [re.compile(re.escape("조회수".encode(enc)) + rb"((?:</span>)?\s*\|?\s*)(\d+)") for enc in ("utf-8", "cp949")]
_DYNAMIC = ("/list.do", "/view.do")


def builder() -> ModuleType:
    """The site's build module (it lives with the site data, as a script)."""
    spec = importlib.util.spec_from_file_location("mfds_site_build", SITE / "_mirror" / "build.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _edit_posts(site: Path, change: Any) -> Any:
    build = builder()
    data = build.load(site)
    result = change(data)
    build.save(site, data)
    build.build(site)
    return result


def reword(site: Path, text_key: str, old: str, new: str, count: int = 1) -> None:
    """Replace words in an attachment's text source (`_mirror/files/<text_key>.txt`) and rebuild its files."""
    source = site / "_mirror" / "files" / f"{text_key}.txt"
    text = source.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{old!r} is not in {source.name}")
    source.write_text(text.replace(old, new, count), encoding="utf-8")
    builder().build(site)


def reword_post(site: Path, key: str, old: str, new: str) -> None:
    """Replace words in a post's page body ("m_99:47612")."""
    def change(data: dict) -> None:
        post = _find(data, key)
        body = "\n".join(post["body"])
        if old not in body:
            raise ValueError(f"{old!r} is not in the body of {key}")
        post["body"] = body.replace(old, new, 1).split("\n")
    _edit_posts(site, change)


def bump_views(site: Path, by: int = 1) -> None:
    """Noise only: every post's 조회수 grows by `by`, in list rows and on detail pages."""
    def change(data: dict) -> None:
        for post in data["posts"]:
            post["views"] += by
    _edit_posts(site, change)


def publish(site: Path, post: dict | None = None) -> str:
    """Add a post (default: `_mirror/demo/publish.json`) to its board's pages and feed; returns its key."""
    post = post or json.loads((site / "_mirror" / "demo" / "publish.json").read_text(encoding="utf-8"))

    def change(data: dict) -> str:
        data["posts"].append(post)
        return f"{post['board']}:{post['seq']}"
    return _edit_posts(site, change)


def withdraw(site: Path, key: str) -> None:
    """Take a post off its board: list rows, feed item and routes go; its view.do then answers 404."""
    def change(data: dict) -> None:
        data["posts"].remove(_find(data, key))
    _edit_posts(site, change)
    board, seq = key.split(":")
    (site / "brd" / board / "view" / f"{seq}.html").unlink(missing_ok=True)


def _find(data: dict, key: str) -> dict:
    board, _, seq = key.partition(":")
    for post in data["posts"]:
        if post["board"] == board and str(post["seq"]) == seq:
            return post
    raise ValueError(f"no post {key}")


def demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """"하여야 한다" → "할 수 있다" in 별표 3 of the cosmetics safety rules, 조회수 noise, one new press release."""
    site = sites["mfds"]
    reword(site, ANNEX_3, DEMO_OLD, DEMO_NEW)
    bump_views(site, 7)
    new = publish(site)
    return {
        "mfds reworded": f"{COSMETICS_RULES} file 2 ([별표 3] 인체 세포·조직 배양액 안전기준): "
                         "'보존하여야 한다' → '보존할 수 있다'",
        "mfds noise only": "조회수 +7 on every board page (must raise no change)",
        "mfds published": f"{new} (엑소좀 press release)",
    }


# --- a mirror server with a live view counter --------------------------------------------------------------


def count_views(body: bytes, extra: int) -> bytes:
    """`body` with every 조회수 number raised by `extra` (UTF-8 or CP949 pages)."""
    for pattern in _VIEWS:
        body = pattern.sub(lambda m: m.group(0)[: -len(m.group(2))] + str(int(m.group(2)) + extra).encode(), body)
    return body


class ViewCountingMirror(MirrorServer):
    """A MirrorServer whose board pages behave like the real JSP pages: each answer to a `list.do` or
    `view.do` request shows 조회수 one higher than the last, and carries no ETag or Last-Modified (so every
    fetch is a full 200 whose bytes differ). The generic server has no per-response hook, so this swaps in a
    handler subclass on the private `_httpd`."""

    def __init__(self, site: Path | str = SITE, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(site, port, host)
        counter, lock = itertools.count(1), threading.Lock()
        base: Any = self._httpd.RequestHandlerClass

        class CountingHandler(base):  # type: ignore[misc, valid-type]
            def _send(self, status, body, ctype, head, extra=None, length=None):  # type: ignore[no-untyped-def]
                if status == 200 and urlsplit(self.path).path.endswith(_DYNAMIC):
                    with lock:
                        n = next(counter)
                    body, length = count_views(body, n), None
                    extra = {k: v for k, v in dict(extra or {}).items() if k not in ("ETag", "Last-Modified")}
                return super()._send(status, body, ctype, head, extra, length)

        self._httpd.RequestHandlerClass = CountingHandler
