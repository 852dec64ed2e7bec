"""A stand-in for ``receivers.templating.Templates`` in unit tests.

It knows a handful of expressions, enough to tell fields apart, and renders a
reference to a named template as ``<name>``: unit tests check what a notifier
does with rendered text, the reference tests check Go's template language
with the real engine. ``{{ fail }}`` raises, after the text before it.
"""

from __future__ import annotations

import re

from receivers.payload import Data

_NAMED = re.compile(r'\{\{\s*template\s+"([^"]+)"\s+[^}]*\}\}')
_LABEL = re.compile(r"\{\{\s*\.CommonLabels\.(\w+)\s*\}\}")
_COLOR = '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'


class StubTemplateError(Exception):
    """What the stand-in raises for ``{{ fail }}``; ``partial`` is the output
    before it (what Go's ``Execute`` had written when it failed)."""

    def __init__(self, message: str, partial: str) -> None:
        super().__init__(message)
        self.partial = partial


class StubTemplates:
    """``text``/``html`` of ``{{ .Status }}``, ``{{ .Receiver }}``,
    ``{{ .CommonLabels.x }}``, ``{{ .Alerts | len }}``, Slack's default color,
    ``{{ template "n" . }}`` (as ``<n>``); ``html`` also escapes ``&<>``.
    ``calls`` lists every source rendered."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def text(self, source: str, data: Data) -> str:
        self.calls.append(source)
        before, fail, _ = source.partition("{{ fail }}")
        out = before.replace(_COLOR, "danger" if data.status == "firing" else "good")
        out = _NAMED.sub(lambda m: f"<{m.group(1)}>", out)
        out = _LABEL.sub(lambda m: data.common_labels.get(m.group(1), ""), out)
        out = out.replace("{{ .Status }}", data.status).replace("{{ .Receiver }}", data.receiver)
        out = out.replace("{{ .Alerts | len }}", str(len(data.alerts)))
        if fail:
            raise StubTemplateError('template: :1:3: executing "" at <fail>: boom', out)
        return out

    def html(self, source: str, data: Data) -> str:
        out = self.text(source, data)
        return out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
