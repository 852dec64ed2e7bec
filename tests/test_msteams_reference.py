"""Conformance: the built-in ``msteams.tmpl`` renders as Alertmanager renders it.

Alertmanager 0.25 has no ``msteams.default.*`` templates (they came with 0.26),
so its ``amtool template render`` is given ``msteams.tmpl`` as one more glob:
Go's engine then renders the very definitions gossamer ships, on every data
set, and gossamer must produce the same bytes. The definitions themselves are
0.26's and 0.27's ``template/default.tmpl`` text, checked in the file's header.
"""

from __future__ import annotations

import re

import pytest

from receivers.templating import DEFAULT_FILES, TemplateError, Templates
from tests.templates import AMTOOL, BUILTIN_DIR, DATASETS, amtool_render, as_amtool, dataset

pytestmark = [
    pytest.mark.reference,
    pytest.mark.skipif(AMTOOL is None, reason="amtool (Alertmanager 0.25) is not installed"),
]

MSTEAMS_FILE = BUILTIN_DIR / "msteams.tmpl"
NAMES = re.findall(r'define "([^"]+)"', MSTEAMS_FILE.read_text())
TEMPLATES = as_amtool(Templates.load([]))


def test_msteams_file_defines_the_later_built_ins_after_the_vendored_ones() -> None:
    """The file holds exactly the four 0.26+ definitions msteams needs, loaded last."""
    assert NAMES == [
        "__text_alert_list_markdown",
        "msteams.default.summary",
        "msteams.default.title",
        "msteams.default.text",
    ]
    assert DEFAULT_FILES[-1] == "msteams.tmpl"


@pytest.mark.parametrize("mode", ["text", "html"])
@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("name", NAMES)
def test_msteams_default_renders_as_alertmanager(name: str, data: str, mode: str) -> None:
    """Each definition renders byte-identically to Go's engine, as text and HTML."""
    text = f'{{{{ template "{name}" . }}}}'
    render = TEMPLATES.html if mode == "html" else TEMPLATES.text
    try:
        got = (True, render(text, dataset(data)))
    except TemplateError as exc:
        got = (False, str(exc))
    assert got == amtool_render(text, data, mode, (str(MSTEAMS_FILE),))
