"""Templated config fields are compiled when the config loads, not at the first send."""

from __future__ import annotations

from pathlib import Path

from gossamer.config import load_config_file
from gossamer.node import load_config
from receivers.build import template_sources

CONFIG = """\
route:
  receiver: team
receivers:
  - name: team
    email_configs:
      - to: oncall@example.org
        from: am@example.org
        smarthost: 127.0.0.1:25
        headers:
          Subject: '[{{ .Status }}] custom'
    telegram_configs:
      - bot_token: x
        chat_id: 1
        parse_mode: HTML
        message: '<b>{{ .Status }}</b>'
    webhook_configs:
      - url: http://127.0.0.1:1/hook
"""


def test_template_sources_split_text_and_html_fields(tmp_path: Path) -> None:
    """Email html and telegram HTML messages are html sources; other templated strings text."""
    path = tmp_path / "alertmanager.yml"
    path.write_text(CONFIG)
    text, html = template_sources(load_config_file(str(path)))
    assert html == ['{{ template "email.default.html" . }}', "<b>{{ .Status }}</b>"]
    assert "[{{ .Status }}] custom" in text
    assert all("{{" in source for source in text)


def test_loading_a_config_compiles_its_fields(tmp_path: Path) -> None:
    """After load the fields are in the template caches: nothing is compiled at send time."""
    path = tmp_path / "alertmanager.yml"
    path.write_text(CONFIG)
    templates = load_config(str(path)).templates
    text, html = template_sources(load_config_file(str(path)))
    assert templates.statistics()["cached"] == len(text) + len(html)
    assert templates.statistics()["renders"] == 0
