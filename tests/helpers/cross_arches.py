"""The architectures the cross tests build for, one place for the tests and for CI's
provisioning step (``python3 tests/helpers/cross_arches.py`` prints them)."""

from __future__ import annotations

# Debian architecture -> (platform tag, multiarch, uname -m under qemu) of its target python3.11.
ARCHES = {
    "armhf": ("linux_armv7l", "arm-linux-gnueabihf", "armv7l"),
    "arm64": ("linux_aarch64", "aarch64-linux-gnu", "aarch64"),
    "i386": ("linux_i686", "i386-linux-gnu", "i686"),
    "ppc64el": ("linux_ppc64le", "powerpc64le-linux-gnu", "ppc64le"),
    "s390x": ("linux_s390x", "s390x-linux-gnu", "s390x"),
    # No package ships a Rust standard library for these at rustc-web's version (mips is tier 3
    # in Rust): cargo builds it with build-std. qemu-arm emulates a newer CPU than armel's ARMv5.
    "armel": ("linux_armv5tel", "arm-linux-gnueabi", "armv7l"),
    "mipsel": ("linux_mips", "mipsel-linux-gnu", "mips"),
    "mips64el": ("linux_mips64", "mips64el-linux-gnuabi64", "mips64"),
}

DOOR_ARCHES = ("armhf", "arm64", "i386", "ppc64el", "s390x")
"""Where every door (``python -m build``, isolated or not, and ``maturin-cross build``) is proven;
the rest go through ``maturin-cross build`` alone, which shares the pipeline."""

if __name__ == "__main__":
    print(" ".join(ARCHES))
