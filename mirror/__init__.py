"""Offline mirror of the www.fda.gov pages regwatch watches, served on 127.0.0.1 for tests and the demo."""

from regwatch.mirror.server import SHIPPED_SITE, MirrorServer

__all__ = ["SHIPPED_SITE", "MirrorServer"]
