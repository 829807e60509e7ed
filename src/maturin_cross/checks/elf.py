"""What a shared object is, read from its ELF headers, and whether it fits a target.

Pure: parses bytes in memory with pyelftools; no process, no printing, no host interpreter.

The facts compared are the ones a dynamic loader refuses on (``e_machine``, ELF class, byte
order) and the ones it does not check but that break calls at run time (ARM float ABI, MIPS
o32/n32/n64 and R6, PowerPC64 ELFv1/ELFv2, RISC-V and LoongArch float ABI). ``target.ElfFacts``
says what a target needs; :func:`check_fits` compares the two.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO, cast

from elftools.common.exceptions import ELFError as _PyElfToolsError
from elftools.construct import ConstructError
from elftools.elf.constants import E_FLAGS, E_FLAGS_MASKS
from elftools.elf.dynamic import DynamicSection, DynamicSegment
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import ARMAttributesSection, Symbol, SymbolTableSection

from maturin_cross.errors import ElfError
from maturin_cross.target.arches import (
    ARM_HARD,
    ARM_SOFT,
    LOONGARCH_DOUBLE,
    LOONGARCH_SINGLE,
    LOONGARCH_SOFT,
    MIPS_N32,
    MIPS_N64,
    MIPS_O32,
    PPC64_ELFV1,
    PPC64_ELFV2,
    RISCV_DOUBLE,
    ElfFacts,
    narrow_name,
)
from maturin_cross.target.multiarch import KNOWN_MULTIARCHES, parse_multiarch

__all__ = ["ElfError", "ElfInfo", "check_fits", "is_elf", "read_elf", "read_elf_stream"]

ELF_MAGIC = b"\x7fELF"

# ABIs no CPython target uses (the architecture table has no constant for them), named for
# messages.
RISCV_SOFT = "riscv-soft-float"
RISCV_SINGLE = "riscv-single-float"
RISCV_QUAD = "riscv-quad-float"
MIPS_O64 = "mips-o64"
MIPS_EABI32 = "mips-eabi32"
MIPS_EABI64 = "mips-eabi64"

# e_machine values pyelftools does not name, as Linux uses them.
_UNNAMED_MACHINES = {
    0x9026: "EM_ALPHA",  # Linux/Alpha's unofficial number (pyelftools knows only EM_ALPHA=41)
    0xA390: "EM_S390",  # the interim S/390 number of old binutils
}

# Machines a target's loader accepts besides its own: 32-bit SPARC Linux runs V8+ code
# (EM_SPARC32PLUS), which is what gcc -m32 emits for SPARC V9 CPUs.
_ALSO_ACCEPTED = {"EM_SPARC": frozenset({"EM_SPARC32PLUS"})}

# e_flags, from pyelftools' tables where it has them.
_EF_MIPS_ARCH_R6 = (0x90000000, 0xA0000000)  # EF_MIPS_ARCH_32R6, EF_MIPS_ARCH_64R6: not in them
_MIPS_ABI_FIELD = {
    E_FLAGS_MASKS.EFM_MIPS_ABI_O32: MIPS_O32,
    E_FLAGS_MASKS.EFM_MIPS_ABI_O64: MIPS_O64,
    E_FLAGS_MASKS.EFM_MIPS_ABI_EABI32: MIPS_EABI32,
    E_FLAGS_MASKS.EFM_MIPS_ABI_EABI64: MIPS_EABI64,
}
_RISCV_FLOAT_ABIS = {
    E_FLAGS.EF_RISCV_FLOAT_ABI_SOFT: RISCV_SOFT,
    E_FLAGS.EF_RISCV_FLOAT_ABI_SINGLE: RISCV_SINGLE,
    E_FLAGS.EF_RISCV_FLOAT_ABI_DOUBLE: RISCV_DOUBLE,
    E_FLAGS.EF_RISCV_FLOAT_ABI_QUAD: RISCV_QUAD,
}
_LOONGARCH_FLOAT_ABIS = {
    E_FLAGS.EF_LOONGARCH_ABI_SOFT_FLOAT: LOONGARCH_SOFT,
    E_FLAGS.EF_LOONGARCH_ABI_SINGLE_FLOAT: LOONGARCH_SINGLE,
    E_FLAGS.EF_LOONGARCH_ABI_DOUBLE_FLOAT: LOONGARCH_DOUBLE,
}
_PPC64_ABIS = {E_FLAGS.EF_PPC64_ABI_V1: PPC64_ELFV1, E_FLAGS.EF_PPC64_ABI_V2: PPC64_ELFV2}

# Symbol bindings a dynamic loader resolves from outside the object (pyelftools names GNU's
# STB_GNU_UNIQUE by its number, STB_LOOS).
_EXPORTED_BINDINGS = frozenset({"STB_GLOBAL", "STB_WEAK", "STB_LOOS"})
_EXPORTED_VISIBILITIES = frozenset({"STV_DEFAULT", "STV_PROTECTED"})


class _Truncated(Exception):
    """Raised inside read_elf for a table that ends past the end of the data."""


class _TooCostly(Exception):
    """Raised when reading an ELF file takes more reads than one of its size needs."""


PARSE_ERRORS = (
    _Truncated,
    _TooCostly,
    _PyElfToolsError,
    ConstructError,
    struct.error,
    EOFError,
    OverflowError,
    ValueError,
    AssertionError,
)
"""What pyelftools (and the struct and construct modules under it) raise on malformed input,
for this module and :mod:`maturin_cross.checks.linkage`; anything else is a bug, and is not reported
as the file's fault. OverflowError: a seek to an offset past what a file can hold; ValueError:
UnicodeDecodeError of a name that is not UTF-8; AssertionError: pyelftools' own checks (a
dynamic section whose string table is not one). With them, what :func:`parse` refuses: headers
that claim more than the file holds, and reading that costs more than the file's size allows."""


def parse_error_detail(exc: BaseException) -> str:
    """What a parse error says, on one line (its type when it says nothing, as asserts do)."""
    text = str(exc)
    return text.splitlines()[0] if text.strip() else type(exc).__name__


@dataclass(frozen=True)
class ElfInfo:
    """What one ELF file says about itself."""

    machine: str
    """pyelftools' name for ``e_machine`` (``EM_ARM``); ``e_machine 0x...`` for unnamed ones."""
    bits: int
    """ELF class: 32 or 64."""
    little_endian: bool
    abi: str | None
    """An ABI constant of ``target`` (or of this module); None where not applicable or unknown."""
    r6: bool | None
    """MIPS only: Release 6 code."""
    soft_float: bool | None
    """MIPS only: ``.MIPS.abiflags`` says soft-float (None: no such section, or "any")."""
    e_flags: int
    is_shared_object: bool
    """``e_type`` is ``ET_DYN``."""
    pyinit_symbols: tuple[str, ...]
    """Defined, exported dynamic symbols named ``PyInit_*``, sorted."""
    soname: str | None

    def facts(self) -> ElfFacts:
        return ElfFacts(
            self.machine, self.bits, self.little_endian, self.abi, self.r6, self.soft_float
        )

    def describe(self) -> str:
        """``ELF ARM 32-bit LE arm-hard-float``."""
        return f"ELF {self.facts().describe()}"


def is_elf(data: bytes) -> bool:
    """Whether ``data`` starts with the ELF magic number."""
    return data[:4] == ELF_MAGIC


def read_elf(data: bytes, name: str) -> ElfInfo:
    """Parse an ELF file held in memory. ``name`` (a path, e.g. inside a wheel) is only used in
    messages. Raises ElfError for anything that is not a complete, well-formed ELF file."""
    return read_elf_stream(io.BytesIO(data), len(data), name)


def read_elf_stream(stream: BinaryIO, size: int, name: str) -> ElfInfo:
    """:func:`read_elf` of a seekable binary stream of ``size`` bytes, reading only the parts
    pyelftools looks at (headers, dynamic section, symbol tables), never the whole file; in time
    proportional to ``size`` whatever its headers claim (:func:`parse`)."""
    return facts_of(open_elf(stream, size, name), size, name)


def open_elf(stream: BinaryIO, size: int, name: str) -> ELFFile:
    """:func:`parse`, for a file that must be ELF: ElfError (one line naming ``name``) when it is
    not, or when its headers are malformed or claim more than it holds."""
    stream.seek(0)
    data = stream.read(8)
    if not is_elf(data):
        what = "is empty" if not data else f"starts with {data[:8]!r}"
        raise ElfError(
            f"{name} is not an ELF file ({what}); a compiled module must be a shared library "
            f"built for the target: check what produced this file"
        )
    try:
        return parse(stream, size)
    except PARSE_ERRORS as exc:
        raise corrupt(name, size, exc) from exc


def corrupt(name: str, size: int, exc: BaseException) -> ElfError:
    """The one line for an ELF file that cannot be read: what, where, what to do."""
    return ElfError(
        f"{name} is a truncated or corrupt ELF file ({size} bytes; {parse_error_detail(exc)}); "
        f"rebuild it, or fetch the wheel again if it was downloaded"
    )


def facts_of(elf: ELFFile, size: int, name: str) -> ElfInfo:
    """What an ELF file opened by :func:`parse` says about itself; ElfError when it is corrupt."""
    try:
        machine = _machine_name(elf["e_machine"])
        bits = int(elf.elfclass)
        little_endian = bool(elf.little_endian)
        e_flags = int(elf["e_flags"])
        abi = _abi(elf, machine, bits, little_endian, e_flags)
        r6 = (e_flags & E_FLAGS.EF_MIPS_ARCH) in _EF_MIPS_ARCH_R6 if machine == "EM_MIPS" else None
        symbols, soname = _dynamic_symbols(elf)
        pyinit = sorted({s.name for s in symbols if s.name.startswith("PyInit_") and _exported(s)})
        return ElfInfo(
            machine=machine,
            bits=bits,
            little_endian=little_endian,
            abi=abi,
            r6=r6,
            soft_float=_mips_soft_float(elf) if machine == "EM_MIPS" else None,
            e_flags=e_flags,
            is_shared_object=elf["e_type"] == "ET_DYN",
            pyinit_symbols=tuple(pyinit),
            soname=soname,
        )
    except PARSE_ERRORS as exc:
        raise corrupt(name, size, exc) from exc


# ------------------------------------------------------------------------------------------------
# Reading in time proportional to the file's size

READS_PER_BYTE = 0.5
"""The reads pyelftools may make per byte of an ELF file, beyond :data:`READS_BASE`: real
libraries take 0.04 to 0.22 for everything both this module and the loader's view read (one
read is a few microseconds of parsing). A file whose headers send it further is refused."""
READS_BASE = 16384
BYTES_PER_BYTE = 16
"""Bytes pyelftools may read per byte of an ELF file, beyond :data:`BYTES_BASE` (real
libraries: under 2.5)."""
BYTES_BASE = 1 << 20

# Elf32_Ehdr / Elf64_Ehdr after e_ident: e_type ... e_shstrndx
_EHDR = {1: "HHIIIIIHHHHHH", 2: "HHIQQQIHHHHHH"}
# (sh_type, sh_offset, sh_size, sh_entsize) in Elf32_Shdr / Elf64_Shdr, and the header's size
_SHDR = {1: ("IIIIIIIIII", 40), 2: ("IIQQQQIIQQ", 64)}
# (p_type, p_offset, p_filesz) in Elf32_Phdr / Elf64_Phdr, and the header's size
_PHDR = {1: ("IIIIIIII", 32), 2: ("IIQQQQQQ", 56)}
_SYMBOL_SIZES = {1: 16, 2: 24}
_SHT_SYMTAB, _SHT_NOBITS, _SHT_DYNSYM = 2, 8, 11
_SHT_VERDEF, _SHT_VERNEED = 0x6FFFFFFD, 0x6FFFFFFE
_PN_XNUM = 0xFFFF
_SHN_XINDEX = 0xFFFF


class _Metered:
    """A stream that counts what pyelftools reads from it and stops it, with :class:`_TooCostly`,
    past what a file of ``size`` bytes needs: however its counts, links and string offsets loop,
    reading stays proportional to the file's size."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._reads_left = int(size * READS_PER_BYTE) + READS_BASE
        self._bytes_left = size * BYTES_PER_BYTE + BYTES_BASE

    def read(self, length: int = -1) -> bytes:
        self._reads_left -= 1
        data = self._stream.read(length)
        self._bytes_left -= len(data)
        if self._reads_left < 0 or self._bytes_left < 0:
            raise _TooCostly(
                "its headers send a reader round and round: it takes more reads than an ELF "
                "file of its size needs"
            )
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def parse(stream: BinaryIO, size: int) -> ELFFile:
    """pyelftools' view of the ELF file in ``stream`` (``size`` bytes), opened once its headers
    are found to fit the file (:func:`_check_headers`) and read through :class:`_Metered`: the
    work of every later question asked of it is proportional to ``size``. Raises one of
    :data:`PARSE_ERRORS`."""
    _check_headers(stream, size)
    stream.seek(0)
    # _Metered has what pyelftools uses of a stream: read, seek and tell
    return ELFFile(cast(BinaryIO, _Metered(stream, size)))


def _check_headers(stream: BinaryIO, size: int) -> None:
    """The section and program header tables, read raw before pyelftools walks them: each entry
    of the size ELF gives it, the tables inside the file, every section's and segment's bytes
    inside it, and symbol tables and version sections made of whole entries. What claims more
    than the file holds raises _Truncated saying which."""
    stream.seek(0)
    ident = stream.read(16)
    kind = ident[4] if len(ident) > 4 else 1
    if kind not in _EHDR:
        raise _Truncated(f"its ELF class is {kind}, neither 1 (32-bit) nor 2 (64-bit)")
    order = ">" if ident[5:6] == b"\x02" else "<"
    layout = order + _EHDR[kind]
    header = stream.read(struct.calcsize(layout))
    if len(ident) < 16 or len(header) < struct.calcsize(layout):
        raise _Truncated(f"its ELF header needs {16 + struct.calcsize(layout)} bytes")
    fields = struct.unpack(layout, header)
    phoff, shoff = fields[4], fields[5]
    phentsize, phnum, shentsize, shnum, shstrndx = fields[8:]
    shdr, shdr_size = _SHDR[kind]
    phdr, phdr_size = _PHDR[kind]
    sections: list[tuple[int, ...]] = []
    if shoff:
        if shentsize != shdr_size:
            raise _Truncated(
                f"its section headers claim {shentsize} bytes each, ELF's are {shdr_size}"
            )
        first = _table(stream, size, "section headers", shoff, 1, shdr_size)
        zeroth = struct.unpack(order + shdr, first)
        count = shnum or zeroth[5]  # e_shnum 0: the count is section 0's sh_size
        if shstrndx == _SHN_XINDEX:
            shstrndx = zeroth[6]  # ... and the name table's index its sh_link
        table = _table(stream, size, "section headers", shoff, count, shdr_size)
        sections = [
            struct.unpack_from(order + shdr, table, at) for at in range(0, len(table), shdr_size)
        ]
        if count and shstrndx >= count:
            raise _Truncated(f"its section name table is section {shstrndx} of {count}")
    for number, (sh_name, sh_type, _, _, offset, length, _, info, _, entsize) in enumerate(
        sections
    ):
        what = f"section {number} ({_section_name(stream, size, sections, shstrndx, sh_name)})"
        if sh_type != _SHT_NOBITS and length and offset + length > size:
            raise _Truncated(f"{what} ends at byte {offset + length}")
        if sh_type in (_SHT_SYMTAB, _SHT_DYNSYM) and entsize != _SYMBOL_SIZES[kind]:
            raise _Truncated(
                f"{what}, a symbol table, claims entries of {entsize} bytes, ELF's are "
                f"{_SYMBOL_SIZES[kind]}"
            )
        if sh_type in (_SHT_VERDEF, _SHT_VERNEED) and info * 16 > length:
            raise _Truncated(f"{what} claims {info} version entries in {length} bytes")
    if phnum == _PN_XNUM and sections:
        phnum = sections[0][7]  # e_phnum PN_XNUM: the count is section 0's sh_info
    if phnum:
        if phentsize != phdr_size:
            raise _Truncated(
                f"its program headers claim {phentsize} bytes each, ELF's are {phdr_size}"
            )
        table = _table(stream, size, "program headers", phoff, phnum, phdr_size)
        for number, at in enumerate(range(0, len(table), phdr_size)):
            values = struct.unpack_from(order + phdr, table, at)
            # p_offset and p_filesz: Elf64_Phdr puts p_flags second
            offset, length = (values[1], values[4]) if kind == 1 else (values[2], values[5])
            if length and offset + length > size:
                raise _Truncated(f"segment {number} ends at byte {offset + length}")


def _section_name(
    stream: BinaryIO, size: int, sections: list[tuple[int, ...]], shstrndx: int, offset: int
) -> str:
    """A section's name for a message, quoted, at most 64 bytes of it; ``?`` when the name table
    does not hold it."""
    if shstrndx >= len(sections):
        return "?"
    table_offset, table_size = sections[shstrndx][4], sections[shstrndx][5]
    if offset >= table_size or table_offset + table_size > size:
        return "?"
    stream.seek(table_offset + offset)
    raw = stream.read(min(64, table_size - offset)).partition(b"\x00")[0]
    return repr(raw.decode("utf-8", "replace"))


def _table(stream: BinaryIO, size: int, what: str, offset: int, count: int, entry: int) -> bytes:
    """``count`` entries of ``entry`` bytes at ``offset``, which must lie inside the file."""
    end = offset + count * entry
    if end > size:
        raise _Truncated(f"its {what} end at byte {end}, past its end")
    stream.seek(offset)
    data = stream.read(count * entry)
    if len(data) < count * entry:
        raise _Truncated(f"its {what} end at byte {end}, past its end")
    return data


# .MIPS.abiflags (binutils include/elf/mips.h, Elf_External_ABIFlags_v0): fp_abi is byte 7.
_MIPS_FP_ABI_OFFSET = 7
_MIPS_FP_ANY = 0
_MIPS_FP_SOFT = 3


def _mips_soft_float(elf: ELFFile) -> bool | None:
    """From the ``.MIPS.abiflags`` section, or the PT_MIPS_ABIFLAGS segment that maps it when
    section headers are stripped."""
    section = elf.get_section_by_name(".MIPS.abiflags")
    if section is not None:
        data = section.data()
    else:
        segment = next(
            (s for s in elf.iter_segments() if s["p_type"] in ("PT_MIPS_ABIFLAGS", 0x70000003)),
            None,
        )
        if segment is None:
            return None
        data = segment.data()
    if len(data) <= _MIPS_FP_ABI_OFFSET or data[_MIPS_FP_ABI_OFFSET] == _MIPS_FP_ANY:
        return None
    return bool(data[_MIPS_FP_ABI_OFFSET] == _MIPS_FP_SOFT)


def _machine_name(value: str | int) -> str:
    """pyelftools gives the enum's name, or the number when it has none."""
    if isinstance(value, str):
        return value
    return _UNNAMED_MACHINES.get(value, f"e_machine {value:#x}")


def abi_of(elf: ELFFile) -> str | None:
    """The ABI discriminator of an open ELF file (ARM float ABI, MIPS ABI, ...), or None."""
    return _abi(elf, str(elf["e_machine"]), elf.elfclass, elf.little_endian, elf.header["e_flags"])


def _abi(elf: ELFFile, machine: str, bits: int, little_endian: bool, e_flags: int) -> str | None:
    """The ABI discriminator of ``target``'s vocabulary, or None."""
    if machine == "EM_ARM":
        return _arm_float_abi(elf, e_flags)
    if machine == "EM_MIPS":
        field = e_flags & E_FLAGS_MASKS.EFM_MIPS_ABI
        if bits == 64 and field == 0:
            return MIPS_N64
        if bits == 32 and e_flags & E_FLAGS.EF_MIPS_ABI2:
            return MIPS_N32
        if bits == 32 and field == 0:
            return MIPS_O32  # o32 is the default; many linkers leave the field 0
        return _MIPS_ABI_FIELD.get(field)
    if machine == "EM_PPC64":
        version = e_flags & 3
        if version in _PPC64_ABIS:
            return _PPC64_ABIS[version]
        # 0: toolchains from before ELFv2 leave it unset, and they only made big-endian ELFv1.
        return PPC64_ELFV1 if version == 0 and not little_endian else None
    if machine == "EM_RISCV":
        return _RISCV_FLOAT_ABIS[e_flags & E_FLAGS.EF_RISCV_FLOAT_ABI]
    if machine == "EM_LOONGARCH":
        return _LOONGARCH_FLOAT_ABIS.get(e_flags & E_FLAGS.EF_LOONGARCH_ABI_MODIFIER_MASK)
    return None


def _arm_float_abi(elf: ELFFile, e_flags: int) -> str | None:
    """EABI5's float-ABI bits; without them, ``.ARM.attributes`` Tag_ABI_VFP_args."""
    if e_flags & E_FLAGS.EF_ARM_EABIMASK == E_FLAGS.EF_ARM_EABI_VER5:
        if e_flags & E_FLAGS.EF_ARM_ABI_FLOAT_HARD:
            return ARM_HARD
        if e_flags & E_FLAGS.EF_ARM_ABI_FLOAT_SOFT:
            return ARM_SOFT
    for section in elf.iter_sections("SHT_ARM_ATTRIBUTES"):
        if not isinstance(section, ARMAttributesSection):
            continue
        for subsection in section.iter_subsections("aeabi"):
            for file_scope in subsection.iter_subsubsections("TAG_FILE"):
                values = [a.value for a in file_scope.iter_attributes("TAG_ABI_VFP_ARGS")]
                # An attribute that is not listed has the value 0 (the ARM ABI addenda), and
                # gcc lists Tag_ABI_VFP_args only when it is not 0. 0 is the base procedure
                # call standard (soft-float), 1 passes floats in VFP registers (hard-float),
                # 2 is toolchain-specific, 3 means no float arguments: either is fine.
                value = values[-1] if values else 0
                return {0: ARM_SOFT, 1: ARM_HARD}.get(value)
    return None


def _dynamic_symbols(elf: ELFFile) -> tuple[list[Symbol], str | None]:
    """The dynamic symbols and DT_SONAME, from the section headers or, when a stripper removed
    those, from the PT_DYNAMIC segment."""
    symbols: list[Symbol] = []
    soname: str | None = None
    dynamics: list[DynamicSection | DynamicSegment] = []
    if elf.num_sections():
        for section in elf.iter_sections("SHT_DYNSYM"):
            if isinstance(section, SymbolTableSection):
                symbols.extend(section.iter_symbols())
        dynamics.extend(
            s for s in elf.iter_sections("SHT_DYNAMIC") if isinstance(s, DynamicSection)
        )
    else:
        segments = [s for s in elf.iter_segments("PT_DYNAMIC") if isinstance(s, DynamicSegment)]
        for segment in segments:
            symbols.extend(segment.iter_symbols())
        dynamics.extend(segments)
    for dynamic in dynamics:
        for tag in dynamic.iter_tags("DT_SONAME"):
            soname = str(getattr(tag, "soname", "")) or None
    return symbols, soname


def _exported(symbol: Symbol) -> bool:
    return (
        symbol["st_shndx"] != "SHN_UNDEF"
        and symbol["st_info"]["bind"] in _EXPORTED_BINDINGS
        and symbol["st_other"]["visibility"] in _EXPORTED_VISIBILITIES
    )


# ------------------------------------------------------------------------------------------------
# Does it fit?

_ENDIAN_WORDS = {True: "little-endian", False: "big-endian"}
_ABI_WORDS = {
    ARM_HARD: "the hard-float ABI (gnueabihf: floats in VFP registers)",
    ARM_SOFT: "the soft-float ABI (gnueabi: floats in core registers)",
    MIPS_O32: "the o32 ABI",
    MIPS_N32: "the n32 ABI (64-bit code, 32-bit pointers)",
    MIPS_N64: "the n64 ABI",
    PPC64_ELFV1: "the ELFv1 ABI",
    PPC64_ELFV2: "the ELFv2 ABI",
    RISCV_DOUBLE: "the double-float ABI (lp64d/ilp32d)",
    RISCV_SINGLE: "the single-float ABI (lp64f/ilp32f)",
    RISCV_SOFT: "the soft-float ABI (lp64/ilp32)",
    LOONGARCH_DOUBLE: "the double-float ABI (lp64d)",
    LOONGARCH_SINGLE: "the single-float ABI (lp64f)",
    LOONGARCH_SOFT: "the soft-float ABI (lp64s)",
}
# What to do when a module does not have the ABI the target needs, keyed by the needed one.
_ABI_ADVICE = {
    ARM_HARD: (
        "Build for a gnueabihf Rust target (e.g. armv7-unknown-linux-gnueabihf) "
        "and link with a gnueabihf compiler (arm-linux-gnueabihf-gcc)"
    ),
    ARM_SOFT: (
        "Build for a gnueabi Rust target (e.g. armv5te- or armv7-unknown-linux-gnueabi) "
        "and link with a gnueabi compiler (arm-linux-gnueabi-gcc)"
    ),
    MIPS_O32: "Build for a 32-bit MIPS Rust target (mips-/mipsel-unknown-linux-gnu)",
    MIPS_N32: "Link with the target's n32 toolchain (-mabi=n32)",
    MIPS_N64: (
        "Build for a mips64 gnuabi64 Rust target and check that no -mabi=n32 or -mabi=32 "
        "reaches the compiler or linker"
    ),
    PPC64_ELFV1: (
        "Build for powerpc64-unknown-linux-gnu and link with an ELFv1 toolchain (no -mabi=elfv2)"
    ),
    PPC64_ELFV2: (
        "Link with an ELFv2 toolchain (-mabi=elfv2; Rust's powerpc64-unknown-linux-musl and "
        "powerpc64le targets are ELFv2)"
    ),
    RISCV_DOUBLE: "Build for a riscv64gc/riscv32gc Rust target and link with -mabi=lp64d/ilp32d",
}


def check_fits(info: ElfInfo, expected: ElfFacts, name: str, target_name: str) -> list[str]:
    """One message per way ``info`` does not fit ``expected`` (empty: it fits). ``name`` is the
    file (a path in a wheel), ``target_name`` the target as the user named it (a Rust triple).

    A fact either side leaves open (None) is not compared. A different machine is reported
    alone: its class, byte order and ABI follow from it."""
    problems: list[str] = []
    if not info.is_shared_object:
        problems.append(
            f"{name} is an ELF file but not a shared object (its e_type is not ET_DYN); "
            f'an extension module must be linked as a cdylib (crate-type = ["cdylib"])'
        )
    head = f"{name} is {info.describe()}; target {target_name} needs {expected.describe()}"
    if not _same_machine(info.machine, expected.machine):
        problems.append(
            f"{head}.{_fits_elsewhere(info)} Was it built without --target? "
            f"Set CARGO_BUILD_TARGET or -C target=..."
        )
        return problems
    reasons: list[tuple[str, str]] = []
    abi_differs = bool(info.abi and expected.abi and info.abi != expected.abi)
    # MIPS n32 and o32 are ELFCLASS32, n64 is ELFCLASS64: the ABI line says it all.
    if info.bits != expected.bits and not (abi_differs and info.machine == "EM_MIPS"):
        reasons.append(_class_reason(info, expected))
    if info.little_endian != expected.little_endian:
        reasons.append(
            (
                f"it is {_ENDIAN_WORDS[info.little_endian]}, the target is "
                f"{_ENDIAN_WORDS[expected.little_endian]}",
                f"Build for the {_ENDIAN_WORDS[expected.little_endian]} Rust target "
                f"and link with its compiler",
            )
        )
    if info.abi and expected.abi and abi_differs:
        reasons.append(
            (
                f"it uses {_ABI_WORDS.get(info.abi, info.abi)}, the target's Python uses "
                f"{_ABI_WORDS.get(expected.abi, expected.abi)}, and the two cannot be mixed",
                _ABI_ADVICE.get(expected.abi, "Build and link for the target's ABI"),
            )
        )
    eabi = (info.e_flags & E_FLAGS.EF_ARM_EABIMASK) >> 24
    if info.machine == "EM_ARM" and eabi not in (4, 5):
        kind = "the legacy ARM OABI" if eabi == 0 else f"ARM EABI version {eabi}"
        reasons.append(
            (
                f"it uses {kind} (e_flags {info.e_flags:#x}), Linux targets use EABI5",
                "Link it with a current arm-linux-gnueabi(hf) toolchain",
            )
        )
    if info.r6 is not None and expected.r6 is not None and info.r6 != expected.r6:
        have, need = ("Release 6", "pre-R6") if info.r6 else ("pre-R6", "Release 6")
        reasons.append(
            (
                f"it is MIPS {have} code, the target runs {need} code, and the two are not "
                f"binary compatible",
                "Build for the Rust target of the target's ISA (mipsisa*r6* for Release 6) "
                "and link with a matching -march",
            )
        )
    if (
        info.soft_float is not None
        and expected.soft_float is not None
        and info.soft_float != expected.soft_float
    ):
        have, need = (
            ("soft-float", "hard-float") if info.soft_float else ("hard-float", "soft-float")
        )
        reasons.append(
            (
                f"it uses the MIPS {have} ABI, the target's Python uses the {need} ABI, and the "
                f"two cannot be mixed",
                "Build and link for the target's float ABI (-msoft-float for gnusf targets)",
            )
        )
    fits = _fits_elsewhere(info) if reasons else ""
    problems.extend(f"{head}: {reason}.{fits} {advice}" for reason, advice in reasons)
    return problems


def _same_machine(actual: str, expected: str) -> bool:
    return actual == expected or actual in _ALSO_ACCEPTED.get(expected, ())


def _class_reason(info: ElfInfo, expected: ElfFacts) -> tuple[str, str]:
    narrow = narrow_name(info.machine)
    if narrow and info.bits == 32:
        return (
            f"it is {narrow} code (64-bit instructions, 32-bit pointers) and the target's "
            f"Python is not",
            "Build for the target's 64-bit Rust target and check that no 32-bit-pointer ABI "
            "flag reaches the linker",
        )
    if narrow:
        return (
            f"it is 64-bit code and the target's Python is {narrow} "
            f"(64-bit instructions, 32-bit pointers)",
            f"Build for the target's {narrow} Rust target",
        )
    return (
        f"it is a {info.bits}-bit ELF file, the target's Python loads {expected.bits}-bit ones",
        "Build for the Rust target of the target's word size",
    )


def _fits_elsewhere(info: ElfInfo) -> str:
    """`` It would fit arm-linux-gnueabi or arm-linux-musleabi.`` (or nothing)."""
    fitting = [m for m in KNOWN_MULTIARCHES if _fits_facts(info, parse_multiarch(m).elf)]
    if not fitting:
        return ""
    if len(fitting) > 3:
        fitting = [*fitting[:3], "others"]
    listed = f"{', '.join(fitting[:-1])} or {fitting[-1]}" if len(fitting) > 1 else fitting[0]
    return f" It would fit {listed}."


def _fits_facts(info: ElfInfo, expected: ElfFacts) -> bool:
    def open_or_equal(actual: object, wanted: object) -> bool:
        return actual is None or wanted is None or actual == wanted

    return (
        _same_machine(info.machine, expected.machine)
        and info.bits == expected.bits
        and info.little_endian == expected.little_endian
        and open_or_equal(info.abi, expected.abi)
        and open_or_equal(info.r6, expected.r6)
        and open_or_equal(info.soft_float, expected.soft_float)
    )
