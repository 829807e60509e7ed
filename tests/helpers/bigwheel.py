"""Write large real wheels without holding them in memory: for the memory-bound and zip64 tests
and for the benchmarks (benchmarks/run.py imports this file).

Like wheelmaker.py, independent of ``maturin_cross`` (its own hashing and CSV, stdlib zipfile),
so what it writes is a check on our reader rather than a copy of it. The wheel holds a real
armhf extension module under the name maturin 1.7.0 gave it (so ``fix`` renames it and retags
the wheel), grown by a section of filler data placed before its section headers, as debug
information would be, and any number of small files::

    path = write_wheel(folder, module_padding=200 << 20)          # one large member
    path = write_wheel(folder, small_files=20_000, small_size=500) # many small ones
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import itertools
import random
import stat
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

# Standalone (benchmarks/run.py reads it too): the fixtures are found from this file.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "elf" / "arm-linux-gnueabihf.so"
NAME = "pkg"
VERSION = "0.1.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
MODULE = "pkg/mod.cpython-312-armv7l-linux-gnueabihf.so"
"""What maturin 1.7.0 names the module for armv7; the target's name is ...-arm-linux-gnueabihf."""
FIXED_MODULE = "pkg/mod.cpython-312-arm-linux-gnueabihf.so"
TAG = "cp312-cp312-linux_x86_64"
"""The host's tag a native-looking build gets; ``fix`` retags it linux_armv7l."""
FIXED_NAME = f"{NAME}-{VERSION}-cp312-cp312-linux_armv7l.whl"
ARMHF_SYSCONFIG = {
    "VERSION": "3.12",
    "ABIFLAGS": "",
    "EXT_SUFFIX": ".cpython-312-arm-linux-gnueabihf.so",
    "MULTIARCH": "arm-linux-gnueabihf",
    "HOST_GNU_TYPE": "arm-poky-linux-gnueabihf",
    "SIZEOF_VOID_P": 4,
}
_PIECE = 1 << 16


def write_sysconfigdata(folder: Path) -> Path:
    """The armhf target's ``_sysconfigdata_*.py``, for ``maturin-cross fix --sysconfigdata``."""
    path = folder / "_sysconfigdata__linux_arm-linux-gnueabihf.py"
    path.write_text(f"build_time_vars = {ARMHF_SYSCONFIG!r}\n")
    return path


def filler(size: int, seed: int = 0) -> Iterator[bytes]:
    """``size`` bytes that deflate to about half, as binaries do: in each 64 KiB, 32 KiB of
    random bytes, then 32 KiB of text."""
    rng = random.Random(seed)
    text = (b"debug_info: frame base, location list, line program 0123456789\n" * 600)[
        : _PIECE // 2
    ]
    left = size
    while left > 0:
        piece = rng.randbytes(_PIECE // 2) + text
        yield piece[:left]
        left -= len(piece)


def zeros(size: int) -> Iterator[bytes]:
    block = bytes(1 << 20)
    left = size
    while left > 0:
        yield block[:left]
        left -= len(block)


def padded_elf(elf: bytes, padding: int) -> tuple[bytes, int, bytes]:
    """(head, padding, tail): ``elf`` with a PROGBITS section of ``padding`` filler bytes added
    before its section headers. The head is the file up to the section headers, its ELF header
    patched; the filler goes between; the tail is the section headers, one more at the end."""
    if padding % 8:
        raise ValueError("padding must be a multiple of 8")
    wide = elf[4] == 2
    order = "<" if elf[5] == 1 else ">"
    shoff_at, shnum_at = (0x28, 0x3C) if wide else (0x20, 0x30)
    shoff = struct.unpack_from(order + ("Q" if wide else "I"), elf, shoff_at)[0]
    shnum = struct.unpack_from(order + "H", elf, shnum_at)[0]
    head = bytearray(elf[:shoff])
    struct.pack_into(order + ("Q" if wide else "I"), head, shoff_at, shoff + padding)
    struct.pack_into(order + "H", head, shnum_at, shnum + 1)
    progbits = 1
    if wide:
        section = struct.pack(order + "IIQQQQIIQQ", 0, progbits, 0, 0, shoff, padding, 0, 0, 1, 0)
    else:
        section = struct.pack(order + "IIIIIIIIII", 0, progbits, 0, 0, shoff, padding, 0, 0, 1, 0)
    return bytes(head), padding, elf[shoff:] + section


def _hash(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _info(name: str, index: int, mode: int, method: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1 + index % 12, 1 + index % 28, 12, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = method
    return info


def write_wheel(
    folder: Path,
    *,
    module_padding: int = 0,
    small_files: int = 0,
    small_size: int = 0,
    large_files: Iterable[tuple[str, int]] = (),
    large_data: str = "filler",
    stored: bool = False,
    compresslevel: int = 1,
) -> Path:
    """Write ``pkg-0.1.0-cp312-cp312-linux_x86_64.whl`` into ``folder`` and return its path.

    It holds ``pkg/__init__.py``, the module (grown by ``module_padding`` filler bytes),
    ``small_files`` files of ``small_size`` filler bytes each, ``large_files`` (name, size) of
    ``large_data`` ("filler" or "zeros"), METADATA, WHEEL and RECORD; deflated at
    ``compresslevel`` unless ``stored``. Zip64 records are written where sizes need them.
    """
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    path = folder / f"{NAME}-{VERSION}-{TAG}.whl"
    head, padding, tail = padded_elf(FIXTURE.read_bytes(), module_padding)
    rows: list[list[str]] = []
    index = 0

    def add(
        archive: zipfile.ZipFile,
        name: str,
        chunks: Iterable[bytes],
        mode: int = 0o644,
        size: int = 0,
    ) -> None:
        nonlocal index
        digest = hashlib.sha256()
        info = _info(name, index, mode, method)
        written = 0
        with archive.open(info, "w", force_zip64=size >= 1 << 31) as stream:
            for chunk in chunks:
                digest.update(chunk)
                stream.write(chunk)
                written += len(chunk)
        rows.append([name, _hash(digest.digest()), str(written)])
        index += 1

    data = filler if large_data == "filler" else (lambda size, seed=0: zeros(size))
    with zipfile.ZipFile(path, "w", compresslevel=compresslevel, allowZip64=True) as archive:
        add(archive, f"{NAME}/__init__.py", [b"from .mod import *\n"])
        module = itertools.chain([head], filler(padding, seed=1), [tail])
        add(archive, MODULE, module, 0o755, len(head) + padding + len(tail))
        for number in range(small_files):
            name = f"{NAME}/data/{number // 1000:03d}/file{number:06d}.txt"
            add(archive, name, filler(small_size, seed=number + 2))
        for name, size in large_files:
            add(archive, name, data(size), size=size)
        add(
            archive,
            f"{DIST_INFO}/METADATA",
            [f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode()],
        )
        wheel_text = (
            f"Wheel-Version: 1.0\nGenerator: bigwheel (tests)\nRoot-Is-Purelib: false\nTag: {TAG}\n"
        )
        add(archive, f"{DIST_INFO}/WHEEL", [wheel_text.encode()])
        rows.append([f"{DIST_INFO}/RECORD", "", ""])
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        archive.writestr(_info(f"{DIST_INFO}/RECORD", index, 0o644, method), buffer.getvalue())
    return path


_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024, time.perf_counter() - start)
"""


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, int, float, str]:
    """Run ``argv``: (exit code, its peak resident set in bytes as the kernel counted it, wall
    seconds, what it wrote to stderr).

    A small launcher starts it: Linux counts the pages of the process a child was forked from
    (until its exec) in the child's peak, so a command started straight from a test process
    that has grown large would seem to take what the test process takes."""
    with tempfile.TemporaryFile() as errors:
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            check=True,
        )
        errors.seek(0)
        said = errors.read().decode(errors="replace")
    code, peak, wall = done.stdout.split()
    return int(code), int(peak), float(wall), said
