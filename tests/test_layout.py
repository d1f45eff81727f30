"""The house rules, measured from the source (issue 19's "done means").

Imports are read with `ast`, function-level ones included; `from a.b
import c` points at module `a.b.c` when that is a module, else at `a.b`.
Parent packages' `__init__` files that Python runs on the way are not
counted as edges (every import would otherwise go through them).
"""

import ast
import os

import pytest

from tests.helpers import ROOT

PACKAGES = ("keras_clr", "keras_clr_cli")
SEAM = {"keras_clr/_keras.py", "keras_clr/schedules/_ops.py"}
MAX_MODULE_LINES = 400
MAX_LIBRARY_LINES = 5000


def _modules():
    found = {}
    for package in PACKAGES:
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
                    module = rel[:-3].replace("/", ".")
                    module = module.removesuffix(".__init__")
                    found[module] = rel
    return found


MODULES = _modules()


def _source(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def _imports(rel):
    """The project modules `rel` imports, anywhere in the file."""
    targets = set()
    for node in ast.walk(ast.parse(_source(rel))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [
                f"{node.module}.{a.name}"
                if f"{node.module}.{a.name}" in MODULES
                else node.module
                for a in node.names
            ]
        else:
            continue
        targets.update(n for n in names if n in MODULES)
    return targets


GRAPH = {module: _imports(rel) for module, rel in MODULES.items()}


def _cycles():
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1 or v in GRAPH[v]:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_the_walker_sees_function_level_imports():
    # The command imports its commands module inside `main`'s helper.
    assert "keras_clr_cli.commands" in GRAPH["keras_clr_cli"]


def test_no_import_cycle():
    assert _cycles() == []


def test_schedules_import_nothing_above_them():
    allowed = ("keras_clr.schedules", "keras_clr._validation")
    for module, targets in GRAPH.items():
        if module.startswith("keras_clr.schedules"):
            above = [t for t in targets if not t.startswith(allowed)]
            assert above == [], module


def test_the_library_never_imports_the_command():
    for module, targets in GRAPH.items():
        if module.startswith("keras_clr."):
            assert not [t for t in targets if t.startswith("keras_clr_cli")]


def test_plotting_is_a_viewer():
    below = {"keras_clr.plotting", "keras_clr._validation"}
    assert GRAPH["keras_clr.plotting"] <= below


@pytest.mark.parametrize("rel", sorted(MODULES.values()))
def test_house_rules_per_module(rel):
    source = _source(rel)
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    assert "sys._getframe" not in source
    if rel not in SEAM:
        assert "backend.backend() ==" not in source
        assert "backend.backend() !=" not in source


def test_the_library_fits_its_line_budget():
    total = sum(
        len(_source(rel).splitlines())
        for module, rel in MODULES.items()
        if module.startswith("keras_clr.") or module == "keras_clr"
    )
    assert total <= MAX_LIBRARY_LINES
