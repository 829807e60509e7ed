"""The architectures the cross tests build for, one place for the tests and for CI's
provisioning step (``python3 tests/helpers/cross_arches.py`` prints them, with a bare python3).

Each one's names come from the project's architecture table (``maturin_cross.target.arches``), as
``tools/provision-cross.sh`` takes them."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

TESTED = (
    "armhf", "arm64", "i386", "ppc64el", "s390x", "armel", "mipsel", "mips64el", "riscv64",
    "arm64@sid/3.14", "arm64@sid/3.15",
)  # fmt: skip
"""What tools/provision-cross.sh is asked for, in the order the tests take them: Debian's
architectures, each with its default sysroot (bookworm's python3.11; trixie's python3.13 for
riscv64, which bookworm lacks), then the newer target Pythons, each on one cheap architecture
(sid's 3.14 and 3.15 on arm64, whose standard library is prebuilt). No package ships a Rust
standard library for armel, mipsel, mips64el and riscv64 at rustc-web's version (mips is tier 3
in Rust; trixie's riscv64 one is trixie's compiler's): cargo builds it with build-std.
``tox -e pythons`` (tools/pythons.py) proves every target Python on arm64 and armhf."""

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
    """What tools/provision-cross.sh is asked for -> (platform tag, multiarch, uname -m under
    qemu) of its target Python."""
    arches, multiarch, platform_tag = _modules()
    rows = {}
    for spec in TESTED:
        name = spec.split("@", 1)[0]
        target = multiarch.parse_multiarch(arches.DEBIAN[name].multiarch)
        machine = target.machine()
        rows[spec] = (
            platform_tag.platform_tag_for(machine),
            target.name,
            _UNDER_QEMU.get(name, machine),
        )
    return rows


ARCHES = _rows()

if __name__ == "__main__":
    print(" ".join(ARCHES))
