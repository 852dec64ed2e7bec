"""A stand-in for ``receivers.templating.Templates`` in unit tests.

It knows a handful of expressions (enough to tell fields apart and to make a
template fail) and renders a default template reference as ``<name>``, so
unit tests check what a notifier does with rendered text, not Go's template
language (the reference tests do that with the real engine).
"""

from __future__ import annotations

import re
from typing import Any

from receivers.payload import Data
from receivers.templating import TemplateError

_DEFAULT = re.compile(r'\{\{\s*template\s+"([^"]+)"\s+[^}]*\}\}')
_PRIORITY = '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}'
_LABEL = re.compile(r"\{\{\s*\.CommonLabels\.(\w+)\s*\}\}")


class TemplateFailure(TemplateError):
    """What the stand-in raises for ``{{ fail }}``."""


class StubTemplates:
    """``text(source, data)``: ``{{ .Status }}``, ``{{ .Receiver }}``,
    ``{{ .CommonLabels.x }}``, ``{{ .Alerts | len }}``, Pushover's default
    priority, ``{{ template "n" . }}`` as ``<n>``; ``{{ fail }}`` raises. Counts calls in ``calls``."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def text(self, source: str, data: Data) -> str:
        self.calls.append(source)
        if "{{ fail }}" in source:
            raise TemplateFailure('template: :1:3: executing "" at <fail>: boom')
        out = source.replace(_PRIORITY, "2" if data.status == "firing" else "0")
        out = _DEFAULT.sub(lambda m: f"<{m.group(1)}>", out)
        out = _LABEL.sub(lambda m: data.common_labels.get(m.group(1), ""), out)
        out = out.replace("{{ .Status }}", data.status)
        out = out.replace("{{ .Receiver }}", data.receiver)
        return out.replace("{{ .Alerts | len }}", str(len(data.alerts)))

    def html(self, source: str, data: Data) -> str:
        """HTML flavour: as ``text`` but ``&<>`` of the result escaped (crudely)."""
        out = self.text(source, data)
        return out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def stub() -> Any:
    return StubTemplates()
