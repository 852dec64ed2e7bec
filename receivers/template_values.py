"""Go's types for template values: their names, how ``fmt`` prints them, how a
template finds their fields and methods, and the argument checks of Go's
reflect-based calls.

Templates print values with Go's ``fmt`` (``{{ . }}``, ``printf "%v"``,
``%+v``, ``%q``, ``%T``); :func:`go_format` reproduces it for the views of
``receivers.template_data`` and ``receivers.template_time`` (which name their Go
type in ``_GO_TYPE`` and their struct fields in ``_STRUCT_FIELDS``), for maps,
slices and strings. Those views derive from :class:`GoValue`, whose lookup
(:func:`member`) knows only the Go type's fields and methods.
:func:`string_arg` and :func:`string_list` accept a parameter only when its Go
type fits, failing with :class:`ArgumentTypeError` worded as Go's.

Everything here is pure and runs on the rendering caller's thread.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator

from gotime import Month, Weekday
from gotpl import HTML, GoFormatSpec, TemplateExecutionError

from gossamer.gostrconv import go_quote

__all__ = [
    "V",
    "ArgumentTypeError",
    "GoMethod",
    "GoStruct",
    "GoValue",
    "StringSlice",
    "format_string",
    "go_format",
    "go_quote",
    "member",
    "no_field",
    "string_arg",
    "string_list",
    "type_name",
]

V = GoFormatSpec("v", "", None, None)
_PRIMITIVE_TYPES = {bool: "bool", int: "int", float: "float64", str: "string"}


# -- Go's fmt, for the values templates print ---------------------------------------------


def type_name(value: object) -> str:
    """The Go type name of a template value (``%T`` and error messages)."""
    go_type = getattr(type(value), "_GO_TYPE", None)
    if go_type:
        return str(go_type)
    if value is None:
        return "<nil>"
    if isinstance(value, HTML):
        return "template.HTML"
    if isinstance(value, Month | Weekday):
        return f"time.{type(value).__name__}"
    for kind, name in _PRIMITIVE_TYPES.items():
        if isinstance(value, kind):
            return name
    return "[]interface {}" if isinstance(value, list | tuple) else type(value).__name__


def format_string(text: str, spec: GoFormatSpec) -> str:
    """Go's ``fmt`` of one string operand (``%s %v %q %x %X``, flags, width, precision)."""
    verb, flags = spec.verb, spec.flags
    if verb in ("s", "v"):
        out = text if spec.precision is None else text[: spec.precision]
    elif verb == "q":
        text = text if spec.precision is None else text[: spec.precision]
        if "#" in flags and "`" not in text and all(c == "\t" or c.isprintable() for c in text):
            out = f"`{text}`"
        else:
            out = go_quote(text, ascii_only="+" in flags)
    elif verb in ("x", "X"):
        raw = text.encode()[: spec.precision]
        prefix = ("0X" if verb == "X" else "0x") if "#" in flags else ""
        pairs = [f"{b:02X}" if verb == "X" else f"{b:02x}" for b in raw]
        out = " ".join(prefix + p for p in pairs) if " " in flags else prefix + "".join(pairs)
    else:
        return f"%!{verb}(string={text})"
    pad = (spec.width or 0) - len(out)
    if pad <= 0:
        return out
    if "-" in flags:
        return out + " " * pad
    return ("0" if "0" in flags else " ") * pad + out


def go_format(value: object, spec: GoFormatSpec) -> str:
    """Go's ``printValue``: the verb applies to every leaf of a struct, map or
    slice; ``%T`` names the type; ``%+v`` adds field names, ``%#v`` Go syntax."""
    if spec.verb == "T":
        return format_string(type_name(value), dataclasses.replace(spec, verb="s"))
    sharp = spec.verb == "v" and "#" in spec.flags
    fields: tuple[str, ...] | None = getattr(type(value), "_STRUCT_FIELDS", None)
    if fields is not None:
        # A pointer to a struct prints as &{...} (the only pointer: *template.Data).
        amp = "&" if getattr(type(value), "_POINTER", False) else ""
        parts = [go_format(getattr(value, f), spec) for f in fields]
        if sharp or (spec.verb == "v" and "+" in spec.flags):
            parts = [f"{f}:{p}" for f, p in zip(fields, parts, strict=True)]
        if sharp:
            return amp + type_name(value).lstrip("*") + "{" + ", ".join(parts) + "}"
        return amp + "{" + " ".join(parts) + "}"
    if isinstance(value, dict):
        items = [f"{go_format(k, spec)}:{go_format(value[k], spec)}" for k in sorted(value)]
        if sharp:
            return type_name(value) + "{" + ", ".join(items) + "}"
        return "map[" + " ".join(items) + "]"
    if isinstance(value, list | tuple):
        items = [go_format(v, spec) for v in value]
        if sharp:
            return type_name(value) + "{" + ", ".join(items) + "}"
        return "[" + " ".join(items) + "]"
    if isinstance(value, str):
        return go_quote(value) if sharp else format_string(value, spec)
    own = getattr(value, "__go_format__", None)
    if own is not None:
        return str(own(spec))
    return format_string(str(value), spec)


class StringSlice(list):  # type: ignore[type-arg]
    """Go ``[]string``: ``KV.Names``, ``stringSlice``; it has no fields or methods."""

    __slots__ = ()
    _GO_TYPE = "[]string"

    def __go_format__(self, spec: GoFormatSpec) -> str:
        return go_format(self, spec)

    def __str__(self) -> str:
        return go_format(self, V)

    def __gotemplate_lookup__(self, name: str) -> object:
        raise no_field(name, self)


# -- arguments, checked as Go's reflect-based calls check them ----------------------------


def no_field(name: str, value: object) -> TemplateExecutionError:
    return TemplateExecutionError(f"can't evaluate field {name} in type {type_name(value)}")


class ArgumentTypeError(TemplateExecutionError):
    """Argument ``index`` of ``function`` has the wrong Go type (Go checks this
    before calling, so the message has no ``error calling`` prefix)."""

    def __init__(self, want: str, value: object, index: int) -> None:
        super().__init__(f"wrong type for value; expected {want}; got {type_name(value)}")
        self.want = want
        self.index = index
        self.function = ""


def string_arg(value: object, index: int = 0) -> str:
    """A ``string`` parameter: only a Go string fits (not HTML, not a number)."""
    if type(value) is str:
        return value
    raise ArgumentTypeError("string", value, index)


def string_list(value: object, index: int = 0) -> list[str]:
    """A ``[]string`` parameter."""
    if isinstance(value, StringSlice) or (
        type(value) is list and all(type(v) is str for v in value)
    ):
        return list(value)  # type: ignore[arg-type]
    raise ArgumentTypeError("[]string", value, index)


# -- fields and methods, as Go's reflection finds them -----------------------------------


class GoMethod:
    """A Go method value that takes arguments (``.Labels.Remove``, ``.StartsAt.Format``).

    It carries its signature, so the engine checks arity without inspecting a
    fresh bound method per notification, and is unhashable, so the engine does
    not cache it (which would keep old views alive)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, owner: object, name: str) -> None:
        self.__self__ = owner
        self.__name__ = name
        self._call = getattr(owner, name)
        self.__signature__ = _signature(type(owner), name)

    def __call__(self, *args: object) -> object:
        try:
            return self._call(*args)
        except ArgumentTypeError as exc:
            exc.function = exc.function or self.__name__
            raise


_SIGNATURES: dict[tuple[type, str], inspect.Signature] = {}


def _signature(cls: type, name: str) -> inspect.Signature:
    """The method's signature without ``self``, computed once per class."""
    sig = _SIGNATURES.get((cls, name))
    if sig is None:
        full = inspect.signature(getattr(cls, name))
        sig = full.replace(parameters=list(full.parameters.values())[1:])
        _SIGNATURES[(cls, name)] = sig
    return sig


def member(value: object, name: str) -> object:
    """Go's field or method ``name`` of a view: a method without arguments is
    called now (Go calls it during the lookup), one with arguments becomes a
    :class:`GoMethod`; any other name is Go's ``can't evaluate field`` error."""
    cls = type(value)
    if name in cls._METHODS:  # type: ignore[attr-defined]
        return getattr(value, name)()
    if name in cls._ARG_METHODS:  # type: ignore[attr-defined]
        return GoMethod(value, name)
    if name in cls._FIELDS:  # type: ignore[attr-defined]
        return getattr(value, name)
    raise no_field(name, value)


class GoValue:
    """What every view shares: Go's ``%v`` for ``{{ . }}`` and ``printf``, and
    a lookup that knows only the Go type's fields and methods."""

    __slots__ = ()
    _GO_TYPE = ""
    _FIELDS: tuple[str, ...] | frozenset[str] = ()
    _METHODS: frozenset[str] = frozenset()
    _ARG_METHODS: frozenset[str] = frozenset()

    def __go_format__(self, spec: GoFormatSpec) -> str:
        return go_format(self, spec)

    def __str__(self) -> str:
        return go_format(self, V)

    __gotemplate_lookup__ = member


class GoStruct(GoValue):
    """A Go struct: ``go_format`` prints its ``_STRUCT_FIELDS`` in order."""

    __slots__ = ()
    _STRUCT_FIELDS: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[object]:
        # The engine ranges over anything iterable; Go refuses a struct.
        raise TemplateExecutionError(f"range can't iterate over {self}")
