"""The config loader: defaults, per-node route values, receivers, strict YAML and error order."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest

from gossamer.config import (
    Config,
    HTTPClientConfig,
    load_config_file,
    parse_config,
    unsupported_receivers,
)
from gossamer.config.model import Authorization, PagerdutyConfig
from gossamer.errors import ConfigError
from gossamer.matchers import MatchType, new_matcher

MINIMAL = "route:\n  receiver: r\nreceivers:\n- name: r\n"


def with_receiver(body: str, global_: str = "") -> Config:
    return parse_config(f"{global_}route:\n  receiver: r\nreceivers:\n- name: r\n{body}")


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return str(info.value)


def test_minimal_config_gets_alertmanagers_defaults() -> None:
    """An absent global block means every default of config.md §2."""
    g = parse_config(MINIMAL).global_
    assert g.resolve_timeout == 300.0
    assert g.http_config == HTTPClientConfig()
    assert g.http_config.follow_redirects and g.http_config.enable_http2
    assert (g.smtp_hello, g.smtp_require_tls) == ("localhost", True)
    assert g.pagerduty_url == "https://events.pagerduty.com/v2/enqueue"
    assert g.opsgenie_api_url == "https://api.opsgenie.com/"
    assert g.telegram_api_url == "https://api.telegram.org"


def test_config_is_immutable() -> None:
    """Config and its parts are frozen structs."""
    config = parse_config(MINIMAL)
    with pytest.raises(AttributeError):
        config.route = config.route  # type: ignore[misc]


def test_route_nodes_keep_raw_values_for_the_dispatcher() -> None:
    """None means inherit; timers are float seconds; continue and time intervals per node."""
    route = parse_config("""
route:
  receiver: r
  group_by: [a]
  group_wait: 1m30s
  routes:
  - matchers: ['x="1"']
    continue: true
    group_interval: 2h
    mute_time_intervals: [t]
  - group_by: ['...']
    repeat_interval: 1d
  - group_by: []
time_intervals: [{name: t}]
receivers: [{name: r}]
""").route
    assert (route.receiver, route.group_by, route.group_wait, route.group_interval) == (
        "r",
        ["a"],
        90.0,
        None,
    )
    first, second, third = route.routes
    assert first.receiver is None and first.group_by is None and first.continue_
    assert first.group_interval == 7200.0 and first.mute_time_intervals == ["t"]
    assert second.group_by_all and second.group_by is None and second.repeat_interval == 86400.0
    # As in Alertmanager, an empty list does not reset the parent's group_by.
    assert third.group_by is None and not third.group_by_all and third.group_by_raw == []


def test_route_matchers_merge_all_three_forms_sorted() -> None:
    """match (=), match_re (=~ with the anchored value, as Regexp.String()) and matchers, sorted."""
    route = parse_config("""
route:
  receiver: r
  routes:
  - match: {b: x}
    match_re: {c: 'd|e'}
    matchers: ['a!="y"', 'b=~"z"']
receivers: [{name: r}]
""").route.routes[0]
    assert [str(m) for m in route.matchers] == ['a!="y"', 'b="x"', 'b=~"z"', 'c=~"^(?:d|e)$"']
    assert route.matchers[-1].matches("d") and not route.matchers[-1].matches("de")


def test_inhibit_rules_merge_old_and_new_forms() -> None:
    """source_match/_re and source_matchers are AND-ed into one list, same for target."""
    rule = parse_config(
        MINIMAL
        + """inhibit_rules:
- source_match: {severity: critical}
  source_matchers: [team=db]
  target_match_re: {severity: 'warning|info'}
  equal: [alertname]
"""
    ).inhibit_rules[0]
    assert rule.source_matchers == [
        new_matcher("severity", MatchType.EQUAL, "critical"),
        new_matcher("team", MatchType.EQUAL, "db"),
    ]
    assert [str(m) for m in rule.target_matchers] == ['severity=~"^(?:warning|info)$"']
    assert rule.equal == ["alertname"]


@pytest.mark.parametrize(
    ("kind", "body", "send_resolved"),
    [
        ("webhook", "url: http://x/", True),
        ("email", "to: a@b", False),
        ("pagerduty", "routing_key: k", True),
        ("slack", "api_url: http://x/", False),
        ("opsgenie", "api_key: k", True),
        ("wechat", "{api_secret: s, corp_id: c}", False),
        ("pushover", "{user_key: u, token: t}", True),
        ("victorops", "{api_key: k, routing_key: r}", True),
        ("sns", "topic_arn: t", True),
        ("telegram", "{bot_token: b, chat_id: 1}", True),
        ("discord", "webhook_url: http://x/", True),
        ("webex", "{room_id: r, http_config: {bearer_token: t}}", True),
        ("msteams", "webhook_url: http://x/", True),
    ],
)
def test_send_resolved_defaults_per_integration(kind: str, body: str, send_resolved: bool) -> None:
    """send_resolved defaults as in config.md §5; every kind parses."""
    config = with_receiver(
        f"  {kind}_configs:\n  - {body}\n", "global: {smtp_from: a@b, smtp_smarthost: 'h:25'}\n"
    )
    (integration,) = getattr(config.receivers[0], f"{kind}_configs")
    assert integration.send_resolved is send_resolved
    assert config.receivers[0].integration_kinds() == [kind]


def test_integrations_inherit_global_values() -> None:
    """http_config, URLs and keys come from global when unset; API URLs get a trailing slash."""
    config = with_receiver(
        """  slack_configs: [{channel: c}]
  opsgenie_configs: [{api_url: 'https://og.example.org/v2'}]
  victorops_configs: [{routing_key: r}]
  email_configs: [{to: t}]
  pagerduty_configs: [{service_key: s}]
""",
        """global:
  http_config: {follow_redirects: false}
  slack_api_url: https://hooks.example.org/x
  opsgenie_api_key: og
  victorops_api_key_file: /vo
  smtp_from: am@example.org
  smtp_smarthost: smtp.example.org:25
  smtp_auth_password_file: /pw
""",
    )
    r = config.receivers[0]
    assert r.slack_configs[0].api_url == "https://hooks.example.org/x"
    assert r.slack_configs[0].http_config.follow_redirects is False
    assert (r.opsgenie_configs[0].api_url, r.opsgenie_configs[0].api_key) == (
        "https://og.example.org/v2/",
        "og",
    )
    assert r.victorops_configs[0].api_key_file == "/vo"
    assert r.victorops_configs[0].api_url.endswith("/alert/")
    email = r.email_configs[0]
    assert (email.from_, email.smarthost, email.hello, email.require_tls) == (
        "am@example.org",
        "smtp.example.org:25",
        "localhost",
        True,
    )
    assert email.auth_password_file == "/pw"
    pd = r.pagerduty_configs[0]
    assert pd.url == "https://events.pagerduty.com/v2/enqueue"
    assert pd.source == PagerdutyConfig().client
    assert set(pd.details) == {"firing", "resolved", "num_firing", "num_resolved"}


def test_email_headers_are_canonicalised() -> None:
    """Header names are canonical MIME keys (subject -> Subject, x-foo -> X-Foo)."""
    email = (
        with_receiver(
            "  email_configs: [{to: t, from: f, smarthost: 'h:1', "
            "headers: {subject: s, x-foo-bar: v}}]\n"
        )
        .receivers[0]
        .email_configs[0]
    )
    assert email.headers == {"Subject": "s", "X-Foo-Bar": "v"}


def test_bearer_token_becomes_authorization() -> None:
    """common's Validate moves bearer_token into authorization (type Bearer)."""
    http = (
        with_receiver("  webhook_configs: [{url: 'http://x/', http_config: {bearer_token: t}}]\n")
        .receivers[0]
        .webhook_configs[0]
        .http_config
    )
    assert http.authorization == Authorization("Bearer", "t", "") and http.bearer_token == ""


def test_relative_paths_resolve_against_the_config_directory(tmp_path: Path) -> None:
    """Templates and http_config files are joined to the file's directory; absolute ones are kept."""
    path = tmp_path / "am.yml"
    path.write_text("""templates: ['tmpl/*.tmpl', '/abs/*.tmpl']
route: {receiver: r}
receivers:
- name: r
  webhook_configs:
  - url: http://x/
    http_config:
      bearer_token_file: token
      tls_config: {ca_file: ../ca.pem, cert_file: /etc/cert.pem}
""")
    config = load_config_file(str(path))
    assert config.templates == [str(tmp_path / "tmpl/*.tmpl"), "/abs/*.tmpl"]
    http = config.receivers[0].webhook_configs[0].http_config
    assert http.authorization is not None
    assert http.authorization.credentials_file == str(tmp_path / "token")
    assert http.tls_config.ca_file == os.path.normpath(tmp_path / "../ca.pem")
    assert http.tls_config.cert_file == "/etc/cert.pem"


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    """An unreadable file raises ConfigError naming it."""
    with pytest.raises(ConfigError, match="nope.yml"):
        load_config_file(str(tmp_path / "nope.yml"))


def test_unknown_fields_are_all_reported_with_lines() -> None:
    """Strict YAML: every unknown field is listed, Go style, with its line."""
    assert error_of("route:\n  receiver: r\n  foo: 1\nreceivers:\n- name: r\n  bar: 2\n") == (
        "yaml: unmarshal errors:\n"
        "  line 3: field foo not found in type config.plain\n"
        "  line 6: field bar not found in type config.plain"
    )


def test_type_errors_skip_the_objects_own_checks() -> None:
    """A receiver with an unknown field is not also checked for its missing name."""
    assert error_of("route: {receiver: r}\nreceivers:\n- nmae: r\n").startswith(
        "yaml: unmarshal errors:\n  line 3: field nmae not found"
    )


def test_a_later_validation_error_wins_over_earlier_type_errors() -> None:
    """As in yaml.v2, a check failing during decoding aborts, even after collected type errors."""
    text = "route:\n  receiver: r\n  foo: 1\nreceivers:\n- name: r\n  webhook_configs: [{}]\n"
    assert error_of(text) == "missing URL in webhook config"


@pytest.mark.parametrize(
    ("literal", "value"),
    [("yes", True), ("on", True), ("y", True), ("no", False), ("off", False), ("N", False)],
)
def test_yaml_1_1_booleans(literal: str, value: bool) -> None:
    """yaml.v2 reads y/yes/on/n/no/off as booleans."""
    config = with_receiver(f"  webhook_configs: [{{url: 'http://x/', send_resolved: {literal}}}]\n")
    assert config.receivers[0].webhook_configs[0].send_resolved is value


def test_scalars_of_any_type_read_into_strings() -> None:
    """An unquoted number or boolean is fine where a string is expected."""
    r = with_receiver(
        "  opsgenie_configs: [{api_key: 123, priority: true, note: 1.50}]\n"
    ).receivers[0]
    assert (
        r.opsgenie_configs[0].api_key,
        r.opsgenie_configs[0].priority,
        r.opsgenie_configs[0].note,
    ) == ("123", "true", "1.50")


def test_root_route_errors() -> None:
    """The root route must name a receiver and carry no matchers, intervals or continue."""
    assert (
        error_of("route: {group_wait: 1s}\nreceivers: [{name: r}]\n")
        == "root route must specify a default receiver"
    )
    assert (
        error_of("route: {receiver: r, continue: true}\nreceivers: [{name: r}]\n")
        == "cannot have continue in root route"
    )
    assert error_of("") == "no route provided in config"
    assert error_of("receivers: [{name: r}]\n") == "no routes provided"


def test_unsupported_receivers_lists_each_kind_once_per_receiver() -> None:
    """One message per receiver and unsupported integration kind."""
    config = with_receiver(
        "  webhook_configs: [{url: 'http://x/'}]\n  email_configs: [{to: a}, {to: b}]\n",
        "global: {smtp_from: a@b, smtp_smarthost: 'h:25'}\n",
    )
    assert unsupported_receivers(config, {"webhook", "email"}) == []
    assert unsupported_receivers(config, {"webhook"}) == [
        'receiver "r" uses email_configs, which gossamer does not support yet'
    ]


def test_later_version_fields_are_accepted() -> None:
    """webhook url_file and msteams_configs (Alertmanager 0.26+) load."""
    config = with_receiver(
        "  webhook_configs: [{url_file: /run/url}]\n  msteams_configs: [{webhook_url_file: /f}]\n"
    )
    assert config.receivers[0].webhook_configs[0].url_file == "/run/url"
    assert config.receivers[0].msteams_configs[0].webhook_url_file == "/f"
    assert error_of(MINIMAL + "  webhook_configs: [{url: 'http://x/', url_file: /f}]\n") == (
        "at most one of url & url_file must be configured"
    )


def test_config_round_trips_through_msgspec() -> None:
    """Config values are plain structs (e.g. for handing to other actors)."""
    config = parse_config(MINIMAL)
    assert msgspec.structs.replace(config, original_text="x").original_text == "x"
