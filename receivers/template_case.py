"""Go's case mapping for the ``toUpper``, ``toLower`` and ``title`` template functions.

``strings.ToUpper`` and ``strings.ToLower`` map rune by rune; ``title`` is
``cases.Title(language.AmericanEnglish)`` of ``golang.org/x/text``, with its
word breaks and final sigma. Python's ``str`` methods differ from both in a few
runes; these functions give Go's results.

Pure; runs on the rendering caller's thread.
"""

from __future__ import annotations

import unicodedata

from receivers.template_values import string_arg

__all__ = ["title", "to_lower", "to_upper"]

# Go maps rune by rune with the simple (one-rune) mappings; Python's full
# mappings differ only where they expand, listed here (checked against
# Unicode by tests/test_templating.py). Any other expanding rune stays as it is.
_UPPER_SIMPLE = {chr(c): chr(c + 8) for r in (0x1F80, 0x1F90, 0x1FA0) for c in range(r, r + 8)}
_UPPER_SIMPLE |= {"\u1fb3": "\u1fbc", "\u1fc3": "\u1fcc", "\u1ff3": "\u1ffc"}
_LOWER_SIMPLE = {"\u0130": "i"}
_SIGMA = "\u03a3"


def to_upper(text: object) -> str:
    """``strings.ToUpper``."""
    s = string_arg(text)
    upper = s.upper()
    if len(upper) == len(s):  # no rune expanded: full and simple mappings agree
        return upper
    return "".join(u if len(u := c.upper()) == 1 else _UPPER_SIMPLE.get(c, c) for c in s)


def to_lower(text: object) -> str:
    """``strings.ToLower`` (no final-sigma rule, ``İ`` becomes ``i``)."""
    s = string_arg(text)
    if _SIGMA not in s:
        lower = s.lower()
        if len(lower) == len(s):
            return lower
    return "".join(lo if len(lo := c.lower()) == 1 else _LOWER_SIMPLE.get(c, c) for c in s)


# x/text/cases collapses Unicode word-break classes into three (gen.go):
# MidLetter, MidNumLet and Single_Quote are "mid"; ALetter, Hebrew_Letter,
# Numeric, Extend, ExtendNumLet, Format and ZWJ are "letter"; all else breaks.
_MID = frozenset(
    ":\u00b7\u0387\u055f\u05f4\u2027\ufe13\ufe55\uff1a.\u2018\u2019\u2024\ufe52\uff07\uff0e'"
)
_LETTER_CATEGORIES = frozenset({"Mn", "Me", "Mc", "Pc", "Cf", "Nd"})
# Letters that are not ALetter: ideographs, kana and scripts of Line_Break=SA.
_NOT_ALETTER = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x1950, 0x1AAF),
    (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA9E0, 0xA9FF), (0xAA60, 0xAADF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F),
    (0x20000, 0x3FFFF),
)  # fmt: skip
_CASE_IGNORABLE = frozenset({"Mn", "Me", "Cf", "Lm", "Sk"})


def _is_cased(c: str) -> bool:
    return c.islower() or c.isupper() or c.istitle()


def _is_break(c: str) -> bool:
    if c in _MID or c == "\u202f":
        return False
    category = unicodedata.category(c)
    if category in _LETTER_CATEGORIES:
        return c in "\u200b\u200c" or "\uff10" <= c <= "\uff19"  # not Format; not Numeric
    if category[0] == "L" or category == "Nl":
        code = ord(c)
        return any(lo <= code <= hi for lo, hi in _NOT_ALETTER)
    return True


def _final_sigma(s: str, i: int) -> str:
    """Inside a word, ``Σ`` lowers to ``ς`` unless a cased letter follows
    (case-ignorable runes skipped), as x/text/cases' finalSigma does."""
    for c in s[i + 1 : i + 31]:
        if c in _MID or unicodedata.category(c) in _CASE_IGNORABLE:
            continue
        return "\u03c3" if _is_cased(c) else "\u03c2"
    return "\u03c2"


def title(text: object) -> str:
    """``cases.Title(language.AmericanEnglish).String``: the first cased rune of
    each word title-cased, the rest lower-cased (``o'neil`` -> ``O'neil``)."""
    s = string_arg(text)
    out: list[str] = []
    in_word = prev_mid = False
    for i, c in enumerate(s):
        mid = c in _MID
        if prev_mid and mid:
            in_word = False
        if _is_cased(c):
            if not in_word:
                out.append(c.title())
                in_word = True
            else:
                out.append(_final_sigma(s, i) if c == _SIGMA else c.lower())
        else:
            out.append(c)
            if _is_break(c):
                in_word = False
        prev_mid = mid
    return "".join(out)
