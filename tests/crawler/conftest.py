"""The sandbox stand-in parsers live beside the parser tests; make them importable here (and in the worker)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "parsers"))
