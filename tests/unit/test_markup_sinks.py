"""Lint: no widget is given a str built at run time while markup is on.

Textual reads a str given to `notify()`, `Label`, `Static`, `Button`, `RadioButton`,
`Checkbox`, `Option`, `update()`, a border title or subtitle, a tooltip or a Rich
`print`/`add_row` as markup: outside text in it can crash the console (`[link=…]` unbalanced)
or run an App action on a click (`[@click=app.quit]`). So in widgets/ and tui/ each of those
sinks takes a literal (the project's own markup), a `rich.text.Text` or Textual `Content`,
or has `markup=False`. Anything else (an f-string with values, `%` or `.format`, a
concatenation, or a name, attribute or call not known to hold Text or Content) fails here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("widgets", "tui")

# sink -> the keyword that names its text, when it is not given first
SINK_CALLS = {
    "notify": "message",
    "Label": "content",
    "Static": "content",
    "Button": "label",
    "RadioButton": "label",
    "Checkbox": "label",
    "Option": "prompt",
    "update": "content",
}
ALL_ARGS_SINKS = frozenset({"print", "add_row"})  # Rich: every positional argument is text
MARKUP_PARSERS = frozenset({"from_markup", "render_str", "from_text"})  # a str is parsed
SINK_ATTRIBUTES = frozenset({"border_title", "border_subtitle", "label", "tooltip"})
# calls that build text that is never parsed as markup
TEXT_BUILDERS = frozenset({"Text", "Content", "assemble", "from_rich_text", "styled"})
# what a function returns that is drawn as it is (a Table's cells are sinks of their own)
TEXT_TYPES = ("Text", "Content", "Table")


def _mentions_text_type(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    names = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)}
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        names |= set(annotation.value.replace("|", " ").replace(".", " ").split())
    return bool(names & set(TEXT_TYPES)) and "str" not in names


def text_returning_functions(trees: list[ast.Module]) -> frozenset[str]:
    """Names of the project's functions and methods annotated to return Text or Content."""
    return frozenset(
        node.name
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and _mentions_text_type(node.returns)
    )


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


@dataclass
class Finding:
    path: str
    line: int
    sink: str
    source: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.sink} gets {self.source!r}"


class SinkScan(ast.NodeVisitor):
    """Walks one module, keeping the enclosing class and function, and reports each sink
    whose text is not shown to be a literal, Text or Content."""

    def __init__(self, path: str, tree: ast.Module, returns_text: frozenset[str]) -> None:
        self.path, self.tree, self.returns_text = path, tree, returns_text
        self.findings: list[Finding] = []
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.classes: list[ast.ClassDef] = []
        self.constants = {
            t.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }

    # ---- walking -------------------------------------------------------------------------------

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        markup_off = isinstance(keywords.get("markup"), ast.Constant) and (
            keywords["markup"].value is False  # type: ignore[attr-defined]
        )
        if name in SINK_CALLS and not markup_off:
            text = node.args[0] if node.args else keywords.get(SINK_CALLS[name])
            if text is not None:
                self.check(text, name)
        elif name in ALL_ARGS_SINKS and isinstance(node.func, ast.Attribute) and not markup_off:
            for arg in node.args:
                self.check(arg, name)
        elif name in MARKUP_PARSERS and node.args and not _literal(node.args[0]):
            self.report(node.args[0], name)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            for t, value in _pairs(target, node.value):
                if isinstance(t, ast.Attribute) and t.attr in SINK_ATTRIBUTES:
                    self.check(value, t.attr)
        self.generic_visit(node)

    # ---- judging -------------------------------------------------------------------------------

    def report(self, node: ast.expr, sink: str) -> None:
        self.findings.append(Finding(self.path, node.lineno, sink, ast.unparse(node)))

    def check(self, node: ast.expr, sink: str) -> None:
        if not self.safe(node, depth=0):
            self.report(node, sink)

    def safe(self, node: ast.expr, depth: int) -> bool:
        """Whether `node` is a literal, or certainly Text or Content."""
        if depth > 8:
            return False
        if _literal(node):
            return True
        match node:
            case ast.IfExp(body=body, orelse=orelse):
                return self.safe(body, depth + 1) and self.safe(orelse, depth + 1)
            case ast.BoolOp(values=values):
                return all(self.safe(v, depth + 1) for v in values)
            case ast.Call():
                name = _callee(node)
                if name == "format":
                    return False
                return name in TEXT_BUILDERS or name in self.returns_text
            case ast.Name(id=name):
                return self.safe_name(name, depth)
            case ast.Attribute(value=ast.Name(id="self"), attr=attr):
                return attr.isupper() or self.safe_self_attribute(attr, depth)
            case ast.Attribute(attr=attr):
                return attr.isupper()  # a class's constant, e.g. Pane.TITLE
        return False

    def safe_name(self, name: str, depth: int) -> bool:
        function = self.functions[-1] if self.functions else None
        if function is not None:
            args = function.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if arg.arg == name:
                    return _mentions_text_type(arg.annotation)
            values = _assigned(function, lambda t: isinstance(t, ast.Name) and t.id == name)
            if values is not None:
                return bool(values) and all(self.safe(v, depth + 1) for v in values)
        if name in self.constants:
            return name.isupper() and self.safe(self.constants[name], depth + 1)
        return False

    def safe_self_attribute(self, attr: str, depth: int) -> bool:
        """`self.attr` is safe when every assignment to it in the class is."""
        if not self.classes:
            return False
        cls = self.classes[-1]

        def is_attr(t: ast.expr) -> bool:
            return (
                isinstance(t, ast.Attribute)
                and isinstance(t.value, ast.Name)
                and t.value.id == "self"
                and t.attr == attr
            )

        seen = False
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            values = _assigned(method, is_attr)
            if values is None:
                continue
            seen = True
            self.functions.append(method)
            try:
                if not values or not all(self.safe(v, depth + 1) for v in values):
                    return False
            finally:
                self.functions.pop()
        return seen


def _literal(node: ast.expr) -> bool:
    """A constant, or an f-string with nothing interpolated: the project's own text."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return not any(isinstance(v, ast.FormattedValue) for v in node.values)
    return False


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple[ast.expr, ast.expr]]:
    """(target, value) pairs of an assignment, unpacking `a, b = x, y` element by element."""
    if isinstance(target, ast.Tuple):
        if isinstance(value, ast.Tuple) and len(value.elts) == len(target.elts):
            return [p for t, v in zip(target.elts, value.elts, strict=True) for p in _pairs(t, v)]
        return [(t, ast.Name(id="?", lineno=value.lineno)) for t in target.elts]
    return [(target, value)]


def _assigned(function: ast.AST, matches) -> list[ast.expr] | None:
    """Every value `function` assigns to a matching target; an unknown one (a loop variable,
    an augmented assignment) as a name that is never safe. None when it assigns none."""
    values: list[ast.expr] = []
    found = False
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for t, v in _pairs(target, node.value):
                    if matches(t):
                        found = True
                        values.append(v)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            if matches(node.target):
                found = True
                ok = isinstance(node, ast.AnnAssign) and node.value is not None
                values.append(node.value if ok else ast.Name(id="?", lineno=node.lineno))  # type: ignore[arg-type]
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension | ast.withitem):
            target = node.optional_vars if isinstance(node, ast.withitem) else node.target
            if target is not None and any(matches(t) for t in ast.walk(target)):
                found = True
                values.append(ast.Name(id="?", lineno=getattr(node, "lineno", 0)))
    return values if found else None


def parse(path: Path) -> ast.Module:
    """The module's tree. CPython 3.11's AST constructor can raise a spurious SystemError
    ("recursion depth mismatch", python/cpython#106905) while threads a test left behind
    run: the same source parsed again gives the tree."""
    for attempt in range(3):
        try:
            return ast.parse(path.read_text(), str(path))
        except SystemError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def scan(paths: list[Path]) -> list[Finding]:
    trees = {path: parse(path) for path in paths}
    returns_text = text_returning_functions(list(trees.values()))
    findings: list[Finding] = []
    for path, tree in trees.items():
        visitor = SinkScan(str(path.relative_to(ROOT)), tree, returns_text)
        visitor.visit(tree)
        findings.extend(visitor.findings)
    return findings


def project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_widget_gets_a_runtime_str_with_markup_on() -> None:
    findings = scan(project_files())
    assert not findings, "text drawn as markup:\n" + "\n".join(map(str, findings))


# ---- the scan itself: it catches each form, and lets the safe ones pass ---------------------


def findings_in(source: str) -> list[str]:
    tree = ast.parse(source)
    visitor = SinkScan("x.py", tree, text_returning_functions([tree]))
    visitor.visit(tree)
    return [f.source for f in visitor.findings]


@pytest.mark.parametrize(
    "source",
    [
        "def f(self, reason):\n    self.border_subtitle = f'stale: {reason}'",
        "def f(self, s):\n    self.border_subtitle = s",
        "def f(self, s: str):\n    self.border_title = 'x ' + s",
        "def f(self, s):\n    self.notify(f'{s} failed', severity='error')",
        "def f(self, s):\n    self.notify('%s failed' % s)",
        "def f(self, s):\n    self.notify('{} failed'.format(s))",
        "def f(self, exc):\n    self.notify(str(exc))",
        "def f(self, t):\n    yield Label(f'Remediate {inert(t)}')",
        "def f(self, t):\n    yield Static(t)",
        "def f(self, t):\n    yield Button(t.name)",
        "def f(self, rows):\n    for r in rows:\n        yield Checkbox(r.name)",
        "def f(self, rows):\n    label = 'x'\n    label += rows\n    yield Checkbox(label)",
        "def f(self, why):\n    yield Option('a' if why is None else f'a {why}')",
        "def f(self, w):\n    w.update(f'{self.low} to {self.high}')",
        "class D:\n    def __init__(self, t):\n        self.t = t\n    def c(self):\n"
        "        yield Label(self.t)",
        "def f(self, s):\n    return Text.from_markup(s)",
        "def f(console, r):\n    console.print(r.name)",
    ],
)
def test_the_scan_catches_runtime_text_with_markup_on(source: str) -> None:
    assert findings_in(source), source


@pytest.mark.parametrize(
    "source",
    [
        "def f(self):\n    self.border_title = 'Services'",
        "def f(self):\n    self.border_title = self.TITLE",
        "def f(self, s):\n    self.border_subtitle = Text(f'stale: {s}')",
        "def f(self, s):\n    self.notify(f'{s} failed', markup=False)",
        "def f(self, t):\n    yield Label(Text(f'Remediate {t}'))",
        "def f(self, t):\n    yield Static(t, markup=False)",
        "def f(self, t: Text):\n    self.update(t)",
        "def g() -> Text:\n    return Text()\ndef f(self):\n    yield Static(g())",
        "def f(self, s):\n    text = Text()\n    text.append(s)\n    yield Static(text)",
        "class D:\n    def __init__(self, t):\n        self.t = Text(t)\n    def c(self):\n"
        "        yield Label(self.t)",
        "def f(console, r):\n    console.print(Text(r.name), style='red')",
    ],
)
def test_the_scan_lets_literals_text_and_content_pass(source: str) -> None:
    assert not findings_in(source), source
