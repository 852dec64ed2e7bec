"""Notification templates, rendered byte for byte as Alertmanager 0.25 renders them.

Alertmanager parses its two built-in files (``default.tmpl``, ``email.tmpl``,
vendored here under ``receivers/templates``, Apache-2.0) and then the files of
``templates:`` into one Go ``text/template`` set and one ``html/template`` set
(``missingkey=zero``, 0.25's function map). Each templated config field is
parsed as an anonymous template in a clone of a set and executed on
``template.Data``.

gossamer does the same with ``gotpl`` (a pure-Python Go template engine)
behind this module's small interface:

* :meth:`Templates.load` parses the files; a syntax error, or a ``template``
  call naming a template that no file defines, is a ``ConfigError`` at load
  (stricter than Alertmanager, which finds the latter only when it renders:
  prometheus/alertmanager#3490);
* :meth:`Templates.check` does the same for one config field;
* :meth:`Templates.text` / :meth:`Templates.html` render a field on a
  notification's ``receivers.payload.Data``; failures raise
  :class:`TemplateError` worded as Go's (``template: :1:12: executing ""
  ...``).

Differences from Go's engine that templates can observe are listed in
``tests/templates/README.md``. Templates run in gotpl's sandbox: a template
reaches only the Go fields and methods of ``template.Data``, never a Python
attribute.

A ``Templates`` is immutable once loaded and safe to share between threads;
rendering runs on the caller's thread (a notifier's event loop) and takes
0.1-1 ms per field.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any, NamedTuple

import gotpl
from gotpl import ExecutionBudget, HTMLTemplate, SandboxPolicy, Template
from gotpl.parse import parse_template
from gotpl.parse.nodes import (
    BlockNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NumberNode,
    RangeNode,
    TemplateCallNode,
    WithNode,
)

from gossamer.errors import ConfigError, GossamerError
from receivers.payload import Data
from receivers.template_data import DataView, view
from receivers.template_funcs import FUNCS

__all__ = ["DEFAULT_FILES", "TemplateError", "TemplateFile", "Templates"]

DEFAULT_FILES = ("default.tmpl", "email.tmpl")

# Go's text/template has no budgets, only its recursion limit.
_SANDBOX = SandboxPolicy(
    allow_functions=FUNCS,
    allow_custom_lookup=True,
    default_budget=ExecutionBudget(max_template_depth=100_000),
)
_OPTIONS: dict[str, Any] = {"functions": FUNCS, "missing_key": "zero", "sandbox": _SANDBOX}
_CACHE_LIMIT = 512
# Go 1.19 (Alertmanager 0.25's build) has no {{else with}} (added in Go 1.23).
_ELSE_WITH = re.compile(r"\{\{-?\s*else\s+with\b")
_QUOTED = re.compile(r"'([^'\s]*)'")
_GOTPL_PREFIX = re.compile(r"^template:\d+:\d+: ")


class TemplateFile(NamedTuple):
    """One parsed file: its template name, text, the path errors mention, and
    the name Go reports its execution errors under."""

    name: str
    text: str
    origin: str
    parse_name: str


class TemplateError(GossamerError):
    """A template failed to render; the message is Go's (names the template
    and the problem), e.g. ``template: :1:3: executing "" at <.Foo>: ...``."""


class Templates:
    """The parsed template files, and the renderer of templated config fields."""

    def __init__(self, files: list[TemplateFile]) -> None:
        """Parse ``files`` in order; raises ``ConfigError``. Use :meth:`load`."""
        self._files = [f.name for f in files]
        sources: dict[str, str] = {}
        calls: list[tuple[str, str]] = []
        # Template name -> the name Go reports errors under: the file's
        # template, or "" for the built-in files (parsed into the unnamed root).
        self._parse_names: dict[str, str] = {}
        for f in files:
            names, refs = _parse(f.text, f.name, f.origin)
            self._parse_names |= dict.fromkeys(names | {f.name}, f.parse_name)
            calls += [(ref, f.origin) for ref in refs]
            sources.pop(f.name, None)  # a file replaces an earlier one of its name
            sources[f.name] = f.text
        for ref, origin in calls:
            if ref not in self._parse_names:
                raise ConfigError(f'template file {origin}: template "{ref}" not defined')
        self._sources = sources
        try:
            self._text = Template.from_sources(sources, **_OPTIONS)
        except gotpl.TemplateError as exc:  # what each file alone did not show
            raise ConfigError(f"templates: {_go_message(exc, {})}") from None
        # The html/template set costs ~75 ms to build; many configs never use it.
        self._html: HTMLTemplate | None = None
        self._html_lock = threading.Lock()
        self._text_cache: dict[str, Template] = {}
        self._html_cache: dict[str, HTMLTemplate] = {}
        self._last: tuple[Data, DataView] | None = None
        self._stats = {"renders": 0, "failures": 0, "compiled": 0}

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
            for match in sorted(glob.glob(path)):
                name = os.path.basename(match)
                files.append(TemplateFile(name, _read(match), match, name))
        return cls(files)

    def check(self, source: str) -> None:
        """Parse one config field now: ``ConfigError`` for bad syntax or a call
        of an undefined template."""
        if not source:
            return
        names, refs = _parse(source, "", "")
        for ref in refs:
            if ref not in self._parse_names and ref not in names:
                raise ConfigError(f'template: :1: template "{ref}" not defined in {source!r}')

    def text(self, source: str, data: Data) -> str:
        """Render ``source`` as ``text/template`` (no escaping); ``""`` stays ``""``.

        Raises :class:`TemplateError`."""
        if not source:
            return ""
        tmpl = self._text_cache.get(source)
        if tmpl is None:
            tmpl = self._derive(self._text, self._text_cache, source)
        return self._render(tmpl, data)

    def html(self, source: str, data: Data) -> str:
        """Render ``source`` as ``html/template`` (contextual escaping), as
        email ``html``, telegram ``parse_mode: HTML`` and pushover ``html`` do.

        Raises :class:`TemplateError`."""
        if not source:
            return ""
        tmpl = self._html_cache.get(source)
        if tmpl is None:
            tmpl = self._derive(self._html_set(), self._html_cache, source)
        return self._render(tmpl, data)

    def statistics(self) -> dict[str, int]:
        """Renders, failures, compiled config fields and cached fields."""
        cached = len(self._text_cache) + len(self._html_cache)
        return {**self._stats, "cached": cached, "files": len(self._files)}

    def __repr__(self) -> str:
        return (
            f"<Templates files={self._files} defined={len(self._parse_names)} "
            f"cached={len(self._text_cache)}+{len(self._html_cache)}>"
        )

    def _html_set(self) -> HTMLTemplate:
        with self._html_lock:
            if self._html is None:
                try:
                    self._html = HTMLTemplate.from_sources(self._sources, **_OPTIONS)
                except gotpl.TemplateError as exc:
                    raise TemplateError(_go_message(exc, self._parse_names)) from None
            return self._html

    def _derive(self, base: Any, cache: dict[str, Any], source: str) -> Any:
        try:
            _parse(source, "", "")
            tmpl = base.with_source(source, name="")
        except ConfigError as exc:
            raise TemplateError(str(exc)) from None
        except gotpl.TemplateError as exc:
            raise TemplateError(_go_message(exc, self._parse_names)) from None
        self._stats["compiled"] += 1
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[source] = tmpl
        return tmpl

    def _render(self, tmpl: Any, data: Data) -> str:
        self._stats["renders"] += 1
        last = self._last
        if last is not None and last[0] is data:
            dot = last[1]
        else:
            dot = view(data)
            self._last = (data, dot)
        try:
            return str(tmpl.render(dot))
        except gotpl.TemplateError as exc:
            self._stats["failures"] += 1
            raise TemplateError(_go_message(exc, self._parse_names)) from None
        except (RecursionError, ArithmeticError, ValueError, TypeError) as exc:
            self._stats["failures"] += 1
            raise TemplateError(f'template: :1: executing "": {exc}') from None


def _default_text(name: str) -> str:
    return resources.files("receivers").joinpath("templates", name).read_text("utf-8")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"template file {path}: {exc}") from None


def _parse(text: str, name: str, origin: str) -> tuple[set[str], set[str]]:
    """Parse one file or field: the names it defines and the templates it calls.

    Raises ``ConfigError`` with Go's wording (``template: NAME:LINE: ...``),
    prefixed by ``origin`` when it is a file."""
    where = f"template file {origin}: " if origin else ""
    try:
        _check_else_with(text, name)
        parsed = parse_template(text, name=name or "template", functions=FUNCS)
        nodes = list(_nodes([parsed.root, *(d.body for d in parsed.definitions)]))
        _check_ranges(nodes, text, name)
    except ConfigError as exc:
        raise ConfigError(where + str(exc)) from None
    except gotpl.TemplateError as exc:
        raise ConfigError(where + _go_message(exc, {"template": name})) from None
    defined = {d.name for d in parsed.definitions}
    return defined, {n.name for n in nodes if isinstance(n, TemplateCallNode)}


def _nodes(lists: Iterable[ListNode | None]) -> Iterator[object]:
    """Every node of the lists, depth first."""
    for node_list in lists:
        for node in node_list.nodes if node_list is not None else ():
            yield node
            if isinstance(node, IfNode | WithNode | RangeNode):
                yield from _nodes([node.body, node.else_body])
            elif isinstance(node, BlockNode):
                yield from _nodes([node.body])


# Syntax and semantics newer than Go 1.19, which built Alertmanager 0.25.


def _check_else_with(text: str, name: str) -> None:
    """``{{else with}}`` came with Go 1.23."""
    m = _ELSE_WITH.search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        raise ConfigError(f"template: {name}:{line}: unexpected <with> in else")


def _check_ranges(nodes: list[object], text: str, name: str) -> None:
    """``range`` over an integer came with Go 1.22; Go 1.19 fails when it runs
    one. Refused when it is visibly an integer: a number or ``len``."""
    for node in nodes:
        if not isinstance(node, RangeNode) or not node.pipeline.commands:
            continue
        first = node.pipeline.commands[-1].arguments[0]
        if isinstance(first, NumberNode) or (
            isinstance(first, IdentifierNode) and first.name == "len"
        ):
            line = text.count("\n", 0, node.start) + 1
            raise ConfigError(f"template: {name}:{line}: range can't iterate over an integer")


def _go_message(exc: gotpl.TemplateError, parse_names: dict[str, str]) -> str:
    """gotpl's error in Go's words: ``template: NAME:LINE[:COL]: ...``.

    ``parse_names`` maps gotpl's source names to Go's; anything else is a
    config field (gotpl calls it ``template``, Go ``""``)."""
    if isinstance(exc, gotpl.TemplateSyntaxError):
        detail = _GOTPL_PREFIX.sub("", str(exc))
        return f"template: {parse_names.get('template', '')}:{exc.line}: {_go_words(detail)}"
    if isinstance(exc, gotpl.TemplateExecutionError) and exc.line is not None:
        source = parse_names.get(exc.source_name or "", "")
        tname = "" if exc.template_name == "template" else exc.template_name
        column = (exc.column or 1) - 1  # Go counts from 0
        detail = _go_words(exc.message)
        return f'template: {source}:{exc.line}:{column}: executing "{tname}": {detail}'
    return f"template: {_go_words(str(exc))}"


def _go_words(detail: str) -> str:
    detail = re.sub(r"^function '(\w+)' failed: ", r"error calling \1: ", detail)
    detail = re.sub(
        r"^(?:attribute|method) '(\w+)' is not allowed$", r"can't evaluate field \1", detail
    )
    detail = re.sub(r"^template '(.*)' is not defined$", r'template "\1" not defined', detail)
    return _QUOTED.sub(r'"\1"', detail)
