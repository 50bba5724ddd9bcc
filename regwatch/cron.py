"""Cron expressions: a standard 5-field crontab line as an APScheduler 3.x trigger.

Kept apart from the scheduler so the config can check `schedule.cron` without importing the scheduler, which
imports the config.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # cron numbers: 0 and 7 are Sunday


def crontab_trigger(expr: str, timezone: str) -> Any:
    """A CronTrigger for a standard 5-field crontab line. APScheduler 3.x numbers weekdays from Monday = 0, cron
    from Sunday = 0, so numeric weekdays are spelled out as names first ("1-5" means Monday to Friday)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields: {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=_weekdays(weekday),
                       timezone=ZoneInfo(timezone))


def _weekdays(field: str) -> str:
    parts = []
    for part in field.lower().split(","):
        match = re.fullmatch(r"(\*|\d)(?:-(\d))?(?:/(\d+))?", part)
        if match is None:
            parts.append(part)  # names (mon-fri) mean the same to both; anything else APScheduler judges
            continue
        first, last, step = match.groups()
        if first == "*":
            if step is None:
                parts.append("*")
                continue
            first, last = "0", "6"
        numbers = range(int(first), int(last if last is not None else first) + 1, int(step or 1))
        if not numbers or max(numbers) > 7:
            raise ValueError(f"day of week {part!r}: use 0-7 (0 and 7 are Sunday) or mon-sun")
        parts.extend(dict.fromkeys(_DAYS[n] for n in numbers))
    return ",".join(dict.fromkeys(parts))
