"""Modules hold facts and functions, not per-sync state (issue 22, deliverable 1): the decisions of a run live in
its `Sync`. Module-level mutable state is left only for pure caches, at most three, each named here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "source_pinterest"
MUTATORS = frozenset(
    {"append", "add", "update", "setdefault", "pop", "popitem", "clear", "extend", "remove", "discard", "insert"}
)
PER_THREAD_OR_CONTEXT = frozenset({"local", "ContextVar"})
# The pure caches: each maps an input to what is computed from it alone, the same for every run.
CACHES = {
    "cdk_seam.py:_PREPARED",  # canonical manifest JSON -> the prepared, validated manifest
    "components/config_spec.py:spec_properties",  # lru_cache: spec.yaml's properties
}


def _module_state(path: Path, root: Path = PACKAGE) -> set[str]:
    """`module:name` of each module-level name that code in the module mutates, rebinds with `global`, or that
    holds per-thread or per-context state or an instance of a connector class, and of each lru_cache'd function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(root).as_posix()
    top: set[str] = set()
    found: set[str] = set()
    # Classes of the connector: a module-level instance of one is a registry (e.g. `ZONE = _Zone()`).
    own_classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("source_pinterest"):
            own_classes.update(alias.asname or alias.name for alias in node.names if alias.name[:1].isupper())
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            if isinstance(target, ast.Name):
                top.add(target.id)
                value = node.value
                called = value.func if isinstance(value, ast.Call) else None
                name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", None)
                if name in PER_THREAD_OR_CONTEXT or (isinstance(called, ast.Name) and name in own_classes):
                    found.add(f"{where}:{target.id}")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                called = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
                if name in ("lru_cache", "cache"):
                    found.add(f"{where}:{node.name}")
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        for node in ast.walk(function):
            if isinstance(node, ast.Global):
                found.update(f"{where}:{name}" for name in node.names)
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                for target in targets:
                    owner = target.value if isinstance(target, ast.Subscript | ast.Attribute) else None
                    if isinstance(owner, ast.Name) and owner.id in top:
                        found.add(f"{where}:{owner.id}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id in top and node.func.attr in MUTATORS:
                    found.add(f"{where}:{owner.id}")
    return found


def test_only_pure_caches_are_module_level_mutable_state() -> None:
    found = set().union(*(_module_state(path) for path in sorted(PACKAGE.rglob("*.py"))))
    assert found == CACHES, f"per-sync state belongs in the run's Sync: {sorted(found - CACHES)}"
    assert len(CACHES) <= 3


def test_the_scan_finds_a_registry_a_thread_local_a_global_and_a_cache(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(
        "import functools, threading\nclass Box:\n    pass\nBOX = Box()\n"
        "SEEN = {}\nLOCAL = threading.local()\nCOUNT = 0\nFIXED = {'a': 1}\n"
        "def note(key):\n    SEEN[key] = True\n"
        "def bump():\n    global COUNT\n    COUNT += 1\n"
        "def read():\n    return FIXED['a']\n"
        "@functools.lru_cache\ndef cached():\n    return 1\n"
    )
    found = _module_state(tmp_path / "probe.py", tmp_path)
    assert found == {"probe.py:BOX", "probe.py:SEEN", "probe.py:LOCAL", "probe.py:COUNT", "probe.py:cached"}
