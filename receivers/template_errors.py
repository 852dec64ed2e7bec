"""Template execution errors worded as Alertmanager 0.25's Go words them.

gotpl reports where it failed and why in its own words; :func:`error_message`
rewrites that as Go's ``text/template`` does: ``template: NAME:LINE:COL:
executing "TEMPLATE" at <NODE>: problem``, with the position and node text Go
would report, found on the parsed tree of the failing file or config field.

Pure; runs on the rendering caller's thread (a notifier's event loop) when a
render fails.
"""

from __future__ import annotations

import re
from typing import Any

import gotpl
from gotpl.parse.nodes import (
    BoolNode,
    CharacterNode,
    CommandNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    NilNode,
    NumberNode,
    ParenthesizedNode,
    PipeNode,
    StringNode,
    TemplateCallNode,
    VariableNode,
)

from receivers.template_parse import Source, all_nodes, go_words, syntax_message
from receivers.template_values import ArgumentTypeError

__all__ = ["error_message"]

_TEMPLATE_NAME = re.compile(rb"\{\{-?\s*template\s+")


def error_message(exc: gotpl.TemplateError, source: Source | None) -> str:
    """An execution error as Go words it:
    ``template: NAME:LINE:COL: executing "TEMPLATE" at <NODE>: problem``."""
    if isinstance(exc, gotpl.TemplateSyntaxError):  # html/template's escaping errors
        return syntax_message(exc, "" if source is None else source.parse_name)
    if not isinstance(exc, gotpl.TemplateExecutionError) or exc.position is None:
        return f"template: {go_words(str(exc))}"
    detail = go_words(exc.message)
    template = "" if exc.template_name == "template" else exc.template_name
    place = None if source is None else _go_node(source, exc.position, detail, exc)
    if source is None or place is None:  # no node found: gotpl's position, no "at"
        name = "" if source is None else source.parse_name
        column = (exc.column or 1) - 1  # Go counts from 0
        return f'template: {name}:{exc.line}:{column}: executing "{template}": {detail}'
    pos, node, detail = place
    line = source.text.count(b"\n", 0, pos) + 1
    column = pos - (source.text.rfind(b"\n", 0, pos) + 1)
    where = f"{source.parse_name}:{line}:{column}"
    return f'template: {where}: executing "{template}" at <{node}>: {detail}'


def _go_node(
    source: Source, pos: int, detail: str, exc: gotpl.TemplateExecutionError
) -> tuple[int, str, str] | None:
    """Where Go reports the error and the node it names: ``(position, node, detail)``.

    gotpl reports the start of the command or operand it was running; Go
    names the operand for field and argument errors, the command for errors
    of a call, and the ``{{template}}`` action for an undefined template."""
    nodes = list(all_nodes(source.tree))
    at = [n for n in nodes if getattr(n, "start", None) == pos]
    if detail.startswith("can't evaluate field"):
        for node in at:
            if isinstance(node, FieldNode | VariableNode | ParenthesizedNode):
                return (*_operand(node, source.text), detail)
        for node in nodes:  # gotpl may point into the parentheses of (pipeline).Field
            if isinstance(node, ParenthesizedNode) and node.pipeline.start == pos:
                return (*_operand(node, source.text), detail)
        return None
    if detail.startswith("exceeded maximum template depth") or (
        detail.startswith("template ") and detail.endswith(" not defined")
    ):
        for node in nodes:
            if isinstance(node, TemplateCallNode) and node.start <= pos < node.end:
                m = _TEMPLATE_NAME.match(source.text, node.start)
                return (m.end() if m else node.start), _go_string(node), detail
        return None
    command = _enclosing_command(nodes, pos, detail, exc)
    if command is None:
        return None
    head = command.arguments[0]
    if detail == "non-callable command has arguments" and isinstance(
        head, FieldNode | VariableNode
    ):
        got = len(command.arguments) - 1
        detail = f"wrong number of args for {head.fields[-1]}: want 0 got {got}"
    if isinstance(exc, ArgumentTypeError):
        if exc.index + 1 < len(command.arguments):
            arg = command.arguments[exc.index + 1]
            constant = isinstance(arg, NumberNode | BoolNode | CharacterNode | StringNode)
            if constant and exc.want == "string":
                detail = f"expected string; found {_go_string(arg)}"
            elif constant:
                detail = f"can't handle {_go_string(arg)} for arg of type {exc.want}"
            return arg.start, _go_string(arg), detail
        return (*_operand(head, source.text), detail)  # the piped value
    if detail.startswith("wrong number of args"):
        if isinstance(head, IdentifierNode):
            return head.start, head.name, detail
        return (*_operand(head, source.text), detail)
    return command.start, _go_string(command), detail


def _enclosing_command(
    nodes: list[object], pos: int, detail: str, exc: gotpl.TemplateExecutionError
) -> CommandNode | None:
    """The innermost command around ``pos`` calling the failing function (when
    the error names one), else the command starting at ``pos``."""
    m = re.match(r"(?:error calling|wrong number of args for) (\w+)", detail)
    name = m.group(1) if m else getattr(exc, "function", "")
    commands = [n for n in nodes if isinstance(n, CommandNode)]
    if name:
        calls = [c for c in commands if _callee(c.arguments[0]) == name]
        around = [c for c in calls if c.start <= pos < c.end]
        if around:
            return min(around, key=lambda c: c.end - c.start)
        pipes = [n for n in nodes if isinstance(n, PipeNode) and n.start <= pos < n.end]
        for pipe in sorted(pipes, key=lambda p: p.end - p.start):
            for c in pipe.commands:
                if c in calls:
                    return c
    starting = [c for c in commands if c.start == pos]
    return starting[0] if starting else None


def _callee(node: object) -> str:
    """The function or method a command's first operand names."""
    if isinstance(node, IdentifierNode):
        return node.name
    fields = getattr(node, "fields", ())
    return fields[-1] if fields else ""


def _operand(node: Any, text: bytes) -> tuple[int, str]:
    """Go's position and text for an operand: a field chain is placed at its
    second element (the parser's chain node); for ``(pipeline).Field`` Go names
    the last operand it evaluated inside the parentheses."""
    if isinstance(node, ParenthesizedNode):
        inner: Any = node
        while isinstance(inner, ParenthesizedNode):
            inner = inner.pipeline.commands[-1].arguments[-1]
        return inner.start, _go_string(inner)
    if isinstance(node, FieldNode) and len(node.fields) > 1:
        return node.start + len(node.fields[0]) + 1, _go_string(node)
    if isinstance(node, VariableNode) and node.fields:
        return node.start + len(node.name.encode()), _go_string(node)
    return node.start, _go_string(node)


def _go_string(node: Any) -> str:
    """``parse.Node.String()`` of Go's template parser."""
    if isinstance(node, FieldNode):
        return "".join("." + f for f in node.fields)
    if isinstance(node, VariableNode):
        return node.name + "".join("." + f for f in node.fields)
    if isinstance(node, IdentifierNode):
        return node.name
    if isinstance(node, StringNode | CharacterNode):
        return node.quoted
    if isinstance(node, NumberNode):
        return node.text
    if isinstance(node, BoolNode):
        return "true" if node.value else "false"
    if isinstance(node, NilNode):
        return "nil"
    if isinstance(node, DotNode):
        return "."
    if isinstance(node, ParenthesizedNode):
        return f"({_go_string(node.pipeline)})" + "".join("." + f for f in node.fields)
    if isinstance(node, CommandNode):
        return " ".join(_go_string(a) for a in node.arguments)
    if isinstance(node, PipeNode):
        decl = ", ".join(v.name for v in node.declarations)
        head = f"{decl} {'=' if node.is_assignment else ':='} " if decl else ""
        return head + " | ".join(_go_string(c) for c in node.commands)
    if isinstance(node, TemplateCallNode):
        quoted = '"' + node.name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        pipe = f" {_go_string(node.pipeline)}" if node.pipeline is not None else ""
        return "{{template " + quoted + pipe + "}}"
    return "?"
