"""CPython's SOABI and EXT_SUFFIX, read and written by one rule.

On Linux CPython's configure makes ``SOABI = cpython-{major}{minor}{ABIFLAGS}`` followed by
``-{MULTIARCH}`` unless the triplet is empty (uClibc) or patched out (OpenWrt), and
``EXT_SUFFIX = .{SOABI}.so``; every extension module's file name ends with the suffix. PyPy's
SOABI (``pypy310-pp73``) is not this shape and is not read here.

Pure: no process, no host interpreter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SOABI = re.compile(
    r"cpython-(?P<major>[0-9])(?P<minor>[1-9][0-9]*|0)(?P<abiflags>[a-z]*)(?:-(?P<multiarch>[^.]+))?"
)


@dataclass(frozen=True)
class Soabi:
    """What a CPython SOABI says: ``cpython-313t-arm-linux-gnueabihf`` is CPython 3.13, ABI
    flags ``t``, multiarch ``arm-linux-gnueabihf``."""

    version: tuple[int, int]
    abiflags: str = ""
    multiarch: str | None = None
    """None where the SOABI names none (uClibc, OpenWrt)."""
    implementation: str = "CPython"

    @classmethod
    def parse(cls, soabi: str) -> Soabi | None:
        """``cpython-312-arm-linux-gnueabihf`` -> Soabi; None for anything else (PyPy's too)."""
        match = _SOABI.fullmatch(soabi)
        if match is None:
            return None
        version = (int(match["major"]), int(match["minor"]))
        return cls(version, match["abiflags"], match["multiarch"])

    @classmethod
    def from_ext_suffix(cls, suffix: str) -> Soabi | None:
        """``.cpython-312-arm-linux-gnueabihf.so`` -> Soabi; None for any other suffix
        (``.abi3.so``, ``.so``, PyPy's)."""
        if not (suffix.startswith(".") and suffix.endswith(".so")):
            return None
        return cls.parse(suffix[1:-3])

    @property
    def version_digits(self) -> str:
        """``312``: the version as SOABI spells it."""
        return f"{self.version[0]}{self.version[1]}"

    @property
    def text(self) -> str:
        """The SOABI itself: ``cpython-312-arm-linux-gnueabihf``."""
        tail = f"-{self.multiarch}" if self.multiarch else ""
        return f"cpython-{self.version_digits}{self.abiflags}{tail}"

    @property
    def ext_suffix(self) -> str:
        """``.cpython-312-arm-linux-gnueabihf.so``."""
        return f".{self.text}.so"
