"""The architectures the cross tests build for, one place for the tests and for CI's
provisioning step (``python3 tests/helpers/cross_arches.py`` prints them, with a bare python3).

Each one's names come from the project's architecture table (``maturin_cross.target.arches``), as
``tools/provision-cross.sh`` takes them."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

TESTED = ("armhf", "arm64", "i386", "ppc64el", "s390x", "armel", "mipsel", "mips64el")
"""Debian's names, in the order the tests take them. No package ships a Rust standard library
for armel, mipsel and mips64el at rustc-web's version (mips is tier 3 in Rust): cargo builds it
with build-std."""

# qemu-arm emulates a newer CPU than armel's ARMv5, so the target's Python sees that machine.
_UNDER_QEMU = {"armel": "armv7l"}

DOOR_ARCHES = ("armhf", "arm64", "i386", "ppc64el", "s390x")
"""Where every door (``python -m build``, isolated or not, and ``maturin-cross build``) is proven;
the rest go through ``maturin-cross build`` alone, which shares the pipeline."""


def _modules() -> tuple[ModuleType, ModuleType, ModuleType]:
    if __name__ == "__main__":  # CI runs this file with a bare python3, nothing installed
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from maturin_cross.target import arches, multiarch, platform_tag

    return arches, multiarch, platform_tag


def _rows() -> dict[str, tuple[str, str, str]]:
    """Debian architecture -> (platform tag, multiarch, uname -m under qemu) of its target
    python3.11."""
    arches, multiarch, platform_tag = _modules()
    rows = {}
    for name in TESTED:
        target = multiarch.parse_multiarch(arches.DEBIAN[name].multiarch)
        machine = target.machine()
        rows[name] = (
            platform_tag.platform_tag_for(machine),
            target.name,
            _UNDER_QEMU.get(name, machine),
        )
    return rows


ARCHES = _rows()

if __name__ == "__main__":
    print(" ".join(ARCHES))
