"""The repair cases: real wheels (tests/helpers/wheelmaker.py) holding the real binaries of
tests/fixtures/elf/ (each exports ``PyInit_mod``, except ``libfoo.so.1``), the targets they are
checked against, and what repair must make of them. test_repair.py runs them through the library,
test_cli.py through the command line.
"""

from __future__ import annotations

import hashlib
import pprint
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bigwheel
import harness
from origins import sourced
from packaging.tags import Tag
from wheelcalls import read_wheel
from wheelmaker import RecordEdit, default_wheel_text, make_wheel, set_hash, set_size

from maturin_cross.target.resolve import Target, resolve
from maturin_cross.target.sysconfigdata import SysconfigData

ELF_FIXTURES = harness.FIXTURES / "elf"
DIST_INFO = "pkg-0.1.0.dist-info"
WHEEL = f"{DIST_INFO}/WHEEL"
RECORD = f"{DIST_INFO}/RECORD"

# Every test wheel also holds these: a package file, a script and a data file (stored, not
# deflated), to prove that a rewrite leaves them alone.
SCRIPT = "pkg-0.1.0.data/scripts/tool"
DATA = "pkg-0.1.0.data/purelib/pkg_data/table.json"
COMMON_FILES: Mapping[str, bytes | tuple[bytes, int]] = {
    "pkg/__init__.py": b"from .mod import *\n",
    SCRIPT: (b"#!/bin/sh\necho tool\n", 0o755),
    DATA: b'{"answer": 42}\n',
}
STORED = (DATA,)


def elf_bytes(fixture: str) -> bytes:
    return (ELF_FIXTURES / fixture).read_bytes()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class TargetSpec:
    """A target as the tests name it: a sysconfigdata's variables, a Rust triple, or both."""

    vars: Mapping[str, object] | None = None
    triple: str | None = None

    def resolve(self) -> Target:
        return resolve(
            SysconfigData.of(self.vars, "/x/_sysconfigdata.py") if self.vars is not None else None,
            rust_target=sourced(self.triple, "--target") if self.triple else None,
        )

    def cli_args(self, folder: Path) -> list[str]:
        """The command-line options that name this target; writes the sysconfigdata file."""
        args: list[str] = []
        if self.vars is not None:
            path = folder / "_sysconfigdata__linux_target.py"
            path.write_text(f"build_time_vars = {pprint.pformat(dict(self.vars))}\n")
            args += ["--sysconfigdata", str(path)]
        if self.triple:
            args += ["--target", self.triple]
        return args


ARMHF = TargetSpec(vars=bigwheel.ARMHF_SYSCONFIG)
PPC = TargetSpec(
    vars={
        "VERSION": "3.12",
        "ABIFLAGS": "",
        "EXT_SUFFIX": ".cpython-312-powerpc-linux-gnu.so",
        "MULTIARCH": "powerpc-linux-gnu",
        "HOST_GNU_TYPE": "powerpc-poky-linux-gnu",
        "SIZEOF_VOID_P": 4,
    }
)
# Yocto's mips64: no MULTIARCH, the multiarch follows from HOST_GNU_TYPE.
MIPS64_VARS: Mapping[str, object] = {
    "VERSION": "3.12",
    "ABIFLAGS": "",
    "EXT_SUFFIX": ".cpython-312-mips64-linux-gnuabi64.so",
    "MULTIARCH": "",
    "HOST_GNU_TYPE": "mips64-poky-linux",
    "SIZEOF_VOID_P": 8,
}
MIPS64_SYSCONFIG = TargetSpec(vars=MIPS64_VARS)
MIPS64_TRIPLE = TargetSpec(triple="mips64-poky-linux-gnu")
MIPS64_BOTH = TargetSpec(vars=MIPS64_VARS, triple="mips64-poky-linux-gnu")
MIPSEL_TRIPLE = TargetSpec(triple="mipsel-unknown-linux-gnu")
AARCH64_T = TargetSpec(
    vars={
        "VERSION": "3.13",
        "ABIFLAGS": "t",
        "Py_GIL_DISABLED": 1,
        "EXT_SUFFIX": ".cpython-313t-aarch64-linux-gnu.so",
        "MULTIARCH": "aarch64-linux-gnu",
        "HOST_GNU_TYPE": "aarch64-unknown-linux-gnu",
        "SIZEOF_VOID_P": 8,
    }
)
AARCH64_MUSL = TargetSpec(
    vars={
        "VERSION": "3.12",
        "ABIFLAGS": "",
        "EXT_SUFFIX": ".cpython-312-aarch64-linux-musl.so",
        "MULTIARCH": "aarch64-linux-musl",
        "HOST_GNU_TYPE": "aarch64-alpine-linux-musl",
        "SIZEOF_VOID_P": 8,
    }
)
X86_64_MUSL_TRIPLE = TargetSpec(triple="x86_64-unknown-linux-musl")
X86_64 = TargetSpec(
    vars={
        "VERSION": "3.12",
        "ABIFLAGS": "",
        "EXT_SUFFIX": ".cpython-312-x86_64-linux-gnu.so",
        "MULTIARCH": "x86_64-linux-gnu",
        "HOST_GNU_TYPE": "x86_64-pc-linux-gnu",
        "SIZEOF_VOID_P": 8,
    }
)


@dataclass(frozen=True)
class Fixable:
    """A wheel that leaves repair corrected (or, with no ``changes``, exactly as it came)."""

    id: str
    target: TargetSpec
    tags: tuple[str, ...]
    objects: Mapping[str, str]
    """Member name -> the fixture file whose bytes it holds."""
    renames: Mapping[str, str]
    wheel_name: str
    tag_lines: tuple[str, ...]
    changes: tuple[str, ...]
    wheel_text: bytes | None = None
    """WHEEL's text when it is not the one the tags make."""

    def build(self, folder: Path) -> Path:
        return build_wheel(folder, self.tags, self.objects, wheel_text=self.wheel_text)


def build_wheel(
    folder: Path,
    tags: tuple[str, ...],
    objects: Mapping[str, str],
    *,
    wheel_text: bytes | None = None,
    record_edits: tuple[RecordEdit, ...] = (),
    extra_members: tuple[tuple[str, bytes], ...] = (),
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes | tuple[bytes, int]] = {
        "pkg/__init__.py": COMMON_FILES["pkg/__init__.py"]
    }
    files |= {member: (elf_bytes(fixture), 0o755) for member, fixture in objects.items()}
    files |= {k: v for k, v in COMMON_FILES.items() if k not in files}
    return make_wheel(
        folder,
        name="pkg",
        tags=tags,
        files=files,
        stored=STORED,
        wheel=wheel_text if wheel_text is not None else "default",
        record_edits=record_edits,
        extra_members=extra_members,
    )


ARM_SEED = "pkg/mod.cpython-312-armv7l-linux-gnueabihf.so"
ARM_RIGHT = "pkg/mod.cpython-312-arm-linux-gnueabihf.so"
MIPS64_SEED = "pkg/mod.cpython-312-mips64-linux-gnu.so"
MIPS64_RIGHT = "pkg/mod.cpython-312-mips64-linux-gnuabi64.so"
LIBFOO = "pkg.libs/libfoo-1a2b.so.1"


def _mips64_seed(case_id: str, target: TargetSpec) -> Fixable:
    return Fixable(
        case_id,
        target,
        ("cp312-cp312-linux_mips64",),
        {MIPS64_SEED: "mips64-linux-gnuabi64.so"},
        {MIPS64_SEED: MIPS64_RIGHT},
        "pkg-0.1.0-cp312-cp312-linux_mips64.whl",
        ("cp312-cp312-linux_mips64",),
        (f"renamed {MIPS64_SEED} -> mod.cpython-312-mips64-linux-gnuabi64.so",),
    )


FIXABLE = [
    Fixable(
        "seed-armv7l",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_SEED: "arm-linux-gnueabihf.so"},
        {ARM_SEED: ARM_RIGHT},
        "pkg-0.1.0-cp312-cp312-linux_armv7l.whl",
        ("cp312-cp312-linux_armv7l",),
        (f"renamed {ARM_SEED} -> mod.cpython-312-arm-linux-gnueabihf.so",),
    ),
    Fixable(
        "seed-armv7l-yocto-triple",
        TargetSpec(triple="armv7-poky-linux-gnueabihf"),
        ("cp312-cp312-linux_armv7l",),
        {ARM_SEED: "arm-linux-gnueabihf.so"},
        {ARM_SEED: ARM_RIGHT},
        "pkg-0.1.0-cp312-cp312-linux_armv7l.whl",
        ("cp312-cp312-linux_armv7l",),
        (f"renamed {ARM_SEED} -> mod.cpython-312-arm-linux-gnueabihf.so",),
    ),
    Fixable(
        "seed-ppc",
        PPC,
        ("cp312-cp312-linux_ppc",),
        {"pkg/mod.cpython-312-ppc-linux-gnu.so": "powerpc-linux-gnu.so"},
        {"pkg/mod.cpython-312-ppc-linux-gnu.so": "pkg/mod.cpython-312-powerpc-linux-gnu.so"},
        "pkg-0.1.0-cp312-cp312-linux_ppc.whl",
        ("cp312-cp312-linux_ppc",),
        ("renamed pkg/mod.cpython-312-ppc-linux-gnu.so -> mod.cpython-312-powerpc-linux-gnu.so",),
    ),
    _mips64_seed("seed-mips64-yocto-triple", MIPS64_TRIPLE),
    _mips64_seed("seed-mips64-sysconfigdata", MIPS64_SYSCONFIG),
    _mips64_seed("seed-mips64-sysconfigdata-and-triple", MIPS64_BOTH),
    Fixable(
        "seed-armv7l-manylinux-tag-kept",
        ARMHF,
        ("cp312-cp312-manylinux_2_17_armv7l",),
        {ARM_SEED: "arm-linux-gnueabihf.so"},
        {ARM_SEED: ARM_RIGHT},
        "pkg-0.1.0-cp312-cp312-manylinux_2_17_armv7l.whl",
        ("cp312-cp312-manylinux_2_17_armv7l",),
        (f"renamed {ARM_SEED} -> mod.cpython-312-arm-linux-gnueabihf.so",),
    ),
    Fixable(
        "host-tagged-armhf",
        ARMHF,
        ("cp312-cp312-linux_x86_64",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so"},
        {},
        "pkg-0.1.0-cp312-cp312-linux_armv7l.whl",
        ("cp312-cp312-linux_armv7l",),
        ("retagged cp312-cp312-linux_x86_64 -> cp312-cp312-linux_armv7l",),
    ),
    Fixable(
        "wheel-tag-lines-disagree-with-name",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so"},
        {},
        "pkg-0.1.0-cp312-cp312-linux_armv7l.whl",
        ("cp312-cp312-linux_armv7l",),
        ("rewrote the WHEEL Tag: lines to match the file name",),
        wheel_text=default_wheel_text(["cp312-cp312-linux_x86_64"]),
    ),
    Fixable(
        "abi3",
        ARMHF,
        ("cp38-abi3-linux_x86_64",),
        {"pkg/mod.abi3.so": "arm-linux-gnueabihf.so"},
        {},
        "pkg-0.1.0-cp38-abi3-linux_armv7l.whl",
        ("cp38-abi3-linux_armv7l",),
        ("retagged cp38-abi3-linux_x86_64 -> cp38-abi3-linux_armv7l",),
    ),
    Fixable(
        "free-threaded-host-tagged",
        AARCH64_T,
        ("cp313-cp313t-linux_x86_64",),
        {"pkg/mod.cpython-313t-aarch64-linux-gnu.so": "aarch64-linux-gnu.so"},
        {},
        "pkg-0.1.0-cp313-cp313t-linux_aarch64.whl",
        ("cp313-cp313t-linux_aarch64",),
        ("retagged cp313-cp313t-linux_x86_64 -> cp313-cp313t-linux_aarch64",),
    ),
    Fixable(
        "free-threaded-gil-abi-tag",
        AARCH64_T,
        ("cp313-cp313-linux_x86_64",),
        {"pkg/mod.cpython-313t-aarch64-linux-gnu.so": "aarch64-linux-gnu.so"},
        {},
        "pkg-0.1.0-cp313-cp313t-linux_aarch64.whl",
        ("cp313-cp313t-linux_aarch64",),
        ("retagged cp313-cp313-linux_x86_64 -> cp313-cp313t-linux_aarch64",),
    ),
    Fixable(
        "musl-x86_64-triple-with-library",
        X86_64_MUSL_TRIPLE,
        ("cp312-cp312-linux_x86_64",),
        {"pkg/mod.cpython-312-x86_64-linux-gnu.so": "x86_64-linux-gnu.so", LIBFOO: "libfoo.so.1"},
        {"pkg/mod.cpython-312-x86_64-linux-gnu.so": "pkg/mod.cpython-312-x86_64-linux-musl.so"},
        "pkg-0.1.0-cp312-cp312-linux_x86_64.whl",
        ("cp312-cp312-linux_x86_64",),
        (
            "renamed pkg/mod.cpython-312-x86_64-linux-gnu.so -> mod.cpython-312-x86_64-linux-musl.so",
        ),
    ),
    Fixable(
        "musl-aarch64-host-tagged",
        AARCH64_MUSL,
        ("cp312-cp312-linux_x86_64",),
        {"pkg/mod.cpython-312-aarch64-linux-gnu.so": "aarch64-linux-gnu.so"},
        {"pkg/mod.cpython-312-aarch64-linux-gnu.so": "pkg/mod.cpython-312-aarch64-linux-musl.so"},
        "pkg-0.1.0-cp312-cp312-linux_aarch64.whl",
        ("cp312-cp312-linux_aarch64",),
        (
            "renamed pkg/mod.cpython-312-aarch64-linux-gnu.so -> mod.cpython-312-aarch64-linux-musl.so",
            "retagged cp312-cp312-linux_x86_64 -> cp312-cp312-linux_aarch64",
        ),
    ),
    Fixable(
        "already-right-with-library",
        X86_64,
        ("cp312-cp312-linux_x86_64",),
        {"pkg/mod.cpython-312-x86_64-linux-gnu.so": "x86_64-linux-gnu.so", LIBFOO: "libfoo.so.1"},
        {},
        "pkg-0.1.0-cp312-cp312-linux_x86_64.whl",
        ("cp312-cp312-linux_x86_64",),
        (),
    ),
    Fixable(
        "bare-so-with-pyinit",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {"pkg/mod.so": "arm-linux-gnueabihf.so"},
        {},
        "pkg-0.1.0-cp312-cp312-linux_armv7l.whl",
        ("cp312-cp312-linux_armv7l",),
        (),
    ),
]


@dataclass(frozen=True)
class Refusal:
    """A wheel that cannot be made right: the problems repair must report, in order, each as
    fragments of its one line (what, where, and what to do)."""

    id: str
    target: TargetSpec
    tags: tuple[str, ...]
    objects: Mapping[str, str]
    problems: tuple[tuple[str, ...], ...]
    absent: tuple[str, ...] = ()
    """Words no problem line may use."""
    record_edits: tuple[RecordEdit, ...] = field(default=(), compare=False)
    extra_members: tuple[tuple[str, bytes], ...] = ()

    def build(self, folder: Path) -> Path:
        return build_wheel(
            folder,
            self.tags,
            self.objects,
            record_edits=self.record_edits,
            extra_members=self.extra_members,
        )


ARMV7L_WHEEL = "pkg-0.1.0-cp312-cp312-linux_armv7l.whl"
REBUILD_FOR_PYTHON = "a new name would not make it load: rebuild it for the target's Python"

REFUSALS = [
    Refusal(
        "wrong-architecture",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "x86_64-linux-gnu.so"},
        (
            (
                f"{ARMV7L_WHEEL}: {ARM_RIGHT} is ELF x86-64 64-bit LE; target "
                "armv7-unknown-linux-gnueabihf needs ARM 32-bit LE arm-hard-float.",
                "Was it built without --target? Set CARGO_BUILD_TARGET or -C target=...",
            ),
        ),
    ),
    Refusal(
        "soft-float-for-hard-float",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabi.so"},
        (
            (
                f"{ARM_RIGHT} is ELF ARM 32-bit LE arm-soft-float",
                "it uses the soft-float ABI",
                "Build for a gnueabihf Rust target (e.g. armv7-unknown-linux-gnueabihf)",
            ),
        ),
    ),
    Refusal(
        "n32-in-n64",
        MIPS64_TRIPLE,
        ("cp312-cp312-linux_mips64",),
        {MIPS64_RIGHT: "mips64-linux-gnuabin32.so"},
        (
            (
                f"{MIPS64_RIGHT} is ELF MIPS 32-bit BE mips-n32; target mips64-poky-linux-gnu "
                "needs MIPS 64-bit BE mips-n64",
                "it uses the n32 ABI",
                "Build for a mips64 gnuabi64 Rust target",
            ),
        ),
    ),
    Refusal(
        "big-endian-in-mipsel",
        MIPSEL_TRIPLE,
        ("cp312-cp312-linux_mips",),
        {"pkg/mod.cpython-312-mipsel-linux-gnu.so": "mips-linux-gnu.so"},
        (
            (
                "pkg/mod.cpython-312-mipsel-linux-gnu.so is ELF MIPS 32-bit BE mips-o32",
                "it is big-endian, the target is little-endian",
                "Build for the little-endian Rust target",
            ),
        ),
    ),
    Refusal(
        "library-wrong-architecture",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so", LIBFOO: "libfoo.so.1"},
        ((f"{LIBFOO} is ELF x86-64 64-bit LE", "Set CARGO_BUILD_TARGET or -C target=..."),),
    ),
    Refusal(
        "not-elf",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "not-elf.so"},
        ((f"{ARM_RIGHT} is not an ELF file", "check what produced this file"),),
    ),
    Refusal(
        "pyinit-does-not-match-the-name",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {"pkg/other.cpython-312-arm-linux-gnueabihf.so": "arm-linux-gnueabihf.so"},
        (
            (
                "pkg/other.cpython-312-arm-linux-gnueabihf.so defines no PyInit_other "
                "(has PyInit_mod)",
                "rename the module or the file",
            ),
        ),
    ),
    Refusal(
        "gil-module-for-free-threaded-target",
        AARCH64_T,
        ("cp313-cp313-linux_aarch64",),
        {"pkg/mod.cpython-313-aarch64-linux-gnu.so": "aarch64-linux-gnu.so"},
        (
            (
                "pkg/mod.cpython-313-aarch64-linux-gnu.so is built for CPython 3.13 (cp313), "
                "the target is CPython 3.13t (cp313t)",
                REBUILD_FOR_PYTHON,
            ),
        ),
        absent=("rename",),
    ),
    Refusal(
        "cp311-module-for-3.12-target",
        ARMHF,
        ("cp311-cp311-linux_armv7l",),
        {"pkg/mod.cpython-311-arm-linux-gnueabihf.so": "arm-linux-gnueabihf.so"},
        (
            (
                "pkg/mod.cpython-311-arm-linux-gnueabihf.so is built for CPython 3.11 (cp311), "
                "the target is CPython 3.12 (cp312)",
                REBUILD_FOR_PYTHON,
            ),
        ),
        absent=("rename",),
    ),
    Refusal(
        "modules-for-two-pythons",
        MIPS64_TRIPLE,
        ("cp312-cp312-linux_mips64",),
        {
            "pkg/mod.cpython-311-mips64-linux-gnuabi64.so": "mips64-linux-gnuabi64.so",
            "pkg/sub/mod.cpython-312-mips64-linux-gnuabi64.so": "mips64-linux-gnuabi64.so",
        },
        (
            (
                "modules for several Pythons (3.11 (cp311), 3.12 (cp312))",
                "build one wheel per Python",
            ),
        ),
    ),
    Refusal(
        "suffix-no-cpython-loads",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {"pkg/mod.pypy310-pp73-arm-linux-gnu.so": "arm-linux-gnueabihf.so"},
        (
            (
                "pkg/mod.pypy310-pp73-arm-linux-gnu.so has suffix .pypy310-pp73-arm-linux-gnu.so",
                "rebuild it for CPython",
            ),
        ),
    ),
    Refusal(
        "rename-would-replace-a-member",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_SEED: "arm-linux-gnueabihf.so", ARM_RIGHT: "arm-linux-gnueabihf.so"},
        (
            (
                f"renaming a module to {ARM_RIGHT} would replace another member",
                "remove the stale file from the wheel",
            ),
        ),
    ),
    Refusal(
        "tampered-record",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so"},
        (
            (f"{ARM_RIGHT} does not match its sha256 hash in RECORD", "rebuild the wheel"),
            (
                f"{ARM_RIGHT} is {len(elf_bytes('arm-linux-gnueabihf.so'))} bytes, RECORD says 3",
                "rebuild the wheel",
            ),
        ),
        record_edits=(
            set_hash(ARM_RIGHT, "sha256=" + "A" * 43),
            set_size(ARM_RIGHT, 3),
        ),
    ),
    Refusal(
        "path-escapes-the-archive",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so"},
        (("member '../evil' has a '..' component", "rebuild the wheel"),),
        extra_members=(("../evil", b"boom\n"),),
    ),
    Refusal(
        "absolute-path",
        ARMHF,
        ("cp312-cp312-linux_armv7l",),
        {ARM_RIGHT: "arm-linux-gnueabihf.so"},
        (("member '/etc/evil' is an absolute path", "rebuild the wheel"),),
        extra_members=(("/etc/evil", b"boom\n"),),
    ),
]


# --- checking a rewritten wheel ------------------------------------------------------------


def assert_rewritten(source: Path, output: Path, case: Fixable) -> None:
    """``output`` is ``source`` with ``case``'s renames and tags, and nothing else changed."""
    assert output.name == case.wheel_name
    before = read_wheel(source)
    after = read_wheel(output)  # verifies every hash and size against the new RECORD
    if not case.changes:
        assert output.read_bytes() == source.read_bytes()
        return
    assert after.entries == tuple(case.renames.get(name, name) for name in before.entries)
    assert after.wheel_tags == case.tag_lines
    assert after.tags == frozenset(Tag(*line.split("-")) for line in case.tag_lines)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(output) as new:
        for info in old.infolist():
            if info.filename == RECORD:
                continue
            moved = new.getinfo(case.renames.get(info.filename, info.filename))
            if info.filename == WHEEL:
                keep = [
                    line
                    for line in old.read(info).decode().splitlines()
                    if not line.startswith("Tag:")
                ]
                kept = [
                    line
                    for line in new.read(moved).decode().splitlines()
                    if not line.startswith("Tag:")
                ]
                assert kept == keep
                continue
            assert new.read(moved) == old.read(info), info.filename
            assert (moved.date_time, moved.external_attr, moved.compress_type) == (
                info.date_time,
                info.external_attr,
                info.compress_type,
            ), info.filename
    assert new_names(output)[-1] == RECORD


def new_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def assert_problems(problems: Sequence[str], case: Refusal) -> None:
    assert len(problems) == len(case.problems), problems
    for line, fragments in zip(problems, case.problems, strict=True):
        assert "\n" not in line
        for fragment in fragments:
            assert fragment in line
        for word in case.absent:
            assert word not in line
