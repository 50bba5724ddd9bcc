"""The PMDA mirror: which real origins it stands in for, and its scripted demo edits."""

from __future__ import annotations

from pathlib import Path

ORIGINS: dict[str, str] = {}  # real origin (https://host) → site folder under mirror/sites/


def demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """Apply the demo's edits to writable copies of this agency's sites (folder name → path)."""
    return {}
