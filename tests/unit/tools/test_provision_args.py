"""tools/provision-cross.sh's arguments (``ARCH[@RELEASE[/PYTHON]]``), checked against the
releases maturin-cross knows before anything is installed (so no root is needed to see them
refused), and crosskit's names for them."""

from __future__ import annotations

import subprocess

import crosskit
import pytest
from harness import ROOT


def _provision(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "tools" / "provision-cross.sh"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("arg", "said"),
    [
        (
            "arm64@sid/3.99",
            "'arm64@sid/3.99': Debian sid has no Python 3.99; it has 3.13 3.14 3.15",
        ),
        ("riscv64@bookworm", "'riscv64@bookworm': Debian bookworm has no architecture riscv64"),
        (
            "arm64@hamm",
            "'arm64@hamm': Debian hamm is not a release known here; known: bookworm trixie sid",
        ),
        ("arm64@sid/3", "'arm64@sid/3' is not ARCH, ARCH@RELEASE or ARCH@RELEASE/PYTHON"),
        ("sparc@sid", "unknown architecture 'sparc'; known: "),
    ],
)
def test_a_request_no_release_fits_is_refused_in_one_line(arg: str, said: str) -> None:
    done = _provision(arg)
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"provision-cross: error: {said}"), line


def test_the_default_sysroot_is_the_oldest_release_with_the_architecture() -> None:
    # bookworm has no riscv64: its sysroot is trixie's, with trixie's own Python.
    assert crosskit.default_release("riscv64") == ("trixie", "3.13")
    assert crosskit.default_release("armhf") == ("bookworm", "3.11")
    assert crosskit.spec_of("riscv64", "trixie", "3.13") == "riscv64"
    assert crosskit.spec_of("arm64", "bookworm", "3.11") == "arm64"
    assert crosskit.spec_of("arm64", "sid", "3.14") == "arm64@sid/3.14"
    assert crosskit.spec_of("armhf", "trixie", "3.13") == "armhf@trixie/3.13"
