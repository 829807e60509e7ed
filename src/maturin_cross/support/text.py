"""The one rule for showing text that came from input (a member name, a path, a setting's value,
a library name) in a message, a log line or a printed line: nothing in it can start a second line
or write to the terminal.

Unsafe are the C0 controls (line ends and tabs included), DEL, the C1 controls, the line and
paragraph separators, the bidirectional overrides and isolates, and lone surrogates (a name that
was not UTF-8). :func:`shown` gives a value as it is when nothing in it is unsafe, else quoted and
escaped as Python's ``repr`` escapes a string (``'pkg/\\x1b]0;owned\\x07.so'``); :func:`one_line`
escapes a whole line the same way without quoting it, for what is printed last. JSON needs
neither: ``json.dumps`` escapes every control character and, with its default ``ensure_ascii``,
everything beyond ASCII.

Pure: strings in, strings out.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""Controls, separators, bidi overrides and isolates, surrogates."""

LONGEST = 1000
"""A value longer than this is shown cut short, with its length (a message stays a line)."""


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def is_safe(text: str) -> bool:
    """Whether ``text`` holds nothing unsafe to print."""
    return _UNSAFE.search(text) is None


def one_line(text: str) -> str:
    """``text`` with every unsafe character escaped (``\\n``, ``\\x1b``, ``\\u202e``): one line
    that writes nothing but itself."""
    return _UNSAFE.sub(lambda found: _escape(found.group()), text)


def shown(value: object) -> str:
    """``value`` (a name, a path, a setting) for a message: as it is when it is safe and short,
    else quoted with every unsafe character escaped, and cut short past :data:`LONGEST`
    characters."""
    text = value if isinstance(value, str) else _str(value)
    if len(text) <= LONGEST and is_safe(text):
        return text
    return quoted(text)


def quoted(value: object, longest: int = LONGEST, preview: int = 60) -> str:
    """``value`` for a message, always quoted (``'3.12'``), escaped as :func:`shown` escapes it;
    past ``longest`` characters, its first ``preview`` and its length."""
    text = value if isinstance(value, str) else _str(value)
    if len(text) > longest:
        return f"{_quote(text[:preview])}... ({len(text)} characters)"
    return _quote(text)


def _quote(text: str) -> str:
    return "'" + one_line(text.replace("\\", "\\\\").replace("'", "\\'")) + "'"


def _str(value: object) -> str:
    """``str(value)``, for any value (an integer too long to be written in decimal included)."""
    try:
        return str(value)
    except ValueError:  # an int past Python's digit limit
        return f"<a number of about {int(value).bit_length() * 30103 // 100000 + 1} digits>"  # type: ignore[call-overload]
