"""Every agency's mirror: the real origins each site folder stands in for, and its demo edits."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from regwatch.mirror.agencies import ema, fda, mfds, nmpa, pmda
from regwatch.parsers.agencies import Agency

MIRRORS: dict[Agency, ModuleType] = {
    Agency.FDA: fda, Agency.EMA: ema, Agency.PMDA: pmda, Agency.MFDS: mfds, Agency.NMPA: nmpa,
}
SITES_ROOT = Path(__file__).resolve().parents[1] / "sites"


def origins() -> dict[str, str]:
    """Real origin (https://host) → site folder name, for all agencies."""
    return {origin: site for module in MIRRORS.values() for origin, site in module.ORIGINS.items()}


def copy_sites(dest: Path) -> dict[str, Path]:
    """Writable copies of every agency's site folders (the shipped ones are never edited)."""
    import shutil

    sites = {}
    for name in dict.fromkeys(origins().values()):
        sites[name] = Path(shutil.copytree(SITES_ROOT / name, dest / f"site-{name}"))
    return sites


def apply_demo_edits(sites: dict[str, Path]) -> dict[str, str]:
    """Every agency's demo edits; returns what was changed, for the demo's narration."""
    done: dict[str, str] = {}
    for module in MIRRORS.values():
        if all(site in sites for site in module.ORIGINS.values()) and module.ORIGINS:
            done.update(module.demo_edits(sites))
    return done
