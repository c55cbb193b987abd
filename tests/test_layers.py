"""The import-layer contract (ARCHITECTURE.md), checked on the source with `ast`, function-level imports included.

cli → api → runner → {backends, compose, review, metrics, consistency} → {pipeline, models, masks} → foundation

A module may import from its own layer or any layer below, never from a layer above; the top-level units
(`colorframes.<unit>`) form no import cycle, inside a layer or across. A new top-level package or module must be
added to LAYERS below (the test names any that is missing), which is where its place in the stack gets decided.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "colorframes"

# Higher number = higher layer. Foundation (1) holds the shared building blocks that everything may use:
# colorframes.foundation (colour maths, optical flow, device/dtype, line-art regions and adjacency),
# and the top-level foundation modules io/, options.py, errors.py, extras.py and the package root (__version__).
LAYERS: dict[str, int] = {
    "__main__": 7,
    "cli": 6,
    "api": 5,
    "runner": 4,
    "backends": 3,
    "compose": 3,
    "review": 3,
    "metrics": 3,
    "consistency": 3,
    "pipeline": 2,
    "models": 2,
    "masks": 2,
    "foundation": 1,
    "io": 1,
    "options": 1,
    "errors": 1,
    "extras": 1,
    "": 1,  # colorframes/__init__.py: the version string only
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """Every colorframes module `name` imports (at any depth: functions, TYPE_CHECKING blocks), with the line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from colorframes import api` imports the module colorframes.api
                sub = f"{target}.{alias.name}"
                found.append((sub if sub in known else target, node.lineno))
    return [(t, line) for t, line in found if t == "colorframes" or t.startswith("colorframes.")]


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _edges() -> list[tuple[str, str, str, int]]:
    """(importer module, imported module, importer file, line) for every colorframes → colorframes import."""
    modules = _modules()
    known = set(modules)
    return [
        (name, target, str(path.relative_to(PACKAGE.parent)), line)
        for name, path in modules.items()
        for target, line in _imports(name, path, known)
    ]


def test_every_top_level_unit_has_a_layer():
    units = {_unit(m) for m in _modules()}
    assert not units - set(LAYERS), f"add these to LAYERS in tests/test_layers.py: {sorted(units - set(LAYERS))}"
    assert not set(LAYERS) - units, f"LAYERS names units that no longer exist: {sorted(set(LAYERS) - units)}"


def test_no_module_imports_from_a_layer_above_its_own():
    upward = [
        f"{file}:{line}: {_unit(src) or 'colorframes'} (layer {LAYERS[_unit(src)]}) imports {dst} "
        f"(layer {LAYERS[_unit(dst)]})"
        for src, dst, file, line in _edges()
        if LAYERS[_unit(dst)] > LAYERS[_unit(src)]
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_top_level_units_form_no_import_cycle():
    graph: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for src, dst, file, line in _edges():
        a, b = _unit(src), _unit(dst)
        if a != b:
            graph[a].add(b)
            where.setdefault((a, b), f"{file}:{line}")
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(unit: str) -> list[str] | None:
        state[unit] = 1
        path.append(unit)
        for nxt in sorted(graph[unit]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[unit] = 2
        return None

    for unit in sorted(graph):
        if unit not in state and (cycle := visit(unit)):
            steps = [f"{a or 'colorframes'} -> {b} ({where[a, b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
            pytest.fail("import cycle between top-level units:\n" + "\n".join(steps))


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    """The contract is only as good as its parser: a nested relative import must be found and resolved."""
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from ..runner.engine import x\n    from .. import api\n", encoding="utf-8")
    found = _imports("colorframes.metrics.mod", source, {"colorframes.api"})
    assert found == [("colorframes.runner.engine", 2), ("colorframes.api", 3)]
