"""Names that explain themselves: one name, one thing, across the connector's modules.

A module named like a library (`requests.py` beside `import requests`) or like another of the connector's modules
(two `catalogue.py`), or two public functions of one name doing different things (`apply_defaults` of the config
and of one custom report), make a reader and a grep land on the wrong one. These checks keep such names out.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "source_pinterest"
DISTRIBUTION = "airbyte-source-pinterest"


def _modules(package: Path) -> Iterator[Path]:
    yield from sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)


def _module_names(package: Path) -> dict[str, list[str]]:
    """Each module's and subpackage's name (its file stem or directory) -> where it is, relative to the root."""
    names: dict[str, list[str]] = defaultdict(list)
    for path in _modules(package):
        relative = str(path.relative_to(package.parent))
        if path.stem == "__init__":
            if path.parent != package:
                names[path.parent.name].append(relative)
        else:
            names[path.stem].append(relative)
    return names


def dependency_import_names(distribution_name: str = DISTRIBUTION) -> dict[str, str]:
    """Top-level import names of every installed distribution the connector requires, directly or not (any
    extra) -> the distribution's name."""
    provided: dict[str, set[str]] = defaultdict(set)
    for name, dists in packages_distributions().items():
        for dist in dists:
            provided[canonicalize_name(dist)].add(name)
    own = canonicalize_name(distribution_name)
    seen: set[str] = set()
    pending = [own]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            requires = distribution(current).requires or []
        except PackageNotFoundError:  # an optional dependency that is not installed
            continue
        pending.extend(canonicalize_name(Requirement(text).name) for text in requires)
    return {name: dist for dist in sorted(seen - {own}) for name in provided.get(dist, ())}


def _public_functions(path: Path) -> Iterable[str]:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield node.name


def entry_point_functions(distribution_name: str = DISTRIBUTION) -> set[tuple[str, str]]:
    """(module, function) of each console script: their name (`main`) is the convention, not a choice."""
    found: set[tuple[str, str]] = set()
    for point in distribution(distribution_name).entry_points:
        module, _, function = point.value.partition(":")
        found.add((module.strip(), function.strip()))
    return found


def shared_stems(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Module names used by more than one module, and names one or two letters apart at the end (catalog and
    catalogue, state and states): a reader takes either for the other."""
    names = _module_names(package)
    shared = {name: paths for name, paths in names.items() if len(paths) > 1}
    for name in names:
        for longer in names:
            if longer != name and longer.startswith(name) and len(longer) - len(name) <= 2:
                shared[f"{name} / {longer}"] = [*names[name], *names[longer]]
    return shared


def shadowing_stems(package: Path = PACKAGE) -> dict[str, str]:
    """Module names that are also a standard-library module or an import name of a dependency -> which."""
    libraries = dependency_import_names()
    found: dict[str, str] = {}
    for name, paths in _module_names(package).items():
        if name in sys.stdlib_module_names:
            found[", ".join(paths)] = f"the standard library's {name}"
        elif name in libraries:
            found[", ".join(paths)] = f"{name} of the {libraries[name]} distribution"
    return found


def shared_function_names(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Public top-level function names defined in more than one module -> the modules (entry points excepted)."""
    exempt = entry_point_functions()
    where: dict[str, list[str]] = defaultdict(list)
    for path in _modules(package):
        relative = path.relative_to(package.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        for name in _public_functions(path):
            if (module, name) not in exempt:
                where[name].append(module)
    return {name: modules for name, modules in where.items() if len(modules) > 1}


def test_no_two_modules_share_a_name() -> None:
    shared = shared_stems()
    assert not shared, f"modules that share a name, give each one its own: {shared}"


def test_no_module_is_named_like_a_library() -> None:
    shadowing = shadowing_stems()
    assert not shadowing, f"modules named like a library, rename them to what they hold: {shadowing}"


def test_no_two_public_functions_share_a_name() -> None:
    shared = shared_function_names()
    assert not shared, f"public functions defined in more than one module, name each for what it does: {shared}"


def test_the_checks_see_what_they_guard() -> None:
    """Guards the checks above: the dependencies' names and the entry points are found, so an empty answer means
    a clean tree, not a broken lookup."""
    libraries = dependency_import_names()
    assert {"requests", "yaml", "pendulum", "jsonschema", "airbyte_cdk", "backoff"} <= set(libraries)
    assert "source_pinterest" not in libraries
    assert ("source_pinterest.spec", "main") in entry_point_functions()
    names = _module_names(PACKAGE)
    assert "facts" in names and "reports" in names and "__init__" not in names


def test_the_checks_catch_each_kind_of_clash(tmp_path: Path) -> None:
    package = tmp_path / "source_pinterest"
    (package / "components" / "reports").mkdir(parents=True)
    for init in (package, package / "components", package / "components" / "reports"):
        (init / "__init__.py").write_text("")
    (package / "catalog.py").write_text("def last_day():\n    pass\n")
    (package / "components" / "catalog.py").write_text("def last_day():\n    pass\n\n\ndef _own():\n    pass\n")
    (package / "components" / "reports" / "requests.py").write_text("def _own():\n    pass\n")
    (package / "components" / "json.py").write_text("")
    (package / "components" / "reports" / "catalogue.py").write_text("")

    assert shared_stems(package) == {
        "catalog": ["source_pinterest/catalog.py", "source_pinterest/components/catalog.py"],
        "catalog / catalogue": [
            "source_pinterest/catalog.py",
            "source_pinterest/components/catalog.py",
            "source_pinterest/components/reports/catalogue.py",
        ],
    }
    assert shadowing_stems(package) == {
        "source_pinterest/components/json.py": "the standard library's json",
        "source_pinterest/components/reports/requests.py": "requests of the requests distribution",
    }
    assert shared_function_names(package) == {
        "last_day": ["source_pinterest.catalog", "source_pinterest.components.catalog"]
    }
