"""Finds, in Python source, every job event the code sends or names: the payload model passed to
EventLog.emit / EventLog.store, and every string that looks like an event type (job.*, batch.*,
child.*, validation.*), except log lines' names (log.info("job.skipped", ...) is not an event)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

EVENT_NAME = re.compile(r"^(job|batch|child|validation)\.[a-z_]+$")
QUOTED_EVENT_NAME = re.compile(r"""["'`]((?:job|batch|child|validation)\.[a-z_]+)["'`]""")
CLASS_NAME = re.compile(r"^[A-Z][a-z]\w*$")
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
PAYLOAD_ARG = {"emit": 1, "store": 2}  # events.emit(job_id, payload), EventLog.store(conn, job_id, payload)


@dataclass
class Found:
    models: set[str] = field(default_factory=set)  # class names of emitted payloads
    names: set[str] = field(default_factory=set)  # event-type strings
    unresolved: list[str] = field(default_factory=list)  # payload arguments whose model cannot be told


def _assignments(tree: ast.AST) -> dict[str, list[ast.expr]]:
    out: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name, value in _pairs(target, node.value):
                    out.setdefault(name, []).append(value)
    return out


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple[str, ast.expr]]:
    """`a, b = x, y` pairs a with x and b with y."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        return [p for t, v in zip(target.elts, value.elts, strict=True) for p in _pairs(t, v)]
    return [(n.id, value) for n in ast.walk(target) if isinstance(n, ast.Name)]


def _models(expr: ast.expr, assigned: dict[str, list[ast.expr]], seen: frozenset = frozenset()) -> set[str] | None:
    """The classes an expression builds its payload from; None when it cannot be told from the source."""
    if isinstance(expr, ast.Call):
        return _models(expr.func, assigned, seen)
    if isinstance(expr, ast.IfExp):
        body, orelse = _models(expr.body, assigned, seen), _models(expr.orelse, assigned, seen)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.Name) and CLASS_NAME.match(expr.id):
        return {expr.id}
    if isinstance(expr, ast.Name) and expr.id in assigned and expr.id not in seen:
        parts = [_models(v, assigned, seen | {expr.id}) for v in assigned[expr.id]]
        return None if any(p is None for p in parts) else set().union(*parts)
    return None


def _is_log_line(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in LOG_METHODS and isinstance(func.value, ast.Name) \
        and func.value.id in ("log", "logger", "logging")


def scan_python(source: str, where: str = "<source>", found: Found | None = None) -> Found:
    found = found or Found()
    tree = ast.parse(source)
    functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
    # A name means what it was assigned in the innermost function around the call (ast.walk goes
    # outside in, so inner functions come later and win).
    scope_of = {id(node): function for function in functions for node in ast.walk(function)}
    assigned = {id(scope): _assignments(scope) for scope in [tree, *functions]}
    log_names = {id(c.args[0]) for c in ast.walk(tree) if isinstance(c, ast.Call) and _is_log_line(c) and c.args}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and EVENT_NAME.match(node.value) \
                and id(node) not in log_names:
            found.names.add(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PAYLOAD_ARG:
            position = PAYLOAD_ARG[node.func.attr]
            if len(node.args) <= position:
                continue
            models = _models(node.args[position], assigned[id(scope_of.get(id(node), tree))])
            if models is None:
                found.unresolved.append(f"{where}:{node.lineno}: {ast.unparse(node.args[position])}")
            else:
                found.models |= models
    return found


def scan_script(source: str) -> set[str]:
    """Event-type strings in the page's JavaScript."""
    return set(QUOTED_EVENT_NAME.findall(source))
