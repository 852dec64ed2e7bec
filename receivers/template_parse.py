"""Parsing templates as Alertmanager 0.25 (built with Go 1.19) parses them.

gotpl accepts some syntax that later Go releases added; :func:`parse` refuses
what Go 1.19 refuses (``{{else with}}``, ``range`` over an integer) and words
every parse error as Go's ``text/template/parse`` does (``template: NAME:LINE:
problem``). :func:`all_nodes` walks a parsed tree for those checks, for
:func:`called_templates` (the ``{{template}}`` calls ``Templates`` checks at
load) and for ``receivers.template_errors``, which places execution errors on
the tree.

Everything here is pure: it runs on the loading thread when a config loads and
on a notifier's thread when a config field is first rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import gotpl
from gotpl.parse import ParsedTemplate, parse_template
from gotpl.parse.nodes import (
    BlockNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NumberNode,
    ParenthesizedNode,
    PipeNode,
    RangeNode,
    TemplateCallNode,
    WithNode,
)

from gossamer.errors import ConfigError
from receivers.template_funcs import FUNCS

__all__ = [
    "Source",
    "all_nodes",
    "called_templates",
    "defined_templates",
    "go_words",
    "parse",
    "syntax_message",
]

_ELSE_WITH = re.compile(r"\{\{-?\s*else\s+with\b")
_QUOTED = re.compile(r"'([^'\s]*)'")
_GOTPL_PREFIX = re.compile(r"^template:\d+:\d+: ")


class Source(NamedTuple):
    """A parsed file or config field, kept to word execution errors as Go does."""

    parse_name: str
    text: bytes
    tree: ParsedTemplate
    file: str = ""  # the file's template name ("" for a config field)


def parse(text: str, name: str, origin: str) -> ParsedTemplate:
    """Parse one file or field; raises ``ConfigError`` worded as Go's parse
    errors (``template: NAME:LINE: ...``), prefixed by the file's ``origin``."""
    where = f"template file {origin}: " if origin else ""
    try:
        m = _ELSE_WITH.search(text)  # {{else with}} came with Go 1.23
        if m is not None:
            line = text.count("\n", 0, m.start()) + 1
            raise ConfigError(f"template: {name}:{line}: unexpected <with> in else")
        tree = parse_template(text, name=name or "template", functions=FUNCS)
        _check_ranges(tree, text.encode(), name)
    except ConfigError as exc:
        raise ConfigError(where + str(exc)) from None
    except gotpl.TemplateError as exc:
        raise ConfigError(where + syntax_message(exc, name, text)) from None
    return tree


def defined_templates(tree: ParsedTemplate) -> set[str]:
    return {d.name for d in tree.definitions}


def called_templates(tree: ParsedTemplate) -> set[str]:
    return {n.name for n in all_nodes(tree) if isinstance(n, TemplateCallNode)}


def all_nodes(tree: ParsedTemplate) -> Iterator[object]:
    """Every node of the tree: statements, pipelines, commands and operands."""

    def walk(lists: Iterable[ListNode | PipeNode | None]) -> Iterator[object]:
        for item in lists:
            if isinstance(item, PipeNode):
                yield item
                for command in item.commands:
                    yield command
                    for arg in command.arguments:
                        yield arg
                        if isinstance(arg, ParenthesizedNode):
                            yield from walk([arg.pipeline])
                continue
            for node in item.nodes if item is not None else ():
                yield node
                if isinstance(node, IfNode | WithNode | RangeNode):
                    yield from walk([node.pipeline, node.body, node.else_body])
                elif isinstance(node, BlockNode | TemplateCallNode):
                    yield from walk([node.pipeline])
                    if isinstance(node, BlockNode):
                        yield from walk([node.body])
                elif hasattr(node, "pipeline"):
                    yield from walk([node.pipeline])

    return walk([tree.root, *(d.body for d in tree.definitions)])


def _check_ranges(tree: ParsedTemplate, text: bytes, name: str) -> None:
    """``range`` over an integer came with Go 1.22; Go 1.19 fails when it runs
    one. Refused when it is visibly an integer: a number or ``len``."""
    for node in all_nodes(tree):
        if not isinstance(node, RangeNode) or not node.pipeline.commands:
            continue
        first = node.pipeline.commands[-1].arguments[0]
        if isinstance(first, NumberNode) or (
            isinstance(first, IdentifierNode) and first.name == "len"
        ):
            line = text.count(b"\n", 0, node.start) + 1
            raise ConfigError(f"template: {name}:{line}: range can't iterate over an integer")


# -- errors in Go's words --------------------------------------------------------------------


def syntax_message(exc: gotpl.TemplateError, name: str, text: str = "") -> str:
    """A parse error: ``template: NAME:LINE: problem`` in Go 1.19's words."""
    line: int = getattr(exc, "line", 1)
    detail = _GOTPL_PREFIX.sub("", str(exc))
    if detail in ("missing value for command", "too many declarations in command"):
        # Go names the action it was parsing: "missing value for if".
        lines = text.split("\n")[:line]
        if lines:
            lines[-1] = lines[-1][: getattr(exc, "column", 1)]
        m = _OPEN_ACTION.search("\n".join(lines))
        if m is not None:
            detail = detail.replace("command", m.group(1))
    detail = _SYNTAX_WORDS.get(detail, detail)
    detail = re.sub(r"^multiple definition of (.*)$", _MULTIPLE, detail)
    detail = _QUOTED.sub(r'"\1"', go_words(detail))  # gotpl's 'x' is Go's "x"
    return f"template: {name}:{line}: {detail}"


_OPEN_ACTION = re.compile(r"\{\{-?\s*(if|range|with)\b[^{]*$")
_MULTIPLE = r'template: multiple definition of template "\1"'
_SYNTAX_WORDS = {
    "unexpected end": "unexpected {{end}}",
    "unexpected else": "unexpected {{else}}",
    "break outside range": "{{break}} outside {{range}}",
    "continue outside range": "{{continue}} outside {{range}}",
}


def go_words(detail: str) -> str:
    detail = re.sub(
        r"^function '(and|or)' requires an argument$",
        r"wrong number of args for \1: want at least 1 got 0",
        detail,
    )
    detail = re.sub(r"^function '(\w+)' failed: ", r"error calling \1: ", detail)
    detail = re.sub(
        r"^(?:attribute|method) '(\w+)' is not allowed$",
        r"can't evaluate field \1 in type string",  # a plain value's attribute, usually a string
        detail,
    )
    # Only gotpl's own phrases are re-quoted: the rest may quote template data.
    return re.sub(r"^template '(.*)' is not defined$", r'template "\1" not defined', detail)
