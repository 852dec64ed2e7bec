"""``Config.to_yaml`` and the yaml.v2-compatible emitter (expected texts taken from Alertmanager 0.25)."""

from __future__ import annotations

import pytest

from gossamer.config import parse_config
from gossamer.config.emit import Flow, FlowMap, emit

MINIMAL_STATUS = """global:
  resolve_timeout: 5m
  http_config:
    follow_redirects: true
    enable_http2: true
  smtp_hello: localhost
  smtp_require_tls: true
  pagerduty_url: https://events.pagerduty.com/v2/enqueue
  opsgenie_api_url: https://api.opsgenie.com/
  wechat_api_url: https://qyapi.weixin.qq.com/cgi-bin/
  victorops_api_url: https://alert.victorops.com/integrations/generic/20131114/alert/
  telegram_api_url: https://api.telegram.org
  webex_api_url: https://webexapis.com/v1/messages
route:
  receiver: x
  continue: false
receivers:
- name: x
templates: []
"""


def test_minimal_config_renders_like_alertmanager() -> None:
    """Defaults are filled in and templates is always present."""
    assert (
        parse_config("route:\n  receiver: x\nreceivers:\n- name: x\n").to_yaml() == MINIMAL_STATUS
    )


def test_secrets_are_masked_and_durations_canonical() -> None:
    """Secrets render as <secret>; durations use their Go String() forms."""
    text = parse_config("""
global: {resolve_timeout: 90s, slack_api_url: 'https://hooks.example.org/x'}
route: {receiver: x, group_wait: 0s, repeat_interval: 168h}
receivers:
- name: x
  pushover_configs: [{user_key: u, token: t, retry: 90s, expire: 1.5h}]
""").to_yaml()
    assert "  resolve_timeout: 1m30s\n" in text
    assert "  slack_api_url: <secret>\n" in text
    assert "  group_wait: 0s\n  repeat_interval: 1w\n" in text
    assert "    user_key: <secret>\n    token: <secret>\n" in text
    assert "    retry: 1m30s\n    expire: 1h30m0s\n" in text


def test_email_headers_of_used_receivers_show_notifier_defaults() -> None:
    """Alertmanager's email notifier adds Subject/To/From to the config of receivers in use."""
    text = parse_config("""
global: {smtp_from: f@x, smtp_smarthost: 'h:25'}
route: {receiver: used}
receivers:
- name: used
  email_configs: [{to: t@x}]
- name: unused
  email_configs: [{to: t@x}]
""").to_yaml()
    assert text.count("    headers:\n") == 1
    assert (
        "    headers:\n      From: f@x\n      Subject: '{{ template \"email.default.subject\" . }}'\n"
        "      To: t@x\n"
    ) in text


def test_time_intervals_render_ranges_in_flow_style() -> None:
    """Weekdays by name, other ranges numerically, times as HH:MM; location leaks flow style."""
    text = parse_config("""
route: {receiver: x}
receivers: [{name: x}]
time_intervals:
- name: a
  time_intervals:
  - weekdays: ['monday:friday', sunday]
    months: ['january:march', '12']
    location: Europe/Berlin
  - times: [{start_time: '00:00', end_time: '24:00'}]
""").to_yaml()
    assert text.endswith("""time_intervals:
- name: a
  time_intervals:
  - weekdays: ['monday:friday', sunday]
    months: ["1:3", "12"]
    location: Europe/Berlin
  - {times: [{start_time: "00:00", end_time: "24:00"}]}
""")


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("plain", "plain"),
        ("y", '"y"'),
        ("No", '"No"'),
        ("~", '"~"'),
        ("", '""'),
        ("123", '"123"'),
        ("1:5", '"1:5"'),
        ("0x1f", '"0x1f"'),
        ("2001-12-14", '"2001-12-14"'),
        ("<<", "<<"),
        ("- a", "'- a'"),
        ("a: b", "'a: b'"),
        ("a #b", "'a #b'"),
        ("#x", "'#x'"),
        ("'x", "'''x'"),
        (":x:", "':x:'"),
        ("x]", "x]"),
        ("?x", "?x"),
        (" lead", "' lead'"),
        ("trail ", "'trail '"),
        ("tab\there", '"tab\\there"'),
        ("\x01ctl", '"\\x01ctl"'),
        ("été", "été"),
        ("🔥", '"\\U0001F525"'),
        ("...", "'...'"),
    ],
)
def test_scalar_styles_follow_yaml_v2(value: str, rendered: str) -> None:
    """Plain when it reads back as the same string, else single- or double-quoted."""
    assert emit({"k": value}) == f"k: {rendered}\n"


def test_multiline_strings_are_literal_blocks() -> None:
    """Newlines give | (with - or + chomping, and an indent hint for a leading space)."""
    assert emit({"k": "a\nb\n"}) == "k: |\n  a\n  b\n"
    assert emit({"k": "a\nb"}) == "k: |-\n  a\n  b\n"
    assert emit({"k": "a\n\n"}) == "k: |+\n  a\n\n"
    assert emit({"k": " a\nb"}) == "k: |2-\n   a\n  b\n"
    assert emit({"k": "trailing \nspace"}) == 'k: "trailing \\nspace"\n'


def test_long_plain_strings_fold_at_column_80() -> None:
    """A plain scalar breaks at the first space past column 80 and continues indented."""
    value = (
        "this is a very long title that goes on and on and on and on and on and on and on and on"
    )
    assert emit({"a": {"title": value}}) == (
        "a:\n  title: this is a very long title that goes on and on and on and on and on and on\n"
        "    and on and on\n"
    )


def test_collections() -> None:
    """Indentless sequences under keys, {} and [] when empty, flow where asked."""
    doc = {
        "a": [{"b": 1, "c": [True, None]}],
        "e": [],
        "f": {},
        "g": Flow(["x", "1"]),
        "h": [FlowMap({"i": "j"})],
    }
    assert emit(doc) == (
        'a:\n- b: 1\n  c:\n  - true\n  - null\ne: []\nf: {}\ng: [x, "1"]\nh:\n- {i: j}\n'
    )
