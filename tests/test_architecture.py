"""The shape of the code: packages per capability, layers, no import cycles.

The import graph is read from the source with :mod:`ast` (every ``import`` anywhere in a
module: at the top, inside functions and under ``TYPE_CHECKING``), so a lazy import
that would close a cycle counts as much as a top-level one. ``api/`` is installed as
``mag_graph.api`` and read as such. See docs/architecture.md for the layer picture.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {"mag_graph": ROOT / "mag_graph", "mag_graph.api": ROOT / "api"}

# From the top (faces) to the bottom (leaves). A module may import its own package and
# any package in a lower layer, never one in a higher layer; packages that share a layer
# are independent of each other.
LAYERS: list[tuple[str, ...]] = [
    ("mag_graph.cli",),
    ("mag_graph.commands",),
    ("mag_graph.api",),
    ("mag_graph.sheets",),
    ("mag_graph.cms",),
    ("mag_graph.opendata", "mag_graph.questions"),
    ("mag_graph.validation",),
    ("mag_graph.sparql", "mag_graph.reasoning"),
    ("mag_graph.access",),
    ("mag_graph.store",),
    ("mag_graph.namespaces", "mag_graph.resources"),
]
# werkzeug is allowed below the faces for its password hashing only (mag_graph.access.auth).
WEB_LIBRARIES = ("flask", "waitress", "jinja2")
FACES = ("mag_graph.cli", "mag_graph.commands", "mag_graph.api")
MAX_LINES = 800


def _module_files() -> Iterator[tuple[str, Path]]:
    for prefix, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            if prefix == "mag_graph" and path.is_relative_to(ROOT / "mag_graph" / "api"):
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join([prefix, *parts]), path


@cache
def modules() -> dict[str, Path]:
    return dict(_module_files())


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for _ in range(node.level - 1):
        package = package.rsplit(".", 1)[0]
    return f"{package}.{node.module}" if node.module else package


@cache
def imports() -> dict[str, set[str]]:
    """module -> every module (ours or external, top-level name) it imports."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path, node)
                # `from pkg import mod` imports the submodule when there is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            else:
                continue
            for target in targets:
                while target not in known and "." in target and target.startswith("mag_graph"):
                    target = target.rsplit(".", 1)[0]
                found.add(target if target.startswith("mag_graph") else target.split(".")[0])
        found.discard(module)
        graph[module] = found
    return graph


def _package_of(module: str) -> str | None:
    for layer in LAYERS:
        for package in layer:
            if module == package or module.startswith(package + "."):
                return package
    return None


def _layer_index(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_module_belongs_to_a_layer() -> None:
    strays = [m for m in modules() if m != "mag_graph" and _package_of(m) is None]
    assert strays == [], f"modules outside the layer picture (add them to LAYERS and docs/architecture.md): {strays}"


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(imports()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    # The checker itself: a graph with a cycle through three modules is reported.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_layers_import_only_downwards() -> None:
    wrong = []
    for module, targets in imports().items():
        own = _package_of(module)
        if own is None:
            continue
        for target in targets:
            other = _package_of(target)
            if other is None or other == own:
                continue
            if _layer_index(other) <= _layer_index(own):
                wrong.append(f"{module} -> {target}")
    assert wrong == [], "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_the_core_never_imports_the_web_layer() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in imports().items()
        if not module.startswith(FACES)
        for target in targets
        if target.startswith("mag_graph.api") or target in WEB_LIBRARIES
    ]
    assert wrong == []


@pytest.mark.parametrize("package", ["mag_graph.cms", "mag_graph.validation", "mag_graph.sparql", "mag_graph.store"])
def test_importing_the_core_does_not_load_flask(package: str) -> None:
    code = f"import sys, {package}; print(sorted(m for m in {WEB_LIBRARIES!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_no_module_is_too_long() -> None:
    long = {m: n for m, p in modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines (split them by concern): {long}"


def test_no_grab_bag_modules() -> None:
    assert [m for m in modules() if m.rsplit(".", 1)[-1] in {"utils", "util", "helpers", "misc", "common_utils"}] == []


def test_every_package_says_what_it_owns_and_may_import() -> None:
    missing = []
    for module, path in modules().items():
        if path.name != "__init__.py" or module == "mag_graph":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if "May import" not in doc:
            missing.append(module)
    assert missing == []
