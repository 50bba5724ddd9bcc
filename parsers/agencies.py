"""The agencies regwatch watches: one closed set, from which the parsers, spiders, mirrors, config checks, CLI
choices and web filters all take their lists. The values are contracts: config `agency`, `--agency`, the stored
`agency` column and the webhook payload's `agency`. A member equals its string."""

from __future__ import annotations

from enum import StrEnum


class Agency(StrEnum):
    FDA = "fda"  # U.S. Food and Drug Administration
    EMA = "ema"  # European Medicines Agency
    PMDA = "pmda"  # Japan's PMDA, with the MHLW's notices
    MFDS = "mfds"  # Korea's Ministry of Food and Drug Safety
    NMPA = "nmpa"  # China's NMPA, with the CDE's guidance


AGENCIES: tuple[str, ...] = tuple(agency.value for agency in Agency)  # plain strings, for choices and messages
NO_AGENCY = "other"  # the stored agency of a page watched without one
