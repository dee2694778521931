"""The package's shape: data goes one way down the flow, modules import no private name of
another, no import cycle, and every rule family the model builds is in the registry.

Imports are read from the source (``ast``), module level only (those under
``if TYPE_CHECKING:`` are for annotations and never run), so a cycle closed by a
function-level import would not show here: those are counted and must stay few.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import allocator
from allocator.core.rules import RULES

PACKAGE = Path(allocator.__file__).parent
# each step may import only what comes before it in the flow
LAYERS = ("core", "read", "validate", "formulate", "backends", "runtime", "solve", "analyse",
          "report", "api", "cli")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path, module_level: bool = True) -> list[tuple[str, tuple[str, ...], int]]:
    """(module, names, line) of each ``from allocator… import`` / ``import allocator…``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, top):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.module and \
                    child.module.startswith("allocator") and (top or not module_level):
                found.append((child.module, tuple(a.name for a in child.names), child.lineno))
            elif isinstance(child, ast.Import) and (top or not module_level):
                found.extend((a.name, (), child.lineno) for a in child.names
                             if a.name.startswith("allocator"))
            nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            visit(child, top and not nested)
    visit(tree, True)
    return found


def _target(module: str, name: str) -> str:
    """The module an imported name lives in (a submodule, or the module itself)."""
    return f"{module}.{name}" if f"{module}.{name}" in MODULES else module


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_the_tree_has_one_folder_per_step_of_the_flow():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS) - {"api"}
    assert all((PACKAGE / f / "__init__.py").read_text().startswith('"""') for f in folders)


def test_data_goes_one_way_down_the_flow():
    wrong = []
    for module, path in MODULES.items():
        here = _layer(module)
        for imported, names, line in _imports(path):
            for target in [_target(imported, n) for n in names] or [imported]:
                there = _layer(target)
                if here is not None and there is not None and there > here:
                    wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_across_modules():
    private = [f"{path.relative_to(PACKAGE)}:{line} imports {imported}.{n}"
               for module, path in MODULES.items()
               for imported, names, line in _imports(path, module_level=False)
               for n in names if n.startswith("_") and n != "__version__"]
    assert not private, "\n".join(private)


def test_no_import_cycle():
    graph = {m: {t for imported, names, _ in _imports(p)
                 for t in ([_target(imported, n) for n in names] or [imported])
                 if t in MODULES and t != m}
             for m, p in MODULES.items()}
    # a package's __init__ re-exporting its modules is not a cycle with them
    for m in graph:
        graph[m] = {t for t in graph[m] if not m.startswith(t + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                pytest.fail("import cycle: " + " → ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2
    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_no_function_level_import_of_the_package():
    inner = [f"{path.relative_to(PACKAGE)}:{line} {imported}"
             for module, path in MODULES.items()
             for imported, _, line in set(_imports(path, module_level=False)) - set(_imports(path))]
    assert not inner, "\n".join(inner)


def test_every_row_family_the_model_builds_is_in_the_registry(tmp_path):
    from allocator.formulate import formulate
    problem = allocator.load(PACKAGE.parent / "scenarios" / "territoires-industrie.xlsx")
    names = set()
    for scenario in problem.scenarios:
        names |= {g.name for g in formulate(problem, scenario).groups}
    assert names <= set(RULES) and {"budget", "region_cap", "territory_cap"} <= names
    for name in names:  # and each is stated once, with its meaning
        assert RULES[name].help and RULES[name].label
