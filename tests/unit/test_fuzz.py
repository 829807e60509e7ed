"""Fuzzing with hypothesis: the sysconfigdata and build-details.json parsers, the wheel reader
and rewriter, and ELF inspection, given real inputs mutated (bytes flipped, cut short, headers
spliced) and random structured ones.

The property, for every input: nothing escapes but the project's own error
(:class:`maturin_cross.errors.MaturinCrossError`), and nothing hangs: hypothesis's ``deadline``
bounds each example, and ``signal.alarm`` turns a hang into a failure.

Two profiles: ``ci`` (the default: 200 examples per test, derandomized, so a run is repeatable)
and ``fuzz`` (10,000 per test, random: ``HYPOTHESIS_PROFILE=fuzz``, as ``tox -e fuzz`` sets).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import struct
import tempfile
import types
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import bigwheel
import elfpatch
import pytest
from elftools.elf.elffile import ELFFile
from harness import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from origins import said
from repaircases import ARMHF
from wheelcalls import fix_wheel
from wheelmaker import make_wheel

from maturin_cross.checks import elf, linkage, repair, symbols
from maturin_cross.errors import MaturinCrossError
from maturin_cross.target import build_details, sysconfigdata

pytestmark = pytest.mark.fuzz

settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.register_profile(
    "fuzz",
    max_examples=10_000,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

HANG = 30
"""Seconds after which an example counts as hung (far beyond any real one)."""


class Hung(Exception):
    """An example ran past :data:`HANG`."""


@contextlib.contextmanager
def bounded(seconds: int = HANG) -> Iterator[None]:
    def expire(signum: int, frame: types.FrameType | None) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def only_our_errors(work: Callable[[], object]) -> None:
    """Run ``work``, bounded; let nothing but our own error out of it."""
    with bounded():
        try:
            work()
        except MaturinCrossError as err:
            assert str(err).strip(), f"{type(err).__name__} with no message"


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` changed a few times: bytes flipped or overwritten, cut short, a piece
    spliced in from elsewhere in it, or repeated."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "set", "cut", "splice", "insert", "delete"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[at] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, 1]))
        elif kind == "cut":
            del data[at:]
        elif kind == "splice":
            start = draw(st.integers(0, len(data) - 1))
            piece = data[start : start + draw(st.integers(1, 64))]
            data[at : at + len(piece)] = piece
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# --- sysconfigdata ------------------------------------------------------------------------------

SYSCONFIG_FIXTURES = sorted((FIXTURES / "sysconfigdata").glob("*/_sysconfigdata_*.py"))
SYSCONFIG_TEXTS = [path.read_bytes() for path in SYSCONFIG_FIXTURES if not path.is_symlink()]

literals: st.SearchStrategy[object] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
vars_dicts = st.dictionaries(
    st.sampled_from(
        [
            "VERSION",
            "EXT_SUFFIX",
            "MULTIARCH",
            "SOABI",
            "HOST_GNU_TYPE",
            "SIZEOF_VOID_P",
            "ABIFLAGS",
        ]
    )
    | st.text(max_size=12),
    literals,
)


def parse_bytes(folder: Path, source: bytes) -> None:
    path = folder / "_sysconfigdata__fuzz.py"
    path.write_bytes(source)
    sysconfigdata.parse(path, said("fuzz"))


@given(source=st.sampled_from(SYSCONFIG_TEXTS).flatmap(mutated))
def test_sysconfigdata_parse_of_mutated_files(scratch: Path, source: bytes) -> None:
    only_our_errors(lambda: parse_bytes(scratch, source))


@given(values=vars_dicts, prefix=st.sampled_from(["", "import os\n", "# c\n", "x = 1\n"]))
def test_sysconfigdata_parse_of_random_literals(
    scratch: Path, values: dict[str, object], prefix: str
) -> None:
    source = f"{prefix}build_time_vars = {values!r}\n".encode()
    only_our_errors(lambda: parse_bytes(scratch, source))


@given(source=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_sysconfigdata_parse_of_random_bytes(scratch: Path, source: bytes) -> None:
    only_our_errors(lambda: parse_bytes(scratch, b"build_time_vars = " + source))


# --- build-details.json -------------------------------------------------------------------------

DETAILS_FIXTURES = sorted((FIXTURES / "build-details").glob("*/build-details*.json"))
DETAILS_TEXTS = [path.read_bytes() for path in DETAILS_FIXTURES]
DETAILS_FIELDS = [
    ("schema_version",),
    ("language", "version"),
    ("abi", "flags"),
    ("abi", "extension_suffix"),
    ("suffixes", "extensions"),
    ("implementation", "_multiarch"),
    ("libpython", "static"),
    ("libpython", "dynamic"),
    ("platform",),
]


def read_details(folder: Path, source: bytes) -> None:
    """Read ``source`` as a build-details.json, alone and beside a real sysconfigdata, and
    compare the two: only our error may come out."""
    path = folder / "build-details.json"
    path.write_bytes(source)
    details = build_details.parse(path, said("fuzz"))
    data = sysconfigdata.parse(
        FIXTURES
        / "build-details"
        / "debian-sid-arm64-3.14"
        / "_sysconfigdata__linux_aarch64-linux-gnu.py",
        said("fuzz"),
    )
    for line in build_details.disagreements(data, details):
        assert "\n" not in line


@given(source=st.sampled_from(DETAILS_TEXTS).flatmap(mutated))
def test_build_details_of_mutated_real_files(scratch: Path, source: bytes) -> None:
    only_our_errors(lambda: read_details(scratch, source))


@given(
    original=st.sampled_from(DETAILS_TEXTS),
    field=st.sampled_from(DETAILS_FIELDS),
    value=literals,
)
def test_build_details_with_a_field_replaced(
    scratch: Path, original: bytes, field: tuple[str, ...], value: object
) -> None:
    import json

    data = json.loads(original)
    parent = data
    for key in field[:-1]:
        parent = parent.setdefault(key, {})
    parent[field[-1]] = value
    source = json.dumps(data, default=repr).encode()
    only_our_errors(lambda: read_details(scratch, source))


# --- wheels -------------------------------------------------------------------------------------

ARM_SO = (FIXTURES / "elf" / "arm-linux-gnueabihf.so").read_bytes()


def real_wheel() -> bytes:
    """A real wheel as maturin 1.7.0 names it for armv7 (fix renames and retags it)."""
    with tempfile.TemporaryDirectory() as folder:
        path = bigwheel.write_wheel(Path(folder), small_files=3, small_size=200)
        return path.read_bytes()


WHEEL_BYTES = real_wheel()
WHEEL_NAME = f"{bigwheel.NAME}-{bigwheel.VERSION}-{bigwheel.TAG}.whl"
TARGET = ARMHF.resolve()


def fix_bytes(folder: Path, data: bytes, name: str = WHEEL_NAME) -> None:
    """Read, examine and fix the wheel ``data``; a fixed wheel must read back whole."""
    for old in folder.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    path = folder / name
    path.write_bytes(data)
    out = folder / "out"
    result = fix_wheel(path, TARGET, out)
    repair.read(result.path)  # what fix wrote verifies


@given(data=mutated(WHEEL_BYTES))
def test_fix_of_mutated_wheels(scratch: Path, data: bytes) -> None:
    only_our_errors(lambda: fix_bytes(scratch, data))


members = st.dictionaries(
    st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30
    ).filter(lambda n: not n.endswith("/")),
    st.binary(max_size=200) | st.just(ARM_SO),
    max_size=5,
)


@given(
    files=members,
    tags=st.sampled_from(["cp312-cp312-linux_armv7l", "cp312-cp312-linux_x86_64", "py3-none-any"]),
    with_record=st.booleans(),
    extra=st.lists(st.tuples(st.text(min_size=1, max_size=20), st.binary(max_size=20)), max_size=2),
)
def test_fix_of_random_structured_wheels(
    scratch: Path,
    files: dict[str, bytes],
    tags: str,
    with_record: bool,
    extra: list[tuple[str, bytes]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = make_wheel(
                Path(folder),
                name="pkg",
                tags=(tags,),
                files=files,
                record="correct" if with_record else None,
                extra_members=extra,
            )
        except (ValueError, UnicodeEncodeError, zipfile.BadZipFile):
            return  # zipfile itself will not write it
        data, name = path.read_bytes(), path.name
    only_our_errors(lambda: fix_bytes(scratch, data, name))


# --- ELF ----------------------------------------------------------------------------------------

ELF_FIXTURES = sorted(
    p for kind in ("elf", "symbols") for p in (FIXTURES / kind).glob("*.so*") if p.is_file()
)
ELF_BYTES = [path.read_bytes() for path in ELF_FIXTURES]


def inspect_elf(data: bytes) -> None:
    info = elf.read_elf(data, "fuzz.so")
    elf.check_fits(info, TARGET.elf, "fuzz.so", TARGET.rust_target)
    linkage.read_dynamic(io.BytesIO(data), "fuzz.so")
    try:  # the symbol table, as the proof reads it (its errors one line, as the loader's view)
        symbols.read(elf.parse(io.BytesIO(data), len(data)))
    except elf.PARSE_ERRORS as err:
        raise linkage.unreadable("fuzz.so", err) from None


@given(data=st.sampled_from(ELF_BYTES).flatmap(mutated))
def test_elf_inspection_of_mutated_binaries(data: bytes) -> None:
    only_our_errors(lambda: inspect_elf(data))


@given(head=st.sampled_from(ELF_BYTES), tail=st.binary(max_size=2000), cut=st.integers(16, 200))
def test_elf_inspection_of_real_headers_with_random_bodies(
    head: bytes, tail: bytes, cut: int
) -> None:
    only_our_errors(lambda: inspect_elf(head[:cut] + tail))


# --- issue 19: local headers against the central directory; ELF counts --------------------------

_LOCAL_OFFSETS = [offset for offset in range(4, 30)]  # every field of a local header


def _local_agrees(data: bytes) -> bool:
    """Whether every member's local header says what its central record says (standard library
    alone): name, flags, method, and CRC-32 and sizes (or zero ones, with a data descriptor)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            at = info.header_offset
            fields = struct.unpack_from("<HHHHHIIIHH", data, at + 4)
            _, flags, method, _, _, crc, csize, size, name_len, _ = fields
            name = data[at + 30 : at + 30 + name_len]
            described = (info.flag_bits, info.compress_type)
            sizes = (info.CRC, info.compress_size, info.file_size)
            if name != info.orig_filename.encode("utf-8" if flags & 0x800 else "cp437"):
                return False
            if (flags, method) != described or (crc, csize, size) != sizes:
                return False
    return True


@given(
    member=st.integers(0, 4),
    changes=st.lists(
        st.tuples(st.sampled_from(_LOCAL_OFFSETS), st.integers(0, 255)), min_size=1, max_size=4
    ),
)
def test_fix_of_local_headers_that_disagree(
    scratch: Path, member: int, changes: list[tuple[int, int]]
) -> None:
    """Bytes of one local header changed: every outcome is a wheel accepted whose local headers
    agree with its central directory, or one line refusing it; never a traceback or a hang."""
    with zipfile.ZipFile(io.BytesIO(WHEEL_BYTES)) as archive:
        infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
    at = infos[member % len(infos)].header_offset
    data = bytearray(WHEEL_BYTES)
    for offset, value in changes:
        data[at + offset] = value
    with bounded():
        try:
            fix_bytes(scratch, bytes(data))
        except MaturinCrossError as err:
            assert len(err.lines()) >= 1 and all("\n" not in line for line in err.lines())
            return
    assert _local_agrees(bytes(data)), "a wheel whose local headers disagree was accepted"


_HEADER_FIELDS = ["e_shnum", "e_phnum", "e_shentsize", "e_phentsize"]
_SECTION_FIELDS = ["sh_offset", "sh_size", "sh_entsize", "sh_link", "sh_info"]
_COUNTS = st.sampled_from([0, 1, 2, 7, 0xFF, 0xFFFF, 1 << 20, 1 << 31, (1 << 32) - 1])


@given(
    source=st.sampled_from([data for data in ELF_BYTES if elf.is_elf(data)]),
    header=st.lists(st.tuples(st.sampled_from(_HEADER_FIELDS), _COUNTS), max_size=2),
    sections=st.lists(
        st.tuples(st.integers(0, 40), st.sampled_from(_SECTION_FIELDS), _COUNTS), max_size=4
    ),
)
def test_elf_inspection_of_crafted_counts(
    source: bytes, header: list[tuple[str, int]], sections: list[tuple[int, str, int]]
) -> None:
    """Counts, sizes, entry sizes and links set to values that make a reader loop: our error or
    the facts, within hypothesis's deadline (bounded time whatever the headers claim)."""
    data = source
    with contextlib.suppress(Exception):  # a fixture without that many sections: left as it is
        for field, value in header:
            width = 2 if field.startswith("e_") else 4
            data = elfpatch.with_header_field(data, field, value & ((1 << (8 * width)) - 1))
        for number, field, value in sections:
            count = ELFFile(io.BytesIO(data)).num_sections()
            if count:
                data = elfpatch.with_numbered_section_field(
                    data, number % count, field, value & 0xFFFFFFFF
                )
    only_our_errors(lambda: inspect_elf(data))


# --- names that would write to the terminal (issue 19) ------------------------------------------

UNSAFE_CHARS = st.sampled_from(
    [
        "\x1b",
        "\x07",
        "\n",
        "\r",
        "\x0b",
        "\x0c",
        "\x85",
        "\x9b",
        "\x7f",
        "\u202e",
        "\u2028",
        "\ud800",
    ]
)
hostile_text = st.lists(st.text(max_size=4) | UNSAFE_CHARS, max_size=12).map("".join)


@given(text=hostile_text | st.text())
def test_what_a_name_holds_is_shown_on_one_line(text: str) -> None:
    from maturin_cross.support.text import is_safe, one_line, quoted, shown

    for said_as in (one_line(text), shown(text), quoted(text)):
        assert is_safe(said_as)
        assert len(said_as.splitlines()) <= 1
    assert shown(text) == text or not is_safe(text) or len(text) > 1000


@given(
    names=st.lists(
        hostile_text.map(lambda t: f"pkg/{t}.cpython-312-arm-linux-gnueabihf.so"),
        min_size=1,
        max_size=3,
    )
)
def test_every_error_about_hostile_names_is_one_safe_line_per_problem(
    scratch: Path, names: list[str]
) -> None:
    from maturin_cross.support.text import is_safe

    so = (FIXTURES / "elf" / "arm-linux-gnueabihf.so").read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = make_wheel(
                Path(folder),
                name="pkg",
                tags=("cp312-cp312-linux_armv7l",),
                files={name: (so, 0o755) for name in names},
            )
        except (ValueError, UnicodeEncodeError, zipfile.BadZipFile):
            return  # zipfile itself will not write it
        try:
            fix_bytes(scratch, path.read_bytes(), path.name)
        except MaturinCrossError as err:
            lines = err.lines()
            assert lines and all(is_safe(line) and len(line.splitlines()) == 1 for line in lines)
