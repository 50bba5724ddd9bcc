"""The shape of the product code, read from the source with `ast` (nothing is imported).

    python bench/structure.py [REPO]        # REPO defaults to this checkout

Prints, for the product folders (crawler, parsers, store, alerts, mirror, regwatch; Alembic migrations and the
mirror's site data left out): module count, largest module, import cycles, `Any` occurrences, function-local
imports of the project's own modules, `noqa: E402` comments and test functions (`def test_` under tests/).

An import cycle is a strongly connected group of more than one module in the import graph, module-level and
function-local imports both counted. `from package import name` points at `package.name` when that is a
module, else at the package. Both spellings of a module count as one: `crawler.base` (the layout before the
`regwatch.*` namespace) and `regwatch.crawler.base`.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS = ("crawler", "parsers", "store", "alerts", "mirror")
SKIPPED_DIRS = {"migrations", "sites"}
NOQA_E402 = re.compile(r"#\s*noqa:[^\n]*\bE402\b")


@dataclass(frozen=True)
class Module:
    name: str  # dotted, as installed: regwatch.crawler.base
    path: Path
    tree: ast.Module
    source: str

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def product_modules(root: Path) -> dict[str, Module]:
    """Every product module by its installed dotted name."""
    folders = {f"regwatch.{layer}": root / layer for layer in LAYERS} | {"regwatch": root / "regwatch"}
    found = {}
    for prefix, folder in folders.items():
        for path in sorted(folder.rglob("*.py")):
            relative = path.relative_to(folder)
            if SKIPPED_DIRS & set(relative.parts[:-1]):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            source = path.read_text(encoding="utf-8")
            name = ".".join([prefix, *parts])
            found[name] = Module(name, path, ast.parse(source, filename=str(path)), source)
    return found


def installed(name: str) -> str:
    """The `regwatch.*` spelling of a dotted name written in either layout."""
    return f"regwatch.{name}" if name.split(".")[0] in LAYERS else name


def _absolute(module: Module, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    base = module.package.split(".")
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(module: Module, known: set[str]) -> Iterator[tuple[ast.stmt, str]]:
    """(statement, imported project module) for every import of a project module, at any depth."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets = [installed(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = installed(_absolute(module, node.module, node.level))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                yield node, target


def local_statements(tree: ast.Module) -> set[ast.stmt]:
    """Import statements that sit inside a function body."""
    inside = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(node for node in ast.walk(function) if isinstance(node, ast.Import | ast.ImportFrom))
    return inside


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups, key=lambda group: (-len(group), group))


def any_count(tree: ast.Module) -> int:
    """Uses of `Any` in code: annotations, aliases and casts; its import and comments not counted."""
    return sum(
        1 for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "Any" or isinstance(node, ast.Attribute) and node.attr == "Any"
    )


def test_functions(root: Path) -> int:
    count = 0
    for path in (root / "tests").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        count += sum(
            1 for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
        )
    return count


def short(name: str) -> str:
    return name.removeprefix("regwatch.") if name.split(".")[1:2] and name.split(".")[1] in LAYERS else name


def report(root: Path) -> list[tuple[str, str]]:
    """(measure, figure) rows, plus the members of each cycle."""
    modules = product_modules(root)
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    local_imports: set[ast.stmt] = set()
    for module in modules.values():
        local = local_statements(module.tree)
        for statement, target in imports_of(module, known):
            if target != module.name:
                graph[module.name].add(target)
            if statement in local:
                local_imports.add(statement)
    lines = {name: module.source.count("\n") + (not module.source.endswith("\n")) for name, module in modules.items()}
    largest = max(lines, key=lines.__getitem__)
    groups = cycles(graph)
    rows = [
        ("modules", str(len(modules))),
        ("largest module", f"{modules[largest].path.relative_to(root)}, {lines[largest]} lines"),
        ("import cycles (strongly connected groups > 1)",
         f"{len(groups)}, holding {sum(map(len, groups))} modules"
         + (f", the largest {len(groups[0])}" if groups else "")),
        ("`Any` occurrences", str(sum(any_count(module.tree) for module in modules.values()))),
        ("function-local imports of the project's own modules", str(len(local_imports))),
        ("`noqa: E402`", str(sum(len(NOQA_E402.findall(module.source)) for module in modules.values()))),
        ("test functions (`def test_`)", str(test_functions(root))),
    ]
    return rows + [(f"cycle {number}", ", ".join(map(short, group))) for number, group in enumerate(groups, 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    rows = report(args.repo.resolve())
    width = max(len(measure) for measure, _figure in rows)
    for measure, figure in rows:
        print(f"{measure:<{width}}  {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
