"""Libraries and symbol versions against a sysroot, on real ELF files made by Debian's cross
compilers (tests/fixtures/linkage/make-fixtures.sh) and, where provisioned, the real armhf
sysroot with Debian's own libc and OpenSSL."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from elfpatch import with_section_field
from harness import FIXTURES, CrossToolchain

from maturin_cross.checks import linkage
from maturin_cross.checks.linkage import Found
from maturin_cross.errors import WheelError
from maturin_cross.target import sysroot
from maturin_cross.target.arches import ARM_HARD, ElfFacts
from maturin_cross.target.sysroot import Sysroot

HERE = FIXTURES / "linkage"
ARMHF_DIRS = ["/lib/arm-linux-gnueabihf", "/lib", "/usr/lib/arm-linux-gnueabihf", "/usr/lib"]


def _dynamic(path: Path) -> linkage.Dynamic:
    with path.open("rb") as stream:
        return linkage.read_dynamic(stream, path.name)


def _bundled(folder: Path) -> dict[str, linkage.Dynamic]:
    """Every ELF file under ``folder``, by its name inside a wheel rooted there."""
    return {
        str(path.relative_to(folder)): _dynamic(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _check(
    member: str,
    path: Path,
    root: Sysroot | None,
    in_wheel: dict[str, linkage.Dynamic] | None = None,
) -> linkage.Report:
    return linkage.check(
        member, _dynamic(path), sysroot=root, library_dirs=ARMHF_DIRS, in_wheel=in_wheel or {}
    )


def test_reads_needs_versions_and_runpath() -> None:
    module = _dynamic(HERE / "armhf" / "needs-glibc-2.38.so")
    assert module.needed == ("libc.so.6",)
    assert module.required == {"libc.so.6": ("GLIBC_2.38",)}
    assert module.kind == ElfFacts("EM_ARM", 32, True, ARM_HARD)
    ssl = _dynamic(HERE / "armhf" / "libssl.so.3")
    assert ssl.soname == "libssl.so.3"
    assert ssl.defined == ("OPENSSL_3.0.0",)
    core = _dynamic(HERE / "pkg" / "pkg" / "_core.cpython-311-arm-linux-gnueabihf.so")
    assert core.runpath == ("$ORIGIN/../pkg.libs",)
    assert core.needed == ("libbundled-1a2b3c4d.so.1",)


def test_not_elf_is_one_line() -> None:
    with pytest.raises(WheelError, match=r"^x.so: not a readable ELF file \(.*\); rebuild it$"):
        linkage.read_dynamic(io.BytesIO(b"\x7fELF\x01\x01\x01" + b"\0" * 9), "x.so")


def test_a_missing_library_names_what_to_install(tmp_path: Path) -> None:
    report = _check("pkg/_ssl.so", HERE / "armhf" / "needs-libssl.so", Sysroot(tmp_path, "t"))
    assert report.problems == (
        f"pkg/_ssl.so needs libssl.so.3, which {tmp_path} does not have; add it to the image "
        f'(Yocto: DEPENDS += "openssl"; Debian: libssl3)',
    )


def test_a_library_of_another_machine_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "usr" / "lib").mkdir(parents=True)
    shutil.copy(HERE / "arm64" / "libssl.so.3", tmp_path / "usr" / "lib")
    report = _check("pkg/_ssl.so", HERE / "armhf" / "needs-libssl.so", Sysroot(tmp_path, "t"))
    assert report.problems[0].startswith(
        f"pkg/_ssl.so needs libssl.so.3, which {tmp_path} does not have (passed over "
        f"/usr/lib/libssl.so.3: AArch64 64-bit LE)"
    )
    (tmp_path / "usr" / "lib" / "arm-linux-gnueabihf").mkdir()
    shutil.copy(HERE / "armhf" / "libssl.so.3", tmp_path / "usr" / "lib" / "arm-linux-gnueabihf")
    report = _check("pkg/_ssl.so", HERE / "armhf" / "needs-libssl.so", Sysroot(tmp_path, "t"))
    assert report.problems == ()
    assert report.found == (Found("libssl.so.3", "/usr/lib/arm-linux-gnueabihf/libssl.so.3"),)


def test_a_bundled_library_is_found_through_origin() -> None:
    report = _check(
        "pkg/_core.cpython-311-arm-linux-gnueabihf.so",
        HERE / "pkg" / "pkg" / "_core.cpython-311-arm-linux-gnueabihf.so",
        None,
        _bundled(HERE / "pkg"),
    )
    assert report.found == (
        Found("libbundled-1a2b3c4d.so.1", "wheel:pkg.libs/libbundled-1a2b3c4d.so.1"),
    )
    assert report.problems == ()


def test_without_a_sysroot_only_bundled_libraries_are_checked() -> None:
    report = _check("pkg/_ssl.so", HERE / "armhf" / "needs-libssl.so", None)
    assert report == linkage.Report("pkg/_ssl.so", (), ())


def test_too_new_glibc_against_debian_armhf(armhf: CrossToolchain) -> None:
    root = Sysroot(armhf.sysroot, "test")
    dirs = sysroot.library_dirs(root, "arm-linux-gnueabihf", 32, None)
    report = linkage.check(
        "pkg/_core.so",
        _dynamic(HERE / "armhf" / "needs-glibc-2.38.so"),
        sysroot=root,
        library_dirs=dirs,
        in_wheel={},
    )
    assert report.found == (Found("libc.so.6", "/lib/arm-linux-gnueabihf/libc.so.6"),)
    assert report.problems == (
        "pkg/_core.so needs GLIBC_2.38 from libc.so.6; the target's libc.so.6 "
        "(/lib/arm-linux-gnueabihf/libc.so.6) defines up to GLIBC_2.36: build with the target's "
        "toolchain or sysroot",
    )


def test_debian_armhf_python_modules_all_load(armhf: CrossToolchain) -> None:
    # The target's own extension modules (_ssl needs libssl.so.3 and OPENSSL_3.0.0) all pass.
    root = Sysroot(armhf.sysroot, "test")
    dirs = sysroot.library_dirs(root, "arm-linux-gnueabihf", 32, None)
    modules = sorted((armhf.sysroot / "usr" / "lib" / "python3.11" / "lib-dynload").glob("*.so"))
    assert len(modules) > 20
    for module in modules:
        report = linkage.check(
            module.name, _dynamic(module), sysroot=root, library_dirs=dirs, in_wheel={}
        )
        assert report.problems == (), report
    ssl = next(m for m in modules if m.name.startswith("_ssl."))
    found = linkage.check(
        ssl.name, _dynamic(ssl), sysroot=root, library_dirs=dirs, in_wheel={}
    ).found
    assert Found("libssl.so.3", "/usr/lib/arm-linux-gnueabihf/libssl.so.3") in found


ELF_FIXTURES = sorted(
    p
    for p in (FIXTURES / "elf").iterdir()
    if p.is_file() and p.read_bytes()[:4] == b"\x7fELF" and p.name != "truncated.so"
)


@pytest.mark.parametrize("path", ELF_FIXTURES, ids=[p.name for p in ELF_FIXTURES])
def test_every_real_fixture_reads(path: Path) -> None:
    # Every machine Debian can build for, each with its own dynamic tags: PowerPC64's
    # DT_PPC64_OPT (0x70000003) has no name in pyelftools and is passed over.
    dynamic = _dynamic(path)
    assert dynamic.kind.bits in (32, 64)
    assert all(isinstance(name, str) for name in dynamic.needed)


def test_a_truncated_file_is_one_line() -> None:
    with pytest.raises(WheelError, match=r"^truncated.so: not a readable ELF file"):
        _dynamic(FIXTURES / "elf" / "truncated.so")


@pytest.mark.parametrize(
    ("file", "section", "field", "value"),
    [
        # pyelftools asserts that the string table of DT_NEEDED is one
        ("linkage/armhf/needs-libssl.so", "SHT_DYNAMIC", "sh_link", 0),
        # a seek past what a file offset can hold (OverflowError)
        ("elf/x86_64-linux-gnu.so", "SHT_DYNAMIC", "sh_offset", 1 << 63),
    ],
)
def test_a_damaged_dynamic_section_is_one_line(
    file: str, section: str, field: str, value: int
) -> None:
    data = with_section_field((FIXTURES / file).read_bytes(), section, field, value)
    with pytest.raises(WheelError, match=r"^bad\.so: not a readable ELF file \(.+\); rebuild it$"):
        linkage.read_dynamic(io.BytesIO(data), "bad.so")
