"""Links made absolute, one malformed link costing only itself."""

from regwatch.parsers.urls import absolute_links

BASE = "https://www.mhlw.go.jp/stf/newpage_1.html"


def test_relative_links_are_made_absolute_in_order() -> None:
    assert list(absolute_links(BASE, [" /a.pdf ", "b.pdf", "https://x.example/c.pdf"])) == [
        "https://www.mhlw.go.jp/a.pdf", "https://www.mhlw.go.jp/stf/b.pdf", "https://x.example/c.pdf"]


def test_malformed_blank_and_non_string_values_are_skipped() -> None:
    hrefs = ["http://[::1", "", "   ", None, ["a.pdf"], "http://host:port/x.pdf", "ok.pdf"]
    assert list(absolute_links(BASE, hrefs)) == ["https://www.mhlw.go.jp/stf/ok.pdf"]
