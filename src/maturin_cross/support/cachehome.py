"""Where maturin-cross keeps what it can make again: ``$XDG_CACHE_HOME/maturin-cross``
(``~/.cache/maturin-cross`` when the variable is unset or empty). Everything kept there may be
deleted at any time; it is made again when needed.

Pure: reads the environment given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_home(environ: Mapping[str, str]) -> Path:
    """maturin-cross's folder in the user's cache."""
    base = environ.get("XDG_CACHE_HOME") or os.path.join(
        environ.get("HOME") or os.path.expanduser("~"), ".cache"
    )
    return Path(base) / "maturin-cross"
