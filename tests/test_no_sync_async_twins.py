"""No hand-written sync/async twin of control flow in rawkube/ (issue 12: "one source for sync and
async"; the project's rule: control flow is written once, as a step generator of rawkube/flow.py
driven by its sync and async drivers).

Every function and method of rawkube/ is reduced to the *shape* of its body: the AST with every
`await` removed, `async for`/`async with`/`async def` made plain, and every name, attribute,
argument and constant erased, so that `rc.send(req)` and `await arc.asend(req)` look alike. An
`async def` and a `def` with the same shape and real control flow (a loop, a try, or at least
two branches, over at least MIN_STATEMENTS statements) are a twin, and fail this test with both
places named. The two drivers of rawkube/flow.py are the one sanctioned pair (they are what makes
every other twin unnecessary), and the generated model/clientset modules are left out.

The checker itself is tested on a made-up twin (the shape of the send loops the issue named) and
on a made-up pair that differs in its control flow, so that it can fail and does not over-match.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rawkube"
MIN_STATEMENTS = 5
# (module, function) of both sides: the drivers, the only place where sync and async differ
DRIVERS = {
    ("rawkube.flow", "run"),
    ("rawkube.flow", "arun"),
    ("rawkube.flow", "iterate"),
    ("rawkube.flow", "aiterate"),
    ("rawkube.flow", "_abandon"),
    ("rawkube.flow", "_aabandon"),
}
GENERATED = ("rawkube/models/", "rawkube/typed/_generated.py")

Function = ast.FunctionDef | ast.AsyncFunctionDef


class _Shape(ast.NodeTransformer):
    """async -> sync, every identifier and constant erased."""

    def visit_Await(self, node: ast.Await) -> ast.AST:
        return self.visit(node.value)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        return self.visit(ast.For(node.target, node.iter, node.body, node.orelse, None))

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        return self.visit(ast.With(node.items, node.body, None))

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        plain = ast.FunctionDef(
            node.name, node.args, node.body, node.decorator_list, node.returns, None
        )
        return self.visit(plain)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = "_"
        node.returns = None
        node.decorator_list = []
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name("_", ast.Load())

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        return ast.Attribute(self.visit(node.value), "_", ast.Load())

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.arg("_", None)

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        return ast.keyword("_", self.visit(node.value))

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant("_")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        node.name = "_" if node.name else None
        self.generic_visit(node)
        return node

    def visit_alias(self, node: ast.alias) -> ast.AST:
        return ast.alias("_")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return ast.ImportFrom("_", [ast.alias("_")], 0)


def shape(fn: Function) -> str:
    body = [stmt for stmt in fn.body if not _is_docstring(stmt)]
    copy = ast.Module(body=ast.parse(ast.unparse(ast.Module(body, []))).body, type_ignores=[])
    return ast.dump(_Shape().visit(copy), annotate_fields=False)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def has_control_flow(fn: Function) -> bool:
    statements = [n for n in ast.walk(fn) if isinstance(n, ast.stmt)][1:]  # not fn itself
    if len(statements) < MIN_STATEMENTS:
        return False
    loops = (ast.For, ast.AsyncFor, ast.While, ast.Try)
    branches = sum(isinstance(n, ast.If) for n in statements)
    return any(isinstance(n, loops) for n in statements) or branches >= 2


def functions(module: str, source: str) -> list[tuple[str, int, Function]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((module, node.lineno, node))
    return found


def twins(sources: dict[str, str]) -> list[str]:
    """'module:line name ~ module:line name' for every async/sync pair of the same shape."""
    by_shape: dict[str, list[tuple[str, int, Function]]] = defaultdict(list)
    for module, source in sources.items():
        for module_, line, fn in functions(module, source):
            if (module_, fn.name) in DRIVERS or not has_control_flow(fn):
                continue
            by_shape[shape(fn)].append((module_, line, fn))
    pairs = []
    for group in by_shape.values():
        asyncs = [g for g in group if isinstance(g[2], ast.AsyncFunctionDef)]
        syncs = [g for g in group if isinstance(g[2], ast.FunctionDef)]
        for am, al, afn in asyncs:
            for sm, sl, sfn in syncs:
                pairs.append(f"{am}:{al} async {afn.name} ~ {sm}:{sl} {sfn.name}")
    return sorted(pairs)


def package_sources() -> dict[str, str]:
    sources = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if rel.startswith(GENERATED):
            continue
        module = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        sources[module] = path.read_text()
    return sources


def test_rawkube_has_no_sync_async_twin_of_control_flow() -> None:
    sources = package_sources()
    assert "rawkube.rest.executor" in sources and "rawkube.tools.reflector" in sources
    found = twins(sources)
    assert found == [], (
        "hand-written sync/async twins (write the loop once as a flow of rawkube/flow.py and "
        "drive it with run/arun or iterate/aiterate):\n" + "\n".join(found)
    )


def test_the_drivers_are_the_sanctioned_pair_and_stay_small() -> None:
    """The drivers are the one exemption, so they must stay drivers: short (and `run`/`arun`
    still a pair by shape: the exemption is not hiding nothing)."""
    tree = ast.parse((PACKAGE / "flow.py").read_text())
    defs = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for name in ("run", "arun", "iterate", "aiterate"):
        fn = defs[name]
        assert fn.end_lineno is not None and fn.end_lineno - fn.lineno <= 25, name
    assert shape(defs["run"]) == shape(defs["arun"])


SEND_TWIN = """
class RESTClient:
    def send(self, request):
        attempt = 0
        while True:
            try:
                response = self.http.send(request.build())
            except OSError as err:
                if attempt >= self.max_retries:
                    raise
                time.sleep(self.backoff(attempt))
                attempt += 1
                continue
            if response.status_code in (429, 503) and attempt < self.max_retries:
                time.sleep(retry_after(response))
                attempt += 1
                continue
            return response


class AsyncRESTClient:
    async def send(self, req):
        tries = 0
        while True:
            try:
                resp = await self._http.send(req.build())
            except OSError as e:
                if tries >= self._retries:
                    raise
                await asyncio.sleep(self._pause(tries))
                tries += 1
                continue
            if resp.status_code in (429, 500) and tries < self._retries:
                await asyncio.sleep(after(resp))
                tries += 1
                continue
            return resp
"""


def test_the_checker_finds_a_twin_written_with_other_names() -> None:
    found = twins({"sample": SEND_TWIN})
    assert found == ["sample:22 async send ~ sample:3 send"]


def test_the_checker_leaves_different_control_flow_and_thin_shells_alone() -> None:
    different = SEND_TWIN.replace("                tries += 1\n                continue\n", "", 1)
    assert twins({"sample": different}) == []
    shells = """
class Pods:
    def get(self, name):
        return self._rest.run(self._get(name))


class AsyncPods:
    async def get(self, name):
        return await self._rest.run(self._get(name))
"""
    assert twins({"shells": shells}) == []
