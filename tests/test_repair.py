"""repair: every shared object of a wheel checked against a target; what a name or a tag can
correct is corrected, anything else refused with one line per problem.

The wheels are real (tests/wheelmaker.py) and hold the real binaries of tests/fixtures/elf/ (each
exports ``PyInit_mod``, except ``libfoo.so.1``). The tables here are run again through the command
line by test_cli.py.
"""

from __future__ import annotations

import hashlib
import pprint
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.tags import Tag
from wheelmaker import RecordEdit, default_wheel_text, make_wheel, set_hash, set_size

from maturin_cross import repair
from maturin_cross.errors import WheelError
from maturin_cross.target import PythonABI, Target, resolve
from maturin_cross.wheel import read_wheel

ELF_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "elf"
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
            vars=self.vars,
            sysconfigdata="/x/_sysconfigdata.py" if self.vars is not None else None,
            rust_target=(self.triple, "--target") if self.triple else None,
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


ARMHF = TargetSpec(
    vars={
        "VERSION": "3.12",
        "ABIFLAGS": "",
        "EXT_SUFFIX": ".cpython-312-arm-linux-gnueabihf.so",
        "MULTIARCH": "arm-linux-gnueabihf",
        "HOST_GNU_TYPE": "arm-poky-linux-gnueabihf",
        "SIZEOF_VOID_P": 4,
    }
)
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


def assert_problems(problems: list[str], case: Refusal) -> None:
    assert len(problems) == len(case.problems), problems
    for line, fragments in zip(problems, case.problems, strict=True):
        assert "\n" not in line
        for fragment in fragments:
            assert fragment in line
        for word in case.absent:
            assert word not in line


# --- fix_wheel and examine -----------------------------------------------------------------


@pytest.mark.parametrize("case", FIXABLE, ids=lambda c: c.id)
def test_fix_wheel(case: Fixable, tmp_path: Path) -> None:
    source = case.build(tmp_path / "in")
    digest = sha256_file(source)
    target = case.target.resolve()
    out = tmp_path / "out"

    plan = repair.examine(read_wheel(source), target)
    assert plan.problems == []
    assert plan.renames == dict(case.renames)
    assert plan.changes == list(case.changes)

    result = repair.fix_wheel(source, target, out)

    assert result.path == out / case.wheel_name
    assert result.changes == list(case.changes)
    assert list(out.iterdir()) == [result.path]
    assert_rewritten(source, result.path, case)
    assert sha256_file(source) == digest


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_fix_wheel_refuses(case: Refusal, tmp_path: Path) -> None:
    source = case.build(tmp_path / "in")
    digest = sha256_file(source)
    out = tmp_path / "out"

    with pytest.raises(WheelError) as refused:
        repair.fix_wheel(source, case.target.resolve(), out)

    assert_problems(refused.value.problems, case)
    assert str(refused.value) == "\n".join(refused.value.problems)
    assert not out.exists()
    assert sha256_file(source) == digest


@pytest.mark.parametrize(
    "case", [c for c in REFUSALS if not c.record_edits and not c.extra_members], ids=lambda c: c.id
)
def test_examine_reports_what_fix_refuses(case: Refusal, tmp_path: Path) -> None:
    plan = repair.examine(read_wheel(case.build(tmp_path)), case.target.resolve())
    assert_problems(plan.problems, case)
    assert plan.tags is None
    assert all(line.startswith("pkg-0.1.0-") for line in plan.problems)


def test_a_library_is_checked_and_never_renamed(tmp_path: Path) -> None:
    libbar = "pkg.libs/libbar-9f8e.so"
    source = build_wheel(
        tmp_path,
        ("cp312-cp312-linux_x86_64",),
        {
            "pkg/mod.cpython-312-x86_64-linux-gnu.so": "x86_64-linux-gnu.so",
            LIBFOO: "libfoo.so.1",
            libbar: "libfoo.so.1",
        },
    )
    plan = repair.examine(read_wheel(source), X86_64_MUSL_TRIPLE.resolve())

    kinds = {obj.member: (obj.is_module, obj.info.machine) for obj in plan.objects}
    assert kinds == {
        "pkg/mod.cpython-312-x86_64-linux-gnu.so": (True, "EM_X86_64"),
        LIBFOO: (False, "EM_X86_64"),
        libbar: (False, "EM_X86_64"),
    }
    assert plan.renames == {
        "pkg/mod.cpython-312-x86_64-linux-gnu.so": "pkg/mod.cpython-312-x86_64-linux-musl.so"
    }


def test_already_right_into_its_own_folder_is_left_alone(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path, ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"}
    )
    digest = sha256_file(source)

    result = repair.fix_wheel(source, ARMHF.resolve(), tmp_path)

    assert result == repair.Result(source, [])
    assert list(tmp_path.iterdir()) == [source]
    assert sha256_file(source) == digest


def test_check_only_refuses_a_wheel_that_needs_a_change(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_x86_64",), {ARM_SEED: "arm-linux-gnueabihf.so"}
    )
    out = tmp_path / "out"

    with pytest.raises(WheelError) as refused:
        repair.fix_wheel(source, ARMHF.resolve(), out, check_only=True)

    assert refused.value.problems == [
        f"pkg-0.1.0-cp312-cp312-linux_x86_64.whl: renamed {ARM_SEED} -> "
        "mod.cpython-312-arm-linux-gnueabihf.so needed (check only)",
        "pkg-0.1.0-cp312-cp312-linux_x86_64.whl: retagged cp312-cp312-linux_x86_64 -> "
        "cp312-cp312-linux_armv7l needed (check only)",
    ]
    assert not out.exists()


def test_check_only_passes_a_right_wheel(tmp_path: Path) -> None:
    source = build_wheel(
        tmp_path / "in", ("cp312-cp312-linux_armv7l",), {ARM_RIGHT: "arm-linux-gnueabihf.so"}
    )

    result = repair.fix_wheel(source, ARMHF.resolve(), tmp_path / "out", check_only=True)

    assert result == repair.Result(tmp_path / "out" / source.name, [])
    assert result.path.read_bytes() == source.read_bytes()


def test_a_wheel_without_shared_objects_is_copied(tmp_path: Path) -> None:
    source = make_wheel(tmp_path, name="pkg", tags=("py3-none-any",), files=COMMON_FILES)

    result = repair.fix_wheel(source, ARMHF.resolve(), tmp_path / "out")

    assert result.changes == []
    assert result.path.read_bytes() == source.read_bytes()


# --- retag_wheel_metadata ------------------------------------------------------------------

WHEEL_HEAD = "Wheel-Version: 1.0\nGenerator: maturin (1.7.0)\nRoot-Is-Purelib: false\n"


@pytest.mark.parametrize(
    ("target", "tags", "expected"),
    [
        pytest.param(
            ARMHF,
            ["cp311-cp311-linux_x86_64"],
            ["cp312-cp312-linux_armv7l"],
            id="version-and-platform",
        ),
        pytest.param(
            ARMHF, ["cp38-abi3-linux_x86_64"], ["cp38-abi3-linux_armv7l"], id="abi3-keeps-python"
        ),
        pytest.param(
            AARCH64_T,
            ["cp313-cp313-linux_x86_64"],
            ["cp313-cp313t-linux_aarch64"],
            id="free-threaded",
        ),
        pytest.param(
            ARMHF,
            ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"],
            ["cp312-cp312-linux_armv7l"],
            id="duplicates-merged",
        ),
        pytest.param(
            MIPS64_TRIPLE,
            ["cp312-cp312-linux_x86_64"],
            ["cp312-cp312-linux_mips64"],
            id="no-python-known",
        ),
    ],
)
def test_retag_wheel_metadata(target: TargetSpec, tags: list[str], expected: list[str]) -> None:
    text = WHEEL_HEAD + "".join(f"Tag: {tag}\n" for tag in tags)

    retagged = repair.retag_wheel_metadata(text, target.resolve())

    assert retagged == WHEEL_HEAD + "".join(f"Tag: {tag}\n" for tag in expected)


def test_targets_resolve_as_the_tables_say() -> None:
    """The tables above lean on these: a wrong target would make every case meaningless."""
    facts = {
        spec.resolve().rust_target: (spec.resolve().platform_tag, spec.resolve().python)
        for spec in (
            ARMHF,
            PPC,
            MIPS64_SYSCONFIG,
            MIPS64_TRIPLE,
            AARCH64_T,
            AARCH64_MUSL,
            X86_64_MUSL_TRIPLE,
        )
    }
    assert facts == {
        "armv7-unknown-linux-gnueabihf": ("linux_armv7l", PythonABI((3, 12))),
        "powerpc-unknown-linux-gnu": ("linux_ppc", PythonABI((3, 12))),
        "mips64-unknown-linux-gnuabi64": ("linux_mips64", PythonABI((3, 12))),
        "mips64-poky-linux-gnu": ("linux_mips64", None),
        "aarch64-unknown-linux-gnu": ("linux_aarch64", PythonABI((3, 13), "t")),
        "aarch64-unknown-linux-musl": ("linux_aarch64", PythonABI((3, 12))),
        "x86_64-unknown-linux-musl": ("linux_x86_64", None),
    }


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("cp312-cp312-manylinux_2_17_x86_64",), "pkg-0.1.0-cp312-cp312-linux_x86_64.whl"),
        (("cp312-cp312-musllinux_1_2_x86_64",), "pkg-0.1.0-cp312-cp312-musllinux_1_2_x86_64.whl"),
    ],
    ids=["manylinux-dropped", "musllinux-kept"],
)
def test_a_musl_target_keeps_only_musllinux_policy_tags(
    tags: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    target = resolve(
        vars=None, sysconfigdata=None, rust_target=("x86_64-unknown-linux-musl", "--target")
    )
    source = build_wheel(
        tmp_path / "in", tags, {"pkg/mod.cpython-312-x86_64-linux-musl.so": "x86_64-linux-gnu.so"}
    )
    result = repair.fix_wheel(source, target, tmp_path / "out")
    assert result.path.name == expected


def test_a_uclibc_target_gets_the_bare_cpython_suffix(tmp_path: Path) -> None:
    """CPython has no uClibc triplet: EXT_SUFFIX is .cpython-311.so (from the target's file)."""
    vars = {
        "VERSION": "3.11",
        "ABIFLAGS": "",
        "EXT_SUFFIX": ".cpython-311.so",
        "SOABI": "cpython-311",
        "MULTIARCH": "",
        "HOST_GNU_TYPE": "arm-buildroot-linux-uclibcgnueabihf",
        "SIZEOF_VOID_P": 4,
    }
    target = resolve(vars=vars, sysconfigdata="/staging/_sysconfigdata__linux_.py")
    source = build_wheel(
        tmp_path / "in",
        ("cp311-cp311-linux_armv7l",),
        {"pkg/mod.cpython-311-arm-linux-uclibceabihf.so": "arm-linux-gnueabihf.so"},
    )
    result = repair.fix_wheel(source, target, tmp_path / "out")
    assert "pkg/mod.cpython-311.so" in read_wheel(result.path).entries
    assert result.changes == [
        "renamed pkg/mod.cpython-311-arm-linux-uclibceabihf.so -> mod.cpython-311.so"
    ]


# --- one rule for the target's tags: the metadata a frontend asks for first and the wheel agree


@pytest.mark.parametrize(
    ("target", "tags", "module"),
    [
        pytest.param(ARMHF, ("cp312-cp312-manylinux_2_17_armv7l",), ARM_RIGHT, id="manylinux-kept"),
        pytest.param(ARMHF, ("cp312-cp312-linux_x86_64",), ARM_RIGHT, id="host-platform"),
        pytest.param(ARMHF, ("cp312-cp312-manylinux_2_17_x86_64",), ARM_RIGHT, id="host-manylinux"),
        pytest.param(ARMHF, ("cp38-abi3-manylinux_2_17_armv7l",), "pkg/mod.abi3.so", id="abi3"),
    ],
)
def test_metadata_and_wheel_get_the_same_tags(
    target: TargetSpec, tags: tuple[str, ...], module: str, tmp_path: Path
) -> None:
    """maturin writes the same Tag lines into the metadata and the wheel (with `--compatibility
    manylinux_2_17` on armv7: manylinux_2_17_armv7l); both doors must turn them into one thing."""
    resolved = target.resolve()
    source = build_wheel(tmp_path / "in", tags, {module: "arm-linux-gnueabihf.so"})
    result = repair.fix_wheel(source, resolved, tmp_path / "out")
    from_wheel = read_wheel(result.path).wheel_tags

    text = WHEEL_HEAD + "".join(f"Tag: {tag}\n" for tag in tags)
    metadata = repair.retag_wheel_metadata(text, resolved)
    from_metadata = tuple(
        line.removeprefix("Tag: ") for line in metadata.splitlines() if line.startswith("Tag:")
    )
    assert from_metadata == from_wheel
