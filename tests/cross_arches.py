"""The architectures the cross tests build for, one place for the tests and for CI's
provisioning step (``python3 tests/cross_arches.py`` prints them)."""

from __future__ import annotations

# Debian architecture -> (platform tag, multiarch, uname -m) of its target python3.11.
ARCHES = {
    "armhf": ("linux_armv7l", "arm-linux-gnueabihf", "armv7l"),
    "arm64": ("linux_aarch64", "aarch64-linux-gnu", "aarch64"),
    "i386": ("linux_i686", "i386-linux-gnu", "i686"),
    "ppc64el": ("linux_ppc64le", "powerpc64le-linux-gnu", "ppc64le"),
    "s390x": ("linux_s390x", "s390x-linux-gnu", "s390x"),
}

if __name__ == "__main__":
    print(" ".join(ARCHES))
