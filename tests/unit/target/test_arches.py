"""The architecture table and what derives from it; the SOABI parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from maturin_cross.target import arches
from maturin_cross.target.arches import (
    DEBIAN,
    ROWS,
    arch_of_machine,
    family_of,
    generic_machines,
    musl_arch,
    narrow_name,
    qemu_machine,
)
from maturin_cross.target.multiarch import KNOWN_MULTIARCHES, parse_multiarch
from maturin_cross.target.soabi import Soabi
from harness import ROOT

SRC = ROOT / "src"


@pytest.mark.parametrize(
    ("multiarch", "qemu", "musl"),
    [
        ("arm-linux-gnueabihf", "arm", "armhf"),
        ("arm-linux-gnueabi", "arm", "arm"),
        ("armeb-linux-gnueabihf", "armeb", "armebhf"),
        ("aarch64-linux-gnu", "aarch64", "aarch64"),
        ("aarch64_be-linux-gnu", "aarch64_be", "aarch64_be"),
        ("aarch64-linux-gnu_ilp32", None, None),
        ("x86_64-linux-gnu", "x86_64", "x86_64"),
        ("x86_64-linux-gnux32", None, "x32"),
        ("i386-linux-gnu", "i386", "i386"),
        ("mips-linux-gnu", "mips", "mips"),
        ("mipsel-linux-gnusf", "mipsel", "mipsel-sf"),
        ("mips64-linux-gnuabi64", "mips64", "mips64"),
        ("mips64el-linux-gnuabin32", "mipsn32el", "mipsn32el"),
        ("mips64-linux-gnuabin32", "mipsn32", "mipsn32"),
        ("mipsisa32r6el-linux-gnu", "mipsel", "mipsr6el"),
        ("mipsisa64r6-linux-gnuabi64", "mips64", "mips64r6"),
        ("powerpc-linux-gnu", "ppc", "powerpc"),
        ("powerpc64-linux-gnu", "ppc64", "powerpc64"),
        ("powerpc64le-linux-gnu", "ppc64le", "powerpc64le"),
        ("s390x-linux-gnu", "s390x", "s390x"),
        ("s390-linux-gnu", None, None),
        ("riscv64-linux-gnu", "riscv64", "riscv64"),
        ("loongarch64-linux-gnu", "loongarch64", "loongarch64"),
        ("sparc64-linux-gnu", "sparc64", None),
        ("m68k-linux-gnu", None, None),
    ],
)
def test_qemu_and_musl_names(multiarch: str, qemu: str | None, musl: str | None) -> None:
    facts = parse_multiarch(multiarch).elf
    assert qemu_machine(facts) == qemu
    assert musl_arch(facts) == musl


def test_narrow_abis() -> None:
    assert narrow_name("EM_X86_64") == "x32"
    assert narrow_name("EM_AARCH64") == "ILP32"
    assert narrow_name("EM_MIPS") == "n32"
    assert narrow_name("EM_ARM") is None


@pytest.mark.parametrize(
    ("name", "row"),
    [
        ("armv8l", "arm"),
        ("armv7b", "armeb"),
        ("i586", "i386"),
        ("i686", "i386"),
        ("x86", "i386"),
        ("ppc64le", "powerpc64le"),
        ("ppc", "powerpc"),
        ("riscv64gc", "riscv64"),
        ("parisc64", "hppa"),
        ("mips64", "mips64"),
        ("amd64", None),
    ],
)
def test_arch_of_machine(name: str, row: str | None) -> None:
    found = arch_of_machine(name)
    assert (found.name if found else None) == row


def test_families_and_generic_names() -> None:
    assert family_of("EM_386") == family_of("EM_X86_64") == "x86"
    assert family_of("EM_AARCH64") == family_of("EM_ARM") == "ARM"
    assert generic_machines("EM_386") == {"i386", "x86"}
    assert generic_machines("EM_ARM") == {"arm", "armeb"}
    assert {"mipsel", "mips64el", "mipsisa32r6"} <= generic_machines("EM_MIPS")
    assert "mips" not in generic_machines("EM_MIPS")


def test_every_row_is_a_multiarch_of_cpython() -> None:
    firsts = {multiarch.split("-", 1)[0] for multiarch in KNOWN_MULTIARCHES}
    assert {row.name for row in ROWS} == firsts


@pytest.mark.parametrize("debian", sorted(DEBIAN))
def test_debian_architectures(debian: str) -> None:
    arch = DEBIAN[debian]
    assert arch.multiarch in KNOWN_MULTIARCHES
    assert parse_multiarch(arch.multiarch).arch == arch.row.name
    assert arch.gnu_type == arch.multiarch.replace("i386-", "i686-", 1)


def _bare_python(*args: str) -> subprocess.CompletedProcess[str]:
    """A python3 with the standard library alone: no site-packages, no PYTHONPATH."""
    return subprocess.run(
        [sys.executable, "-I", "-S", *args], capture_output=True, text=True, check=False
    )


def test_table_needs_the_standard_library_alone() -> None:
    done = _bare_python(
        "-c",
        f"import sys; sys.path.insert(0, {str(SRC)!r}); "
        "import maturin_cross.target.arches, maturin_cross.target.multiarch, "
        "maturin_cross.target.platform_tag",
    )
    assert done.returncode == 0, done.stderr


def test_provisioning_reads_the_table() -> None:
    run = f"import sys, runpy; sys.path.insert(0, {str(SRC)!r}); "
    run += "sys.argv = ['arches', 'debian', 'armhf']; "
    run += "runpy.run_module('maturin_cross.target.arches', run_name='__main__')"
    done = _bare_python("-c", run)
    assert done.stdout == "arm-linux-gnueabihf armv7-unknown-linux-gnueabihf qemu-arm-static\n"


def test_main() -> None:
    assert arches.main(["debian", "vax"]) == 2
    assert arches.main(["debian", "i386"]) == 0


@pytest.mark.parametrize(
    ("suffix", "version", "abiflags", "multiarch"),
    [
        (".cpython-312-arm-linux-gnueabihf.so", (3, 12), "", "arm-linux-gnueabihf"),
        (".cpython-313t-aarch64-linux-gnu.so", (3, 13), "t", "aarch64-linux-gnu"),
        (".cpython-39d.so", (3, 9), "d", None),
    ],
)
def test_soabi(suffix: str, version: tuple[int, int], abiflags: str, multiarch: str | None) -> None:
    said = Soabi.from_ext_suffix(suffix)
    assert said == Soabi(version, abiflags, multiarch)
    assert said.ext_suffix == suffix
    assert Soabi.parse(said.text) == said


@pytest.mark.parametrize(
    "suffix", [".abi3.so", ".so", ".pypy310-pp73-x86_64-linux-gnu.so", ".cpython-312-a.b.so", ""]
)
def test_soabi_of_other_suffixes(suffix: str) -> None:
    assert Soabi.from_ext_suffix(suffix) is None
