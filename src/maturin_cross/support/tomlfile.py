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


class TOMLDecodeError(ValueError):
    """The text is not TOML, or not TOML this reader can take: nested past Python's recursion
    limit, or holding an integer past its limit on digits. ``str()`` says why, in one line."""


def loads(text: str) -> dict[str, Any]:
    """The document as plain dicts, lists and scalars; TOMLDecodeError when it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TOMLDecodeError(str(err)) from None
    except RecursionError:
        raise TOMLDecodeError("nested too deeply to be read") from None
    except (ValueError, MemoryError) as err:  # an integer past Python's limit on digits
        said = str(err).splitlines() or [type(err).__name__]
        raise TOMLDecodeError(said[0][:200]) from None
