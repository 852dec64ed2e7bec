"""receivers.templating: loading, checking and rendering notification templates.

Expected texts were recorded from Alertmanager 0.25's ``amtool template
render`` on the same data (``tests/templates/datasets``); the reference suite
(``test_templating_reference.py``) compares against amtool live.
"""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gossamer.errors import ConfigError
from receivers.payload import Data
from receivers.template_case import _LOWER_SIMPLE, _UPPER_SIMPLE, title, to_lower, to_upper
from receivers.template_data import view
from receivers.template_time import GoDuration
from receivers.templating import TemplateError, Templates
from tests.templates import DATASETS, HERE, corpus, dataset

TEMPLATES = Templates.load([])
LATER_FUNCTIONS = ["trimSpace", "date", "tz", "since", "humanizeDuration", "toJson", "safeUrl"]
LATER_FUNCTIONS += ["urlUnescape", "toTime", "default", "upper"]


def text(source: str, data: str = "firing_one") -> str:
    return TEMPLATES.text(source, dataset(data))


def html(source: str, data: str = "firing_one") -> str:
    return TEMPLATES.html(source, dataset(data))


def error(source: str, data: str = "firing_one") -> str:
    with pytest.raises(TemplateError) as caught:
        TEMPLATES.text(source, dataset(data))
    return str(caught.value)


# -- loading ------------------------------------------------------------------------------


def test_load_without_globs_has_the_built_in_files() -> None:
    """The built-in files define every default template; repr shows files and definitions."""
    assert "files=['default.tmpl', 'email.tmpl', 'msteams.tmpl'] defined=48" in repr(TEMPLATES)
    assert TEMPLATES.statistics()["files"] == 3


def test_user_define_replaces_the_default(tmp_path: Path) -> None:
    """A user file's define replaces the built-in one of the same name."""
    (tmp_path / "t.tmpl").write_text('{{ define "slack.default.title" }}mine{{ end }}')
    templates = Templates.load(["*.tmpl"], base_dir=str(tmp_path))
    data = dataset("firing_one")
    assert templates.text('{{ template "slack.default.title" . }}', data) == "mine"
    assert templates.text('{{ template "slack.default.fallback" . }}', data).startswith("mine | ")


def test_empty_redefinition_keeps_the_template(tmp_path: Path) -> None:
    """An empty define does not replace a non-empty one (Go's rule)."""
    (tmp_path / "t.tmpl").write_text('{{ define "__alertmanager" }}{{ end }}')
    templates = Templates.load([str(tmp_path / "t.tmpl")])
    assert templates.text('{{ template "__alertmanager" . }}', dataset("empty")) == "Alertmanager"


def test_globs_match_in_name_order_and_later_files_win(tmp_path: Path) -> None:
    """Each glob's matches load in name order, so the last file's define wins."""
    (tmp_path / "b.tmpl").write_text('{{ define "x" }}b{{ end }}')
    (tmp_path / "a.tmpl").write_text('{{ define "x" }}a{{ end }}')
    templates = Templates.load(["*.tmpl"], base_dir=str(tmp_path))
    assert templates.text('{{ template "x" . }}', dataset("empty")) == "b"


def test_glob_star_matches_dotfiles_as_go_does(tmp_path: Path) -> None:
    """Go's filepath.Glob lets * match a leading dot; so does the loader."""
    (tmp_path / ".hidden.tmpl").write_text('{{ define "x" }}hidden{{ end }}')
    templates = Templates.load(["*.tmpl"], base_dir=str(tmp_path))
    assert templates.text('{{ template "x" . }}', dataset("empty")) == "hidden"


def test_glob_matching_nothing_is_fine(tmp_path: Path) -> None:
    """A glob without matches loads (Alertmanager allows files to appear later)."""
    assert "files=['default.tmpl', 'email.tmpl', 'msteams.tmpl']" in repr(
        Templates.load(["none/*.tmpl"], base_dir=str(tmp_path))
    )


@pytest.mark.parametrize("path", corpus("bad"), ids=lambda p: p.stem)
def test_bad_file_fails_the_load_naming_the_file(path: Path) -> None:
    """Syntax errors, undefined templates and unknown functions are ConfigErrors at load."""
    with pytest.raises(ConfigError, match=f"template file {path}: template"):
        Templates.load([str(path)])


def test_undefined_template_message_names_it() -> None:
    """The message names the missing template (stricter than Alertmanager, #3490)."""
    path = HERE / "bad" / "undefined_call.tmpl"
    with pytest.raises(ConfigError, match='template "does.not.exist" not defined'):
        Templates.load([str(path)])


def test_syntax_error_is_worded_as_go(tmp_path: Path) -> None:
    """A parse error reads as Go's: file template name, line, problem."""
    (tmp_path / "t.tmpl").write_text('\n{{ define "x" }}{{ nosuch }}{{ end }}')
    with pytest.raises(ConfigError, match='template: t.tmpl:2: function "nosuch" not defined'):
        Templates.load([str(tmp_path / "t.tmpl")])


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    """A file that is not UTF-8 fails the load."""
    (tmp_path / "t.tmpl").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="t.tmpl"):
        Templates.load([str(tmp_path / "t.tmpl")])


# -- check ----------------------------------------------------------------------------------


def test_check_accepts_defaults_and_own_defines() -> None:
    """A field may call built-in templates and templates it defines itself."""
    TEMPLATES.check('{{ template "slack.default.title" . }}')
    TEMPLATES.check('{{ define "mine" }}x{{ end }}{{ template "mine" . }}')
    TEMPLATES.check("")


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ('{{ template "nope" . }}', 'template "nope" not defined'),
        ("{{ if .Status }}", "unexpected EOF"),
        ("{{ .Status | nosuch }}", 'function "nosuch" not defined'),
        ("{{ with .A }}{{ else with .B }}{{ end }}", "unexpected <with> in else"),
        ("{{ range 3 }}{{ end }}", "range can't iterate over an integer"),
        ("{{ range len .Alerts }}{{ end }}", "range can't iterate over an integer"),
    ],
)
def test_check_refuses_what_alertmanager_cannot_render(source: str, problem: str) -> None:
    """Bad syntax, undefined templates, unknown functions and post-Go-1.19 syntax."""
    with pytest.raises(ConfigError, match=problem):
        TEMPLATES.check(source)


@pytest.mark.parametrize("name", LATER_FUNCTIONS)
def test_functions_after_0_25_are_unknown(name: str) -> None:
    """0.25's function map ends at stringSlice; later (and Sprig) functions do not parse."""
    with pytest.raises(ConfigError, match=f'function "{name}" not defined'):
        TEMPLATES.check(f"{{{{ {name} .Status }}}}")


# -- rendering ------------------------------------------------------------------------------


def test_empty_field_renders_empty() -> None:
    """An empty field is "" in text and HTML, without parsing."""
    assert text("") == "" and html("") == ""


@pytest.mark.parametrize(
    ("data", "subject"),
    [
        ("firing_one", "[FIRING:1] HighLatency (web-1:9100 node critical)"),
        ("firing_many", "[FIRING:3] DiskFull node (warning)"),
        ("resolved", "[RESOLVED]  (InstanceDown node)"),
        ("empty", "[RESOLVED]  "),
    ],
)
def test_slack_title_is_alertmanagers_subject(data: str, subject: str) -> None:
    """The default title: status, firing count, group values, extra common values."""
    assert text('{{ template "slack.default.title" . }}', data) == subject


def test_text_alert_list_is_byte_exact() -> None:
    """pagerduty.default.instances lists labels and annotations by name, alertname first."""
    assert text('{{ template "pagerduty.default.instances" .Alerts.Firing }}') == (
        "Labels:\n - alertname = HighLatency\n - instance = web-1:9100\n - job = node\n"
        " - severity = critical\nAnnotations:\n - description = p99 latency is 742ms on web-1\n"
        " - summary = Latency above 500ms\n"
        "Source: http://prometheus:9090/graph?g0.expr=latency%3E0.5&g0.tab=1\n"
    )


def test_times_print_as_go_time() -> None:
    """Times print as time.Time.String(): zero time for firing, offsets kept."""
    assert text("{{ (index .Alerts 0).StartsAt }}|{{ (index .Alerts 0).EndsAt }}") == (
        "2026-11-24 19:19:36.903431713 +0000 UTC|0001-01-01 00:00:00 +0000 UTC"
    )
    assert text("{{ range .Alerts }}{{ .StartsAt }}|{{ .EndsAt }};{{ end }}", "resolved") == (
        "2026-11-24 20:00:00.25 +0200 +0200|2026-11-24 21:30:15 +0200 +0200;"
        "2026-11-24 17:59:59.999 +0000 UTC|2026-11-24 19:00:00 -0530 -0530;"
    )


def test_time_methods() -> None:
    """Format, Unix, IsZero and Sub work as on time.Time."""
    source = '{{ with index .Alerts 0 }}{{ .StartsAt.Format "Jan _2 15:04:05.000 MST" }} '
    source += "{{ .StartsAt.Unix }} {{ .EndsAt.IsZero }}{{ end }}"
    assert text(source) == "Nov 24 19:19:36.903 UTC 1795547976 true"
    assert text("{{ range .Alerts }}{{ .EndsAt.Sub .StartsAt }} {{ end }}", "resolved") == (
        "1h30m14.75s 6h30m0.001s "
    )


def test_printing_structs_maps_and_pairs_as_go() -> None:
    """%v, %+v, %#v and %T print the Go types."""
    source = '{{ printf "%v|%+v|%#v|%T" (index .Alerts 0).Labels.SortedPairs '
    source += "(index (index .Alerts 0).Labels.SortedPairs 0) .GroupLabels .Alerts.Firing }}"
    assert text(source) == (
        "[{alertname HighLatency} {instance web-1:9100} {job node} {severity critical}]"
        '|{Name:alertname Value:HighLatency}|template.KV{"alertname":"HighLatency"}'
        "|[]template.Alert"
    )


def test_methods_come_before_label_names() -> None:
    """.CommonLabels.Names is the method even with a label called Names."""
    source = '{{ .CommonLabels.Names }} {{ index .CommonLabels "Names" }}'
    assert text(source, "mixed_special") == "[alertname Names job] label-named-Names"


def test_missing_label_is_empty() -> None:
    """A missing map key renders as "" (missingkey=zero on map[string]string)."""
    assert text('[{{ .CommonLabels.nope }}][{{ index .CommonLabels "nope" }}]') == "[][]"


def test_html_escapes_by_context() -> None:
    """html/template escapes text and URLs; safeHtml passes markup through."""
    source = '{{ range .Alerts }}<a href="{{ .GeneratorURL }}">{{ .Annotations.summary }}</a>'
    source += '{{ safeHtml "<br>" }}{{ end }}'
    assert html(source, "mixed_special") == (
        '<a href="http://prom/graph?g0.expr=rate%28x[5m]%29%3e0&amp;a=%3cb%3e">&lt;b&gt;bold'
        "&lt;/b&gt; &amp; &#34;quoted&#34; it&#39;s</a><br>"
        '<a href="https://prom.example.com/graph?g0.expr=up">&lt;b&gt;bold&lt;/b&gt; &amp; '
        "&#34;quoted&#34; it&#39;s</a><br>"
    )


def test_email_html_renders_the_subject_in_the_title() -> None:
    """The default email body is an HTML page titled with the subject."""
    body = html('{{ template "email.default.html" . }}', "firing_many")
    assert "<title>[FIRING:3] DiskFull node (warning)</title>" in body
    assert "View in Alertmanager" in body


# -- errors ---------------------------------------------------------------------------------


def test_unknown_field_error_is_alertmanagers() -> None:
    """An unknown field reads as in Alertmanager's log: position, node, Go type."""
    assert error("{{ .Foo }}") == (
        'template: :1:3: executing "" at <.Foo>: can\'t evaluate field Foo in type *template.Data'
    )
    assert error("{{ .Alerts.Firing.Foo }}") == (
        'template: :1:10: executing "" at <.Alerts.Firing.Foo>: '
        "can't evaluate field Foo in type []template.Alert"
    )


def test_error_in_a_built_in_template_names_the_unnamed_root() -> None:
    """Alertmanager parses the built-in files into its unnamed root template."""
    assert error('{{ template "__subject" .Alerts }}') == (
        'template: :4:28: executing "__subject" at <.Status>: '
        "can't evaluate field Status in type template.Alerts"
    )


def test_data_is_a_pointer_as_in_notifiers() -> None:
    """Notifiers execute on *template.Data: %T, printing and errors show the pointer."""
    assert text('{{ printf "%T" . }}') == "*template.Data"
    assert text("{{ . }}", "empty") == "&{nobody resolved [] map[] map[] map[] http://am:9093}"
    assert text('{{ printf "%+v" . }}', "empty") == (
        "&{Receiver:nobody Status:resolved Alerts:[] GroupLabels:map[] CommonLabels:map[] "
        "CommonAnnotations:map[] ExternalURL:http://am:9093}"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ .Receiver.upper }}",
        '{{ ("{0.__class__}").format 1 }}',
        "{{ .Alerts.clear }}",
        "{{ (index .Alerts 0).__class__ }}",
        "{{ .StartsAt }}",
    ],
)
def test_python_attributes_are_unreachable(source: str) -> None:
    """Templates reach Go fields and methods only, never a Python attribute."""
    assert error(source).startswith("template: ")


def test_function_errors_read_error_calling() -> None:
    """Errors returned by functions read as Go's "error calling <func>: ..."."""
    assert "error calling match: error parsing regexp: missing closing ): `(`" in error(
        '{{ match "(" "x" }}'
    )
    assert "error calling reReplaceAll: regexp: Compile(`(`)" in error(
        '{{ reReplaceAll "(" "" "" }}'
    )
    assert error("{{ index .Alerts 9 }}") == (
        'template: :1:3: executing "" at <index .Alerts 9>: '
        "error calling index: index out of range: 9"
    )


def test_argument_types_are_checked() -> None:
    """A non-string or non-[]string argument is Go's wrong-type error."""
    assert error("{{ toUpper 1 }}") == (
        'template: :1:11: executing "" at <1>: expected string; found 1'
    )
    assert error('{{ join "," .CommonLabels }}') == (
        'template: :1:12: executing "" at <.CommonLabels>: '
        "wrong type for value; expected []string; got template.KV"
    )


def test_failure_keeps_the_output_written_before_it() -> None:
    """TemplateError.partial holds what Go's ExecuteTextString returns with the error."""
    with pytest.raises(TemplateError) as caught:
        TEMPLATES.text("partial {{ .Status }} {{ .Foo }} never", dataset("firing_one"))
    assert caught.value.partial == "partial firing "


def test_runaway_recursion_is_go_depth_error() -> None:
    """Recursion stops at Go's depth limit with an error, not a crash."""
    assert "depth" in error('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}')


def test_failure_counts_in_statistics() -> None:
    """statistics() counts renders, failures and compiled fields."""
    templates = Templates.load([])
    data = dataset("empty")
    templates.text("{{ .Status }}", data)
    templates.text("{{ .Status }}", data)
    with pytest.raises(TemplateError):
        templates.text("{{ .Nope }}", data)
    assert templates.statistics() == {
        "renders": 3,
        "failures": 1,
        "compiled": 2,
        "cached": 2,
        "files": 3,
    }


# -- functions ------------------------------------------------------------------------------


def test_title_follows_x_text_cases() -> None:
    """title upper-cases word starts and lowers the rest; ' . : join words; a..b splits."""
    assert title("hELLO wORLD foo_bar o'neil 1st a.b a..b x:y ΣΑΣ ΣΑΣ.") == (
        "Hello World Foo_bar O'neil 1St A.b A..B X:y Σας Σας."
    )


def test_to_upper_and_lower_map_rune_by_rune() -> None:
    """Go's simple case mappings: no expansion, no final sigma, İ lowers to i."""
    assert to_upper("straße ǆ ﬁ ᾳ ᾈ") == "STRAßE Ǆ ﬁ ᾼ ᾈ"
    assert to_lower("ΣΑΣ İ ᾈ") == "σασ i ᾀ"


def test_simple_case_tables_cover_every_expanding_rune() -> None:
    """Where Python's full mapping expands, the tables give Unicode's simple mapping:
    the titlecase letter that lowers to the rune, else the rune itself."""
    runes = [chr(code) for code in range(0x110000)]
    titlecase = {t.lower(): t for t in runes if unicodedata.category(t) == "Lt"}
    for c in runes:
        if len(c.upper()) > 1:
            assert _UPPER_SIMPLE.get(c, c) == titlecase.get(c, c), hex(ord(c))
        if len(c.lower()) > 1:
            assert c in _LOWER_SIMPLE, hex(ord(c))


@pytest.mark.parametrize(
    ("source", "want"),
    [
        (
            '{{ reReplaceAll "(\\\\w+)-(\\\\d+)" "$2_$1 ${1}x $1x $$ $9" "host-01" }}',
            "host hostx  $ ",
        ),
        ('{{ reReplaceAll "a*" "-" "baaac" }}', "-b-c-"),
        ('{{ reReplaceAll "" "-" "héllo" }}', "-h-é-l-l-o-"),
        ('{{ reReplaceAll "(?P<n>[a-z]+)" "<${n}>" "ab1cd" }}', "<ab>1<cd>"),
    ],
)
def test_re_replace_all_expands_as_go(source: str, want: str) -> None:
    """$1, ${1}, $name, $$ and empty matches follow Go's ReplaceAllString."""
    assert text(source, "empty") == want


@pytest.mark.parametrize(
    ("ns", "want"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1_100, "1.1µs"),
        (2_200_000, "2.2ms"),
        (1_500_000_000, "1.5s"),
        (61_000_000_000, "1m1s"),
        (3_600_000_000_000, "1h0m0s"),
        (-90_061_001_000_000, "-25h1m1.001s"),
    ],
)
def test_duration_prints_as_go(ns: int, want: str) -> None:
    """time.Duration.String()."""
    assert str(GoDuration(ns)) == want


def test_view_is_built_once_per_data() -> None:
    """Consecutive fields of one notification share the view; a new Data gets a new one."""
    templates = Templates.load([])
    data = dataset("firing_one")
    templates.text("{{ .Status }}", data)
    first = templates._last
    templates.text("{{ .Receiver }}", data)
    assert templates._last is first
    other = Data(**{f: getattr(data, f) for f in data.__struct_fields__})
    templates.text("{{ .Receiver }}", other)
    assert templates._last is not first
    assert str(view(data).Alerts.Firing()[0].Labels) == str(view(other).Alerts[0].Labels)


def test_renders_concurrently_from_threads() -> None:
    """One Templates serves many threads: each render gets its own data's output."""
    templates = Templates.load([])
    source = (
        '{{ template "opsgenie.default.description" . }}|{{ template "slack.default.title" . }}'
    )
    want = {name: templates.text(source, dataset(name)) for name in DATASETS}
    jobs = [name for name in DATASETS for _ in range(20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda name: (name, templates.text(source, dataset(name))), jobs))
    assert all(out == want[name] for name, out in got)
