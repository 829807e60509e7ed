"""What a binary needs of the instruction set against what the target's C library was built for,
on the real shared objects of tests/fixtures/isa/ (some laid in a test sysroot as its libc.so.6
and libm.so.6) and the MIPS ones of tests/fixtures/elf/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import FIXTURES
from repaircases import ARMHF, TargetSpec
from wheelmaker import make_wheel

from maturin_cross.checks import isa, libraries, proof
from maturin_cross.checks.elf import abi_of, parse
from maturin_cross.target.arches import ElfFacts
from maturin_cross.target.sysroot import Sysroot

ISA = FIXTURES / "isa"


def _read(path: Path) -> tuple[isa.Isa | None, ElfFacts]:
    with path.open("rb") as stream:
        elf = parse(stream, path.stat().st_size)
        kind = ElfFacts(str(elf["e_machine"]), elf.elfclass, elf.little_endian, abi_of(elf))
        return isa.needs_of(elf), kind


def _sysroot(folder: Path, multiarch: str, libc: str, libm: str | None = None) -> Sysroot:
    lib = folder / "lib" / multiarch
    lib.mkdir(parents=True)
    shutil.copy(ISA / libc, lib / "libc.so.6")
    if libm:
        shutil.copy(ISA / libm, lib / "libm.so.6")
    return Sysroot(folder, "test")


def _verdict(member: str, sysroot: Sysroot, multiarch: str, rust_target: str) -> list[str]:
    needs, kind = _read(ISA / member)
    base = isa.baseline(sysroot, [f"/lib/{multiarch}"], kind, libraries.Files().needs)
    return isa.check(member, needs, base, rust_target)


@pytest.mark.parametrize(
    ("name", "described"),
    [
        ("armhf-v7-neon.so", "ARMv7, VFPv3, NEON"),
        ("armhf-v7-vfpv3.so", "ARMv7, VFPv3"),
        ("armhf-v7-vfpv3d16.so", "ARMv7, VFPv3-D16"),
        ("armhf-v6-vfpv2.so", "ARMv6, VFPv2"),
        ("armel-v7.so", "ARMv7"),
        ("armel-v5te.so", "ARMv5TE"),
        ("x86_64-v3.so", "x86-64-v3"),
        ("x86_64-v1.so", "x86-64 baseline"),
    ],
)
def test_what_a_toolchain_records_is_read(name: str, described: str) -> None:
    needs, _ = _read(ISA / name)
    assert needs is not None
    assert needs.describe() == described


@pytest.mark.parametrize("name", ["aarch64.so", "x86_64-bare.so"])
def test_a_toolchain_that_records_nothing_gives_nothing(name: str) -> None:
    assert _read(ISA / name)[0] is None


def test_an_armv7_module_for_an_armv5te_system_is_refused(tmp_path: Path) -> None:
    sysroot = _sysroot(tmp_path, "arm-linux-gnueabi", "armel-v5te.so")
    assert _verdict("armel-v7.so", sysroot, "arm-linux-gnueabi", "armv7-unknown-linux-gnueabi") == [
        "armel-v7.so needs ARMv7 (ARMv7 beyond the target's); the target's libc.so.6 is built "
        "for ARMv5TE: build for armv5te-unknown-linux-gnueabi (or set -C target-cpu)"
    ]
    assert _verdict("armel-v5te.so", sysroot, "arm-linux-gnueabi", "x") == []


def test_neon_is_refused_where_libm_says_the_baseline_has_none(tmp_path: Path) -> None:
    # glibc's libc.so.6 on armhf says NEON (its run-time-chosen routines); libm.so.6 does not
    sysroot = _sysroot(tmp_path, "arm-linux-gnueabihf", "armhf-v7-neon.so", "armhf-v7-vfpv3d16.so")
    ma, rust = "arm-linux-gnueabihf", "armv7-unknown-linux-gnueabihf"
    assert _verdict("armhf-v7-neon.so", sysroot, ma, rust) == [
        "armhf-v7-neon.so needs ARMv7, VFPv3, NEON (NEON beyond the target's); the target's "
        "libc.so.6 is built for ARMv7, VFPv3-D16: build without NEON (set -C "
        "target-feature=-neon, or drop it from -C target-cpu)"
    ]
    # Rust's armv7 output records VFPv3, Debian's VFPv3-D16: the same version, no refusal
    assert _verdict("armhf-v7-vfpv3.so", sysroot, ma, rust) == []
    assert _verdict("armhf-v7-vfpv3d16.so", sysroot, ma, rust) == []
    assert _verdict("armhf-v6-vfpv2.so", sysroot, ma, rust) == []


def test_armv7_on_an_armv6_system_names_the_armv6_target(tmp_path: Path) -> None:
    sysroot = _sysroot(tmp_path, "arm-linux-gnueabihf", "armhf-v6-vfpv2.so")
    (line,) = _verdict(
        "armhf-v7-vfpv3.so", sysroot, "arm-linux-gnueabihf", "armv7-unknown-linux-gnueabihf"
    )
    assert "needs ARMv7, VFPv3 (ARMv7, VFPv3 beyond the target's)" in line
    assert line.endswith(
        "built for ARMv6, VFPv2: build for arm-unknown-linux-gnueabihf (or set -C target-cpu)"
    )


def test_x86_64_v3_on_a_baseline_system_is_refused(tmp_path: Path) -> None:
    sysroot = _sysroot(tmp_path, "x86_64-linux-gnu", "x86_64-v1.so")
    rust = "x86_64-unknown-linux-gnu"
    assert _verdict("x86_64-v3.so", sysroot, "x86_64-linux-gnu", rust) == [
        "x86_64-v3.so needs x86-64-v3 (x86-64-v3 beyond the target's); the target's libc.so.6 "
        "is built for x86-64 baseline: build with -C target-cpu=x86-64 (or without a newer "
        "-C target-cpu)"
    ]
    assert _verdict("x86_64-v1.so", sysroot, "x86_64-linux-gnu", rust) == []
    assert _verdict("x86_64-bare.so", sysroot, "x86_64-linux-gnu", rust) == []


def test_a_c_library_of_another_kind_is_passed_over(tmp_path: Path) -> None:
    # an armel libc where an armhf one is looked for: not the target's, no baseline
    sysroot = _sysroot(tmp_path, "arm-linux-gnueabihf", "armel-v5te.so")
    _, kind = _read(ISA / "armhf-v7-neon.so")
    assert (
        isa.baseline(sysroot, ["/lib/arm-linux-gnueabihf"], kind, libraries.Files().needs) is None
    )


def test_nothing_recorded_is_said_once_and_refuses_nothing(tmp_path: Path) -> None:
    sysroot = _sysroot(tmp_path, "aarch64-linux-gnu", "aarch64.so")
    needs, kind = _read(ISA / "aarch64.so")
    base = isa.baseline(sysroot, ["/lib/aarch64-linux-gnu"], kind, libraries.Files().needs)
    assert base is not None
    assert base.isa is None
    assert isa.check("m.so", needs, base, "aarch64-unknown-linux-gnu") == []
    said = isa.note({"a.so": None, "b.so": None}, base)
    assert said is not None
    assert said.startswith(
        "the instruction set was not checked: the target's /lib/aarch64-linux-gnu/libc.so.6 "
        "records nothing of it"
    )
    recorded = _read(ISA / "x86_64-v1.so")[0]
    x86 = isa.Baseline(recorded, "/lib/x86_64-linux-gnu/libc.so.6")
    partly = isa.note({"a.so": recorded, "b.so": None}, x86)
    assert partly is not None
    assert partly.startswith("the instruction set of b.so was not checked")
    assert isa.note({"a.so": recorded}, x86) is None


@pytest.mark.parametrize(
    ("arch", "extensions"),
    [
        ("rv64gc", {"i", "m", "a", "f", "d", "c", "zicsr", "zifencei"}),
        (
            "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0",
            {"i", "m", "a", "f", "d", "c", "zicsr", "zifencei"},
        ),
        (
            "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_v1p0_zicsr2p0_zve32f1p0_zvl128b1p0",
            {"i", "m", "a", "f", "d", "c", "v", "zicsr", "zve32f", "zvl128b"},
        ),
    ],
)
def test_riscv_arch_strings_are_read(arch: str, extensions: set[str]) -> None:
    found = isa.riscv_isa(arch)
    assert found is not None
    assert found.extensions == frozenset(extensions)


def test_riscv_vector_code_on_an_rv64gc_system_is_refused() -> None:
    needs = isa.riscv_isa("rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_v1p0_zicsr2p0_zifencei2p0")
    base = isa.riscv_isa("rv64gc")
    assert needs is not None
    assert base is not None
    (line,) = isa.check("m.so", needs, isa.Baseline(base, "/lib/riscv64-linux-gnu/libc.so.6"), "")
    assert "(the extension v beyond the target's)" in line
    assert "built for rv64imafdc_zicsr_zifencei" in line
    assert line.endswith("(-C target-feature=-v)")
    assert isa.check("m.so", base, isa.Baseline(needs, "/lib/libc.so.6"), "") == []
    assert isa.riscv_isa("not-risc-v") is None


@pytest.mark.parametrize(
    ("needs", "base", "refused"),
    [
        ("mipsisa32r6el-linux-gnu.so", "mipsel-linux-gnu.so", True),
        ("mipsel-linux-gnu.so", "mipsisa32r6el-linux-gnu.so", True),
        ("mipsel-linux-gnu.so", "mipsel-linux-gnu.so", False),
    ],
)
def test_mips_release_6_and_earlier_are_different_instruction_sets(
    needs: str, base: str, refused: bool
) -> None:
    wanted, _ = _read(FIXTURES / "elf" / needs)
    have, _ = _read(FIXTURES / "elf" / base)
    assert wanted is not None
    assert have is not None
    assert bool(isa.beyond(wanted, have)) is refused


def test_the_proof_refuses_neon_for_debian_armhf_in_its_one_pass(tmp_path: Path) -> None:
    member = "pkg/_core.cpython-311-arm-linux-gnueabihf.so"
    folder = tmp_path / "in"
    folder.mkdir()
    spec = TargetSpec(
        vars={
            **(ARMHF.vars or {}),
            "VERSION": "3.11",
            "EXT_SUFFIX": ".cpython-311-arm-linux-gnueabihf.so",
        }
    )
    sysroot = _sysroot(
        tmp_path / "root", "arm-linux-gnueabihf", "armhf-v7-neon.so", "armhf-v7-vfpv3d16.so"
    )
    for fixture, refused in (("armhf-v7-neon.so", True), ("armhf-v7-vfpv3.so", False)):
        wheel = make_wheel(
            folder,
            name="pkg",
            tags=("cp311-cp311-linux_armv7l",),
            files={"pkg/__init__.py": b"", member: ((ISA / fixture).read_bytes(), 0o755)},
        )
        checked = proof.prove(wheel, spec.resolve(), sysroot)
        assert any("NEON beyond the target's" in p for p in checked.problems) is refused
        needs = checked.instruction_sets[member]
        assert needs is not None
        assert checked.baseline is not None
        assert checked.baseline.where == "/lib/arm-linux-gnueabihf/libc.so.6"
        wheel.unlink()


def test_riscv_extensions_are_compared_with_what_they_imply() -> None:
    # Rust (LLVM) writes c out as zca and zcd, a as zaamo and zalrsc; trixie's glibc (GCC 14)
    # records c and a alone: the same machine. These are the two real strings.
    rust = isa.riscv_isa(
        "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0_zmmul1p0_zaamo1p0_zalrsc1p0"
        "_zca1p0_zcd1p0"
    )
    glibc = isa.riscv_isa("rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0_zmmul1p0")
    assert rust is not None
    assert glibc is not None
    assert isa.beyond(rust, glibc) == []
    assert isa.riscv_implied("rv64", {"c", "d"}) >= {"zca", "zcd", "f", "zicsr"}
    assert "zcf" not in isa.riscv_implied("rv64", {"c", "f"})
    assert "zcf" in isa.riscv_implied("rv32", {"c", "f"})
    vector = isa.riscv_isa("rv64gcv")
    assert vector is not None
    assert isa.beyond(vector, glibc) == ["the extension v"]
