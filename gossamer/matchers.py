"""Label matchers: Alertmanager 0.25's ``pkg/labels`` (types, parser, ordering, text form).

Regular expressions are compiled with RE2 (linear-time matching, Go's syntax),
anchored as ``^(?:value)$``. RE2 accepts a few constructs that Go 1.19's
``regexp`` rejects (``\\C``, ``(?<name>...)``, very deep nesting); those are
rejected here before compiling so a matcher is valid exactly when Alertmanager
would accept it. Error texts follow Go's ``regexp/syntax`` wording.

``compile_regex`` (Go's ``regexp.Compile``) and ``new_regex_set`` are public
for the other users of Go regexes: silence validation and indexing, and the
template functions.

Everything here is pure and thread-safe; compiled matcher regexes are memoised.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import re2

from gossamer.errors import MatcherError

__all__ = [
    "MatchType",
    "Matcher",
    "compile_anchored",
    "compile_regex",
    "matchers_string",
    "matches_all",
    "new_matcher",
    "new_regex_set",
    "parse_matcher",
    "parse_matchers",
    "sort_matchers",
]


class MatchType(enum.Enum):
    """The four matcher operators, in Alertmanager's sort order."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    def __str__(self) -> str:
        return self.value

    @property
    def is_regex(self) -> bool:
        return self in (MatchType.REGEX, MatchType.NOT_REGEX)

    @property
    def is_negative(self) -> bool:
        return self in (MatchType.NOT_EQUAL, MatchType.NOT_REGEX)


_TYPE_ORDER = {t: i for i, t in enumerate(MatchType)}
_MAX_NESTING = 1000  # Go's regexp/syntax maxHeight
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 256 << 20  # Go's size limit is far above RE2's 8 MiB default

# RE2 error code text -> Go regexp/syntax ErrorCode text.
_GO_ERROR_TEXT = {
    "missing )": "missing closing )",
    "missing ]": "missing closing ]",
    "unexpected )": "unexpected )",
    "invalid escape sequence": "invalid escape sequence",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid repetition size": "invalid repeat count",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid named capture group": "invalid named capture",
    "trailing \\": "trailing backslash at end of expression",
    "invalid UTF-8": "invalid UTF-8",
    "pattern too large - compile failed": "expression too large",
}


def _go_error(code: str, arg: str) -> MatcherError:
    return MatcherError(f"error parsing regexp: {code}: `{arg}`")


def _translate_re2_error(exc: Exception) -> MatcherError:
    """Re-word an RE2 compile error the way Go's ``regexp.Compile`` words it."""
    raw = exc.args[0] if exc.args else str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    code, _, arg = text.partition(": ")
    go_code = _GO_ERROR_TEXT.get(code, code)
    if go_code == "invalid or unsupported Perl syntax" and arg.startswith("(?<"):
        arg = "(?<"  # Go reports only the first three bytes of lookbehinds
    if code == "pattern too large - compile failed":
        return MatcherError(f"error parsing regexp: {go_code}")
    return _go_error(go_code, arg)


def _skip_class(pattern: str, i: int) -> int:
    """Index just past the character class that opens at ``pattern[i] == '['``."""
    i += 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
        elif ch == "[" and pattern.startswith(":", i + 1):
            end = pattern.find(":]", i + 2)
            i = end + 2 if end >= 0 else i + 1
        elif ch == "]":
            return i + 1
        else:
            i += 1
    return i


def _check_go_only_rejects(pattern: str) -> None:
    """Reject what Go 1.19 rejects but RE2 accepts: ``\\C``, ``(?<``, deep nesting."""
    depth = max_depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                i = len(pattern) if end < 0 else end + 2
                continue
            if nxt == "C":
                raise _go_error("invalid escape sequence", "\\C")
            i += 2
            continue
        if ch == "[":
            i = _skip_class(pattern, i)
            continue
        if ch == "(":
            if pattern.startswith("(?<", i):
                raise _go_error("invalid or unsupported Perl syntax", "(?<")
            depth += 1
            max_depth = max(max_depth, depth)
        elif ch == ")":
            depth -= 1
        i += 1
    if max_depth + 2 > _MAX_NESTING:
        raise _go_error("expression nests too deeply", pattern)


def compile_regex(pattern: str) -> Any:
    """Go's ``regexp.Compile(pattern)``: an RE2 regex (unanchored; ``search`` is Go's
    ``MatchString``) accepted exactly when Go 1.19 accepts the pattern, else a
    :class:`MatcherError` worded as Go's error (``error parsing regexp: ...``).

    Not memoised; :func:`compile_anchored` is. Silence validation and the
    template functions ``match``/``reReplaceAll`` use it as well as matchers.
    """
    _check_go_only_rejects(pattern)
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        raise _translate_re2_error(exc) from None


@functools.lru_cache(maxsize=4096)
def compile_anchored(value: str) -> Any:
    """A matcher's regex: ``compile_regex("^(?:" + value + ")$")``, memoised."""
    return compile_regex("^(?:" + value + ")$")


def new_regex_set() -> Any:
    """An empty ``re2.Set`` for unanchored search, with the options (memory
    limit) every regex here is compiled with. Add patterns, then ``Compile``."""
    return re2.Set.SearchSet(_RE2_OPTIONS)


def _escape(value: str) -> str:
    """OpenMetrics escaping used by ``Matcher.String()``: ``\\``, newline and ``"`` only."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Matcher:
    """One label matcher; immutable and hashable, equal on ``(name, type, value)``."""

    __slots__ = ("name", "type", "value", "_regex")

    name: str
    type: MatchType
    value: str
    _regex: Any

    def __init__(self, name: str, type: MatchType, value: str, _regex: Any = None) -> None:
        if _regex is None and type.is_regex:
            _regex = compile_anchored(value)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "_regex", _regex)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Matcher is immutable")

    def matches(self, value: str) -> bool:
        """Whether a label value (``""`` for a missing label) satisfies this matcher."""
        t = self.type
        if t is MatchType.EQUAL:
            return value == self.value
        if t is MatchType.NOT_EQUAL:
            return value != self.value
        found = self._regex.search(value) is not None
        return found if t is MatchType.REGEX else not found

    def _key(self) -> tuple[str, MatchType, str]:
        return (self.name, self.type, self.value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Matcher):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return f'{self.name}{self.type.value}"{_escape(self.value)}"'

    def __repr__(self) -> str:
        return f"<Matcher {self}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (new_matcher, (self.name, self.type, self.value))


def new_matcher(name: str, type: MatchType, value: str) -> Matcher:
    """Build a matcher, compiling the anchored regex for ``=~``/``!~``."""
    regex = compile_anchored(value) if type.is_regex else None
    return Matcher(name, type, value, regex)


# Go: ^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$  (\s is ASCII only)
_MATCHER_RE = re.compile(
    r"[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*(.*?)[\t\n\f\r ]*\Z",
    re.DOTALL,
)
_OPS = {t.value: t for t in MatchType}


def _split_matchers(text: str) -> list[str]:
    """Split on commas outside double quotes (0.25 ``ParseMatchers``)."""
    tokens: list[str] = []
    token: list[str] = []
    inside_quotes = escaped = False
    for ch in text:
        if ch == "," and not inside_quotes:
            tokens.append("".join(token))
            token = []
            continue
        if ch == '"':
            if not escaped:
                inside_quotes = not inside_quotes
            else:
                escaped = False
        elif ch == "\\":
            escaped = not escaped
        else:
            escaped = False
        token.append(ch)
    last = "".join(token).strip()
    if last:
        tokens.append(last)
    return tokens


def parse_matchers(text: str) -> list[Matcher]:
    """Parse one config list element or ``amtool``-style input: ``{a="b", c=~"d"}``.

    Leading ``{`` / trailing ``}`` are optional, a trailing comma is tolerated,
    and ``""`` or ``{}`` yields no matchers. Raises :class:`MatcherError`.
    """
    if text.startswith("{"):
        text = text[1:]
    if text.endswith("}"):
        text = text[:-1]
    return [parse_matcher(token) for token in _split_matchers(text)]


def _unescape_value(raw: str) -> str:
    """Undo the value quoting of 0.25's ``ParseMatcher``; raise on stray quotes."""
    expect_quote = raw.startswith('"')
    body = raw[1:] if expect_quote else raw
    out: list[str] = []
    escaped = False
    last = len(body) - 1
    for i, ch in enumerate(body):
        if escaped:
            escaped = False
            if ch == "n":
                out.append("\n")
            elif ch in '"\\':
                out.append(ch)
            else:  # a spurious escape keeps its backslash
                out.append("\\" + ch)
            continue
        if ch == "\\":
            if i < last:
                escaped = True
                continue
            out.append("\\")
        elif ch == '"':
            if not expect_quote or i < last:
                raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
            expect_quote = False
        else:
            out.append(ch)
    if expect_quote:
        raise MatcherError(f"matcher value contains unescaped double quote: {raw}")
    return "".join(out)


def parse_matcher(text: str) -> Matcher:
    """Parse exactly one matcher (0.25 ``ParseMatcher``, used for API ``filter`` values)."""
    m = _MATCHER_RE.match(text)
    if m is None:
        raise MatcherError(f"bad matcher format: {text}")
    name, op, raw = m.groups()
    if _has_surrogates(raw):
        raise MatcherError(f"matcher value not valid UTF-8: {raw}")
    return new_matcher(name, _OPS[op], _unescape_value(raw))


def _has_surrogates(text: str) -> bool:
    """Lone surrogates are how invalid UTF-8 survives decoding with ``surrogateescape``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _sort_key(m: Matcher) -> tuple[str, str, int]:
    return (m.name, m.value, _TYPE_ORDER[m.type])


def sort_matchers(ms: Iterable[Matcher]) -> list[Matcher]:
    """Alertmanager's ``Matchers.Less`` order: name, then value, then ``= != =~ !~``."""
    return sorted(ms, key=_sort_key)


def matchers_string(ms: Sequence[Matcher]) -> str:
    """``{a="b",c=~"d"}``: the text form used in route keys (no spaces)."""
    return "{" + ",".join(str(m) for m in ms) + "}"


def matches_all(ms: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher accepts the labels; a missing label counts as ``""``."""
    for m in ms:
        if not m.matches(labels.get(m.name, "")):
            return False
    return True
