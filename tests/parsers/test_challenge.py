"""Bot-challenge pages are recognised (and real pages that carry the script in their head are not)."""

from __future__ import annotations

from regwatch.parsers.challenge import is_challenge
from regwatch.parsers.types import Fetched

RS_PAGE = (b'<html><head><meta id="x" content="{qqqq" r="m"><script r="m">var $_ts=window["$_ts"];'
           b'$_ts.nsd=1;</script><script src="/ZvbYc1RuNkYg/6LweYeYIFMkG.a670748.js" r="m"></script></head>'
           b"<body><script>_$xx();</script></body></html>")


def fetched(status: int, body: bytes, **headers: str) -> Fetched:
    return Fetched("https://www.nmpa.gov.cn/xxgk/ggtg/index.html", status, dict(headers), body)


def test_412_script_page_with_cookies_is_a_challenge() -> None:
    assert is_challenge(fetched(412, RS_PAGE, **{"Set-Cookie": "acw_tc=1; NfBCSins2OywS=abc; HttpOnly"}))


def test_202_of_cde_is_a_challenge() -> None:
    assert is_challenge(fetched(202, b"<html><script>var a=1</script>9DhefwqGPrzGxEp9hPaoag</html>"))


def test_small_200_script_page_is_a_challenge() -> None:
    assert is_challenge(fetched(200, RS_PAGE))


def test_a_real_page_with_the_script_in_its_head_is_not() -> None:
    body = RS_PAGE.replace(b"<body>", b"<body>" + "<div class='text'>国家药监局公告</div>".encode() * 400)
    assert not is_challenge(fetched(200, body))


def test_ordinary_answers_are_not_challenges() -> None:
    assert not is_challenge(fetched(200, b"<html><body><p>ok</p></body></html>"))
    assert not is_challenge(fetched(404, b"<html><body>Not found</body></html>"))
