"""The AST guard: concurrent Jinja evaluation must not hit CPython 3.11's shared AST recursion counter."""

from __future__ import annotations

import subprocess
import sys

import pytest

from source_pinterest.components import threadsafe_ast

# Worker threads at different stack depths evaluate templates through the CDK (each evaluation ends in
# ast.literal_eval) while finalizers run during garbage collection, which lets threads switch mid-construction.
STRESS = """
import gc, sys, threading
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation
if sys.argv[1] == "guarded":
    from source_pinterest.components import threadsafe_ast
    assert threadsafe_ast.install()
errors = []
jinja = JinjaInterpolation()
config = {"rows": repr([{"id": str(i), "spend": [i, i * 2, {"ctr": (0.1, 0.2)}]} for i in range(30)])}

class Cycle:
    def __del__(self):
        sum(range(20))

def nest(depth, then):
    return nest(depth - 1, then) if depth else then()

def work():
    try:
        for _ in range(60):
            a, b = Cycle(), Cycle()
            a.b, b.a = b, a
            del a, b
            jinja.eval("{{ config['rows'] }}", config)
    except SystemError as error:
        errors.append(error)

gc.set_threshold(20, 5, 5)
threads = [threading.Thread(target=nest, args=(7 * i, work)) for i in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors))
"""


def _mismatches(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", STRESS, mode], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not threadsafe_ast.affected(), reason="this interpreter's AST constructor is thread-safe")
def test_the_stress_reproduces_the_interpreter_bug_without_the_guard() -> None:
    # Proves the next test can fail: unguarded, the same load breaks on this interpreter.
    assert _mismatches("unguarded") > 0


def test_guarded_concurrent_jinja_evaluation_never_mismatches() -> None:
    assert _mismatches("guarded") == 0


def test_the_guard_is_active_once_the_source_is_imported() -> None:
    import ast

    import source_pinterest  # noqa: F401 - importing installs the guard

    assert (ast.parse is threadsafe_ast._serialised_parse) == threadsafe_ast.affected()
    assert ast.literal_eval("{'a': [1, (2, 3)]}") == {"a": [1, (2, 3)]}


def test_affected_versions() -> None:
    assert threadsafe_ast.affected((3, 11, 7)) and threadsafe_ast.affected((3, 12, 0))
    assert not threadsafe_ast.affected((3, 11, 8)) and not threadsafe_ast.affected((3, 10, 13))
