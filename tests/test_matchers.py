"""Label matchers: the 0.25 parser, RE2 regexes with Go's syntax, ordering and text forms."""

from __future__ import annotations

import pickle
import time

import pytest

from gossamer.errors import MatcherError
from gossamer.matchers import (
    Matcher,
    MatchType,
    compile_regex,
    matchers_string,
    matches_all,
    new_matcher,
    new_regex_set,
    parse_matcher,
    parse_matchers,
    sort_matchers,
)


def m(name: str, op: str, value: str) -> Matcher:
    return new_matcher(name, MatchType(op), value)


# --- parser ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('alertname="Watchdog"', [m("alertname", "=", "Watchdog")]),
        ('severity=~"warning|critical"', [m("severity", "=~", "warning|critical")]),
        ('{env!="prod", team=~"db.*"}', [m("env", "!=", "prod"), m("team", "=~", "db.*")]),
        ("foo=bar", [m("foo", "=", "bar")]),
        ('job=""', [m("job", "=", "")]),
        ("a=b,", [m("a", "=", "b")]),
        ("{a=b", [m("a", "=", "b")]),
        ("a=}", [m("a", "=", "")]),
        ("{a=}}", [m("a", "=", "}")]),
        ("", []),
        ("{}", []),
        (' a = "b c" ', [m("a", "=", "b c")]),
        ("a=b c", [m("a", "=", "b c")]),
        ("a==b", [m("a", "=", "=b")]),
        ("a=~~b", [m("a", "=~", "~b")]),
        ("colon:name!~x", [m("colon:name", "!~", "x")]),
        ('a="b,c",d=e', [m("a", "=", "b,c"), m("d", "=", "e")]),
    ],
)
def test_parse_matchers_accepts_what_alertmanager_accepts(
    text: str, expected: list[Matcher]
) -> None:
    """The 0.25 parser: braces, trailing comma, unquoted values, quoted commas."""
    assert parse_matchers(text) == expected


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (r'"with \"quotes\""', 'with "quotes"'),
        (r'"line\nbreak"', "line\nbreak"),
        (r'"back\\slash"', "back\\slash"),
        (r'"\d stays"', r"\d stays"),
        ("ends\\", "ends\\"),
        (r'"\\"', "\\"),
        ('"ünïcode"', "ünïcode"),
    ],
)
def test_matcher_value_unescaping(raw: str, value: str) -> None:
    r"""\" \n \\ are unescaped, other escapes keep their backslash, a trailing \ is literal."""
    assert parse_matcher(f"a={raw}").value == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "bad matcher format: a"),
        ("a-b=c", "bad matcher format: a-b=c"),
        ("1a=c", "bad matcher format: 1a=c"),
        ("a!b", "bad matcher format: a!b"),
        ("a=b,,", "bad matcher format: "),
        ('a="b', 'matcher value contains unescaped double quote: "b'),
        ('a=b"', 'matcher value contains unescaped double quote: b"'),
        ('a="b" x', 'matcher value contains unescaped double quote: "b" x'),
        ('a="b",c="d', 'matcher value contains unescaped double quote: "d'),
        ('a="\\"', 'matcher value contains unescaped double quote: "\\"'),
        ('a=~"("', "error parsing regexp: missing closing ): `^(?:()$`"),
        ('a="\udcff"', "matcher value not valid UTF-8"),
    ],
)
def test_parse_errors_read_like_alertmanager(text: str, message: str) -> None:
    """Error messages are Alertmanager's (config.md §3.1)."""
    with pytest.raises(MatcherError) as info:
        parse_matchers(text)
    assert str(info.value).startswith(message)


def test_parse_matcher_takes_exactly_one_matcher_without_braces() -> None:
    """parse_matcher is Go's ParseMatcher: no splitting and no brace stripping."""
    assert parse_matcher('a="b,c"') == m("a", "=", "b,c")
    with pytest.raises(MatcherError):
        parse_matcher("{a=b}")


# --- regexes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("x.*", "xyz", True),
        ("x.*", "axyz", False),
        ("a|b", "ab", False),
        ("a|b", "b", True),
        ("", "", True),
        ("", "x", False),
        (".*", "line\nbreak", False),
        ("(?s).*", "line\nbreak", True),
        ("(?i)crit", "CRIT", True),
        (r"\pL+", "héllo", True),
        ("[[:digit:]]+", "123", True),
    ],
)
def test_regex_matchers_are_anchored(pattern: str, value: str, expected: bool) -> None:
    """Regexes match the whole value: ^(?:pattern)$ with Go semantics."""
    assert m("a", "=~", pattern).matches(value) is expected
    assert m("a", "!~", pattern).matches(value) is not expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("x(?=y)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("(?<=x)y", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
        ("(?<n>x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
        ("(?>x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"),
        ("x\\C", "error parsing regexp: invalid escape sequence: `\\C`"),
        ("[\\C]", "error parsing regexp: invalid escape sequence: `\\C`"),
        ("\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"),
        ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
        ("x{1001}", "error parsing regexp: invalid repeat count: `{1001}`"),
        ("(a{100}){100}", "error parsing regexp: invalid repeat count: `{100}`"),
        ("*", "error parsing regexp: missing argument to repetition operator: `*`"),
        ("[a", "error parsing regexp: missing closing ]: `[a)$`"),
        ("a)", "error parsing regexp: unexpected ): `^(?:a))$`"),
        ("[z-a]", "error parsing regexp: invalid character class range: `z-a`"),
        ("(?P<>x)", "error parsing regexp: invalid named capture: `(?P<>`"),
        ("(" * 999 + "a" + ")" * 999, "error parsing regexp: expression nests too deeply"),
    ],
)
def test_regexes_go_rejects_are_rejected_with_gos_message(pattern: str, message: str) -> None:
    """Perl-only constructs and Go-specific limits are rejected, worded as Go words them."""
    with pytest.raises(MatcherError) as info:
        new_matcher("a", MatchType.REGEX, pattern)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("pattern", ["[(?<]", "\\Q(?<\\C\\E", "\\pL{1000}", "(?P<n>x)"])
def test_regexes_go_accepts_are_accepted(pattern: str) -> None:
    """The Go-only checks do not misfire inside classes or \\Q...\\E, and big programs compile."""
    assert new_matcher("a", MatchType.REGEX, pattern).type is MatchType.REGEX


def test_compile_regex_is_gos_unanchored_regexp_compile() -> None:
    """compile_regex searches unanchored and words errors for the pattern as given."""
    assert compile_regex("b+").search("abbc") is not None
    with pytest.raises(MatcherError) as info:
        compile_regex("(")
    assert str(info.value) == "error parsing regexp: missing closing ): `(`"
    with pytest.raises(MatcherError) as info:
        compile_regex("x\\C")
    assert str(info.value) == "error parsing regexp: invalid escape sequence: `\\C`"


def test_new_regex_set_finds_every_matching_pattern() -> None:
    """A regex set built from new_regex_set reports the indexes of the patterns that match."""
    regex_set = new_regex_set()
    for pattern in ("^a", "b$", "^z"):
        regex_set.Add(pattern)
    regex_set.Compile()
    assert sorted(regex_set.Match("ab")) == [0, 1]


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    """(a+)+$ on a long non-matching string returns at once (RE2, no backtracking)."""
    matcher = m("a", "=~", "(a+)+b")
    started = time.monotonic()
    assert not matcher.matches("a" * 100_000)
    assert time.monotonic() - started < 1.0


# --- value semantics, text forms, ordering -----------------------------------


def test_matchers_are_immutable_hashable_values() -> None:
    """Equal on (name, type, value); usable in sets; attributes cannot be set."""
    a, b = m("x", "=~", "y.*"), m("x", "=~", "y.*")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != m("x", "!~", "y.*")
    with pytest.raises(AttributeError):
        a.name = "z"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(a)) == a
    assert repr(a) == '<Matcher x=~"y.*">'


def test_str_escapes_backslash_newline_and_quote_only() -> None:
    """Matcher.String(): name, operator, then the value quoted with OpenMetrics escaping."""
    assert str(m("a", "=", 'q"\\\n\t')) == 'a="q\\"\\\\\\n\t"'
    assert str(m("a", "!~", "x")) == 'a!~"x"'


def test_matchers_string_has_no_spaces() -> None:
    """The route-key form: {a="b",c=~"d"}; {} when empty."""
    assert matchers_string([m("a", "=", "b"), m("c", "=~", "d")]) == '{a="b",c=~"d"}'
    assert matchers_string([]) == "{}"


def test_sort_matchers_orders_by_name_value_then_type() -> None:
    """Alertmanager's Matchers.Less: name, value, then = != =~ !~."""
    ms = [
        m("b", "=", "x"),
        m("a", "!~", "y"),
        m("a", "=~", "y"),
        m("a", "!=", "y"),
        m("a", "=", "y"),
        m("a", "=", "x"),
    ]
    assert [str(x) for x in sort_matchers(ms)] == [
        'a="x"',
        'a="y"',
        'a!="y"',
        'a=~"y"',
        'a!~"y"',
        'b="x"',
    ]


def test_missing_label_matches_as_empty_string() -> None:
    """matches_all treats a missing label as ""."""
    labels = {"alertname": "A"}
    assert matches_all([m("job", "=", "")], labels)
    assert matches_all([m("job", "!~", ".+")], labels)
    assert not matches_all([m("job", "=~", ".+")], labels)
    assert matches_all([], labels)
    assert not matches_all([m("alertname", "=", "A"), m("x", "!=", "")], labels)
