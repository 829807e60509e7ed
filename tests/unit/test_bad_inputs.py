"""Bad input, table-driven: every row is one thing a user can get wrong (a setting, a target file,
a triple, a wheel, a binary, the build itself), run through the doors a user would take.

Each row is held to the same promises, whatever the input:

- stderr holds exactly one ``maturin-cross: error:`` line, naming the offending file or key and
  saying what to do; no ``Traceback``. Where nothing else may speak (everything but a build), that
  line is all of stderr; a build also logs its progress and replays maturin's tail before it;
- the exit code is the error class's (1: a build failed or a wheel was refused; 2: what the user
  gave is wrong);
- every input file is byte-identical afterwards (hashed before and after, folders walked);
- the output folder holds nothing (no wheel, no temp file).

The command runs as a shell runs it (``python -m maturin_cross`` in a clean environment); a build
row also runs the backend's ``build_wheel`` hook in a fresh process, as a frontend calls it.
maturin is faked (a ``maturin`` package first on PYTHONPATH) only where the real one cannot do
what the row needs: fail on purpose, write no wheel or two. "maturin missing" is a real
environment without it: this interpreter with ``-S`` and a copy of its site-packages (symlinks)
that leaves maturin out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bigwheel
import elfpatch
import pytest
import ziptamper
from harness import FIXTURES, ROOT, CrossToolchain, clean_environ, cli_command
from wheelmaker import make_wheel, set_hash

ARMHF_TARGET = "armv7-unknown-linux-gnueabihf"
ARM_SO = (FIXTURES / "elf" / "arm-linux-gnueabihf.so").read_bytes()
X86_SO = (FIXTURES / "elf" / "x86_64-linux-gnu.so").read_bytes()
MODULE = "pkg/mod.cpython-312-arm-linux-gnueabihf.so"
WHEEL = "pkg-0.1.0-cp312-cp312-linux_armv7l.whl"
PROJECT = ROOT / "tests" / "packages" / "plain-maturin"

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    """The row's name in pytest's output."""
    setup: Setup
    """Writes the inputs into the folder it is given (``{in}`` below)."""
    exit_code: int
    names: str
    """What the error line must name: the offending file or key (``{in}`` expands)."""
    argv: tuple[str, ...] = ()
    """The command after ``python -m maturin_cross``; empty for a build row (``config``)."""
    config: Mapping[str, str] = field(default_factory=dict)
    """A build row's config settings: ``-C key=value`` for the command, the hook's dict."""
    env: Mapping[str, str] = field(default_factory=dict)
    """Added to the clean environment (``{in}`` expands)."""
    hint: str = "; "
    """What the line must say of what to do (by default: a ``; `` after what went wrong)."""
    maturin: str = "real"
    """``real``, ``missing``, or the fake's behaviour: ``fail``, ``none``, ``two``."""
    needs_armhf: bool = False
    """A real armhf sysroot (``{armhf}``: its sysconfigdata) is needed."""

    @property
    def is_build(self) -> bool:
        return not self.argv


# --- inputs ------------------------------------------------------------------------------------


def nothing(folder: Path) -> None:
    pass


def project(pyproject: str | None = None) -> Setup:
    """plain-maturin, its pyproject.toml replaced by ``pyproject`` when given."""

    def setup(folder: Path) -> None:
        shutil.copytree(PROJECT, folder / "proj", ignore=shutil.ignore_patterns("target"))
        if pyproject is not None:
            (folder / "proj" / "pyproject.toml").write_text(pyproject)

    return setup


def with_files(*files: tuple[str, bytes | str], base: Setup = nothing) -> Setup:
    def setup(folder: Path) -> None:
        base(folder)
        for name, data in files:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                path.write_text(data)
            else:
                path.write_bytes(data)

    return setup


def fixture(relative: str, as_name: str | None = None, base: Setup = nothing) -> Setup:
    """A copy of tests/fixtures/``relative`` (a file, or a folder's files) in the inputs."""

    def setup(folder: Path) -> None:
        base(folder)
        source = FIXTURES / relative
        if source.is_dir():
            shutil.copytree(source, folder / (as_name or source.name), symlinks=True)
        else:
            shutil.copy(source, folder / (as_name or source.name))

    return setup


def host_tools_only(base: Setup) -> Setup:
    """``host-tools/``: links to the Rust toolchain and this machine's ``cc`` and ``ld``, a PATH
    without the target's gcc (which maturin-cross would find and link with)."""

    def setup(folder: Path) -> None:
        base(folder)
        tools = folder / "host-tools"
        tools.mkdir()
        for name in ("cargo", "rustc", "cc", "ld"):
            found = shutil.which(name, path="/usr/bin:/bin:" + os.environ.get("PATH", ""))
            assert found is not None, name
            (tools / name).symlink_to(found)

    return setup


SYSCONFIG = f"build_time_vars = {bigwheel.ARMHF_SYSCONFIG!r}\n"
"""The armhf target's sysconfigdata text (Python 3.12)."""
SYSCONFIG_NAME = "_sysconfigdata__linux_arm-linux-gnueabihf.py"


def sysconfig_vars(**changes: object) -> str:
    values: dict[str, object] = {**bigwheel.ARMHF_SYSCONFIG, **changes}
    return f"build_time_vars = {values!r}\n"


def wheel(
    files: Mapping[str, bytes | tuple[bytes, int]] | None = None,
    after: Callable[[Path], None] | None = None,
    **options: object,
) -> Setup:
    """An armhf wheel that fits the target, as ``wheelmaker`` writes it, changed by ``options``
    (``make_wheel``'s) and then by ``after`` (given its path); beside it the target's
    sysconfigdata."""

    def setup(folder: Path) -> None:
        (folder / SYSCONFIG_NAME).write_text(SYSCONFIG)
        members: Mapping[str, bytes | tuple[bytes, int]] = (
            files if files is not None else {MODULE: (ARM_SO, 0o755), "pkg/__init__.py": b""}
        )
        path = make_wheel(
            folder,
            name="pkg",
            tags=("cp312-cp312-linux_armv7l",),
            files=members,
            **options,  # type: ignore[arg-type]
        )
        if after is not None:
            after(path)

    return setup


def truncate_to(fraction: float) -> Callable[[Path], None]:
    def cut(path: Path) -> None:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    return cut


def append(tail: bytes) -> Callable[[Path], None]:
    def grow(path: Path) -> None:
        path.write_bytes(path.read_bytes() + tail)

    return grow


def recompress(method: int, spoil: str) -> Callable[[Path], None]:
    """Rewrite the wheel with every member compressed by ``method`` (deflate, bzip2, LZMA), then
    overwrite the middle of member ``spoil``'s compressed data (its sizes and CRC kept)."""

    def redo(path: Path) -> None:
        with zipfile.ZipFile(path) as old:
            members = [(info, old.read(info)) for info in old.infolist()]
        with zipfile.ZipFile(path, "w") as new:
            for info, data in members:
                info.compress_type = method
                new.writestr(info, data)
        with zipfile.ZipFile(path) as written:
            info = written.getinfo(spoil)
        spoiled = bytearray(path.read_bytes())
        at = info.header_offset
        name_length, extra_length = (
            int.from_bytes(spoiled[at + 26 : at + 28], "little"),
            int.from_bytes(spoiled[at + 28 : at + 30], "little"),
        )
        start = at + 30 + name_length + extra_length + info.compress_size // 2
        spoiled[start : start + 16] = bytes(range(0x55, 0x65))
        path.write_bytes(bytes(spoiled))

    return redo


def corrupt_string_table(so: bytes) -> bytes:
    """``so`` with its section-name string table's offset pointed past the end of the file."""
    import struct

    shoff = struct.unpack_from("<I", so, 0x20)[0]
    shentsize, _, shstrndx = struct.unpack_from("<HHH", so, 0x2E)
    at = shoff + shentsize * shstrndx + 16  # sh_offset of the shstrtab section header
    return so[:at] + struct.pack("<I", len(so) + 0x10000) + so[at + 4 :]


def name_not_utf8(name: bytes) -> Callable[[Path], None]:
    """Give the member ``name`` a name that is not UTF-8 (its last-but-three byte 0xff) while
    its headers' flag says the names are UTF-8."""

    def spoil(path: Path) -> None:
        data = bytearray(path.read_bytes())
        start = 0
        while (at := data.find(name, start)) >= 0:
            for header, offset, flags in ((b"PK\x03\x04", 30, 6), (b"PK\x01\x02", 46, 8)):
                if data[at - offset : at - offset + 4] == header:
                    data[at - offset + flags + 1] |= 0x08  # bit 11 (0x800): UTF-8 names
            data[at + len(name) - 4] = 0xFF
            start = at + 1
        path.write_bytes(bytes(data))

    return spoil


FIX = ("fix", f"{{in}}/{WHEEL}", "--sysconfigdata", f"{{in}}/{SYSCONFIG_NAME}", "-w", "{out}")
"""``fix`` of the row's wheel against the armhf target, into the output folder."""


def fix_of(name: str) -> tuple[str, ...]:
    return ("fix", f"{{in}}/{name}", "--sysconfigdata", f"{{in}}/{SYSCONFIG_NAME}", "-w", "{out}")


def inspect_with(*options: str) -> tuple[str, ...]:
    return ("inspect", *options)


# --- the rows ----------------------------------------------------------------------------------

SC = "{in}/" + SYSCONFIG_NAME
BD = "{in}/build-details.json"

CASES = [
    # settings: a build, both doors
    Case("unknown-config-key", project(), 2, "platform_tag", config={"platform_tag": "x"}),
    Case(
        "unknown-environment-variable",
        project(),
        2,
        "MATURIN_CROSS_BOGUS",
        env={"MATURIN_CROSS_BOGUS": "1"},
    ),
    Case("bad-check-value", project(), 2, "check", config={"check": "maybe"}),
    Case("bad-test-value", project(), 2, "test", config={"test": "yes"}),
    Case("bad-verbose-value", project(), 2, "verbose", config={"verbose": "perhaps"}),
    Case("bad-quiet-value", project(), 2, "quiet", config={"quiet": "sometimes"}),
    Case(
        "unbalanced-quote-in-build-args",
        project(),
        2,
        "build-args",
        config={"build-args": "--features 'x"},
    ),
    Case("bad-platform-tag", project(), 2, "platform-tag", config={"platform-tag": "bogus"}),
    Case(
        "unknown-key-in-pyproject",
        project(
            PROJECT.joinpath("pyproject.toml").read_text() + '\n[tool.maturin-cross]\ntargt = "x"\n'
        ),
        2,
        "targt",
    ),
    Case("pyproject-not-toml", project("[project\nname = 1\n"), 2, "{in}/proj/pyproject.toml"),
    Case(
        "sysconfigdata-missing",
        project(),
        2,
        "{in}/nowhere.py",
        config={"sysconfigdata": "{in}/nowhere.py"},
    ),
    Case(
        "sysroot-missing",
        with_files((SYSCONFIG_NAME, SYSCONFIG), base=project()),
        2,
        "{in}/no-sysroot",
        config={"sysconfigdata": SC, "sysroot": "{in}/no-sysroot"},
    ),
    # sysconfigdata: a build, both doors
    *(
        Case(
            f"sysconfigdata-{name}",
            fixture(f"sysconfigdata/{name}", "sc", base=project()),
            2,
            "{in}/sc/",
            config={"sysconfigdata": "{in}/sc"},
        )
        for name in (
            "bad-syntax",
            "bad-call-in-dict",
            "bad-dict-call",
            "bad-no-ext-suffix",
        )
    ),
    # sysconfigdata: inspect
    Case(
        "sysconfigdata-empty",
        with_files((SYSCONFIG_NAME, "")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-not-a-dict",
        with_files((SYSCONFIG_NAME, "build_time_vars = ['EXT_SUFFIX']\n")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-keys-not-names",
        with_files((SYSCONFIG_NAME, "build_time_vars = {1: 'x', 'EXT_SUFFIX': '.so'}\n")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-null-byte",
        with_files((SYSCONFIG_NAME, SYSCONFIG.encode() + b"\x00\n")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-not-utf8",
        with_files((SYSCONFIG_NAME, b"build_time_vars = {'A': '\xff\xfe'}\n")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-deep-nesting",
        with_files((SYSCONFIG_NAME, "build_time_vars = {'A': " + "-" * 200_000 + "1}\n")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-huge-int",
        with_files((SYSCONFIG_NAME, sysconfig_vars()[:-2] + ", 'X': " + "9" * 100_000 + "}\n")),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-two-assignments-that-disagree",
        with_files(
            (
                SYSCONFIG_NAME,
                SYSCONFIG + sysconfig_vars(EXT_SUFFIX=".cpython-312-x86_64-linux-gnu.so"),
            )
        ),
        2,
        SC,
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-ext-suffix-contradicts-multiarch",
        with_files((SYSCONFIG_NAME, sysconfig_vars(EXT_SUFFIX=".cpython-312-x86_64-linux-gnu.so"))),
        2,
        "EXT_SUFFIX",
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-ext-suffix-with-a-slash",
        with_files((SYSCONFIG_NAME, sysconfig_vars(EXT_SUFFIX="/../../evil.so"))),
        2,
        "EXT_SUFFIX",
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-unknown-multiarch",
        with_files(
            (
                SYSCONFIG_NAME,
                sysconfig_vars(
                    MULTIARCH="vax-linux-gnu",
                    EXT_SUFFIX=".cpython-312-vax-linux-gnu.so",
                    HOST_GNU_TYPE="vax-unknown-linux-gnu",
                ),
            )
        ),
        2,
        "vax",
        inspect_with("--sysconfigdata", SC),
    ),
    Case(
        "sysconfigdata-folder-with-two",
        with_files(
            ("two/" + SYSCONFIG_NAME, SYSCONFIG),
            ("two/_sysconfigdata__linux_aarch64-linux-gnu.py", SYSCONFIG),
        ),
        2,
        "_sysconfigdata__linux_aarch64-linux-gnu.py",
        inspect_with("--sysconfigdata", "{in}/two"),
    ),
    Case(
        "sysconfigdata-folder-with-none",
        with_files(("empty/README", "nothing here\n")),
        2,
        "{in}/empty",
        inspect_with("--sysconfigdata", "{in}/empty"),
    ),
    Case(
        "sysconfigdata-name-not-on-pythonpath",
        nothing,
        2,
        "_sysconfigdata__nowhere",
        inspect_with(),
        env={"_PYTHON_SYSCONFIGDATA_NAME": "_sysconfigdata__nowhere", "PYTHONPATH": "{in}"},
    ),
    # build-details.json
    Case(
        "build-details-not-json",
        with_files(("build-details.json", "{not json")),
        2,
        BD,
        inspect_with("--sysconfigdata", BD),
    ),
    Case(
        "build-details-no-extension-suffix",
        with_files(
            (
                "build-details.json",
                json.dumps({"schema_version": "1.0", "language": {"version": "3.12"}}),
            )
        ),
        2,
        "abi.extension_suffix",
        inspect_with("--sysconfigdata", BD),
    ),
    Case(
        "build-details-version-a-number",
        with_files(
            (
                "build-details.json",
                json.dumps(
                    {
                        "schema_version": "1.0",
                        "language": {"version": 3.12},
                        "abi": {"extension_suffix": ".so"},
                    }
                ),
            )
        ),
        2,
        "language.version",
        inspect_with("--sysconfigdata", BD),
    ),
    Case(
        "build-details-schema-2",
        with_files(("build-details.json", json.dumps({"schema_version": "2.0"}))),
        2,
        "schema_version",
        inspect_with("--sysconfigdata", BD),
    ),
    Case(
        "build-details-beside-not-json",
        with_files((SYSCONFIG_NAME, SYSCONFIG), ("build-details.json", "[1, 2")),
        2,
        BD,
        inspect_with("--sysconfigdata", SC),
    ),
    # triples
    Case(
        "triple-not-a-triple",
        nothing,
        2,
        "nonsense-triple",
        inspect_with("--target", "nonsense-triple"),
    ),
    Case(
        "triple-not-linux",
        nothing,
        2,
        "x86_64-pc-windows-msvc",
        inspect_with("--target", "x86_64-pc-windows-msvc"),
    ),
    Case(
        "triple-contradicts-sysconfigdata",
        with_files((SYSCONFIG_NAME, SYSCONFIG)),
        2,
        "aarch64-unknown-linux-gnu",
        inspect_with("--sysconfigdata", SC, "--target", "aarch64-unknown-linux-gnu"),
    ),
    Case(
        "target-spec-missing",
        nothing,
        2,
        "{in}/missing.json",
        inspect_with("--target", "{in}/missing.json"),
    ),
    Case(
        "target-spec-not-json",
        with_files(("spec.json", "{llvm-target")),
        2,
        "{in}/spec.json",
        inspect_with("--target", "{in}/spec.json"),
    ),
    # wheels: fix
    Case(
        "wheel-not-a-zip",
        with_files((WHEEL, b"not a zip\n"), (SYSCONFIG_NAME, SYSCONFIG)),
        1,
        "{in}/" + WHEEL,
        FIX,
    ),
    Case("wheel-truncated", wheel(after=truncate_to(0.6)), 1, "{in}/" + WHEEL, FIX),
    Case(
        # found by tests/unit/test_fuzz.py: an end-of-directory signature in the last 22 bytes
        "wheel-ends-in-a-cut-end-record",
        wheel(after=append(b"PK\x05\x06")),
        1,
        "{in}/" + WHEEL,
        FIX,
    ),
    Case(
        "wheel-not-a-wheel-name",
        wheel(filename="pkg.whl"),
        1,
        "{in}/pkg.whl",
        fix_of("pkg.whl"),
    ),
    Case(
        "wheel-record-hash-wrong",
        wheel(record_edits=[set_hash("pkg/__init__.py", "sha256=" + "A" * 43)]),
        1,
        "pkg/__init__.py",
        FIX,
    ),
    Case("wheel-no-record", wheel(record=None), 1, "RECORD", FIX),
    Case("wheel-no-wheel-file", wheel(wheel=None), 1, "WHEEL", FIX),
    Case(
        "wheel-unsafe-member-name",
        wheel(extra_members=[("../evil.py", b"")]),
        1,
        "../evil.py",
        FIX,
    ),
    Case(
        "wheel-duplicate-member",
        wheel(extra_members=[("pkg/__init__.py", b"again")]),
        1,
        "pkg/__init__.py",
        FIX,
    ),
    Case(
        "wheel-lzma-member-corrupt",
        wheel(after=recompress(zipfile.ZIP_LZMA, spoil=MODULE)),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "wheel-bzip2-member-corrupt",
        wheel(after=recompress(zipfile.ZIP_BZIP2, spoil=MODULE)),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "wheel-deflate-member-corrupt",
        wheel(after=recompress(zipfile.ZIP_DEFLATED, spoil=MODULE)),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "wheel-utf8-name-not-utf8",
        wheel(extra_members=[("pkg/cafX.py", b"")], after=name_not_utf8(b"pkg/cafX.py")),
        1,
        "pkg/caf",
        FIX,
    ),
    Case(
        "output-folder-is-a-file",
        with_files(("out-file", "a file\n"), base=wheel()),
        2,
        "{in}/out-file",
        (*FIX[:-2], "-w", "{in}/out-file"),
    ),
    Case(
        "fix-without-a-target",
        wheel(),
        2,
        "fix needs the target",
        ("fix", "{in}/" + WHEEL, "-w", "{out}"),
        hint="--target TRIPLE",
    ),
    Case(
        "output-folder-under-a-file",
        with_files(("out-file", "a file\n"), base=wheel()),
        2,
        "{in}/out-file",
        (*FIX[:-2], "-w", "{in}/out-file/sub"),
    ),
    Case("inspect-missing-wheel", nothing, 2, "{in}/" + WHEEL, ("inspect", "{in}/" + WHEEL)),
    Case("fix-missing-wheel", with_files((SYSCONFIG_NAME, SYSCONFIG)), 2, "{in}/" + WHEEL, FIX),
    # binaries
    Case(
        "so-not-elf",
        wheel({MODULE: (b"#!/bin/sh\necho not a library\n", 0o755), "pkg/__init__.py": b""}),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "so-truncated",
        wheel({MODULE: (ARM_SO[: len(ARM_SO) // 2], 0o755), "pkg/__init__.py": b""}),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "so-for-another-machine",
        wheel({MODULE: (X86_SO, 0o755), "pkg/__init__.py": b""}),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "so-for-another-python",
        wheel(
            {"pkg/mod.cpython-310-arm-linux-gnueabihf.so": (ARM_SO, 0o755), "pkg/__init__.py": b""}
        ),
        1,
        "pkg/mod.cpython-310-arm-linux-gnueabihf.so",
        FIX,
    ),
    Case(
        "so-bad-string-table",
        wheel({MODULE: (corrupt_string_table(ARM_SO), 0o755), "pkg/__init__.py": b""}),
        1,
        MODULE,
        FIX,
    ),
    Case(
        "inspect-so-missing",
        nothing,
        2,
        "{in}/mod.so",
        ("inspect", "{in}/mod.so", "--target", ARMHF_TARGET),
    ),
    # wheels the central directory does not describe as a reader of local headers reads them
    # (issue 19): refused by fix and inspect, never handed back
    Case(
        "wheel-hidden-local-entry-between",
        wheel(after=lambda path: ziptamper.hide(path, "between")),
        1,
        "{in}/" + WHEEL,
        FIX,
        hint="a local entry 'evil.pth' that the central directory does not list",
    ),
    Case(
        "wheel-hidden-local-entry-before",
        wheel(after=lambda path: ziptamper.hide(path, "before")),
        1,
        "{in}/" + WHEEL,
        inspect_with("{in}/" + WHEEL, "--sysconfigdata", SC),
        hint="lies before the first member",
    ),
    Case(
        "wheel-hidden-local-entry-after",
        wheel(after=lambda path: ziptamper.hide(path, "after")),
        1,
        "{in}/" + WHEEL,
        inspect_with("{in}/" + WHEEL),
        hint="lies after the last member",
    ),
    Case(
        "wheel-local-crc-differs",
        wheel(after=lambda path: ziptamper.set_local(path, "pkg/__init__.py", crc=1)),
        1,
        "{in}/" + WHEEL,
        FIX,
        hint="its local header differs from the central directory in the CRC-32 and sizes",
    ),
    Case(
        "wheel-local-name-differs",
        wheel(
            after=lambda path: ziptamper.rename_local(path, "pkg/__init__.py", "pkg/__init__.pt")
        ),
        1,
        "{in}/" + WHEEL,
        FIX,
        hint="differs from the central directory in the name ('pkg/__init__.pt')",
    ),
    Case(
        "wheel-local-flags-differ",
        wheel(after=lambda path: ziptamper.set_local(path, "pkg/__init__.py", flags=0x800)),
        1,
        "{in}/" + WHEEL,
        inspect_with("{in}/" + WHEEL, "--sysconfigdata", SC),
        hint="in the flags (0x0800, the central directory says 0x0000)",
    ),
    Case(
        "wheel-two-records-one-entry",
        wheel(
            after=lambda path: ziptamper.point_at(
                path, "pkg-0.1.0.dist-info/RECORD", "pkg/__init__.py"
            )
        ),
        1,
        "{in}/" + WHEEL,
        FIX,
    ),
    Case(
        "wheel-bytes-after-the-comment",
        wheel(after=append(b"hidden")),
        1,
        "{in}/" + WHEEL,
        FIX,
        hint="6 bytes follow the end of central directory record",
    ),
    # ELF headers whose counts make a reader loop (issue 19): bounded, one line
    Case(
        "so-symbol-entries-of-one-byte",
        wheel({MODULE: (elfpatch.symbol_entries_of_one_byte(ARM_SO), 0o755)}),
        1,
        MODULE,
        FIX,
        hint="a symbol table, claims entries of 1 bytes",
    ),
    Case(
        "so-symbol-tables-repeated",
        wheel({MODULE: (elfpatch.symbol_tables_repeated(X86_SO), 0o755)}),
        1,
        MODULE,
        FIX,
        hint="its headers send a reader round and round",
    ),
    Case(
        "so-strings-without-end",
        wheel({MODULE: (elfpatch.strings_without_end(X86_SO), 0o755)}),
        1,
        MODULE,
        FIX,
        hint="its headers send a reader round and round",
    ),
    # the build itself: both doors
    Case("no-cargo", project(), 1, "cargo", env={"PATH": str(Path(sys.executable).parent)}),
    Case(
        "no-linker-for-the-target",
        host_tools_only(project()),
        1,
        "linker",
        config={"sysconfigdata": "{armhf}", "quiet": "true"},
        hint="set CARGO_TARGET_ARMV7_UNKNOWN_LINUX_GNUEABIHF_LINKER=arm-linux-gnueabihf-gcc",
        env={"PATH": "{in}/host-tools:" + str(Path(sys.executable).parent)},
        needs_armhf=True,
    ),
    Case("maturin-missing", project(), 1, "maturin", maturin="missing"),
    Case("maturin-failing", project(), 1, "maturin", maturin="fail"),
    Case("maturin-writes-no-wheel", project(), 1, "none", maturin="none"),
    Case("maturin-writes-two-wheels", project(), 1, "2 wheels", maturin="two"),
]


# --- second round (issue 19): what is not a regular file, readers' ceilings, numbers, OS errors


def pipe(name: str, base: Setup = nothing) -> Setup:
    """A named pipe (no writer: opening it to read would wait for ever)."""

    def setup(folder: Path) -> None:
        base(folder)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(folder / name)

    return setup


def link(name: str, to: str, base: Setup = nothing) -> Setup:
    def setup(folder: Path) -> None:
        base(folder)
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).symlink_to(to)

    return setup


def folder_at(name: str, base: Setup = nothing) -> Setup:
    def setup(folder: Path) -> None:
        base(folder)
        (folder / name).mkdir(parents=True)

    return setup


DIGITS = "9" * 5000
FIX_ARMHF = ("fix", f"{{in}}/{WHEEL}", "--target", ARMHF_TARGET, "-w", "{out}")
INSPECT_IN_SYSROOT = ("inspect", f"{{in}}/{WHEEL}", "--sysconfigdata", SC, "--sysroot", "{in}/root")
SPEC = "{in}/spec.json"

CASES += [
    Case(
        "inspect-wheel-is-a-named-pipe",
        pipe(WHEEL),
        2,
        "{in}/" + WHEEL,
        ("inspect", "{in}/" + WHEEL),
        hint="is not a regular file (a named pipe); name",
    ),
    Case(
        "inspect-so-is-a-named-pipe",
        pipe("mod.so"),
        2,
        "{in}/mod.so",
        ("inspect", "{in}/mod.so", "--target", ARMHF_TARGET),
        hint="is not a regular file (a named pipe); name",
    ),
    Case(
        "fix-wheel-is-a-named-pipe",
        pipe(WHEEL, with_files((SYSCONFIG_NAME, SYSCONFIG))),
        2,
        "{in}/" + WHEEL,
        FIX,
        hint="is not a regular file (a named pipe); name",
    ),
    Case(
        "fix-wheel-links-to-dev-zero",
        link(WHEEL, "/dev/zero"),
        2,
        "{in}/" + WHEEL,
        FIX_ARMHF,
        hint="is not a regular file (a character device); name",
    ),
    Case(
        "sysconfigdata-is-a-named-pipe",
        pipe("sc/" + SYSCONFIG_NAME, wheel()),
        2,
        "{in}/sc/" + SYSCONFIG_NAME,
        (*fix_of(WHEEL)[:2], "--sysconfigdata", "{in}/sc/" + SYSCONFIG_NAME, "-w", "{out}"),
        hint="is not a regular file (a named pipe); point",
    ),
    Case(
        "sysconfigdata-links-to-dev-zero",
        link("zero/" + SYSCONFIG_NAME, "/dev/zero", wheel()),
        2,
        "{in}/zero/" + SYSCONFIG_NAME,
        (*fix_of(WHEEL)[:2], "--sysconfigdata", "{in}/zero/" + SYSCONFIG_NAME, "-w", "{out}"),
        hint="is not a regular file (a character device); point",
    ),
    Case(
        "target-spec-is-a-named-pipe",
        pipe("spec.json"),
        2,
        SPEC,
        ("inspect", "--target", SPEC),
        hint="is not a regular file (a named pipe); make it",
    ),
    Case(
        "target-spec-past-its-ceiling",
        with_files(("spec.json", " " * (2 << 20))),
        2,
        SPEC,
        ("inspect", "--target", SPEC),
        hint="is larger than 1048576 bytes; make it",
    ),
    Case(
        "ld-so-conf-is-a-named-pipe",
        pipe("root/etc/ld.so.conf", folder_at("root/usr", wheel())),
        2,
        "{in}/root/etc/ld.so.conf",
        INSPECT_IN_SYSROOT,
        hint="is not a regular file (a named pipe), so",
    ),
    Case(
        "ld-so-conf-includes-a-pipe",
        pipe(
            "root/etc/ld.so.conf.d/x.conf",
            with_files(("root/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n"), base=wheel()),
        ),
        2,
        "{in}/root/etc/ld.so.conf.d/x.conf",
        INSPECT_IN_SYSROOT,
        hint="is not a regular file (a named pipe), so",
    ),
    Case(
        "ld-so-conf-includes-itself",
        with_files(("root/etc/ld.so.conf", "include ld.so.conf\n"), base=wheel()),
        2,
        "{in}/root/etc/ld.so.conf",
        INSPECT_IN_SYSROOT,
        hint="includes itself (an include loop); fix",
    ),
    Case(
        "ld-so-conf-links-to-itself",
        link("root/etc/ld.so.conf", "/etc/ld.so.conf", wheel()),
        2,
        "{in}/root/etc/ld.so.conf",
        INSPECT_IN_SYSROOT,
        hint="a symbolic link loop",
    ),
    Case(
        "ld-so-conf-past-its-ceiling",
        with_files(("root/etc/ld.so.conf", "/usr/lib\n" * (300 << 10)), base=wheel()),
        2,
        "{in}/root/etc/ld.so.conf",
        INSPECT_IN_SYSROOT,
        hint="is larger than 1048576 bytes, so",
    ),
    Case(
        "size-of-5000-digits-as-a-flag",
        wheel(),
        2,
        "--max-unpacked-size",
        (*FIX, "--max-unpacked-size", DIGITS),
        hint="(5000 characters) is not a size; give",
    ),
    Case(
        "size-of-5000-digits-as-a-variable",
        wheel(),
        2,
        "MATURIN_CROSS_MAX_UNPACKED_SIZE",
        FIX,
        env={"MATURIN_CROSS_MAX_UNPACKED_SIZE": DIGITS},
        hint="(5000 characters) is not a size; give",
    ),
    Case(
        "size-of-5000-digits-as-a-pair",
        wheel(),
        2,
        "max-unpacked-size",
        (*FIX, "-C", f"max-unpacked-size={DIGITS}"),
        hint="(5000 characters) is not a size; give",
    ),
    Case(
        "pyproject-nested-100000-deep",
        project("a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        2,
        "{in}/proj/pyproject.toml",
        hint="not valid TOML (nested too deeply to be read); fix",
    ),
    Case(
        "pyproject-size-of-5000-digits",
        project(
            PROJECT.joinpath("pyproject.toml").read_text()
            + f'\n[tool.maturin-cross]\nmax-unpacked-size = "{DIGITS}"\n'
        ),
        2,
        "max-unpacked-size",
        hint="(5000 characters) is not a size; give",
    ),
    Case(
        "pyproject-is-a-named-pipe",
        pipe("proj/pyproject.toml", with_files(("proj/Cargo.toml", "[package]\n"))),
        2,
        "{in}/proj/pyproject.toml",
        hint="is not a regular file (a named pipe)",
    ),
    Case(
        "init-requires-a-string",
        with_files(("proj/pyproject.toml", '[build-system]\nrequires = "maturin"\n')),
        2,
        "{in}/proj/pyproject.toml",
        ("init", "{in}/proj"),
        hint="not a list; write it",
    ),
    Case(
        "init-build-system-a-number",
        with_files(("proj/pyproject.toml", "build-system = 5\n")),
        2,
        "{in}/proj/pyproject.toml",
        ("init", "{in}/proj"),
        hint="build-system is a number, not a table; write",
    ),
    Case(
        "init-pyproject-is-a-named-pipe",
        pipe("proj/pyproject.toml"),
        2,
        "{in}/proj/pyproject.toml",
        ("init", "{in}/proj"),
        hint="is not a regular file (a named pipe); name",
    ),
    Case(
        "output-name-is-a-folder",
        folder_at("wh/" + WHEEL, wheel()),
        2,
        "{in}/wh/" + WHEEL,
        (*FIX[:-2], "-w", "{in}/wh"),
        hint="is a folder, so the wheel cannot be written under that name; move",
    ),
]


# --- issue 20: what nothing the module loads with defines; abi3 beyond its tag ------------------

SYMBOLS = FIXTURES / "symbols"
CORE = "pkg/_core.cpython-312-arm-linux-gnueabihf.so"
"""The module of tests/fixtures/symbols/ (PyInit__core) under the target's suffix."""


def abi3_wheel(module: bytes) -> Setup:
    """A cp38-abi3 armhf wheel holding ``module``, beside the target's sysconfigdata."""

    def setup(folder: Path) -> None:
        (folder / SYSCONFIG_NAME).write_text(SYSCONFIG)
        make_wheel(
            folder,
            name="pkg",
            tags=("cp38-abi3-linux_armv7l",),
            files={"pkg/_core.abi3.so": (module, 0o755), "pkg/__init__.py": b""},
        )

    return setup


CASES += [
    Case(
        "fix-module-uses-what-the-targets-python-lacks",
        with_files(
            # the target's python3.12, as a stand-in that has 3.11's C API
            ("root/usr/bin/python3.12", (SYMBOLS / "python3.11").read_bytes()),
            base=wheel({CORE: ((SYMBOLS / "needs-3.13.so").read_bytes(), 0o755)}),
        ),
        1,
        CORE,
        (*fix_of(WHEEL)[:-2], "--sysroot", "{in}/root", "-w", "{out}"),
        hint="'PyObject_GetOptionalAttr', which nothing it loads with defines (looked in "
        "python3.12 (/usr/bin/python3.12)): build against the target's Python",
    ),
    Case(
        "fix-abi3-module-uses-what-its-tag-lacks",
        abi3_wheel((SYMBOLS / "abi3-needs-3.10.so").read_bytes()),
        1,
        "pkg/_core.abi3.so",
        (*fix_of("pkg-0.1.0-cp38-abi3-linux_armv7l.whl")[:-2], "-w", "{out}"),
        hint="added to the Stable ABI in 3.10, but its tag cp38-abi3 promises the Stable ABI of "
        "3.8: raise the abi3 floor to 3.10",
    ),
]

# --- running them ------------------------------------------------------------------------------

FAKE_MATURIN = '''\
"""A stand-in for maturin, for what the real one cannot be made to do."""
import os, shutil, sys
behaviour = os.environ["FAKE_MATURIN"]
out = sys.argv[sys.argv.index("--out") + 1]
if behaviour == "fail":
    print("error: the fake maturin fails on purpose", file=sys.stderr)
    sys.exit(1)
if behaviour == "two":
    for name in os.environ["FAKE_MATURIN_WHEELS"].split(os.pathsep):
        shutil.copy(name, out)
'''

HOOK = """\
import json, os, sys
os.chdir(sys.argv[1])
from maturin_cross import backend
backend.build_wheel(sys.argv[2], json.loads(sys.argv[3]))
"""


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file, folder and link under ``folder``: its kind, mode and content's hash."""
    seen: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        status = path.lstat()
        if stat.S_ISLNK(status.st_mode):
            value = "link " + os.readlink(path)
        elif stat.S_ISDIR(status.st_mode):
            value = "dir"
        elif not stat.S_ISREG(status.st_mode):
            value = f"special {stat.S_IFMT(status.st_mode):o}"  # a pipe: never read (it would wait)
        else:
            value = hashlib.sha256(path.read_bytes()).hexdigest()
        seen[str(path.relative_to(folder))] = f"{stat.S_IMODE(status.st_mode):o} {value}"
    return seen


def fake_maturin(folder: Path) -> Path:
    (folder / "maturin").mkdir(parents=True)
    (folder / "maturin" / "__init__.py").write_text("")
    (folder / "maturin" / "__main__.py").write_text(FAKE_MATURIN)
    dist_info = folder / "maturin-1.7.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: maturin\nVersion: 1.7.0\n")
    return folder


def without_maturin(folder: Path) -> Path:
    """A copy (symlinks) of this interpreter's site-packages without maturin."""
    import site

    folder.mkdir(parents=True)
    for packages in site.getsitepackages():
        if not Path(packages).is_dir():  # a prefix's site-packages that was never made
            continue
        for entry in Path(packages).iterdir():
            lowered = entry.name.lower()
            if lowered.endswith(".pth") or (
                lowered.startswith("maturin") and not lowered.startswith("maturin_cross")
            ):
                continue
            if not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


@dataclass(frozen=True)
class Door:
    name: str
    argv: list[str]
    env: dict[str, str]


def doors(case: Case, work: Path, expand: Callable[[str], str], cargo_target: Path) -> list[Door]:
    env = clean_environ(**{key: expand(value) for key, value in case.env.items()})
    python = [sys.executable]
    if case.maturin == "missing":
        python.append("-S")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "src"), str(without_maturin(work / "site-packages"))]
        )
    elif case.maturin != "real":
        env["PYTHONPATH"] = str(fake_maturin(work / "fake"))
        env["FAKE_MATURIN"] = case.maturin
        (work / "made").mkdir()
        two = [make_wheel(work / "made", name="a"), make_wheel(work / "made", name="b")]
        env["FAKE_MATURIN_WHEELS"] = os.pathsep.join(str(p) for p in two)
    if not case.is_build:
        argv = cli_command(*(expand(arg) for arg in case.argv), python=python)
        return [Door("command", argv, env)]
    env["CARGO_TARGET_DIR"] = str(cargo_target)
    config = {key: expand(value) for key, value in case.config.items()}
    settings = [f"-C{key}={value}" for key, value in config.items()]
    out, proj = expand("{out}"), expand("{in}/proj")
    command = cli_command("build", proj, "--no-isolation", "-o", out, python=python)
    hook = [*python, "-c", HOOK, proj, out, json.dumps(config)]
    return [Door("command", [*command, *settings], env), Door("build_wheel", hook, env)]


@pytest.fixture(scope="module")
def cargo_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cargo target folder for every build row: cargo's cache, outside inputs and outputs."""
    return tmp_path_factory.mktemp("cargo-target")


def test_there_are_enough_rows() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


# A row that needs the real armhf sysroot asks for its fixture as it runs, where the markers
# derived from the fixtures cannot see it: the row says it is a cross test.
@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=[pytest.mark.cross] if c.needs_armhf else []) for c in CASES],
)
def test_bad_input(
    case: Case, tmp_path: Path, cargo_target: Path, request: pytest.FixtureRequest
) -> None:
    inputs, out, work = tmp_path / "in", tmp_path / "out", tmp_path / "work"
    inputs.mkdir()
    work.mkdir()
    armhf = ""
    if case.needs_armhf:
        toolchain: CrossToolchain = request.getfixturevalue("armhf")
        armhf = str(toolchain.sysconfigdata)

    def expand(text: str) -> str:
        return (
            text.replace("{in}", str(inputs)).replace("{out}", str(out)).replace("{armhf}", armhf)
        )

    case.setup(inputs)
    before = fingerprint(inputs)
    for door in doors(case, work, expand, cargo_target):
        done = subprocess.run(
            door.argv, env=door.env, cwd=work, capture_output=True, text=True, timeout=600
        )
        said = f"{door.name}: exit {done.returncode}\n{done.stderr}"
        lines = done.stderr.splitlines()
        errors = [line for line in lines if line.startswith("maturin-cross: error:")]
        assert "Traceback" not in done.stderr, said
        assert len(errors) == 1, said
        (line,) = errors
        if case.is_build:
            assert lines[-1] == line, said  # the error comes last, after the build's own output
        else:
            assert lines == [line], said  # nothing but the error
        assert expand(case.names) in line, said
        assert case.hint in line.removeprefix("maturin-cross: error: "), said
        assert done.returncode == case.exit_code, said
        assert fingerprint(inputs) == before, f"{door.name} changed the inputs"
        left = sorted(p.name for p in out.iterdir()) if out.exists() else []
        assert left == [], f"{door.name} left {left} in the output folder"
