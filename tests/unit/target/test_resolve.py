"""target.py: from a target's sysconfigdata (tests/fixtures/sysconfigdata) and from Rust triples
to the Rust target, multiarch, EXT_SUFFIX, wheel tags, pointer width and ELF facts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness
import pytest
from harness import clean_environ, run_cli
from origins import said, sourced

from maturin_cross.errors import ConfigError, TargetError
from maturin_cross.settings.origin import Kind, Origin, Sourced, decide
from maturin_cross.target import sysconfigdata
from maturin_cross.target.arches import (
    ARM_HARD,
    ARM_SOFT,
    MACHINE_NAMES,
    MIPS_N32,
    MIPS_N64,
    MIPS_O32,
    PPC64_ELFV2,
    RISCV_DOUBLE,
    ElfFacts,
)
from maturin_cross.target.multiarch import (
    KNOWN_MULTIARCHES,
    multiarch_from_gnu_type,
    parse_multiarch,
    parse_rust_target,
)
from maturin_cross.target.resolve import Target, arm_isa_from, resolve
from maturin_cross.target.sysconfigdata import SysconfigData

FIXTURES = harness.FIXTURES / "sysconfigdata"
LE, BE = True, False
QEMUARM = "yocto-qemuarm/_sysconfigdata__linux_arm-linux-gnueabihf.py"


def load(fixture: str) -> dict[str, object]:
    return dict(sysconfigdata.parse(FIXTURES / fixture, said("test")).vars)


def resolve_fixture(
    fixture: str,
    *,
    rust_target: Sourced | None = None,
    platform_tag: tuple[str, str] | None = None,
    host_platform: str | None = None,
) -> Target:
    host = Origin(Kind.CONVENTION, "_PYTHON_HOST_PLATFORM")
    return resolve(
        SysconfigData.of(load(fixture), str(FIXTURES / fixture)),
        rust_target=rust_target,
        platform_tag=decide(
            [
                Sourced(host_platform, host) if host_platform else None,
                Sourced(platform_tag[0], Origin(Kind.CONFIG_SETTING, platform_tag[1]))
                if platform_tag
                else None,
            ]
        ),
    )


# ------------------------------------------------------------------------------------------------
# Every fixture: what the target is


@dataclass(frozen=True)
class Case:
    fixture: str
    rust_target: str
    multiarch: str
    ext_suffix: str
    platform_tag: str
    python_tag: str
    abi_tag: str
    pointer_width: int
    elf: ElfFacts


YOCTO = [
    Case(
        "yocto-qemuarm/_sysconfigdata__linux_arm-linux-gnueabihf.py",
        "armv7-unknown-linux-gnueabihf",
        "arm-linux-gnueabihf",
        ".cpython-312-arm-linux-gnueabihf.so",
        "linux_armv7l",
        "cp312",
        "cp312",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_HARD),
    ),
    Case(
        "yocto-qemuarm64/_sysconfigdata__linux_aarch64-linux-gnu.py",
        "aarch64-unknown-linux-gnu",
        "aarch64-linux-gnu",
        ".cpython-312-aarch64-linux-gnu.so",
        "linux_aarch64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_AARCH64", 64, LE),
    ),
    Case(
        "yocto-qemumips/_sysconfigdata__linux_mips-linux-gnu.py",
        "mips-unknown-linux-gnu",
        "mips-linux-gnu",
        ".cpython-312-mips-linux-gnu.so",
        "linux_mips",
        "cp312",
        "cp312",
        32,
        ElfFacts("EM_MIPS", 32, BE, MIPS_O32, r6=False, soft_float=False),
    ),
    Case(
        "yocto-qemumips64/_sysconfigdata__linux_mips64-linux-gnuabi64.py",
        "mips64-unknown-linux-gnuabi64",
        "mips64-linux-gnuabi64",
        ".cpython-312-mips64-linux-gnuabi64.so",
        "linux_mips64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_MIPS", 64, BE, MIPS_N64, r6=False, soft_float=False),
    ),
    Case(
        "yocto-qemuppc/_sysconfigdata__linux_powerpc-linux-gnu.py",
        "powerpc-unknown-linux-gnu",
        "powerpc-linux-gnu",
        ".cpython-312-powerpc-linux-gnu.so",
        "linux_ppc",
        "cp312",
        "cp312",
        32,
        ElfFacts("EM_PPC", 32, BE),
    ),
    Case(
        "yocto-qemux86/_sysconfigdata__linux_i386-linux-gnu.py",
        "i686-unknown-linux-gnu",
        "i386-linux-gnu",
        ".cpython-312-i386-linux-gnu.so",
        "linux_i686",
        "cp312",
        "cp312",
        32,
        ElfFacts("EM_386", 32, LE),
    ),
    Case(
        "yocto-qemux86-64/_sysconfigdata__linux_x86_64-linux-gnu.py",
        "x86_64-unknown-linux-gnu",
        "x86_64-linux-gnu",
        ".cpython-312-x86_64-linux-gnu.so",
        "linux_x86_64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_X86_64", 64, LE),
    ),
]

OTHERS = [
    Case(
        "yocto-qemuarm/python-sysconfigdata/_sysconfigdata.py",
        "armv7-unknown-linux-gnueabihf",
        "arm-linux-gnueabihf",
        ".cpython-312-arm-linux-gnueabihf.so",
        "linux_armv7l",
        "cp312",
        "cp312",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_HARD),
    ),
    Case(
        "yocto-oneline-qemux86-64/_sysconfigdata__linux_x86_64-linux-gnu.py",
        "x86_64-unknown-linux-gnu",
        "x86_64-linux-gnu",
        ".cpython-312-x86_64-linux-gnu.so",
        "linux_x86_64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_X86_64", 64, LE),
    ),
    Case(
        "yocto-qemuriscv64/_sysconfigdata__linux_riscv64-linux-gnu.py",
        "riscv64gc-unknown-linux-gnu",
        "riscv64-linux-gnu",
        ".cpython-312-riscv64-linux-gnu.so",
        "linux_riscv64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_RISCV", 64, LE, RISCV_DOUBLE),
    ),
    Case(
        "yocto-qemuarm64-musl/_sysconfigdata__linux_aarch64-linux-musl.py",
        "aarch64-unknown-linux-musl",
        "aarch64-linux-musl",
        ".cpython-312-aarch64-linux-musl.so",
        "linux_aarch64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_AARCH64", 64, LE),
    ),
    Case(
        "alpine-x86_64/_sysconfigdata__linux_x86_64-linux-musl.py",
        "x86_64-unknown-linux-musl",
        "x86_64-linux-musl",
        ".cpython-312-x86_64-linux-musl.so",
        "linux_x86_64",
        "cp312",
        "cp312",
        64,
        ElfFacts("EM_X86_64", 64, LE),
    ),
    Case(
        "alpine-armv7/_sysconfigdata__linux_arm-linux-musleabihf.py",
        "armv7-unknown-linux-musleabihf",
        "arm-linux-musleabihf",
        ".cpython-312-arm-linux-musleabihf.so",
        "linux_armv7l",
        "cp312",
        "cp312",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_HARD),
    ),
    Case(
        "freethreaded-313t/_sysconfigdata_t_linux_aarch64-linux-gnu.py",
        "aarch64-unknown-linux-gnu",
        "aarch64-linux-gnu",
        ".cpython-313t-aarch64-linux-gnu.so",
        "linux_aarch64",
        "cp313",
        "cp313t",
        64,
        ElfFacts("EM_AARCH64", 64, LE),
    ),
    Case(
        "debian-armhf/_sysconfigdata__arm-linux-gnueabihf.py",
        "armv7-unknown-linux-gnueabihf",
        "arm-linux-gnueabihf",
        ".cpython-311-arm-linux-gnueabihf.so",
        "linux_armv7l",
        "cp311",
        "cp311",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_HARD),
    ),
    Case(
        "debian-armhf/_sysconfigdata__linux_arm-linux-gnueabihf.py",
        "armv7-unknown-linux-gnueabihf",
        "arm-linux-gnueabihf",
        ".cpython-311-arm-linux-gnueabihf.so",
        "linux_armv7l",
        "cp311",
        "cp311",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_HARD),
    ),
    Case(
        "debian-mipsel/_sysconfigdata__mipsel-linux-gnu.py",
        "mipsel-unknown-linux-gnu",
        "mipsel-linux-gnu",
        ".cpython-311-mipsel-linux-gnu.so",
        "linux_mips",
        "cp311",
        "cp311",
        32,
        ElfFacts("EM_MIPS", 32, LE, MIPS_O32, r6=False, soft_float=False),
    ),
    Case(
        "debian-mips64el/_sysconfigdata__mips64el-linux-gnuabi64.py",
        "mips64el-unknown-linux-gnuabi64",
        "mips64el-linux-gnuabi64",
        ".cpython-311-mips64el-linux-gnuabi64.so",
        "linux_mips64",
        "cp311",
        "cp311",
        64,
        ElfFacts("EM_MIPS", 64, LE, MIPS_N64, r6=False, soft_float=False),
    ),
    Case(
        "debian-x32/_sysconfigdata__x86_64-linux-gnux32.py",
        "x86_64-unknown-linux-gnux32",
        "x86_64-linux-gnux32",
        ".cpython-311-x86_64-linux-gnux32.so",
        "linux_x86_64",
        "cp311",
        "cp311",
        32,
        ElfFacts("EM_X86_64", 32, LE),
    ),
    Case(
        "debian-riscv64/_sysconfigdata__riscv64-linux-gnu.py",
        "riscv64gc-unknown-linux-gnu",
        "riscv64-linux-gnu",
        ".cpython-311-riscv64-linux-gnu.so",
        "linux_riscv64",
        "cp311",
        "cp311",
        64,
        ElfFacts("EM_RISCV", 64, LE, RISCV_DOUBLE),
    ),
    Case(
        "debian-armel/_sysconfigdata__arm-linux-gnueabi.py",
        "armv5te-unknown-linux-gnueabi",
        "arm-linux-gnueabi",
        ".cpython-311-arm-linux-gnueabi.so",
        "linux_armv5tel",
        "cp311",
        "cp311",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_SOFT),
    ),
    Case(
        "raspios-armhf/_sysconfigdata__arm-linux-gnueabihf.py",
        "arm-unknown-linux-gnueabihf",
        "arm-linux-gnueabihf",
        ".cpython-311-arm-linux-gnueabihf.so",
        "linux_armv6l",
        "cp311",
        "cp311",
        32,
        ElfFacts("EM_ARM", 32, LE, ARM_HARD),
    ),
    Case(
        "debian-ppc64el/_sysconfigdata__powerpc64le-linux-gnu.py",
        "powerpc64le-unknown-linux-gnu",
        "powerpc64le-linux-gnu",
        ".cpython-311-powerpc64le-linux-gnu.so",
        "linux_ppc64le",
        "cp311",
        "cp311",
        64,
        ElfFacts("EM_PPC64", 64, LE, PPC64_ELFV2),
    ),
    Case(
        "debian-s390x/_sysconfigdata__s390x-linux-gnu.py",
        "s390x-unknown-linux-gnu",
        "s390x-linux-gnu",
        ".cpython-311-s390x-linux-gnu.so",
        "linux_s390x",
        "cp311",
        "cp311",
        64,
        ElfFacts("EM_S390", 64, BE),
    ),
]


def _id(case: Case) -> str:
    """The fixture's folder, and which file where a folder holds two."""
    folder = case.fixture.split("/")[0]
    if "/python-sysconfigdata/" in case.fixture:
        return f"{folder}-python-sysconfigdata"
    if (FIXTURES / case.fixture).is_symlink():
        return f"{folder}-symlink"
    return folder


def test_every_fixture_has_a_case() -> None:
    covered = {case.fixture for case in YOCTO + OTHERS}
    good = {
        str(path.relative_to(FIXTURES))
        for path in FIXTURES.rglob("_sysconfigdata*.py")
        if not path.parent.name.startswith(("bad-", "pypy-"))
    }
    assert good == covered


@pytest.mark.parametrize("case", YOCTO + OTHERS, ids=_id)
def test_target_from_sysconfigdata(case: Case) -> None:
    target = resolve_fixture(case.fixture)
    assert target.python is not None
    got = (
        target.rust_target,
        target.multiarch,
        target.expected_ext_suffix,
        target.platform_tag,
        target.python.python_tag,
        target.python.abi_tag,
        target.pointer_width,
        target.elf,
    )
    want = (
        case.rust_target,
        case.multiarch,
        case.ext_suffix,
        case.platform_tag,
        case.python_tag,
        case.abi_tag,
        case.pointer_width,
        case.elf,
    )
    assert got == want
    assert target.ext_suffix == case.ext_suffix  # the file's own value, not a synthesised one
    assert target.python.ext_suffix_for(target.multiarch) == case.ext_suffix
    assert target.python.free_threaded == case.abi_tag.endswith("t")
    assert target.sysconfigdata == str(FIXTURES / case.fixture)
    assert target.notes == ()
    assert str(target.sources["ext_suffix"]) == "EXT_SUFFIX of the sysconfigdata"
    assert str(target.sources["multiarch"]) == "MULTIARCH of the sysconfigdata"
    assert str(target.sources["pointer_width"]) == "SIZEOF_VOID_P of the sysconfigdata"


@pytest.mark.parametrize(
    ("fixture", "told"),
    [
        ("yocto-qemuarm/_sysconfigdata__linux_arm-linux-gnueabihf.py", "-march=armv7ve in CC"),
        ("raspios-armhf/_sysconfigdata__arm-linux-gnueabihf.py", "-march=armv6 in CFLAGS"),
        (
            "alpine-armv7/_sysconfigdata__linux_arm-linux-musleabihf.py",
            "HOST_GNU_TYPE=armv7-alpine-linux-musleabihf",
        ),
        (
            "debian-armel/_sysconfigdata__arm-linux-gnueabi.py",
            "default ARM ISA for arm-linux-gnueabi",
        ),
        # HOST_GNU_TYPE is armv8l-unknown-linux-gnueabihf: the arm64 buildd, not the target.
        (
            "debian-armhf/_sysconfigdata__arm-linux-gnueabihf.py",
            "default ARM ISA for arm-linux-gnueabihf",
        ),
    ],
    ids=["yocto-qemuarm", "raspios-armhf", "alpine-armv7", "debian-armel", "debian-armhf"],
)
def test_arm_isa_source_is_named(fixture: str, told: str) -> None:
    target = resolve_fixture(fixture)
    assert str(target.sources["rust_target"]) == f"MULTIARCH of the sysconfigdata, ISA from {told}"


def test_debian_armel_built_on_an_arm64_buildd_stays_armv5te() -> None:
    # Debian builds armel and armhf in 32-bit chroots on arm64 machines; config.guess then says
    # armv8l (the real armhf fixture shows it). That names the build machine, not armel's ARMv5TE.
    vars = load("debian-armel/_sysconfigdata__arm-linux-gnueabi.py")
    vars["HOST_GNU_TYPE"] = vars["BUILD_GNU_TYPE"] = "armv8l-unknown-linux-gnueabi"
    target = resolve(SysconfigData.of(vars, "armel"))
    assert (target.rust_target, target.platform_tag) == (
        "armv5te-unknown-linux-gnueabi",
        "linux_armv5tel",
    )


# ------------------------------------------------------------------------------------------------
# When MULTIARCH is missing: SOABI, then HOST_GNU_TYPE


@pytest.mark.parametrize(
    ("fixture", "drop", "multiarch", "rust_target", "source"),
    [
        (
            "yocto-qemumips64/_sysconfigdata__linux_mips64-linux-gnuabi64.py",
            ("MULTIARCH",),
            "mips64-linux-gnuabi64",
            "mips64-unknown-linux-gnuabi64",
            "SOABI of the sysconfigdata",
        ),
        (
            "freethreaded-313t/_sysconfigdata_t_linux_aarch64-linux-gnu.py",
            ("MULTIARCH",),
            "aarch64-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "SOABI of the sysconfigdata",
        ),
        (
            "yocto-qemumips64/_sysconfigdata__linux_mips64-linux-gnuabi64.py",
            ("MULTIARCH", "SOABI"),
            "mips64-linux-gnuabi64",
            "mips64-unknown-linux-gnuabi64",
            "HOST_GNU_TYPE of the sysconfigdata",
        ),
        (
            "yocto-qemux86/_sysconfigdata__linux_i386-linux-gnu.py",
            ("MULTIARCH", "SOABI"),
            "i386-linux-gnu",
            "i686-unknown-linux-gnu",
            "HOST_GNU_TYPE of the sysconfigdata",
        ),
        (
            "alpine-armv7/_sysconfigdata__linux_arm-linux-musleabihf.py",
            ("MULTIARCH", "SOABI"),
            "arm-linux-musleabihf",
            "armv7-unknown-linux-musleabihf",
            "HOST_GNU_TYPE of the sysconfigdata",
        ),
    ],
    ids=["mips64-soabi", "313t-soabi", "mips64-host", "x86-host", "alpine-armv7-host"],
)
def test_multiarch_fallbacks(
    fixture: str, drop: tuple[str, ...], multiarch: str, rust_target: str, source: str
) -> None:
    vars = load(fixture)
    for key in drop:
        del vars[key]
    target = resolve(SysconfigData.of(vars, fixture))
    assert (target.multiarch, target.rust_target) == (multiarch, rust_target)
    assert str(target.sources["multiarch"]) == source


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # Yocto's qemuarm with neither MULTIARCH nor SOABI: HOST_GNU_TYPE says gnueabi, CC says hard.
        (
            {"MULTIARCH": None, "SOABI": None},
            "MULTIARCH arm-linux-gnueabi is soft-float but the compiler flags say -mfloat-abi=hard",
        ),
        # A vendor-patched Python with a triplet CPython never uses.
        ({"MULTIARCH": "arm-linux-foo"}, "'arm-linux-foo' is not a CPython Linux multiarch"),
    ],
    ids=["hard-flags-soft-triplet", "unknown-multiarch"],
)
def test_sysconfigdata_that_names_no_target(changes: dict[str, object], expected: str) -> None:
    vars = load(QEMUARM)
    for key, value in changes.items():
        if value is None:
            del vars[key]
        else:
            vars[key] = value
    with pytest.raises(TargetError) as info:
        resolve(SysconfigData.of(vars, "/sysroot/usr/lib/python3.12/_sysconfigdata.py"))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("/sysroot/usr/lib/python3.12/_sysconfigdata.py")
    assert expected in message
    assert "-C target=" in message
    # ... and doing what it says works: the explicit target stands alone.
    target = resolve(
        SysconfigData.of(vars, "/sysroot/usr/lib/python3.12/_sysconfigdata.py"),
        rust_target=sourced("armv7-poky-linux-gnueabihf", "-C target"),
    )
    assert (target.rust_target, target.multiarch, target.platform_tag) == (
        "armv7-poky-linux-gnueabihf",
        "arm-linux-gnueabihf",
        "linux_armv7l",
    )
    assert target.ext_suffix == vars["EXT_SUFFIX"]
    assert str(target.sources["multiarch"]) == "Rust target armv7-poky-linux-gnueabihf"


def test_sysconfigdata_without_version() -> None:
    vars = load(QEMUARM)
    vars["VERSION"] = "three"
    with pytest.raises(TargetError) as info:
        resolve(SysconfigData.of(vars, "/sysroot/_sysconfigdata.py"))
    assert str(info.value) == (
        "/sysroot/_sysconfigdata.py: VERSION='three' is not X.Y; is this a CPython sysconfigdata file?"
    )


# ------------------------------------------------------------------------------------------------
# The seven Yocto machines through the CLI: `inspect --json`


def _clean_environ(tmp_path: Path) -> dict[str, str]:
    return clean_environ(HOME=str(tmp_path))


@pytest.mark.parametrize("case", YOCTO, ids=_id)
def test_cli_inspect_json(case: Case, tmp_path: Path) -> None:
    path = FIXTURES / case.fixture
    done = run_cli(
        ["inspect", "--sysconfigdata", path, "--json"],
        cwd=tmp_path,
        env=_clean_environ(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    got = {
        key: data[key]
        for key in (
            "ext_suffix",
            "rust_target",
            "platform_tag",
            "python_tag",
            "abi_tag",
            "multiarch",
            "pointer_width",
            "sysconfigdata",
        )
    }
    assert got == {
        "ext_suffix": case.ext_suffix,
        "rust_target": case.rust_target,
        "platform_tag": case.platform_tag,
        "python_tag": case.python_tag,
        "abi_tag": case.abi_tag,
        "multiarch": case.multiarch,
        "pointer_width": case.pointer_width,
        "sysconfigdata": str(path),
    }
    assert data["elf"] == {
        "machine": case.elf.machine,
        "bits": case.elf.bits,
        "endianness": "little" if case.elf.little_endian else "big",
        "abi": case.elf.abi,
    }


# ------------------------------------------------------------------------------------------------
# An explicit Rust target


@pytest.mark.parametrize(
    ("fixture", "triple", "setting"),
    [
        (QEMUARM, "armv7-poky-linux-gnueabihf", "-C target"),
        (QEMUARM, "thumbv7neon-unknown-linux-gnueabihf", "CARGO_BUILD_TARGET"),
        (
            "yocto-qemumips64/_sysconfigdata__linux_mips64-linux-gnuabi64.py",
            "mips64-poky-linux-gnu",
            "CARGO_BUILD_TARGET",
        ),
        (
            "yocto-qemuriscv64/_sysconfigdata__linux_riscv64-linux-gnu.py",
            "riscv64gc-poky-linux-gnu",
            "CARGO_BUILD_TARGET",
        ),
        (
            "yocto-qemux86/_sysconfigdata__linux_i386-linux-gnu.py",
            "i686-poky-linux-gnu",
            "tool.maturin-cross.target",
        ),
        (
            "yocto-qemuarm64-musl/_sysconfigdata__linux_aarch64-linux-musl.py",
            "aarch64-poky-linux-musl",
            "-C target",
        ),
    ],
    ids=["armv7-poky", "thumbv7neon", "mips64-poky", "riscv64gc-poky", "i686-poky", "musl-poky"],
)
def test_explicit_rust_target_is_taken_as_given(fixture: str, triple: str, setting: str) -> None:
    derived = resolve_fixture(fixture)
    target = resolve_fixture(fixture, rust_target=sourced(triple, setting))
    assert target.rust_target == triple
    assert str(target.sources["rust_target"]) == setting
    # Everything else still comes from the sysconfigdata.
    assert (target.multiarch, target.expected_ext_suffix, target.platform_tag, target.elf) == (
        derived.multiarch,
        derived.expected_ext_suffix,
        derived.platform_tag,
        derived.elf,
    )


@pytest.mark.parametrize(
    ("fixture", "triple", "multiarch"),
    [
        (
            "debian-armhf/_sysconfigdata__arm-linux-gnueabihf.py",
            "aarch64-unknown-linux-gnu",
            "arm-linux-gnueabihf",
        ),
        (QEMUARM, "armv7-unknown-linux-gnueabi", "arm-linux-gnueabihf"),
        (
            "debian-mipsel/_sysconfigdata__mipsel-linux-gnu.py",
            "mips-unknown-linux-gnu",
            "mipsel-linux-gnu",
        ),
        (
            "debian-x32/_sysconfigdata__x86_64-linux-gnux32.py",
            "x86_64-unknown-linux-gnu",
            "x86_64-linux-gnux32",
        ),
        (
            "yocto-qemumips64/_sysconfigdata__linux_mips64-linux-gnuabi64.py",
            "mips-unknown-linux-gnu",
            "mips64-linux-gnuabi64",
        ),
    ],
    ids=["aarch64-for-armhf", "soft-for-hard", "mips-for-mipsel", "x86_64-for-x32", "o32-for-n64"],
)
def test_explicit_rust_target_that_does_not_fit(fixture: str, triple: str, multiarch: str) -> None:
    with pytest.raises(TargetError) as info:
        resolve_fixture(fixture, rust_target=sourced(triple, "-C target"))
    message = str(info.value)
    assert "\n" not in message
    for part in (triple, "-C target", multiarch, str(FIXTURES / fixture), "fix -C target"):
        assert part in message


def test_rust_target_alone() -> None:
    target = resolve(None, rust_target=sourced("armv7-poky-linux-gnueabihf", "-C target"))
    assert target.python is None
    assert target.ext_suffix is None and target.expected_ext_suffix is None
    assert (target.multiarch, target.platform_tag, target.pointer_width) == (
        "arm-linux-gnueabihf",
        "linux_armv7l",
        32,
    )
    assert str(target.sources["pointer_width"]) == "ELF class of arm-linux-gnueabihf"
    assert str(target.sources["multiarch"]) == "Rust target armv7-poky-linux-gnueabihf"


def test_no_target_at_all() -> None:
    with pytest.raises(TargetError, match="pass a sysconfigdata file or a Rust target triple"):
        resolve(None)


# ------------------------------------------------------------------------------------------------
# parse_rust_target


RUST_TARGETS = [
    ("armv7-poky-linux-gnueabihf", "arm-linux-gnueabihf", "armv7l"),
    ("arm-poky-linux-gnueabi", "arm-linux-gnueabi", "armv6l"),
    ("mips64-poky-linux-gnu", "mips64-linux-gnuabi64", "mips64"),
    ("mips64el-unknown-linux-gnuabi64", "mips64el-linux-gnuabi64", "mips64"),
    ("riscv64gc-poky-linux-gnu", "riscv64-linux-gnu", "riscv64"),
    ("riscv32gc-unknown-linux-gnu", "riscv32-linux-gnu", "riscv32"),
    ("x86_64-poky-linux-musl", "x86_64-linux-musl", "x86_64"),
    ("x86_64-unknown-linux-gnux32", "x86_64-linux-gnux32", "x86_64"),
    ("i586-unknown-linux-gnu", "i386-linux-gnu", "i686"),
    ("i686-poky-linux-gnu", "i386-linux-gnu", "i686"),
    ("thumbv7neon-unknown-linux-gnueabihf", "arm-linux-gnueabihf", "armv7l"),
    ("thumbv7neon-unknown-linux-musleabihf", "arm-linux-musleabihf", "armv7l"),
    ("armv7-unknown-linux-musleabihf", "arm-linux-musleabihf", "armv7l"),
    ("arm-unknown-linux-gnueabihf", "arm-linux-gnueabihf", "armv6l"),
    ("armv5te-unknown-linux-gnueabi", "arm-linux-gnueabi", "armv5tel"),
    ("armv4t-unknown-linux-gnueabi", "arm-linux-gnueabi", "armv4tl"),
    ("armeb-unknown-linux-gnueabi", "armeb-linux-gnueabi", "armv7b"),
    ("mips64-unknown-linux-muslabi64", "mips64-linux-musl", "mips64"),
    ("mips64el-unknown-linux-muslabi64", "mips64el-linux-musl", "mips64"),
    ("mipsel-unknown-linux-musl", "mipsel-linux-musl", "mips"),
    ("powerpc-unknown-linux-gnuspe", "powerpc-linux-gnuspe", "ppc"),
    ("powerpc64le-unknown-linux-gnu", "powerpc64le-linux-gnu", "ppc64le"),
    ("s390x-unknown-linux-gnu", "s390x-linux-gnu", "s390x"),
    ("loongarch64-unknown-linux-gnu", "loongarch64-linux-gnu", "loongarch64"),
    ("aarch64-unknown-linux-gnu_ilp32", "aarch64-linux-gnu_ilp32", "aarch64"),
    ("aarch64-linux-gnu", "aarch64-linux-gnu", "aarch64"),
]


@pytest.mark.parametrize(
    ("triple", "multiarch", "machine"), RUST_TARGETS, ids=[row[0] for row in RUST_TARGETS]
)
def test_parse_rust_target(triple: str, multiarch: str, machine: str) -> None:
    rust = parse_rust_target(triple)
    assert (rust.triple, rust.multiarch.name, rust.machine) == (triple, multiarch, machine)
    assert rust.multiarch == parse_multiarch(multiarch)


NOT_RUST_LINUX_TARGETS = [
    ("x86_64-pc-windows-msvc", "is not a Linux target"),
    ("aarch64-apple-darwin", "is not a Linux target"),
    ("wasm32-unknown-unknown", "is not a Linux target"),
    ("thumbv7em-none-eabihf", "is not a Linux target"),
    ("x86_64-unknown-freebsd", "is not a Linux target"),
    ("armv7", "is not ARCH-VENDOR-linux-ENV"),
    ("x86_64-unknown-linux-gnu-extra", "is not ARCH-VENDOR-linux-ENV"),
    ("hexagon-unknown-linux-musl", "architecture 'hexagon' is not one CPython builds for"),
    ("armfoo-unknown-linux-gnueabihf", "unknown ARM architecture 'armfoo'"),
    ("arm-unknown-linux-gnu", "ARM Linux needs an EABI environment"),
    ("x86_64-unknown-linux-ohos", "C library 'ohos' has no CPython multiarch"),
]


@pytest.mark.parametrize(
    ("triple", "says"), NOT_RUST_LINUX_TARGETS, ids=[row[0] for row in NOT_RUST_LINUX_TARGETS]
)
def test_parse_rust_target_refuses(triple: str, says: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_rust_target(triple)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"Rust target {triple!r}")
    assert says in message


# ------------------------------------------------------------------------------------------------
# The multiarch table


@pytest.mark.parametrize("multiarch", KNOWN_MULTIARCHES)
def test_known_multiarch(multiarch: str) -> None:
    triplet = parse_multiarch(multiarch)
    elf = triplet.elf
    assert elf.machine in MACHINE_NAMES
    assert elf.bits in (32, 64)
    assert (elf.r6 is not None) == (elf.machine == "EM_MIPS")
    assert (elf.abi == ARM_HARD) == (elf.machine == "EM_ARM" and triplet.env.endswith("hf"))
    if "x32" in triplet.env or "ilp32" in triplet.env or "abin32" in triplet.env:
        assert elf.bits == 32
    if elf.machine == "EM_MIPS":
        mips64 = triplet.arch.startswith(("mips64", "mipsisa64"))
        n32 = triplet.env.startswith("gnuabin32")
        assert (elf.abi, elf.bits) == (
            (MIPS_N32, 32) if n32 else (MIPS_N64, 64) if mips64 else (MIPS_O32, 32)
        )
        assert elf.r6 == ("r6" in triplet.arch)
    isas: tuple[str | None, ...] = ("v7", "v6", "v5te", "v4t") if triplet.arch == "arm" else (None,)
    for isa in isas:
        rust = triplet.rust_target(isa)
        if rust is None:  # no Rust target: listed in test_rust_has_no_target_for
            continue
        back = parse_rust_target(rust)
        assert back.multiarch.name == multiarch, rust
        assert back.multiarch.elf == elf
        assert back.arm_isa == isa
        assert back.machine == triplet.machine(isa)


def test_rust_has_no_target_for() -> None:
    without = sorted(m for m in KNOWN_MULTIARCHES if parse_multiarch(m).rust_target() is None)
    assert without == sorted(
        [
            "x86_64-linux-muslx32",
            "mips-linux-gnusf",
            "mipsel-linux-gnusf",
            "mips64-linux-gnuabin32",
            "mips64el-linux-gnuabin32",
            "mips64-linux-gnuabi64sf",
            "mips64el-linux-gnuabi64sf",
            "mipsisa64r6-linux-gnuabin32",
            "mipsisa64r6el-linux-gnuabin32",
            "s390-linux-gnu",
            "loongarch64-linux-gnuf32",
            "loongarch64-linux-gnusf",
            "alpha-linux-gnu",
            "hppa-linux-gnu",
            "sh4-linux-gnu",
            "ia64-linux-gnu",
            "or1k-linux-gnu",
        ]
    )


@pytest.mark.parametrize(
    "text",
    [
        "arm-linux-gnueabihf-extra",
        "arm-gnueabihf",
        "x86_64-freebsd-gnu",
        "vax-linux-gnu",
        "arm-linux-foo",
    ],
)
def test_parse_multiarch_refuses(text: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_multiarch(text)
    message = str(info.value)
    assert "\n" not in message
    assert f"{text!r} is not a CPython Linux multiarch" in message
    assert "-C target=" in message


@pytest.mark.parametrize(
    ("host", "multiarch"),
    [
        ("arm-poky-linux-gnueabi", "arm-linux-gnueabi"),
        ("armv7-alpine-linux-musleabihf", "arm-linux-musleabihf"),
        ("armeb-linux-gnueabihf", "armeb-linux-gnueabihf"),
        ("aarch64-poky-linux", "aarch64-linux-gnu"),
        ("aarch64-poky-linux-musl", "aarch64-linux-musl"),
        ("mips64-poky-linux", "mips64-linux-gnuabi64"),
        ("mips-poky-linux", "mips-linux-gnu"),
        ("powerpc-poky-linux", "powerpc-linux-gnu"),
        ("i686-poky-linux", "i386-linux-gnu"),
        ("i586-pc-linux-gnu", "i386-linux-gnu"),
        ("x86_64-poky-linux", "x86_64-linux-gnu"),
        ("x86_64-pc-linux-gnux32", "x86_64-linux-gnux32"),
        ("riscv64-unknown-linux-gnu", "riscv64-linux-gnu"),
        ("riscv64-poky-linux", "riscv64-linux-gnu"),
        ("arm-buildroot-linux-uclibcgnueabihf", "arm-linux-uclibceabihf"),
        ("x86_64-apple-darwin23", None),
        ("x86_64-w64-mingw32", None),
    ],
)
def test_multiarch_from_gnu_type(host: str, multiarch: str | None) -> None:
    assert multiarch_from_gnu_type(host) == multiarch


@pytest.mark.parametrize(
    ("vars", "isa"),
    [
        (
            {"CC": "arm-poky-linux-gnueabi-gcc -march=armv7ve -mthumb"},
            ("v7", "-march=armv7ve in CC"),
        ),
        ({"CFLAGS": "-O2 -march=armv6 -mfpu=vfp"}, ("v6", "-march=armv6 in CFLAGS")),
        ({"CC": "gcc -march=armv6 -march=armv7-a"}, ("v7", "-march=armv7-a in CC")),
        ({"CC": "gcc -mcpu=cortex-a7"}, ("v7", "-mcpu=cortex-a7 in CC")),
        ({"CC": "gcc -mcpu=arm1176jzf-s"}, ("v6", "-mcpu=arm1176jzf-s in CC")),
        ({"CC": "gcc -mcpu=arm926ej-s"}, ("v5te", "-mcpu=arm926ej-s in CC")),
        ({"CC": "gcc -mcpu=arm920t"}, ("v4t", "-mcpu=arm920t in CC")),
        (
            {"HOST_GNU_TYPE": "armv6-alpine-linux-musleabihf"},
            ("v6", "HOST_GNU_TYPE=armv6-alpine-linux-musleabihf"),
        ),
        (
            {"HOST_GNU_TYPE": "armv5tel-unknown-linux-gnueabi"},
            ("v5te", "HOST_GNU_TYPE=armv5tel-unknown-linux-gnueabi"),
        ),
        # config.guess on an arm64 kernel: the build machine, not the target.
        ({"HOST_GNU_TYPE": "armv8l-unknown-linux-gnueabi"}, (None, None)),
        (
            {"CC": "arm-linux-gnueabihf-gcc", "HOST_GNU_TYPE": "arm-poky-linux-gnueabi"},
            (None, None),
        ),
        ({}, (None, None)),
    ],
    ids=[
        "march-cc",
        "march-cflags",
        "last-march-wins",
        "mcpu-v7",
        "mcpu-v6",
        "mcpu-v5te",
        "mcpu-v4t",
        "host-v6",
        "host-v5te",
        "host-armv8l",
        "nothing-in-cc-or-host",
        "empty",
    ],
)
def test_arm_isa_from(vars: dict[str, object], isa: tuple[str | None, str | None]) -> None:
    assert arm_isa_from(SysconfigData.of(vars, "test")) == isa


# ------------------------------------------------------------------------------------------------
# The platform tag: _PYTHON_HOST_PLATFORM and the platform-tag setting


@pytest.mark.parametrize(
    ("fixture", "host_platform", "tag", "refined"),
    [
        (QEMUARM, "linux-arm", "linux_armv7l", True),
        ("raspios-armhf/_sysconfigdata__arm-linux-gnueabihf.py", "linux-arm", "linux_armv6l", True),
        ("debian-armel/_sysconfigdata__arm-linux-gnueabi.py", "linux-arm", "linux_armv5tel", True),
        ("debian-mipsel/_sysconfigdata__mipsel-linux-gnu.py", "linux-mipsel", "linux_mips", True),
        (
            "yocto-qemuppc/_sysconfigdata__linux_powerpc-linux-gnu.py",
            "linux-powerpc",
            "linux_ppc",
            True,
        ),
        (
            "debian-ppc64el/_sysconfigdata__powerpc64le-linux-gnu.py",
            "linux-powerpc64le",
            "linux_ppc64le",
            True,
        ),
        ("yocto-qemux86/_sysconfigdata__linux_i386-linux-gnu.py", "linux-i386", "linux_i686", True),
        (QEMUARM, "linux-armv7l", "linux_armv7l", False),
        (
            "yocto-qemuarm64/_sysconfigdata__linux_aarch64-linux-gnu.py",
            "linux-aarch64",
            "linux_aarch64",
            False,
        ),
        (
            "yocto-qemux86/_sysconfigdata__linux_i386-linux-gnu.py",
            "linux-i686",
            "linux_i686",
            False,
        ),
        (
            "yocto-qemumips64/_sysconfigdata__linux_mips64-linux-gnuabi64.py",
            "linux-mips64",
            "linux_mips64",
            False,
        ),
    ],
    ids=[
        "qemuarm-arm",
        "raspios-arm",
        "armel-arm",
        "mipsel-mipsel",
        "qemuppc-powerpc",
        "ppc64el-powerpc64le",
        "qemux86-i386",
        "qemuarm-armv7l",
        "qemuarm64-aarch64",
        "qemux86-i686",
        "qemumips64-mips64",
    ],
)
def test_host_platform(fixture: str, host_platform: str, tag: str, refined: bool) -> None:
    target = resolve_fixture(fixture, host_platform=host_platform)
    assert target.platform_tag == tag
    if refined:
        (note,) = target.notes
        assert "\n" not in note
        assert f"_PYTHON_HOST_PLATFORM={host_platform} names no machine" in note
        assert f"using {tag} from target {target.rust_target}" in note
        assert "set platform-tag" in note
        assert str(target.sources["platform_tag"]) == (
            f"Rust target {target.rust_target} (refining _PYTHON_HOST_PLATFORM)"
        )
    else:
        assert target.notes == ()
        assert str(target.sources["platform_tag"]) == "_PYTHON_HOST_PLATFORM"


@pytest.mark.parametrize(
    ("setting", "host_platform", "tag"),
    [
        ("linux-armv6l", "linux-arm", "linux_armv6l"),
        ("linux_armv7l", "linux-armv8l", "linux_armv7l"),
        ("linux_armv8l", None, "linux_armv8l"),
    ],
    ids=["over-generic", "over-specific", "alone"],
)
def test_platform_tag_setting_wins(setting: str, host_platform: str | None, tag: str) -> None:
    target = resolve_fixture(
        QEMUARM, platform_tag=(setting, "-C platform-tag"), host_platform=host_platform
    )
    assert target.platform_tag == tag
    assert str(target.sources["platform_tag"]) == "-C platform-tag"
    assert target.notes == ()


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"platform_tag": ("win_amd64", "-C platform-tag")}, "'win_amd64' (from -C platform-tag)"),
        (
            {"host_platform": "macosx-14.0-arm64"},
            "'macosx_14_0_arm64' (from _PYTHON_HOST_PLATFORM)",
        ),
    ],
    ids=["setting", "host-platform"],
)
def test_platform_tag_not_linux(kwargs: dict[str, Any], shown: str) -> None:
    with pytest.raises(TargetError) as info:
        resolve_fixture(QEMUARM, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert f"platform tag {shown} is not a linux_<machine> tag" in message


def test_elf_describe() -> None:
    assert resolve_fixture(QEMUARM).describe() == (
        "armv7-unknown-linux-gnueabihf (ARM 32-bit LE arm-hard-float)"
    )
    assert parse_multiarch("mipsisa64r6el-linux-gnuabi64").elf.describe() == (
        "MIPS 64-bit LE mips-n64 R6"
    )
    assert parse_multiarch("x86_64-linux-gnux32").elf.describe() == "x86-64 32-bit LE"


@pytest.mark.parametrize(
    ("host_platform", "triple", "tag", "note"),
    [
        (
            "linux-x86_64",
            "armv7-unknown-linux-gnueabihf",
            "linux_armv7l",
            "names a x86-64 machine, but the target is armv7-unknown-linux-gnueabihf",
        ),
        ("linux-x86_64", "i686-unknown-linux-gnu", "linux_i686", "names a x86-64 machine"),
        (
            "linux-aarch64",
            "powerpc64le-unknown-linux-gnu",
            "linux_ppc64le",
            "names a AArch64 machine",
        ),
        (
            "linux-armv8l",
            "armv7-unknown-linux-gnueabihf",
            "linux_armv7l",
            "32-bit userland on an ARMv8 kernel",
        ),
        ("linux-armv8l", "arm-unknown-linux-gnueabihf", "linux_armv8l", None),
        ("linux-x86_64", "x86_64-unknown-linux-gnux32", "linux_x86_64", None),
    ],
)
def test_host_platform_of_another_architecture_is_not_trusted(
    host_platform: str, triple: str, tag: str, note: str | None
) -> None:
    from maturin_cross.target.platform_tag import refine_host_platform

    got, said = refine_host_platform(host_platform, parse_rust_target(triple))
    assert got == tag
    if note is None:
        assert said is None
    else:
        assert said is not None and note in said


UCLIBC_ARMHF = {
    "ABIFLAGS": "",
    "EXT_SUFFIX": ".cpython-311.so",
    "HOST_GNU_TYPE": "arm-buildroot-linux-uclibcgnueabihf",
    "MULTIARCH": "",
    "SOABI": "cpython-311",
    "SIZEOF_VOID_P": 4,
    "VERSION": "3.11",
    "CC": "/opt/br/bin/arm-buildroot-linux-uclibcgnueabihf-gcc -march=armv7-a -mfloat-abi=hard",
}


def test_uclibc_sysconfigdata() -> None:
    """CPython has no triplet for uClibc (platform_triplet.c: `#error uclibc not supported`): its
    EXT_SUFFIX has none, and the target comes from HOST_GNU_TYPE as Buildroot/OpenWrt spell it."""
    target = resolve(SysconfigData.of(UCLIBC_ARMHF, "/staging/_sysconfigdata__linux_.py"))
    assert target.rust_target == "armv7-unknown-linux-uclibceabihf"
    assert target.rust.multiarch.in_soabi is None
    assert target.expected_ext_suffix == ".cpython-311.so"
    assert target.platform_tag == "linux_armv7l"
    assert target.elf == ElfFacts("EM_ARM", 32, True, ARM_HARD)


@pytest.mark.parametrize(
    ("triple", "multiarch", "suffix"),
    [
        ("armv7-unknown-linux-uclibceabihf", "arm-linux-uclibceabihf", ".cpython-312.so"),
        ("armv5te-unknown-linux-uclibceabi", "arm-linux-uclibceabi", ".cpython-312.so"),
        ("mipsel-unknown-linux-uclibc", "mipsel-linux-uclibc", ".cpython-312.so"),
        ("arm-openwrt-linux-uclibcgnueabi", None, None),
    ],
)
def test_uclibc_triples(triple: str, multiarch: str | None, suffix: str | None) -> None:
    from maturin_cross.target.multiarch import multiarch_from_gnu_type
    from maturin_cross.target.resolve import PythonABI

    if multiarch is None:
        assert multiarch_from_gnu_type(triple) == "arm-linux-uclibceabi"
        return
    rust = parse_rust_target(triple)
    assert rust.multiarch.name == multiarch
    assert rust.multiarch.in_soabi is None
    assert PythonABI((3, 12)).ext_suffix_for(rust.multiarch.in_soabi) == suffix


# ------------------------------------------------------------------------------------------------
# A sysconfigdata that contradicts itself; platform strings that are no names


def test_host_gnu_type_of_another_machine_than_multiarch() -> None:
    vars = {**load(QEMUARM), "HOST_GNU_TYPE": "x86_64-pc-linux-gnu"}
    data = SysconfigData.of(vars, "/sysroot/_sysconfigdata.py")
    # A target set beside it does not make the file right.
    with pytest.raises(ConfigError):
        resolve(data, rust_target=sourced("armv7-unknown-linux-gnueabihf", "-C target"))
    with pytest.raises(ConfigError) as info:
        resolve(data)
    assert str(info.value) == (
        "/sysroot/_sysconfigdata.py: HOST_GNU_TYPE 'x86_64-pc-linux-gnu' is for x86 machines, "
        "but MULTIARCH arm-linux-gnueabihf is for ARM ones; the file contradicts itself: use the "
        "target's own sysconfigdata, as its Python wrote it"
    )


@pytest.mark.parametrize(
    ("multiarch", "host"),
    [
        # A 32-bit chroot on a 64-bit kernel, without linux32: config.guess says the kernel's.
        ("arm-linux-gnueabihf", "aarch64-unknown-linux-gnu"),
        # CC="gcc -m32" without --host.
        ("i386-linux-gnu", "x86_64-pc-linux-gnu"),
        ("mips-linux-gnu", "mips64-unknown-linux-gnu"),
        ("powerpc-linux-gnu", "powerpc64-unknown-linux-gnu"),
        # A machine the table does not know says nothing.
        ("aarch64-linux-gnu", "e2k-mcst-linux-gnu"),
    ],
)
def test_host_gnu_type_of_the_same_family(multiarch: str, host: str) -> None:
    vars = {"VERSION": "3.12", "EXT_SUFFIX": f".cpython-312-{multiarch}.so", "MULTIARCH": multiarch}
    target = resolve(SysconfigData.of({**vars, "HOST_GNU_TYPE": host}, "test"))
    assert target.multiarch == multiarch


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        ("linux-armv7l\n", Origin(Kind.CONVENTION, "_PYTHON_HOST_PLATFORM")),
        ("linux_arm/../../x", said("-C platform-tag")),
        ("linux-" + "x" * 100_000, said("-C platform-tag")),
        ("linux-armv7l\x00", said("-C platform-tag")),
        ("linux-armv7\u00e9", Origin(Kind.CONVENTION, "_PYTHON_HOST_PLATFORM")),
    ],
    ids=["newline", "slash", "long", "nul", "non-ascii"],
)
def test_a_platform_that_is_no_name(value: str, origin: Origin) -> None:
    with pytest.raises(TargetError) as info:
        resolve(SysconfigData.of(load(QEMUARM), "test"), platform_tag=Sourced(value, origin))
    message = str(info.value)
    assert "\n" not in message and len(message) < 400
    assert message.startswith(f"platform {value[:10]!r}"[:-1])
    assert f"(from {origin})" in message
    assert "is not linux-MACHINE or linux_MACHINE in ASCII letters, digits, '_'" in message


def test_version_digits_are_bounded() -> None:
    vars = {**load(QEMUARM), "VERSION": "3." + "1" * 5000}
    with pytest.raises(TargetError) as info:
        resolve(SysconfigData.of(vars, "/sysroot/_sysconfigdata.py"))
    assert str(info.value).startswith("/sysroot/_sysconfigdata.py: VERSION='3.1111")
    assert len(str(info.value)) < 400


def test_a_compiler_flag_that_is_no_ascii_names_no_isa() -> None:
    # A lone surrogate in a -march value would end up in `inspect`'s sources, unprintable.
    data = SysconfigData.of({"CC": "gcc -march=armv6\udc80 -O2"}, "test")
    assert arm_isa_from(data) == (None, None)
