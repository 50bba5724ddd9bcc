"""The FDA mirror: www.fda.gov, and the demo's scripted edits (see mirror.edits)."""

from __future__ import annotations

from pathlib import Path

from regwatch.mirror import edits

ORIGINS: dict[str, str] = {"https://www.fda.gov": "fda"}


def demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """One "should" → "must" in a guidance PDF, one guidance published, one withdrawn."""
    return {f"fda {k}": v for k, v in edits.demo_edits(sites["fda"]).items()}
