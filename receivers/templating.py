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

Parsing as Go 1.19 parses lives in ``receivers.template_parse``, the Go wording of
execution errors in ``receivers.template_errors``, what templates see in
``receivers.template_data`` and their functions in ``receivers.template_funcs``.

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
import threading
from collections.abc import Iterable
from importlib import resources
from typing import Any, NamedTuple

import gotpl
from gotpl import ExecutionBudget, HTMLTemplate, SandboxPolicy, Template

from gossamer.errors import ConfigError, GossamerError
from receivers import gotpl_fastpath
from receivers.payload import Data
from receivers.template_data import DataView, view
from receivers.template_errors import error_message
from receivers.template_funcs import FUNCS
from receivers.template_parse import (
    Source,
    called_templates,
    defined_templates,
    parse,
    syntax_message,
)

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


class TemplateFile(NamedTuple):
    """One file to parse: its template name, text, the path errors mention, and
    the name Go reports its errors under ("" for the built-in files, which
    Alertmanager parses into its unnamed root template)."""

    name: str
    text: str
    origin: str
    parse_name: str


class _Compiled(NamedTuple):
    template: Any  # gotpl Template or HTMLTemplate
    source: Source
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
        self._trees: dict[str, Source] = {}  # template name -> where it was parsed
        for f in files:
            tree = parse(f.text, f.name, f.origin)
            source = Source(f.parse_name, f.text.encode(), tree, f.name)
            self._trees |= dict.fromkeys(defined_templates(tree) | {f.name}, source)
            calls += [(ref, f.origin) for ref in called_templates(tree)]
            sources.pop(f.name, None)  # a file replaces an earlier one of its name
            sources[f.name] = f.text
        for ref, origin in calls:
            if ref not in self._trees:
                raise ConfigError(f'template file {origin}: template "{ref}" not defined')
        self._sources = sources
        try:
            self._text = Template.from_sources(sources, **_OPTIONS)
        except gotpl.TemplateError as exc:  # what each file alone did not show
            raise ConfigError(f"templates: {syntax_message(exc, '')}") from None
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
        tree = parse(source, "", "")
        for ref in called_templates(tree) - defined_templates(tree):
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
            tree = parse(source, "", "")
            template = base.with_source(source, name="")
        except ConfigError as exc:
            raise TemplateError(str(exc)) from None
        except gotpl.TemplateError as exc:
            raise TemplateError(syntax_message(exc, "", source)) from None
        self._stats["compiled"] += 1
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        compiled = _Compiled(
            template, Source("", source.encode(), tree), frozenset(defined_templates(tree))
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
            raise TemplateError(error_message(exc, source), out.getvalue()) from None
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
