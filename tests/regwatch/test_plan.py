"""The request plan's rules (regwatch/plan.py), day by day, without a crawl."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from regwatch.plan import Checked, reason_to_fetch, recheck_day

START = date(2026, 12, 7)
KEYS = [f"/guidance/document-{n}" for n in range(2000)]


def test_every_document_is_due_once_in_any_window_of_recheck_days_and_the_days_share_the_load() -> None:
    every = 7
    for key in KEYS[:300]:
        window = [START + timedelta(days=d) for d in range(every)]
        assert sum(recheck_day(key, day, every) for day in window) == 1
    per_day = Counter(d for d in range(every) for key in KEYS if recheck_day(key, START + timedelta(days=d), every))
    assert sum(per_day.values()) == len(KEYS)
    assert max(per_day.values()) - min(per_day.values()) < len(KEYS) / every * 0.25  # evenly spread
    assert all(recheck_day(key, START, 1) for key in KEYS[:50])  # recheck_days 1: every day


def test_reasons() -> None:
    key = next(k for k in KEYS if not recheck_day(k, START, 7))
    fresh = Checked(stamp="2026-10-01T07:00", on=START - timedelta(days=1))
    assert reason_to_fetch(key, "2026-10-01T07:00", fresh, START, 7) is None
    assert reason_to_fetch(key, "2026-12-06T09:00", fresh, START, 7) == "changed"
    assert reason_to_fetch(key, None, fresh, START, 7) == "no stamp"
    assert reason_to_fetch(key, "2026-10-01T07:00", None, START, 7) == "unchecked"  # never stored
    failed = Checked(stamp=None, on=None)  # the last check failed: the store cleared it
    assert reason_to_fetch(key, "2026-10-01T07:00", failed, START, 7) == "unchecked"
    bad_file = Checked(stamp="2026-10-01T07:00", on=START - timedelta(days=1), children_ok=False)
    assert reason_to_fetch(key, "2026-10-01T07:00", bad_file, START, 7) == "unchecked"
    removed = Checked(stamp="2026-10-01T07:00", on=START - timedelta(days=1), removed=True)
    assert reason_to_fetch(key, "2026-10-01T07:00", removed, START, 7) == "unchecked"
    stale = Checked(stamp="2026-10-01T07:00", on=START - timedelta(days=7))  # a missed cycle
    assert reason_to_fetch(key, "2026-10-01T07:00", stale, START, 7) == "overdue"
    due = next(k for k in KEYS if recheck_day(k, START, 7))
    assert reason_to_fetch(due, "2026-10-01T07:00", fresh, START, 7) == "re-check day"


def test_recheck_days_is_validated_and_defaults_to_seven() -> None:
    import pytest

    from regwatch.config import ConfigError, parse_config

    assert parse_config({}).crawl.recheck_days == 7
    assert parse_config({"crawl": {"recheck_days": 1}}).crawl.recheck_days == 1
    for bad in (0, -3, "weekly", 1000):
        with pytest.raises(ConfigError, match=r"^crawl\.recheck_days: "):
            parse_config({"crawl": {"recheck_days": bad}})


def test_daily_cycles_after_a_full_check_spread_the_load_and_keep_every_gap_within_recheck_days() -> None:
    every, keys = 7, KEYS[:700]
    checked = {key: Checked(stamp="s", on=START) for key in keys}  # a cold cycle checked everything on one day
    last = dict.fromkeys(keys, START)
    per_day = []
    for n in range(1, 29):
        day = START + timedelta(days=n)
        if n == 10:  # a missed cycle
            per_day.append(0)
            continue
        due = [k for k in keys if reason_to_fetch(k, "s", checked[k], day, every) is not None]
        for k in due:
            assert (day - last[k]).days <= every + (1 if n == 11 else 0)  # the missed day delays by at most a day
            checked[k], last[k] = Checked(stamp="s", on=day), day
        per_day.append(len(due))
    assert all((START + timedelta(days=28) - last[k]).days < every for k in keys)
    steady = per_day[11:]
    assert max(steady) < 700 / every * 1.3 and min(steady) > 700 / every * 0.7  # no weekly spike
    again = next(k for k in keys if recheck_day(k, START, every))
    assert reason_to_fetch(again, "s", Checked(stamp="s", on=START), START, every) is None  # checked today already
