"""Reading TOML (pyproject.toml, Cargo.toml, Cargo.lock) with the standard library's tomllib, or
with tomli, its backport, on Python 3.10.

Reading needs no round-trip editor: only ``init``, which edits pyproject.toml keeping its
formatting, uses tomlkit. So building needs nothing more than this (Yocto's
python3-maturin-cross-native has no tomlkit: oe-core does not ship it).
"""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover (Python 3.10)
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """The document as plain dicts, lists and scalars; TOMLDecodeError when it is not TOML."""
    return tomllib.loads(text)
