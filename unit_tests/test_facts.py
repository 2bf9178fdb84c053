"""Each Pinterest fact has one home: generated files equal what the spec gives, and nothing imports in a circle."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> ModuleType:
    # By path: tools/ is not an installed package.
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _imports_within(package: Path, dotted: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (at any depth, TYPE_CHECKING blocks included)."""
    graph: dict[str, set[str]] = {}
    for file in package.rglob("*.py"):
        name = ".".join([dotted, *file.relative_to(package).with_suffix("").parts]).removesuffix(".__init__")
        found: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.rsplit(".", node.level - (file.name == "__init__.py"))[0]
                    targets = [f"{base}.{node.module}"] if node.module else [f"{base}.{a.name}" for a in node.names]
                else:
                    targets = [node.module or ""]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            found.update(t for t in targets if t.startswith(dotted + ".") and t != name)
        graph[name] = found
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            if target in path:
                circles.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        visit(module, [module])
    return circles


def test_emulator_enums_are_generated_from_the_openapi_file() -> None:
    generator = _tool("generate_emulator_enums")
    committed = (ROOT / "integration_tests" / "pinterest_emulator" / "spec_enums.py").read_text()
    assert committed == generator.render(generator.enums(generator.gen.load_spec())), (
        "run `python tools/generate_emulator_enums.py`"
    )


def test_the_emulator_imports_nothing_in_a_circle() -> None:
    package = ROOT / "integration_tests" / "pinterest_emulator"
    assert _circles(_imports_within(package, "integration_tests.pinterest_emulator")) == []
