"""Will the target's processor run a binary's instructions? What each ELF file needs of the
instruction set, against what the target's own C library was built for.

qemu-user emulates the newest processor of a family, so a module built for ARMv7 with NEON
imports under qemu and dies with SIGILL on an ARMv5TE board; only what the toolchain recorded
in the file tells. Read here:

- ARM: the build attributes (``.ARM.attributes``): ``Tag_CPU_arch``, ``Tag_FP_arch``,
  ``Tag_Advanced_SIMD_arch``;
- RISC-V: ``.riscv.attributes``' ``Tag_RISCV_arch`` (``rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0``);
- x86: ``.note.gnu.property``'s ``GNU_PROPERTY_X86_ISA_1_NEEDED`` (x86-64-v2, v3, v4);
- MIPS: the ISA level in ``e_flags`` (``EF_MIPS_ARCH``: mips32r2, mips64r2, r6).

The target's baseline is what its C library records (``libc.so.6``, and ``libm.so.6`` beside
it, found in the loader's folders), taken as the lower bound of the two: glibc's ``libc.so.6``
on ARM holds NEON routines it picks at run time only where the processor has them, so its
attributes say NEON on Debian's armhf, whose baseline has none; ``libm.so.6`` does not.
"Needs more" is a partial order: a later architecture, a later floating-point version, SIMD
where the baseline has none, a RISC-V extension the baseline lacks; equal or less passes.

Where a toolchain records nothing (AArch64 has no attributes section, x86-64 without the
property note, PowerPC, s390x) nothing is refused and the proof says so once. Pure: reads ELF
files (a wheel's members, the sysroot's C library) with pyelftools; no process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import ARMAttributesSection, NoteSection, RISCVAttributesSection

from maturin_cross.checks.elf import PARSE_ERRORS
from maturin_cross.errors import WheelError
from maturin_cross.target.arches import ElfFacts
from maturin_cross.target.sysroot import Sysroot


@dataclass(frozen=True)
class Aspect:
    """One ordered part of an instruction set: ``rank`` orders it, ``label`` names it."""

    name: str
    """What it is: ``architecture``, ``floating point``, ``SIMD``, ``level``."""
    rank: int
    label: str


@dataclass(frozen=True)
class Isa:
    """What a file's instructions need, as its toolchain recorded it."""

    family: str
    """``ARM``, ``RISC-V``, ``x86``, ``MIPS``."""
    aspects: tuple[Aspect, ...] = ()
    extensions: frozenset[str] = frozenset()
    """RISC-V only: the extensions of the arch string (``g`` spelled out)."""
    base: str = ""
    """RISC-V only: ``rv32``/``rv64``."""

    def describe(self) -> str:
        """``ARMv7, VFPv3, NEON``; ``rv64imafdc_zicsr_zifencei``; ``x86-64-v3``."""
        if self.family == "RISC-V":
            return _riscv_text(self.base, self.extensions)
        return ", ".join(a.label for a in self.aspects if a.label)


@dataclass(frozen=True)
class Baseline:
    """What the target's C library was built for, and which files said it."""

    isa: Isa | None
    """None: its files record nothing."""
    where: str
    """The C library's path on the target (``/lib/arm-linux-gnueabi/libc.so.6``)."""


# ------------------------------------------------------------------------------------------------
# What a file needs

# Tag_CPU_arch -> (rank, name). The ranks order the A/R line; an M profile ranks with the
# architecture version it belongs to.
_ARM_ARCH = {
    0: (0, "ARMv3"),
    1: (1, "ARMv4"),
    2: (2, "ARMv4T"),
    3: (3, "ARMv5T"),
    4: (4, "ARMv5TE"),
    5: (5, "ARMv5TEJ"),
    6: (6, "ARMv6"),
    7: (7, "ARMv6KZ"),
    8: (7, "ARMv6T2"),
    9: (7, "ARMv6K"),
    10: (10, "ARMv7"),
    11: (6, "ARMv6-M"),
    12: (6, "ARMv6S-M"),
    13: (10, "ARMv7E-M"),
    14: (14, "ARMv8-A"),
    15: (14, "ARMv8-R"),
    16: (14, "ARMv8-M baseline"),
    17: (14, "ARMv8-M mainline"),
    18: (15, "ARMv8.1-M"),
    19: (16, "ARMv9-A"),
}
# Tag_FP_arch -> (rank, name). The D16 variants rank with their version: LLVM records VFPv3
# (value 3) for Rust's armv7 target, which uses only D0-D15, as Debian's VFPv3-D16 (4) is.
_ARM_FP = {
    0: (0, ""),
    1: (1, "VFPv1"),
    2: (2, "VFPv2"),
    3: (3, "VFPv3"),
    4: (3, "VFPv3-D16"),
    5: (5, "VFPv4"),
    6: (5, "VFPv4-D16"),
    7: (7, "ARMv8 FP"),
    8: (7, "ARMv8 FP-D16"),
}
# Tag_Advanced_SIMD_arch -> (rank, name)
_ARM_SIMD = {
    0: (0, ""),
    1: (1, "NEON"),
    2: (2, "NEON with fused multiply-add"),
    3: (3, "ARMv8 NEON"),
    4: (4, "ARMv8.1 NEON"),
}
# GNU_PROPERTY_X86_ISA_1_NEEDED bits -> the level they mean
_X86_LEVELS = ((8, 4), (4, 3), (2, 2), (1, 1))
# EF_MIPS_ARCH -> (rank, name, release 6); pre-R6 and R6 are different instruction sets.
_MIPS_ARCH = {
    0x0: (1, "mips1", False),
    0x1: (2, "mips2", False),
    0x2: (3, "mips3", False),
    0x3: (4, "mips4", False),
    0x4: (5, "mips5", False),
    0x5: (5, "mips32", False),
    0x6: (6, "mips64", False),
    0x7: (7, "mips32r2", False),
    0x8: (8, "mips64r2", False),
    0x9: (9, "mips32r6", True),
    0xA: (10, "mips64r6", True),
}
_EF_MIPS_ARCH = 0xF0000000


def needs_of(elf: ELFFile) -> Isa | None:
    """What the file pyelftools opened needs of the instruction set, or None where its
    toolchain recorded nothing (or what it recorded cannot be read: the other checks say that).
    Reads only the attribute and property sections, each bounded by the file's size."""
    try:
        return _needs(elf)
    except PARSE_ERRORS:
        return None


def _needs(elf: ELFFile) -> Isa | None:
    machine = elf["e_machine"]
    if machine == "EM_ARM":
        return _arm(elf)
    if machine == "EM_RISCV":
        return _riscv(elf)
    if machine in ("EM_X86_64", "EM_386"):
        return _x86(elf)
    if machine == "EM_MIPS":
        arch = _MIPS_ARCH.get((int(elf["e_flags"]) & _EF_MIPS_ARCH) >> 28)
        if arch is None:
            return None
        rank, name, r6 = arch
        return Isa("MIPS", (Aspect("release 6", int(r6), ""), Aspect("architecture", rank, name)))
    return None


def _attributes(section: ARMAttributesSection | RISCVAttributesSection) -> dict[str, object]:
    """The file-wide attributes (scope ``TAG_FILE``) of an attributes section, by tag."""
    found: dict[str, object] = {}
    for subsection in section.iter_subsections():
        for subsub in subsection.iter_subsubsections():
            if subsub.header.tag != "TAG_FILE":
                continue
            for attribute in subsub.iter_attributes():
                found.setdefault(str(attribute.tag), attribute.value)
    return found


def _arm(elf: ELFFile) -> Isa | None:
    for section in elf.iter_sections():
        if isinstance(section, ARMAttributesSection):
            tags = _attributes(section)
            if "TAG_CPU_ARCH" not in tags:
                return None
            arch = _ARM_ARCH.get(_int(tags.get("TAG_CPU_ARCH")), (99, "a newer ARM"))
            fp = _ARM_FP.get(_int(tags.get("TAG_FP_ARCH")), (99, "a newer FP"))
            simd = _ARM_SIMD.get(_int(tags.get("TAG_ADVANCED_SIMD_ARCH")), (99, "a newer SIMD"))
            return Isa(
                "ARM",
                (
                    Aspect("architecture", *arch),
                    Aspect("floating point", *fp),
                    Aspect("SIMD", *simd),
                ),
            )
    return None


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _riscv(elf: ELFFile) -> Isa | None:
    for section in elf.iter_sections():
        if isinstance(section, RISCVAttributesSection):
            arch = _attributes(section).get("TAG_ARCH")
            if isinstance(arch, str):
                return riscv_isa(arch)
    return None


_RISCV_SINGLE = re.compile(r"([a-wyz])(\d+(?:p\d+)?)?")


def riscv_isa(arch: str) -> Isa | None:
    """The extensions of a RISC-V arch string (``rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0``,
    or ``rv64gc``), versions dropped, ``g`` spelled out; None when it is not one."""
    match = re.fullmatch(r"(rv32|rv64|rv128)([a-z0-9_]*)", arch.strip().lower())
    if match is None:
        return None
    base, rest = match.groups()
    extensions: set[str] = set()
    for part in rest.split("_"):
        if not part:
            continue
        if part[0] in "zsx" and len(part) > 1 and part[1].isalpha():
            extensions.add(re.sub(r"\d+(p\d+)?$", "", part))  # zicsr2p0 -> zicsr
            continue
        for single in _RISCV_SINGLE.finditer(part):
            letter = single.group(1)
            if letter == "g":
                extensions.update(("i", "m", "a", "f", "d", "zicsr", "zifencei"))
            else:
                extensions.add(letter)
    return Isa("RISC-V", extensions=frozenset(extensions), base=base)


_RISCV_IMPLIES: dict[str, tuple[str, ...]] = {
    "g": ("i", "m", "a", "f", "d", "zicsr", "zifencei"),
    "m": ("zmmul",),
    "a": ("zaamo", "zalrsc"),
    "f": ("zicsr",),
    "d": ("f",),
    "q": ("d",),
    "c": ("zca",),
    "b": ("zba", "zbb", "zbs"),
    "v": ("zve64d", "zvl128b"),
    "zcb": ("zca",),
    "zcd": ("zca", "d"),
    "zcf": ("zca", "f"),
    "zve64d": ("zve64f", "d"),
    "zve64f": ("zve64x", "zve32f"),
    "zve64x": ("zve32x", "zvl64b"),
    "zve32f": ("zve32x", "f"),
    "zve32x": ("zicsr", "zvl32b"),
}
"""What each RISC-V extension brings with it, as the ISA manual defines them (``c`` is ``zca``,
with ``zcd`` where ``d`` is there too, and ``zcf`` on RV32 with ``f``). Toolchains differ in what
they write out: LLVM (Rust) records ``c`` with ``zca`` and ``zcd``, GCC 14 (Debian's glibc)
records ``c`` alone; both mean the same machine."""


def riscv_implied(base: str, extensions: Iterable[str]) -> frozenset[str]:
    """Every extension that ``extensions`` bring on ``base`` (``rv64``), themselves included."""
    found = set(extensions)
    while True:
        more = {implied for e in found for implied in _RISCV_IMPLIES.get(e, ())}
        if "c" in found and "d" in found:
            more.add("zcd")
        if "c" in found and "f" in found and base == "rv32":
            more.add("zcf")
        if more <= found:
            return frozenset(found)
        found |= more


def _riscv_text(base: str, extensions: Iterable[str]) -> str:
    order = "iemafdqlcbkjtpvnh"
    singles = sorted((e for e in extensions if len(e) == 1), key=lambda e: (order.find(e) % 100, e))
    multi = sorted(e for e in extensions if len(e) > 1)
    return base + "".join(singles) + "".join(f"_{e}" for e in multi)


def _x86(elf: ELFFile) -> Isa | None:
    for section in elf.iter_sections():
        if not isinstance(section, NoteSection) or section.name != ".note.gnu.property":
            continue
        for note in section.iter_notes():
            if note["n_type"] != "NT_GNU_PROPERTY_TYPE_0":
                continue
            for prop in note["n_desc"]:
                if prop["pr_type"] != "GNU_PROPERTY_X86_ISA_1_NEEDED":
                    continue
                bits = _int(prop["pr_data"])
                level = next((lv for bit, lv in _X86_LEVELS if bits & bit), 1)
                label = "x86-64 baseline" if level == 1 else f"x86-64-v{level}"
                return Isa("x86", (Aspect("level", level, label),))
    return None


# ------------------------------------------------------------------------------------------------
# The target's baseline

_C_LIBRARIES = ("libc.so.6", "libc.so")
"""glibc's, then musl's (its loader is its C library)."""
_WITNESSES = ("libm.so.6",)


ReadNeeds = Callable[[Path], tuple[ElfFacts, "Isa | None"]]
"""How :func:`baseline` reads a sysroot's file: its kind and what it needs
(:meth:`maturin_cross.checks.libraries.Files.needs`, each file parsed once for every check);
raises WheelError or OSError when the file cannot be read."""


def baseline(
    sysroot: Sysroot, library_dirs: Sequence[str], kind: ElfFacts, read: ReadNeeds
) -> Baseline | None:
    """What the sysroot's C library was built for, found in the loader's folders as
    :mod:`maturin_cross.checks.linkage` finds a library (a file of another machine, class, byte
    order or ABI than ``kind`` says is passed over); None when the sysroot has none."""
    libc = _find(sysroot, library_dirs, kind, _C_LIBRARIES, read)
    if libc is None:
        return None
    where, isa = libc
    witness = _find(sysroot, library_dirs, kind, _WITNESSES, read)
    if witness is not None and isa is not None and witness[1] is not None:
        isa = lower_bound(witness[1], isa)  # the witness's names where both agree
    return Baseline(isa, where)


def _find(
    sysroot: Sysroot,
    folders: Sequence[str],
    kind: ElfFacts,
    names: Sequence[str],
    read: ReadNeeds,
) -> tuple[str, Isa | None] | None:
    for name in names:
        for folder in folders:
            target_path = f"{folder.rstrip('/')}/{name}"
            host = sysroot.host_path(target_path)
            if not host.is_file():
                continue
            try:
                found, needs = read(host)
            except (WheelError, OSError):
                continue
            same = (found.machine, found.bits, found.little_endian)
            if same != (kind.machine, kind.bits, kind.little_endian) or (
                kind.abi is not None and found.abi != kind.abi
            ):  # not the target's: the loader passes it over
                continue
            return target_path, needs
    return None


def lower_bound(one: Isa, other: Isa) -> Isa:
    """What both files allow: each aspect's lower rank, the extensions both have."""
    if one.family != other.family:
        return one
    if one.family == "RISC-V":
        both = riscv_implied(one.base, one.extensions) & riscv_implied(other.base, other.extensions)
        return Isa("RISC-V", extensions=one.extensions & both, base=one.base)
    theirs = {a.name: a for a in other.aspects}
    aspects = tuple(min(a, theirs.get(a.name, a), key=lambda x: x.rank) for a in one.aspects)
    return Isa(one.family, aspects)


def beyond(needs: Isa, base: Isa) -> list[str]:
    """What ``needs`` asks that ``base`` does not have, one phrase each; empty when it fits."""
    if needs.family != base.family:
        return []
    if needs.family == "RISC-V":
        extra = sorted(needs.extensions - riscv_implied(base.base, base.extensions))
        return [f"the extension{'s' if len(extra) > 1 else ''} {', '.join(extra)}"] if extra else []
    theirs = {a.name: a for a in base.aspects}
    more: list[str] = []
    for aspect in needs.aspects:
        limit = theirs.get(aspect.name)
        if limit is None or aspect.rank <= limit.rank:
            continue
        if aspect.name == "release 6":
            more.append("MIPS Release 6")
        else:
            more.append(aspect.label)
    release6 = theirs.get("release 6")
    if release6 is not None and release6.rank > needs.aspects[0].rank:
        more.append("pre-Release 6 instructions, which Release 6 dropped")
    return more


# ------------------------------------------------------------------------------------------------
# The verdict


def check(member: str, needs: Isa | None, base: Baseline | None, rust_target: str) -> list[str]:
    """One line when ``member`` needs more of the instruction set than the target's C library
    was built for; nothing when it fits or either side records nothing."""
    if needs is None or base is None or base.isa is None:
        return []
    more = beyond(needs, base.isa)
    if not more:
        return []
    return [
        f"{member} needs {needs.describe()} ({', '.join(more)} beyond the target's); the "
        f"target's {base.where.rsplit('/', 1)[-1]} is built for {base.isa.describe()}: "
        f"{_remedy(needs, base.isa, more, rust_target)}"
    ]


def _remedy(needs: Isa, base: Isa, more: Sequence[str], rust_target: str) -> str:
    if needs.family == "ARM":
        ranks = {a.name: a.rank for a in base.aspects}
        needed = {a.name: a.rank for a in needs.aspects}
        hard = rust_target.endswith("hf")
        if (
            needed["architecture"] <= ranks["architecture"]
            and needed["floating point"] <= ranks["floating point"]
        ):
            return "build without NEON (set -C target-feature=-neon, or drop it from -C target-cpu)"
        arch = ranks["architecture"]
        if arch < 6:
            suggested = "armv5te-unknown-linux-gnueabi"
        elif arch < 10:
            suggested = "arm-unknown-linux-gnueabihf" if hard else "arm-unknown-linux-gnueabi"
        else:
            suggested = "armv7-unknown-linux-gnueabihf" if hard else "armv7-unknown-linux-gnueabi"
        neon = " / -C target-feature=-neon" if needed["SIMD"] > ranks["SIMD"] else ""
        return f"build for {suggested} (or set -C target-cpu{neon})"
    if needs.family == "x86":
        level = base.aspects[0].rank
        cpu = "x86-64" if level == 1 else f"x86-64-v{level}"
        return f"build with -C target-cpu={cpu} (or without a newer -C target-cpu)"
    if needs.family == "RISC-V":
        features = ",".join(f"-{e}" for e in sorted(needs.extensions - base.extensions))
        return (
            f"build for {base.base}gc (riscv64gc-unknown-linux-gnu) without those extensions "
            f"(-C target-feature={features})"
        )
    cpu = next((a.label for a in base.aspects if a.name == "architecture"), "")
    return f"build with -C target-cpu={cpu}"


def note(needs: Mapping[str, Isa | None], base: Baseline | None) -> str | None:
    """The one note of a proof for what was not checked because a toolchain recorded nothing:
    the target's C library (then nothing was checked), or some members. None when all was."""
    if base is None or not needs:
        return None
    why = (
        "(AArch64, PowerPC and s390x toolchains record no build attributes; x86 ones only with "
        "-mneeded or -Wa,-mx86-used-note=yes)"
    )
    if base.isa is None:
        return (
            f"the instruction set was not checked: the target's {base.where} records "
            f"nothing of it {why}"
        )
    members = sorted(name for name, need in needs.items() if need is None)
    if not members:
        return None
    listed = ", ".join(members[:3]) + (f" and {len(members) - 3} more" if len(members) > 3 else "")
    return (
        f"the instruction set of {listed} was not checked: its toolchain recorded nothing "
        f"of it {why}"
    )
