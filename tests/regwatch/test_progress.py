"""The progress line of a long crawl: documents checked, of about how many, and the time left at this pace."""

from __future__ import annotations

from regwatch.parsers.types import Listing, ListingSeen, NotModified
from regwatch.recording import Progress


def test_progress_estimates_the_time_left_from_the_catalogues_and_the_last_run() -> None:
    now = [0.0]
    progress = Progress(clock=lambda: now[0])
    progress.tick(ListingSeen("fda-guidance", Listing((), complete=True), frozenset(f"k{i}" for i in range(40))))
    for i in range(10):
        now[0] += 30.0  # fda.gov's Crawl-delay
        progress.tick(NotModified("fda-guidance", f"k{i}", f"https://www.fda.gov/{i}"))
    assert progress.line(now[0]) == "documents recorded so far: 10 of about 40, about 15 min left (fda-guidance 10)"
    progress.expected = 100  # the last completed run checked more than this run's catalogues have listed so far
    assert "10 of about 100," in progress.line(now[0]) and "about 45 min left" in progress.line(now[0])
    assert Progress().line(0.0) == "documents recorded so far: 0 ()"
