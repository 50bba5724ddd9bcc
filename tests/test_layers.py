"""The layer contract: imports between regwatch's layers point one way.

    parsers ← crawler
    parsers ← store ← alerts ← wiring (regwatch.* outside the five subpackages)
    parsers ← mirror (demo and test support)

Read from the source with `ast`, so module-level and function-local imports both count, and nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The folders that install as regwatch.<layer> (pyproject's package-dir).
FOLDERS = {"parsers": "parsers", "crawler": "crawler", "store": "store", "alerts": "alerts", "mirror": "mirror"}
WIRING = "wiring"
# What each layer may import of the others (itself always allowed).
ALLOWED = {
    "parsers": set(),
    "crawler": {"parsers"},
    "store": {"parsers"},
    "alerts": {"store", "parsers"},
    "mirror": {"parsers"},
    WIRING: {"parsers", "crawler", "store", "alerts", "mirror"},
}


def _modules() -> dict[str, Path]:
    """Every project module by its dotted name, as installed."""
    found = {}
    for layer, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            found[_dotted(f"regwatch.{layer}", path, ROOT / folder)] = path
    for path in (ROOT / "regwatch").rglob("*.py"):
        found[_dotted("regwatch", path, ROOT / "regwatch")] = path
    return found


def _dotted(prefix: str, path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([prefix, *parts])


def layer_of(module: str) -> str | None:
    """The layer a dotted name belongs to; None outside the project."""
    parts = module.split(".")
    if parts[0] in FOLDERS:  # an old top-level name would be a violation of its own; count it as that layer
        return parts[0]
    if parts[0] != "regwatch":
        return None
    if len(parts) > 1 and parts[1] in FOLDERS:
        return parts[1]
    return WIRING


def imported_names(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) for every import in the module, at any depth; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.module, node.level)
            if base == "regwatch":  # `from regwatch import alerts`: the alias names the layer
                names.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
            else:
                names.append((node.lineno, base))
    return names


def _resolve(package: str, name: str | None, level: int) -> str:
    if level == 0:
        return name or ""
    base = package.split(".")
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join([*base, name] if name else base)


def crosses(own: str, name: str) -> bool:
    """Whether importing `name` from layer `own` points the wrong way."""
    target = WIRING if name == "regwatch" else layer_of(name)
    return target is not None and target != own and target not in ALLOWED[own]


def violations() -> list[str]:
    """Every import that crosses a layer boundary the wrong way, as 'file:line: layer -> name'."""
    return [
        f"{path.relative_to(ROOT)}:{line}: {layer_of(module)} -> {name}"
        for module, path in sorted(_modules().items())
        for line, name in imported_names(module, path)
        if crosses(layer_of(module), name)
    ]


def test_layers_point_one_way():
    assert violations() == []


def test_no_old_top_level_names():
    """Everything imports the installed names (regwatch.parsers …), never the bare folders."""
    bare = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for module, path in sorted(_modules().items())
        for line, name in imported_names(module, path)
        if name.split(".")[0] in FOLDERS
    ]
    assert bare == []


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import regwatch.standalone\n", "regwatch.crawler.x", ["crawler -> regwatch.standalone"]),
        ("def f():\n    from regwatch.alerts import types\n", "regwatch.store.q", ["store -> regwatch.alerts"]),
        ("from ..alerts import types\n", "regwatch.store.q", ["store -> regwatch.alerts"]),
        ("from regwatch import cli\n", "regwatch.alerts.x", ["alerts -> regwatch.cli"]),
        ("from regwatch.parsers import types\n", "regwatch.alerts.x", []),
        ("from regwatch.store import models\n", "regwatch.cli", []),
        ("from . import base\n", "regwatch.crawler.x", []),
    ],
)
def test_the_checker_sees_each_form(tmp_path, source, module, expected):
    """The contract test can fail: module-level, function-local and relative imports are all seen."""
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    own = layer_of(module)
    assert [f"{own} -> {name}" for _line, name in imported_names(module, path) if crosses(own, name)] == expected
