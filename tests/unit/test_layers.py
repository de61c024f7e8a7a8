"""The package layers: which part of ``frontend`` may import which, and no import cycles.

Every import statement of every module counts, also those inside functions and
under ``TYPE_CHECKING``: a cycle that only type checking sees is still a cycle
in the design.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "frontend"

FOUNDATION = "foundation"
"""The package's own module and the top-level helpers every layer may use."""
FOUNDATION_MODULES = {
    "errors",
    "frozen",
    "gotext",
    "logs",
    "persistent",
    "platform",
    "reference",
    "threads",
}
ENTRY_MODULES = {"cli", "__main__"}

ALLOWED: dict[str, set[str]] = {
    FOUNDATION: set(),
    "pb": set(),
    "syntax": {FOUNDATION},
    "semantics": {"syntax", FOUNDATION},
    "llb": {"pb", FOUNDATION},
    "compiler": {"semantics", "syntax", "llb", FOUNDATION},
    "gateway": {"compiler", "semantics", "syntax", "llb", "pb", FOUNDATION},
    "entry": {"gateway", "compiler", "semantics", "syntax", "llb", FOUNDATION},
}
"""What each part may import (besides itself). ``pb``, the generated protobuf
code, is imported only by ``llb`` and ``gateway``."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The layer a module belongs to."""
    first = module.split(".")[1] if "." in module else ""
    if first in ENTRY_MODULES:
        return "entry"
    if first == "" or first in FOUNDATION_MODULES:
        return FOUNDATION
    if first not in ALLOWED:
        raise AssertionError(f"{module}: a module outside the known layers; add it to one")
    return first


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports(module: str) -> Iterator[str]:
    """The ``frontend`` modules ``module`` imports (``from pkg import mod`` names ``pkg.mod``)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        yield from (t for t in targets if t.split(".")[0] == "frontend" and t in MODULES)


GRAPH = {module: set(imports(module)) for module in MODULES}


def test_every_import_follows_the_layers() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if part_of(target) != part_of(module) and part_of(target) not in ALLOWED[part_of(module)]
    )
    assert wrong == []


def test_protobuf_code_only_from_llb_and_gateway() -> None:
    users = {part_of(m) for m, targets in GRAPH.items() for t in targets if part_of(t) == "pb"}
    assert users - {"pb"} <= {"llb", "gateway"}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_parts() -> None:
    parts: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        parts.setdefault(part_of(module), set()).update(
            part_of(t) for t in targets if part_of(t) != part_of(module)
        )
    assert _cycles(parts) == []


def test_no_cycle_between_modules() -> None:
    assert _cycles(GRAPH) == []


def test_the_test_sees_imports() -> None:
    assert "frontend.syntax.ast" in GRAPH["frontend.syntax.instructions"]
    assert "frontend.pb.ops_pb2" in GRAPH["frontend.llb.marshal"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
