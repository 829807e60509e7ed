"""The last check before a wheel is handed back, on real wheels (tests/helpers/wheelmaker.py) holding the
real ELF files of tests/fixtures/linkage/ and tests/fixtures/elf/, against sysroots laid out in
the test's folder and, where provisioned, Debian's real armhf sysroot."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from harness import FIXTURES, CrossToolchain
from repaircases import ARMHF, TargetSpec
from wheelmaker import make_wheel

from maturin_cross.checks import proof
from maturin_cross.checks.linkage import Found
from maturin_cross.errors import WheelError
from maturin_cross.target.sysroot import Sysroot

LINKAGE = FIXTURES / "linkage"
CORE = "pkg/_core.cpython-311-arm-linux-gnueabihf.so"
BUNDLED = "pkg.libs/libbundled-1a2b3c4d.so.1"
TAG = ("cp311-cp311-linux_armv7l",)
ARMHF_311 = TargetSpec(
    vars={
        **(ARMHF.vars or {}),
        "VERSION": "3.11",
        "EXT_SUFFIX": ".cpython-311-arm-linux-gnueabihf.so",
    }
)
"""The target of CORE, a CPython 3.11 module."""


def _wheel(folder: Path, files: dict[str, Path], tags: tuple[str, ...] = TAG) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    members: dict[str, bytes | tuple[bytes, int]] = {"pkg/__init__.py": b""}
    members |= {name: (path.read_bytes(), 0o755) for name, path in files.items()}
    return make_wheel(folder, name="pkg", tags=tags, files=members)


def _sysroot(folder: Path, libs: dict[str, Path] | None = None) -> Sysroot:
    for target_path, source in (libs or {}).items():
        dest = folder / target_path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, dest)
    (folder / "usr" / "lib").mkdir(parents=True, exist_ok=True)
    return Sysroot(folder, "test")


def test_a_bundled_library_found_through_origin_passes(tmp_path: Path) -> None:
    wheel = _wheel(
        tmp_path / "in",
        {CORE: LINKAGE / "pkg" / CORE, BUNDLED: LINKAGE / "pkg" / BUNDLED},
    )
    checked = proof.prove(wheel, ARMHF_311.resolve(), _sysroot(tmp_path / "sysroot"))
    assert checked.problems == ()
    found = {r.member: r.found for r in checked.reports}
    assert found[CORE] == (Found("libbundled-1a2b3c4d.so.1", f"wheel:{BUNDLED}"),)


def test_a_library_the_sysroot_lacks_is_refused_naming_what_to_install(tmp_path: Path) -> None:
    lib = "pkg.libs/libuses-ssl.so.1"
    wheel = _wheel(tmp_path / "in", {lib: LINKAGE / "armhf" / "needs-libssl.so"})
    root = _sysroot(tmp_path / "sysroot")
    checked = proof.prove(wheel, ARMHF.resolve(), root)
    assert checked.problems == (
        f"{lib} needs libssl.so.3, which {root.root} does not have; add it to the image "
        f'(Yocto: DEPENDS += "openssl"; Debian: libssl3)',
    )
    # With the library in the sysroot's multiarch folder, it passes.
    present = _sysroot(
        tmp_path / "full",
        {"/usr/lib/arm-linux-gnueabihf/libssl.so.3": LINKAGE / "armhf" / "libssl.so.3"},
    )
    assert proof.prove(wheel, ARMHF.resolve(), present).problems == ()


def test_every_binary_is_checked_programs_too(tmp_path: Path) -> None:
    # A program in .data/scripts built for aarch64, in an armhf wheel.
    program = "pkg-0.1.0.data/scripts/tool"
    wheel = _wheel(tmp_path / "in", {program: LINKAGE / "arm64" / "libssl.so.3"})
    checked = proof.prove(wheel, ARMHF.resolve(), None)
    assert len(checked.problems) == 1
    assert checked.problems[0].startswith(f"{program} is ELF AArch64 64-bit LE")


def test_without_a_sysroot_a_note_says_libraries_were_not_checked(tmp_path: Path) -> None:
    wheel = _wheel(
        tmp_path / "in", {"pkg.libs/libuses-ssl.so.1": LINKAGE / "armhf" / "needs-libssl.so"}
    )
    checked = proof.prove(wheel, ARMHF.resolve(), None)
    assert checked.problems == ()
    assert checked.notes == (proof.NO_SYSROOT,)


def test_a_manylinux_tag_is_checked_against_auditwheels_policy(tmp_path: Path) -> None:
    lib = "pkg.libs/libnew.so.1"
    wheel = _wheel(
        tmp_path / "in",
        {lib: LINKAGE / "armhf" / "needs-glibc-2.38.so"},
        tags=("cp311-cp311-manylinux_2_17_armv7l",),
    )
    checked = proof.prove(wheel, ARMHF.resolve(), None)
    assert checked.problems == (
        f"{lib} needs GLIBC_2.38 from libc.so.6, newer than manylinux_2_17 allows on armv7l "
        "(GLIBC_2.17 at most); build against an older C library or tag the wheel for a newer policy",
    )


def test_the_proof_reads_back_what_inspect_checks(tmp_path: Path) -> None:
    """In the same pass: examine's checks (module names, WHEEL tags against the file name) and
    their refusals, as well as the loader's."""
    py311 = ARMHF_311.resolve()
    right = _wheel(tmp_path / "right", {CORE: LINKAGE / "pkg" / CORE})
    checked = proof.prove(right, py311, None)
    assert (checked.problems, checked.changes) == ((), ())

    misnamed = "pkg/_core.cpython-311-armv7l-linux-gnueabihf.so"
    wrong = _wheel(tmp_path / "wrong", {misnamed: LINKAGE / "pkg" / CORE})
    checked = proof.prove(wrong, py311, None)
    assert checked.changes == (f"renamed {misnamed} -> {CORE.split('/')[1]}",)
    assert checked.problems == ()

    other_python = proof.prove(right, ARMHF.resolve(), None)  # a 3.12 target
    (problem,) = other_python.problems
    assert "is built for CPython 3.11" in problem

    not_elf = _wheel(tmp_path / "not-elf", {"pkg/_data.so": FIXTURES / "elf" / "not-elf.so"})
    (problem,) = proof.prove(not_elf, ARMHF.resolve(), None).problems
    assert "pkg/_data.so is not an ELF file" in problem

    damaged = _wheel(tmp_path / "damaged", {CORE: LINKAGE / "pkg" / CORE})
    data = bytearray(damaged.read_bytes())
    with zipfile.ZipFile(damaged) as archive:
        info = archive.getinfo(CORE)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(WheelError, match=f"{CORE}: cannot be read"):
        proof.prove(damaged, ARMHF.resolve(), None)


def test_a_too_new_glibc_against_debian_armhf(armhf: CrossToolchain, tmp_path: Path) -> None:
    lib = "pkg.libs/libnew.so.1"
    wheel = _wheel(tmp_path / "in", {lib: LINKAGE / "armhf" / "needs-glibc-2.38.so"})
    checked = proof.prove(wheel, ARMHF.resolve(), Sysroot(armhf.sysroot, "test"))
    assert checked.problems == (
        f"{lib} needs GLIBC_2.38 from libc.so.6; the target's libc.so.6 "
        "(/lib/arm-linux-gnueabihf/libc.so.6) defines up to GLIBC_2.36: build with the target's "
        "toolchain or sysroot",
    )
