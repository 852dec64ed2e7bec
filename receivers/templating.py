"""Notification templates, rendered byte for byte as Alertmanager 0.25 renders them.

Alertmanager parses its two built-in files (``default.tmpl``, ``email.tmpl``,
vendored here under ``receivers/templates``, Apache-2.0) and then the files of
``templates:`` into one Go ``text/template`` set and one ``html/template`` set
(``missingkey=zero``, 0.25's function map). Each templated config field is
parsed as an anonymous template in a clone of a set and executed on
``*template.Data``. gossamer parses a third built-in file after those two,
``msteams.tmpl``: the 0.26+ definitions that ``msteams_configs``' defaults
name, which 0.25 lacks.

gossamer does the same with ``gotpl`` (a pure-Python Go template engine)
behind this module's small interface:

* :meth:`Templates.load` parses the files; a syntax error, or a ``template``
  call naming a template that no file defines, is a ``ConfigError`` at load
  (stricter than Alertmanager, which finds the latter only when it renders:
  prometheus/alertmanager#3490);
* :meth:`Templates.check` does the same for one config field;
* :meth:`Templates.text` / :meth:`Templates.html` render a field on a
  notification's ``receivers.payload.Data``; failures raise
  :class:`TemplateError` worded as Go's (``template: :1:3: executing "" at
  <.Foo>: can't evaluate field Foo in type *template.Data``).

Differences from Go's engine that templates can observe are listed in
``tests/templates/README.md``. Templates run in gotpl's sandbox: a template
reaches only the Go fields and methods of ``template.Data``, never a Python
attribute.

A ``Templates`` is immutable once loaded and safe to share between threads;
rendering runs on the caller's thread (a notifier's event loop): 0.2-2 ms per
notification.
"""

from __future__ import annotations

import glob
import io
import os
import re
import threading
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any, NamedTuple

import gotpl
from gotpl import ExecutionBudget, HTMLTemplate, SandboxPolicy, Template
from gotpl.parse import ParsedTemplate, parse_template
from gotpl.parse.nodes import (
    BlockNode,
    BoolNode,
    CharacterNode,
    CommandNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    NumberNode,
    ParenthesizedNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateCallNode,
    VariableNode,
    WithNode,
)

from gossamer.errors import ConfigError, GossamerError
from receivers import gotpl_fastpath
from receivers.payload import Data
from receivers.template_data import DataView, view
from receivers.template_funcs import FUNCS, ArgumentTypeError

__all__ = ["DEFAULT_FILES", "TemplateError", "TemplateFile", "Templates"]

# msteams.tmpl: the later releases' built-ins that msteams_configs' defaults
# name (0.26+); a file of its own keeps default.tmpl 0.25's byte for byte.
DEFAULT_FILES = ("default.tmpl", "email.tmpl", "msteams.tmpl")

# Go's text/template has no budgets, only its recursion limit (which gotpl
# applies itself: "exceeded maximum template depth (100000)").
_SANDBOX = SandboxPolicy(
    allow_functions=FUNCS, allow_custom_lookup=True, default_budget=ExecutionBudget()
)
_OPTIONS: dict[str, Any] = {"functions": FUNCS, "missing_key": "zero", "sandbox": _SANDBOX}
_CACHE_LIMIT = 512
gotpl_fastpath.install()
_ELSE_WITH = re.compile(r"\{\{-?\s*else\s+with\b")
_TEMPLATE_NAME = re.compile(rb"\{\{-?\s*template\s+")
_QUOTED = re.compile(r"'([^'\s]*)'")
_GOTPL_PREFIX = re.compile(r"^template:\d+:\d+: ")


class TemplateFile(NamedTuple):
    """One file to parse: its template name, text, the path errors mention, and
    the name Go reports its errors under ("" for the built-in files, which
    Alertmanager parses into its unnamed root template)."""

    name: str
    text: str
    origin: str
    parse_name: str


class _Source(NamedTuple):
    """A parsed file or config field, kept to word execution errors as Go does."""

    parse_name: str
    text: bytes
    tree: ParsedTemplate
    file: str = ""  # the file's template name ("" for a config field)


class _Compiled(NamedTuple):
    template: Any  # gotpl Template or HTMLTemplate
    source: _Source
    defines: frozenset[str]


class TemplateError(GossamerError):
    """A template failed to render; the message is Go's (names the template
    and the problem), e.g. ``template: :1:3: executing "" at <.Foo>: ...``.

    ``partial`` is the output written before the failure: Go's
    ``ExecuteTextString`` returns it with the error, and some 0.25 notifiers
    (telegram) send it regardless."""

    def __init__(self, message: str, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial


class Templates:
    """The parsed template files, and the renderer of templated config fields."""

    def __init__(self, files: list[TemplateFile]) -> None:
        """Parse ``files`` in order; raises ``ConfigError``. Use :meth:`load`."""
        self._files = [f.name for f in files]
        sources: dict[str, str] = {}
        calls: list[tuple[str, str]] = []
        self._trees: dict[str, _Source] = {}  # template name -> where it was parsed
        for f in files:
            tree = _parse(f.text, f.name, f.origin)
            source = _Source(f.parse_name, f.text.encode(), tree, f.name)
            self._trees |= dict.fromkeys(_defines(tree) | {f.name}, source)
            calls += [(ref, f.origin) for ref in _calls(tree)]
            sources.pop(f.name, None)  # a file replaces an earlier one of its name
            sources[f.name] = f.text
        for ref, origin in calls:
            if ref not in self._trees:
                raise ConfigError(f'template file {origin}: template "{ref}" not defined')
        self._sources = sources
        try:
            self._text = Template.from_sources(sources, **_OPTIONS)
        except gotpl.TemplateError as exc:  # what each file alone did not show
            raise ConfigError(f"templates: {_syntax_message(exc, '')}") from None
        # The html/template set costs ~75 ms to build; many configs never use it.
        self._html: HTMLTemplate | None = None
        self._html_lock = threading.Lock()
        self._text_cache: dict[str, _Compiled] = {}
        self._html_cache: dict[str, _Compiled] = {}
        self._last: tuple[Data, DataView] | None = None
        self._stats = {"renders": 0, "failures": 0, "compiled": 0}
        # As `amtool template render` instead of a notifier: template.Data by
        # value, and the built-in files named as files (it loads them by glob).
        self._amtool = False

    @classmethod
    def load(cls, globs: list[str], base_dir: str = ".") -> Templates:
        """The built-in files, then every file matching ``globs`` (relative ones
        under ``base_dir``), each glob's matches in name order; a later
        ``define`` replaces an earlier one. A glob matching nothing is fine, as
        in Alertmanager. Raises ``ConfigError`` naming the file and problem."""
        files = [
            TemplateFile(name, _default_text(name), f"<built-in {name}>", "")
            for name in DEFAULT_FILES
        ]
        for pattern in globs:
            path = pattern if os.path.isabs(pattern) else os.path.join(base_dir, pattern)
            for match in sorted(glob.glob(path, include_hidden=True)):  # Go matches dotfiles
                name = os.path.basename(match)
                files.append(TemplateFile(name, _read(match), match, name))
        return cls(files)

    def check(self, source: str) -> None:
        """Parse one config field now: ``ConfigError`` for bad syntax or a call
        of an undefined template."""
        if not source:
            return
        tree = _parse(source, "", "")
        for ref in _calls(tree) - _defines(tree):
            if ref not in self._trees:
                raise ConfigError(f'template: :1: template "{ref}" not defined in {source!r}')

    def text(self, source: str, data: Data) -> str:
        """Render ``source`` as ``text/template`` (no escaping); ``""`` stays ``""``.

        Raises :class:`TemplateError`."""
        if not source:
            return ""
        compiled = self._text_cache.get(source)
        if compiled is None:
            compiled = self._derive(self._text, self._text_cache, source)
        return self._render(compiled, data)

    def html(self, source: str, data: Data) -> str:
        """Render ``source`` as ``html/template`` (contextual escaping), as
        email ``html``, telegram ``parse_mode: HTML`` and pushover ``html`` do.

        Raises :class:`TemplateError`."""
        if not source:
            return ""
        compiled = self._html_cache.get(source)
        if compiled is None:
            compiled = self._derive(self._html_set(), self._html_cache, source)
        return self._render(compiled, data)

    def prepare(self, text_sources: Iterable[str], html_sources: Iterable[str] = ()) -> None:
        """Compile config fields now (at load, on the loading thread) rather than on the
        first notification: a storm right after start then renders at full speed. The
        html/template set is built only when an html field is given. A field that fails
        here fails again, with its message, when it renders."""
        budget = _CACHE_LIMIT // 2
        for sources, html in ((text_sources, False), (html_sources, True)):
            cache = self._html_cache if html else self._text_cache
            for source in sources:
                if len(cache) >= budget or source in cache:
                    continue
                try:
                    self._derive(self._html_set() if html else self._text, cache, source)
                except TemplateError:
                    continue

    def statistics(self) -> dict[str, int]:
        """Renders, failures, compiled config fields and cached fields."""
        cached = len(self._text_cache) + len(self._html_cache)
        return {**self._stats, "cached": cached, "files": len(self._files)}

    def __repr__(self) -> str:
        return (
            f"<Templates files={self._files} defined={len(self._trees)} "
            f"cached={len(self._text_cache)}+{len(self._html_cache)}>"
        )

    def _html_set(self) -> HTMLTemplate:
        with self._html_lock:
            if self._html is None:
                self._html = HTMLTemplate.from_sources(self._sources, **_OPTIONS)
            return self._html

    def _derive(self, base: Any, cache: dict[str, _Compiled], source: str) -> _Compiled:
        try:
            tree = _parse(source, "", "")
            template = base.with_source(source, name="")
        except ConfigError as exc:
            raise TemplateError(str(exc)) from None
        except gotpl.TemplateError as exc:
            raise TemplateError(_syntax_message(exc, "", source)) from None
        self._stats["compiled"] += 1
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        compiled = _Compiled(
            template, _Source("", source.encode(), tree), frozenset(_defines(tree))
        )
        cache[source] = compiled
        return compiled

    def _render(self, compiled: _Compiled, data: Data) -> str:
        self._stats["renders"] += 1
        last = self._last
        if last is not None and last[0] is data:
            dot = last[1]
        else:
            dot = view(data, pointer=not self._amtool)
            self._last = (data, dot)
        out = io.StringIO()
        try:
            compiled.template.render_to(out, dot)
            return out.getvalue()
        except gotpl.TemplateError as exc:
            self._stats["failures"] += 1
            name = getattr(exc, "source_name", None) or ""
            field = name == "template" or name in compiled.defines
            source = compiled.source if field else self._trees.get(name)
            if source is not None and self._amtool and source.file:
                source = source._replace(parse_name=source.file)
            raise TemplateError(_error_message(exc, source), out.getvalue()) from None
        except (RecursionError, ArithmeticError, ValueError, TypeError) as exc:
            self._stats["failures"] += 1
            message = f'template: :1: executing "": {exc}'
            raise TemplateError(message, out.getvalue()) from None


def _default_text(name: str) -> str:
    return resources.files("receivers").joinpath("templates", name).read_text("utf-8")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"template file {path}: {exc}") from None


# -- parsing and the checks Alertmanager 0.25's Go (1.19) implies -------------------------


def _parse(text: str, name: str, origin: str) -> ParsedTemplate:
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
        raise ConfigError(where + _syntax_message(exc, name, text)) from None
    return tree


def _defines(tree: ParsedTemplate) -> set[str]:
    return {d.name for d in tree.definitions}


def _calls(tree: ParsedTemplate) -> set[str]:
    return {n.name for n in _nodes(tree) if isinstance(n, TemplateCallNode)}


def _nodes(tree: ParsedTemplate) -> Iterator[object]:
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
    for node in _nodes(tree):
        if not isinstance(node, RangeNode) or not node.pipeline.commands:
            continue
        first = node.pipeline.commands[-1].arguments[0]
        if isinstance(first, NumberNode) or (
            isinstance(first, IdentifierNode) and first.name == "len"
        ):
            line = text.count(b"\n", 0, node.start) + 1
            raise ConfigError(f"template: {name}:{line}: range can't iterate over an integer")


# -- errors in Go's words --------------------------------------------------------------------


def _syntax_message(exc: gotpl.TemplateError, name: str, text: str = "") -> str:
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
    detail = _QUOTED.sub(r'"\1"', _go_words(detail))  # gotpl's 'x' is Go's "x"
    return f"template: {name}:{line}: {detail}"


_OPEN_ACTION = re.compile(r"\{\{-?\s*(if|range|with)\b[^{]*$")
_MULTIPLE = r'template: multiple definition of template "\1"'
_SYNTAX_WORDS = {
    "unexpected end": "unexpected {{end}}",
    "unexpected else": "unexpected {{else}}",
    "break outside range": "{{break}} outside {{range}}",
    "continue outside range": "{{continue}} outside {{range}}",
}


def _error_message(exc: gotpl.TemplateError, source: _Source | None) -> str:
    """An execution error as Go words it:
    ``template: NAME:LINE:COL: executing "TEMPLATE" at <NODE>: problem``."""
    if isinstance(exc, gotpl.TemplateSyntaxError):  # html/template's escaping errors
        return _syntax_message(exc, "" if source is None else source.parse_name)
    if not isinstance(exc, gotpl.TemplateExecutionError) or exc.position is None:
        return f"template: {_go_words(str(exc))}"
    detail = _go_words(exc.message)
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


def _go_words(detail: str) -> str:
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


def _go_node(
    source: _Source, pos: int, detail: str, exc: gotpl.TemplateExecutionError
) -> tuple[int, str, str] | None:
    """Where Go reports the error and the node it names: ``(position, node, detail)``.

    gotpl reports the start of the command or operand it was running; Go
    names the operand for field and argument errors, the command for errors
    of a call, and the ``{{template}}`` action for an undefined template."""
    nodes = list(_nodes(source.tree))
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
