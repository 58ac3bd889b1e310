"""Which names in a Python file are bound to what, per scope, without running anything.

A name resolves to a literal only when its scope binds it exactly once, by a plain `name = <expr>`
(or `name: T = <expr>`), and nothing anywhere in the file may change it in place (a method call
on it, an item or attribute assignment, `+=`, `global`/`nonlocal`, `del`). Anything else is
"not known statically" and the checker skips it rather than guess.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional


@dataclass(eq=False)
class Scope:
    node: ast.AST
    parent: Optional["Scope"]
    kind: str  # "module", "function", "class"
    bindings: dict[str, list[Optional[ast.expr]]] = field(default_factory=dict)  # None: not a literal binding
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted module path it names
    star_imports: list[str] = field(default_factory=list)

    def bind(self, name: str, value: Optional[ast.expr]) -> None:
        self.bindings.setdefault(name, []).append(value)

    def chain(self):
        s: Optional[Scope] = self
        first = True
        while s is not None:
            if first or s.kind != "class":  # class bodies are not visible from their methods
                yield s
            first = False
            s = s.parent


@dataclass
class CallSite:
    call: ast.Call
    scope: Scope
    in_loop: bool


def _root_name(node: ast.AST) -> Optional[str]:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _target_names(target: ast.AST):
    for n in ast.walk(target):
        if isinstance(n, ast.Name):
            yield n.id


class ScopeIndex(ast.NodeVisitor):
    """One pass over the module: scopes, bindings, names changed in place, and every call."""

    def __init__(self, tree: ast.Module):
        self.module = Scope(tree, None, "module")
        self.scope = self.module
        self.mutated: set[str] = set()
        self.name_scope: dict[int, Scope] = {}  # id(ast.Name in Load context) -> its scope
        self.calls: list[CallSite] = []
        self.bound_anywhere: set[str] = set()
        self._loops = 0
        self.visit(tree)

    # --- scopes
    def _enter(self, node: ast.AST, kind: str, body) -> None:
        saved, loops = self.scope, self._loops
        self.scope = Scope(node, saved, kind)
        self._loops = 0
        for item in body:
            self.visit(item)
        self.scope, self._loops = saved, loops

    def _bind(self, name: str, value: Optional[ast.expr]) -> None:
        self.scope.bind(name, value)
        self.bound_anywhere.add(name)

    def visit_FunctionDef(self, node):  # also AsyncFunctionDef
        self._bind(node.name, None)
        for d in node.decorator_list:
            self.visit(d)
        for d in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(d)
        saved = self.scope
        inner = _function_scope(node, saved)
        self.scope, loops = inner, self._loops
        self._loops = 0
        for item in node.body:
            self.visit(item)
        self.scope, self._loops = saved, loops

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        for d in node.args.defaults:
            self.visit(d)
        saved = self.scope
        inner = _function_scope(node, saved)
        self.scope = inner
        self.visit(node.body)
        self.scope = saved

    def visit_ClassDef(self, node):
        self._bind(node.name, None)
        for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(d)
        self._enter(node, "class", node.body)

    def _comprehension(self, node, parts):
        saved = self.scope
        self.scope = Scope(node, saved, "function")
        self._loops += 1
        for gen in node.generators:
            self.visit(gen.iter)
            for name in _target_names(gen.target):
                self.scope.bind(name, None)
            for cond in gen.ifs:
                self.visit(cond)
        for p in parts:
            self.visit(p)
        self._loops -= 1
        self.scope = saved

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])

    # --- bindings
    def visit_Assign(self, node):
        self.visit(node.value)
        single = len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        for t in node.targets:
            if isinstance(t, ast.Name):
                self._bind(t.id, node.value if single else None)
            else:
                self._store_target(t)
                self.visit(t)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        if isinstance(node.target, ast.Name):
            if node.value is not None:
                self._bind(node.target.id, node.value)
        else:
            self._store_target(node.target)
            self.visit(node.target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self._bind(node.target.id, None)
        else:
            self._store_target(node.target)
        self.visit(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self._bind(node.target.id, None)

    def _store_target(self, t: ast.AST) -> None:
        if isinstance(t, (ast.Tuple, ast.List, ast.Starred)):
            for name in _target_names(t):
                self._bind(name, None)
            for n in ast.walk(t):
                if isinstance(n, (ast.Subscript, ast.Attribute)):
                    self._mutates(n)
        elif isinstance(t, (ast.Subscript, ast.Attribute)):
            self._mutates(t)
        elif isinstance(t, ast.Name):
            self._bind(t.id, None)

    def _mutates(self, node: ast.AST) -> None:
        name = _root_name(node)
        if name:
            self.mutated.add(name)

    def visit_Delete(self, node):
        for t in node.targets:
            for name in _target_names(t):
                self.mutated.add(name)

    def visit_Global(self, node):
        self.mutated.update(node.names)

    visit_Nonlocal = visit_Global

    def _loop(self, node, target):
        self.visit(node.iter)
        self._store_target(target)
        self._loops += 1
        for item in node.body + node.orelse:
            self.visit(item)
        self._loops -= 1

    def visit_For(self, node):
        self._loop(node, node.target)

    visit_AsyncFor = visit_For

    def visit_While(self, node):
        self.visit(node.test)
        self._loops += 1
        for item in node.body + node.orelse:
            self.visit(item)
        self._loops -= 1

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store_target(item.optional_vars)
        for item in node.body:
            self.visit(item)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node):
        if node.name:
            self._bind(node.name, None)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        if node.name:
            self._bind(node.name, None)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        if node.name:
            self._bind(node.name, None)

    def visit_MatchMapping(self, node):
        if node.rest:
            self._bind(node.rest, None)
        self.generic_visit(node)

    def visit_Import(self, node):
        for a in node.names:
            local = a.asname or a.name.split(".")[0]
            self.scope.imports[local] = a.name if a.asname else a.name.split(".")[0]
            self._bind(local, None)

    def visit_ImportFrom(self, node):
        if node.level:  # a relative import names the user's own package
            for a in node.names:
                if a.name != "*":
                    self._bind(a.asname or a.name, None)
            return
        for a in node.names:
            if a.name == "*":
                self.scope.star_imports.append(node.module or "")
                continue
            local = a.asname or a.name
            self.scope.imports[local] = f"{node.module}.{a.name}"
            self._bind(local, None)

    # --- uses
    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.name_scope[id(node)] = self.scope

    def visit_Call(self, node):
        if isinstance(node.func, ast.Attribute):
            self._mutates(node.func.value)  # obj.append(...), obj[0].update(...): may change obj in place
        self.calls.append(CallSite(node, self.scope, self._loops > 0))
        self.generic_visit(node)

    # --- queries
    def literal_of(self, name: ast.Name) -> Optional[ast.expr]:
        """The expression `name` is bound to, when that is knowable (see the module docstring)."""
        scope = self.name_scope.get(id(name))
        if scope is None or name.id in self.mutated:
            return None
        for s in scope.chain():
            if name.id in s.bindings:
                values = s.bindings[name.id]
                return values[0] if len(values) == 1 else None
        return None

    def dotted(self, node: ast.expr, scope: Scope) -> Optional[str]:
        """`mod.attr.Name` with its first name replaced by what an import bound it to."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        for s in scope.chain():
            if node.id in s.imports:
                return ".".join([s.imports[node.id]] + parts[::-1])
            if node.id in s.bindings:
                return None
        return None

    def star_imported(self, scope: Scope) -> list[str]:
        out: list[str] = []
        for s in scope.chain():
            out.extend(s.star_imports)
        return out


def _function_scope(node, parent: "Scope") -> "Scope":
    """A function's (or lambda's) scope with its parameters bound to unknown values."""
    inner = Scope(node, parent, "function")
    a = node.args
    for arg in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]:
        inner.bind(arg.arg, None)
    return inner
