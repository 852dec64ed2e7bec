"""Command-line flags parsed the way Alertmanager 0.25's kingpin parser parses them.

Runs once, on the main thread, before anything starts. ``parse_flags`` is pure: it
never prints and never exits. ``--help`` and ``--version`` come back as fields of
``Flags``; ``info_text`` turns them into the text to print (exit status 0). The
flags themselves are the table of ``gossamer.flags``; their values are read by
``gossamer.flag_values``.

What kingpin (v2, as in the 0.25 binary) does and gossamer copies:

- ``--name=value`` and ``--name value``; a value that starts with ``-`` must use ``=``.
- Boolean flags take no value: ``--flag`` sets, ``--no-flag`` clears;
  ``--flag=false`` is an error ("unexpected false").
- A flag may be given once, except the repeatable ones (``--web.listen-address``,
  ``--cluster.peer``), which accumulate and replace their default.
- ``--`` ends the flags; ``@path`` reads more arguments from a file, one per line,
  skipping lines that start with ``#``.
- No positional arguments. ``--version`` wins over any later error;
  ``--help`` wins over bad values but not over unknown flags.
- Durations are Go ``time.Duration`` text ("1.5h", "300ms"); "1d" is rejected,
  as by the binary. Integers are parsed as floats and truncated ("1e3", "1.9").
"""

from __future__ import annotations

import platform
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from gossamer import ALERTMANAGER_COMPAT_VERSION, __version__
from gossamer.errors import GossamerError
from gossamer.flag_values import PARSERS
from gossamer.flags import FLAGS, Flag, Flags
from gossamer.gostrconv import go_quote

__all__ = ["FlagError", "help_text", "info_text", "parse_flags", "version_text"]


class FlagError(GossamerError):
    """A command-line flag is unknown, lacks its value or has a bad one; the message names it."""


_LONG = {flag.name: flag for flag in FLAGS}
_SHORT = {flag.short: flag for flag in FLAGS if flag.short}
_INFO_FLAGS = ("version", "help", "help-long", "help-man")  # kingpin handles these before values


# --- kingpin's lexer and parser ---


@dataclass(frozen=True, slots=True)
class _Token:
    """A lexed argument: kind is "long", "short", "arg" or "error" (a bad ``@file``).

    ``after`` names the flag an "arg" was glued to with ``=`` (for a clearer error).
    """

    kind: str
    value: str
    after: str = ""

    def __str__(self) -> str:
        return {"long": "--", "short": "-"}.get(self.kind, "") + self.value


_MAX_ARG_FILES = 64  # kingpin recurses forever on a file that names itself


class _Lexer:
    """Kingpin's tokenizer over argv, with a push-back stack for ``--name=value``."""

    def __init__(self, argv: Iterable[str]) -> None:
        self._args = list(argv)
        self._pushed: list[_Token] = []
        self._args_only = False
        self._files_read = 0

    def peek(self) -> _Token | None:
        """The next token, left in place; None at the end."""
        if not self._pushed:
            token = self._lex()
            if token is None:
                return None
            self._pushed.append(token)
        return self._pushed[-1]

    def take(self) -> _Token | None:
        """The next token, consumed."""
        token = self.peek()
        if token is not None:
            self._pushed.pop()
        return token

    def _lex(self) -> _Token | None:
        while self._args:
            arg = self._args.pop(0)
            if self._args_only:
                return _Token("arg", arg)
            if arg == "--":
                self._args_only = True
            elif arg.startswith("--"):
                name, eq, value = arg[2:].partition("=")
                if eq:
                    self._pushed.append(_Token("arg", value, after="--" + name))
                return _Token("long", name)
            elif arg.startswith("-"):
                # gossamer's one short flag (-h) is boolean, so "-hx" means "-h -x".
                if len(arg) > 2:
                    self._args.insert(0, "-" + arg[2:])
                return _Token("short", arg[1:2])
            elif arg.startswith("@"):
                try:
                    self._args[0:0] = self._read_arg_file(arg[1:])
                except ValueError as err:
                    return _Token("error", str(err))
            else:
                return _Token("arg", arg)
        return None

    def _read_arg_file(self, path: str) -> list[str]:
        """Kingpin's ``ExpandArgsFromFile``: one argument per line, ``#`` lines skipped."""
        if not path:
            raise ValueError("expected @ file to expand arguments from")
        self._files_read += 1
        if self._files_read > _MAX_ARG_FILES:
            raise ValueError(f"more than {_MAX_ARG_FILES} @ files to expand arguments from")
        try:
            with open(path, encoding="utf-8", newline="") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise ValueError(f"failed to open arguments file {go_quote(path)}: {reason}") from None
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return [line.removesuffix("\r") for line in lines if not line.startswith("#")]


def _match_flag(lexer: _Lexer) -> tuple[Flag, str]:
    """Consume one flag and its value, as kingpin's ``flagGroup.parse`` does."""
    token = lexer.take()
    assert token is not None
    invert = False
    if token.kind == "short":
        flag = _SHORT.get(token.value)
    else:
        flag = _LONG.get(token.value)
        if flag is None and token.value.startswith("no-"):
            flag, invert = _LONG.get(token.value[3:]), True
    if flag is None or (invert and flag.kind != "bool"):
        raise FlagError(f"unknown {token.kind} flag '{token}'")
    if flag.kind == "bool":
        return flag, "false" if invert else "true"
    value = lexer.peek()
    if value is None or value.kind != "arg":
        raise FlagError(f"expected argument for flag '{token}'")
    lexer.take()
    return flag, value.value


def _scan(argv: Iterable[str]) -> tuple[list[tuple[Flag, str]], FlagError | None]:
    """Match argv to flags, stopping at the first unknown flag, missing value or argument.

    Returns what matched before the error as well, because ``--version`` still counts.
    """
    lexer = _Lexer(argv)
    matched: list[tuple[Flag, str]] = []
    try:
        while (token := lexer.peek()) is not None:
            if token.kind == "error":
                raise FlagError(token.value)
            if token.kind == "arg":
                hint = f" (flag '{token.after}' takes no value)" if token.after else ""
                raise FlagError(f"unexpected {token.value}{hint}")
            matched.append(_match_flag(lexer))
    except FlagError as err:
        return matched, err
    return matched, None


def _convert(flag: Flag, text: str) -> Any:
    try:
        return PARSERS[flag.kind](text)
    except ValueError as err:
        raise FlagError(f"invalid value {go_quote(text)} for flag --{flag.name}: {err}") from None


def _build(matched: list[tuple[Flag, str]]) -> Flags:
    """Set values in order, as kingpin's ``setValues``: the first bad value is the error."""
    values: dict[str, Any] = {}
    for flag, text in matched:
        if flag.kind == "strings":
            values.setdefault(flag.field, []).append(text)
        elif flag.field in values:
            raise FlagError(f"flag '{flag.name}' cannot be repeated")
        else:
            values[flag.field] = _convert(flag, text)
    return Flags(**values)


def parse_flags(argv: list[str]) -> Flags:
    """Parse command-line arguments (without the program name) into ``Flags``.

    Raises ``FlagError`` naming the flag or argument at fault. When ``--version`` or a
    help flag was given, returns default ``Flags`` with only that field set.
    """
    matched, error = _scan(argv)
    given = {flag.name for flag, _ in matched}
    for name in _INFO_FLAGS:
        if name in given and (error is None or name == "version"):
            return msgspec.structs.replace(Flags(), **{_LONG[name].field: True})
    if error is not None:
        raise error
    return _build(matched)


# --- help and version ---

_WIDTH = 80  # kingpin's width when stdout is not a terminal


def _left_column(flag: Flag) -> str:
    """Kingpin's ``formatFlag``: ``-h, --help`` or ``    --name=DEFAULT ...``."""
    text = f"-{flag.short}, --{flag.name}" if flag.short else f"    --{flag.name}"
    if flag.kind != "bool":
        if flag.default is None:
            text += "=" + flag.name.upper()
        else:
            text += "=" + (go_quote(flag.default) if flag.kind == "str" else flag.default)
    return text + (" ..." if flag.kind == "strings" else "")


def _two_columns(rows: list[tuple[str, str]]) -> str:
    """Kingpin's ``formatTwoColumns`` (indent 2, padding 2); left cells of 30+ get own line."""
    left = max(len(cell) for cell, _ in rows if len(cell) < 30)
    offset = " " * (2 + left + 2)
    out = []
    for cell, text in rows:
        lines = textwrap.wrap(text, _WIDTH - left - 4, break_on_hyphens=False) or [""]
        out.append(f"  {cell:<{left}}  " + (f"\n{offset}" if len(cell) >= 30 else "") + lines[0])
        out.extend(offset + line for line in lines[1:])
    return "\n".join(out) + "\n"


def help_text(prog: str = "gossamer") -> str:
    """The ``--help`` text, laid out as kingpin lays out Alertmanager's."""
    rows = []
    for flag in FLAGS:
        if not flag.hidden:
            note = f" [{flag.note}]" if flag.note else ""
            rows.append((_left_column(flag), flag.help + note))
    return f"usage: {prog} [<flags>]\n\nFlags:\n{_two_columns(rows)}\n"


_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "i686": "386"}


def version_text() -> str:
    """The ``--version`` block: gossamer's version and the Alertmanager it stands in for."""
    machine = platform.machine().lower()
    return (
        f"gossamer, version {__version__} (alertmanager-compatible: {ALERTMANAGER_COMPAT_VERSION})\n"
        f"  python version:   {platform.python_version()}\n"
        f"  platform:         {sys.platform}/{_GOARCH.get(machine, machine)}\n"
    )


def info_text(flags: Flags, prog: str = "gossamer") -> str | None:
    """What to print to stdout (then exit 0) instead of running, or None to run."""
    if flags.version:
        return version_text()
    if flags.help or flags.help_long or flags.help_man:
        return help_text(prog)
    return None
