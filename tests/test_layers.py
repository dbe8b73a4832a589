"""Layers and import circles (issue 12): every import of every rawkube module, walked.

config < auth/tls < transport < rest < typed, dynamic, discovery < tools < testing < cli, over
a base of modules everything may use (errors, schema, _json, flow, retry, models). A module may
import its own layer and the layers below, never one above; `rawkube` (the package) and
`rawkube.aio` are facades that re-export and that nothing imports. No module imports itself
back through others: every import counts, at module level, inside functions and under
`TYPE_CHECKING` alike (the circle the issue named, rest/_core.py <-> request.py <-> client.py,
ran through all three kinds).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rawkube"
if not PACKAGE.is_dir():  # tests moved one level down
    PACKAGE = Path(__file__).resolve().parents[2] / "rawkube"

LAYERS: list[tuple[int, tuple[str, ...]]] = [
    (
        0,
        (
            "rawkube._version",
            "rawkube._json",
            "rawkube._record",
            "rawkube.errors",
            "rawkube.schema",
            "rawkube.flow",
            "rawkube.meta",
            "rawkube.protobuf",
            "rawkube.retry",
            "rawkube.models",
        ),
    ),
    (1, ("rawkube.config",)),
    (2, ("rawkube.auth", "rawkube.tls")),
    (3, ("rawkube.transport",)),
    # rawkube.stream (exec/attach/port-forward: client-go's transport/spdy, tools/remotecommand
    # and tools/portforward) speaks over the REST client, and the typed pods client may use it.
    (4, ("rawkube.rest", "rawkube.stream")),
    (5, ("rawkube.typed", "rawkube.dynamic", "rawkube.discovery")),
    (6, ("rawkube.tools",)),
    (7, ("rawkube.testing",)),
    (8, ("rawkube.cli", "rawkube.__main__")),
]
FACADES = ("rawkube", "rawkube.aio")
NAMES = [
    "base",
    "config",
    "auth/tls",
    "transport",
    "rest",
    "typed/dynamic/discovery",
    "tools",
    "testing",
    "cli",
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int | None:
    """The layer of a module; None for a facade."""
    if module in FACADES or module.startswith("rawkube.aio."):
        return None
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for number, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), number)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return best[1]


def imports(module: str) -> set[str]:
    """The rawkube modules `module` imports, anywhere in its source."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
            names = [n if n in MODULES else base for n in names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `import rawkube.rest.client as c` etc.
                name = name.rpartition(".")[0]
            if name.startswith("rawkube") and name != module:
                found.add(name)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_higher_layer_and_none_of_a_facade(module: str) -> None:
    own = layer(module)
    for target in sorted(GRAPH[module]):
        theirs = layer(target)
        if own is None:
            continue  # a facade re-exports whatever it likes
        assert theirs is not None, f"{module} imports the facade {target}: import the real module"
        assert theirs <= own, (
            f"{module} ({NAMES[own]}) imports {target} ({NAMES[theirs]}), a higher layer"
        )


def test_no_import_circle() -> None:
    """Depth-first search for a back edge; the circle is named in the failure. No exemption:
    circles inside rawkube.testing.server fail like any other."""
    circles = find_circles()
    assert circles == [], "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def find_circles() -> list[list[str]]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if layer(target) is None or layer(module) is None:
                continue  # facades are leaves: they re-export, nothing real imports them
            if state.get(target) == 1:
                circles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module)
    return [c[:-1] for c in circles]


def test_the_checker_sees_a_circle_and_an_upward_import() -> None:
    """The walk itself can fail: a made-up graph with both faults is caught."""
    saved = dict(GRAPH)
    try:
        GRAPH["rawkube.rest.request"] = GRAPH["rawkube.rest.request"] | {"rawkube.rest.client"}
        with pytest.raises(AssertionError, match="rest.client"):
            test_no_import_circle()
        GRAPH["rawkube.rest.request"] = saved["rawkube.rest.request"]
        GRAPH["rawkube.testing.server.resources"] = GRAPH["rawkube.testing.server.resources"] | {
            "rawkube.testing.server.openapi"
        }
        with pytest.raises(AssertionError, match="testing.server.openapi"):
            test_no_import_circle()  # a circle inside the embedded server fails too
        GRAPH["rawkube.config.types"] = GRAPH["rawkube.config.types"] | {"rawkube.rest.client"}
        with pytest.raises(AssertionError, match="higher layer"):
            test_no_import_from_a_higher_layer_and_none_of_a_facade("rawkube.config.types")
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
