"""The one table of architectures: a row per machine, and every name that machine goes by.

A row is keyed by the first component of CPython's multiarch (``arm``, ``mips64el``) and holds
the machine's other names (Rust's, ``uname -m``, qemu-user's, musl's, Debian's) and the ELF facts
its binaries carry. Every other question about a machine (which Rust triple, which platform tag,
which emulator, which musl loader path, which compiler family) is answered from these rows, here
or in :mod:`maturin_cross.target.multiarch`. Facts come from CPython's
``Misc/platform_triplet.c``, Rust's target list, musl's ``arch/*/reloc.h``, qemu-user's program
names, Debian's architecture list and the ELF specifications of each processor.

Pure, and needs the standard library alone: ``tools/provision-cross.sh`` asks it for a Debian
architecture's names with a bare ``python3`` (``python3 -m maturin_cross.target.arches debian
armhf``), before anything is installed; :func:`main`, which answers it, is the one part that
prints.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# ELF ABI discriminators: facts a module must have that the multiarch's name does not show.
ARM_HARD = "arm-hard-float"
ARM_SOFT = "arm-soft-float"
MIPS_O32 = "mips-o32"
MIPS_N32 = "mips-n32"
MIPS_N64 = "mips-n64"
PPC64_ELFV1 = "ppc64-elfv1"
PPC64_ELFV2 = "ppc64-elfv2"
RISCV_DOUBLE = "riscv-double-float"
LOONGARCH_DOUBLE = "loongarch-double-float"
LOONGARCH_SINGLE = "loongarch-single-float"
LOONGARCH_SOFT = "loongarch-soft-float"

# pyelftools' names for e_machine, as messages say them.
MACHINE_NAMES = {
    "EM_X86_64": "x86-64",
    "EM_386": "x86",
    "EM_AARCH64": "AArch64",
    "EM_ARM": "ARM",
    "EM_MIPS": "MIPS",
    "EM_PPC": "PowerPC",
    "EM_PPC64": "PowerPC64",
    "EM_S390": "S/390",
    "EM_RISCV": "RISC-V",
    "EM_LOONGARCH": "LoongArch",
    "EM_SPARCV9": "SPARC V9",
    "EM_SPARC": "SPARC",
    "EM_SPARC32PLUS": "SPARC V8+",
    "EM_68K": "m68k",
    "EM_ALPHA": "Alpha",
    "EM_PARISC": "PA-RISC",
    "EM_SH": "SuperH",
    "EM_IA_64": "IA-64",
    "EM_OPENRISC": "OpenRISC",
}


@dataclass(frozen=True)
class ElfFacts:
    """What every shared object built for a target must say in its ELF header."""

    machine: str
    """pyelftools' name for ``e_machine`` (``EM_ARM``)."""
    bits: int
    """ELF class: 32 or 64."""
    little_endian: bool
    abi: str | None = None
    """One of the ABI discriminator constants of this module, or None where the multiarch tells."""
    r6: bool | None = None
    """MIPS only: Release 6 (True), pre-R6 (False)."""
    soft_float: bool | None = None
    """MIPS only: the soft-float ABI (``gnusf`` multiarches; ``.MIPS.abiflags`` fp_abi 3)."""

    def describe(self) -> str:
        """``ARM 32-bit LE arm-hard-float``: how messages name a binary's kind."""
        name = MACHINE_NAMES.get(self.machine, self.machine)
        text = f"{name} {self.bits}-bit {'LE' if self.little_endian else 'BE'}"
        if self.abi:
            text += f" {self.abi}"
        if self.r6 is not None and self.machine == "EM_MIPS":
            text += " R6" if self.r6 else ""
        if self.soft_float and self.machine == "EM_MIPS":
            text += " soft-float"
        return text


@dataclass(frozen=True)
class Narrow:
    """A 64-bit machine's ABI with 32-bit pointers, in ELFCLASS32 (x32, ILP32, MIPS n32)."""

    name: str
    """How messages name it (``x32``)."""
    envs: tuple[str, ...]
    """The multiarch environments that select it (``gnux32``)."""
    abi: str | None
    """Its ELF ABI discriminator, where the class alone does not tell (``mips-n32``)."""
    qemu: str | None
    """qemu-user's name for it; None where qemu-user runs no such program."""
    musl: str | None
    """musl's name for it (``/etc/ld-musl-x32.path``); None where musl has no such port."""


@dataclass(frozen=True)
class Arch:
    """One row of the table: a machine and all its names."""

    name: str
    """The first component of CPython's multiarch (``arm``)."""
    rust: str | None
    """Rust's name for the architecture (``armv7``); None where Rust has no Linux target."""
    machine: str
    """``uname -m`` of a typical target (``armv7l``), which makes the platform tag."""
    em: str
    """pyelftools' name for its ELF ``e_machine``."""
    bits: int
    little_endian: bool
    family: str
    """The machines one compiler family builds for (``ARM`` for arm and aarch64)."""
    qemu: str | None
    """qemu-user's name for the machine (``qemu-arm``); None where it is not run under qemu."""
    musl: str | None
    """musl's name for the machine, before its float suffix; None where musl has no port."""
    debian: Mapping[str, str]
    """Debian's architecture for each multiarch environment that has one (``gnueabihf`` ->
    ``armhf``)."""
    gnu: str | None = None
    """The first part of the GNU type of Debian's compilers, where it is not :attr:`name`."""
    aliases: tuple[str, ...] = ()
    """Other spellings of the architecture in Rust and GNU triples (``i586``)."""
    generic: tuple[str, ...] = ()
    """Names platform strings use for it that no kernel reports, beside :attr:`name` when that
    is not :attr:`machine` (Yocto's and Buildroot's ``linux-${HOST_ARCH}``)."""
    narrow: Narrow | None = None
    r6: bool = False
    """MIPS Release 6."""

    def generic_names(self) -> tuple[str, ...]:
        own = (self.name,) if self.name != self.machine else ()
        return (*own, *self.generic)


def _mips_n32(little_endian: bool, r6: bool) -> Narrow:
    endian = "el" if little_endian else ""
    return Narrow(
        "n32",
        ("gnuabin32", "gnuabin32sf"),
        MIPS_N32,
        f"mipsn32{endian}",
        f"mipsn32{'r6' if r6 else ''}{endian}",
    )


_ILP32 = Narrow("ILP32", ("gnu_ilp32",), None, None, None)

# ARM's Rust name and machine depend on the ISA level; this row holds ARMv7's, the others are
# in :data:`maturin_cross.target.multiarch.ARM_ISAS`.
ROWS: tuple[Arch, ...] = (
    Arch(
        "x86_64", "x86_64", "x86_64", "EM_X86_64", 64, True, "x86", "x86_64", "x86_64",
        {"gnu": "amd64", "gnux32": "x32"},
        narrow=Narrow("x32", ("gnux32", "muslx32"), None, None, "x32"),
    ),
    Arch(
        "i386", "i686", "i686", "EM_386", 32, True, "x86", "i386", "i386", {"gnu": "i386"},
        gnu="i686", aliases=("i486", "i586"), generic=("x86",),
    ),
    Arch(
        "aarch64", "aarch64", "aarch64", "EM_AARCH64", 64, True, "ARM", "aarch64", "aarch64",
        {"gnu": "arm64"}, narrow=_ILP32,
    ),
    Arch(
        "aarch64_be", "aarch64_be", "aarch64_be", "EM_AARCH64", 64, False, "ARM", "aarch64_be",
        "aarch64_be", {}, narrow=_ILP32,
    ),
    Arch(
        "arm", "armv7", "armv7l", "EM_ARM", 32, True, "ARM", "arm", "arm",
        {"gnueabihf": "armhf", "gnueabi": "armel"},
    ),
    Arch("armeb", "armeb", "armv7b", "EM_ARM", 32, False, "ARM", "armeb", "armeb", {}),
    Arch("mips", "mips", "mips", "EM_MIPS", 32, False, "MIPS", "mips", "mips", {"gnu": "mips"}),
    Arch(
        "mipsel", "mipsel", "mips", "EM_MIPS", 32, True, "MIPS", "mipsel", "mipsel",
        {"gnu": "mipsel"},
    ),
    Arch(
        "mips64", "mips64", "mips64", "EM_MIPS", 64, False, "MIPS", "mips64", "mips64", {},
        narrow=_mips_n32(False, False),
    ),
    Arch(
        "mips64el", "mips64el", "mips64", "EM_MIPS", 64, True, "MIPS", "mips64el", "mips64el",
        {"gnuabi64": "mips64el", "gnuabin32": "mipsn32el"}, narrow=_mips_n32(True, False),
    ),
    Arch(
        "mipsisa32r6", "mipsisa32r6", "mips", "EM_MIPS", 32, False, "MIPS", "mips", "mipsr6",
        {"gnu": "mipsr6"}, r6=True,
    ),
    Arch(
        "mipsisa32r6el", "mipsisa32r6el", "mips", "EM_MIPS", 32, True, "MIPS", "mipsel",
        "mipsr6el", {"gnu": "mipsr6el"}, r6=True,
    ),
    Arch(
        "mipsisa64r6", "mipsisa64r6", "mips64", "EM_MIPS", 64, False, "MIPS", "mips64",
        "mips64r6", {}, narrow=_mips_n32(False, True), r6=True,
    ),
    Arch(
        "mipsisa64r6el", "mipsisa64r6el", "mips64", "EM_MIPS", 64, True, "MIPS", "mips64el",
        "mips64r6el", {"gnuabi64": "mips64r6el"}, narrow=_mips_n32(True, True), r6=True,
    ),
    Arch(
        "powerpc", "powerpc", "ppc", "EM_PPC", 32, False, "PowerPC", "ppc", "powerpc",
        {"gnu": "powerpc", "gnuspe": "powerpcspe"},
    ),
    Arch(
        "powerpc64", "powerpc64", "ppc64", "EM_PPC64", 64, False, "PowerPC", "ppc64",
        "powerpc64", {"gnu": "ppc64"},
    ),
    Arch(
        "powerpc64le", "powerpc64le", "ppc64le", "EM_PPC64", 64, True, "PowerPC", "ppc64le",
        "powerpc64le", {"gnu": "ppc64el"},
    ),
    Arch(
        "s390x", "s390x", "s390x", "EM_S390", 64, False, "S/390", "s390x", "s390x",
        {"gnu": "s390x"},
    ),
    Arch("s390", None, "s390", "EM_S390", 32, False, "S/390", None, None, {"gnu": "s390"}),
    Arch(
        "riscv64", "riscv64gc", "riscv64", "EM_RISCV", 64, True, "RISC-V", "riscv64", "riscv64",
        {"gnu": "riscv64"},
    ),
    Arch(
        "riscv32", "riscv32gc", "riscv32", "EM_RISCV", 32, True, "RISC-V", "riscv32", "riscv32", {},
    ),
    Arch(
        "loongarch64", "loongarch64", "loongarch64", "EM_LOONGARCH", 64, True, "LoongArch",
        "loongarch64", "loongarch64", {"gnu": "loong64"},
    ),
    Arch(
        "sparc64", "sparc64", "sparc64", "EM_SPARCV9", 64, False, "SPARC", "sparc64", None,
        {"gnu": "sparc64"},
    ),
    Arch("sparc", "sparc", "sparc", "EM_SPARC", 32, False, "SPARC", None, None, {"gnu": "sparc"}),
    Arch("m68k", "m68k", "m68k", "EM_68K", 32, False, "m68k", None, None, {"gnu": "m68k"}),
    Arch("alpha", None, "alpha", "EM_ALPHA", 64, True, "Alpha", None, None, {"gnu": "alpha"}),
    Arch("hppa", None, "parisc", "EM_PARISC", 32, False, "PA-RISC", None, None, {"gnu": "hppa"}),
    Arch("sh4", None, "sh4", "EM_SH", 32, True, "SuperH", None, None, {"gnu": "sh4"}),
    Arch("ia64", None, "ia64", "EM_IA_64", 64, True, "IA-64", None, None, {"gnu": "ia64"}),
    Arch("or1k", None, "or1k", "EM_OPENRISC", 32, False, "OpenRISC", None, None, {}),
)  # fmt: skip

ARCHES: Mapping[str, Arch] = {row.name: row for row in ROWS}
"""The rows by the multiarch's first component."""

RUST_ARCHES: Mapping[str, str] = {
    alias: row.name
    for row in ROWS
    for alias in (row.rust, *row.aliases)
    if alias is not None and alias != row.name
}
"""Other names of an architecture in Rust and GNU triples -> the multiarch's first component
(``i686`` -> ``i386``, ``riscv64gc`` -> ``riscv64``)."""


def arch_of_machine(name: str) -> Arch | None:
    """The row a ``uname -m`` or a triple's first part names: the one it is the name, Rust name,
    machine or alias of, else the one whose name of these is the longest beginning of it
    (``armv8l`` -> arm, ``parisc64`` -> hppa). None when no row's name begins it."""
    best: tuple[int, Arch] | None = None
    for row in ROWS:
        for known in (row.name, row.machine, row.rust, *row.aliases, *row.generic):
            if known is None or not name.startswith(known):
                continue
            if known == name:
                return row
            if best is None or len(known) > best[0]:
                best = (len(known), row)
    return best[1] if best else None


def family_of(em: str) -> str | None:
    """The compiler family of an ELF machine (``EM_X86_64`` -> ``x86``)."""
    return next((row.family for row in ROWS if row.em == em), None)


def generic_machines(em: str) -> frozenset[str]:
    """The names of ``em``'s machines that platform strings use but no kernel reports."""
    return frozenset(name for row in ROWS if row.em == em for name in row.generic_names())


def narrow_name(em: str) -> str | None:
    """The name of ``em``'s 32-bit-pointer ABI (``x32``), None where it has none."""
    return next((row.narrow.name for row in ROWS if row.em == em and row.narrow), None)


def _matching(facts: ElfFacts) -> tuple[Narrow | None, Arch | None]:
    """The row ``facts`` describe, and its narrow ABI when they are of that ABI."""
    rows = [
        row
        for row in ROWS
        if (row.em, row.little_endian) == (facts.machine, facts.little_endian)
        and (facts.r6 is None or row.r6 == facts.r6)
    ]
    for row in rows:
        narrow = row.narrow
        if narrow and facts.bits < row.bits and narrow.abi in (None, facts.abi):
            return narrow, row
    return None, next((row for row in rows if row.bits == facts.bits), None)


def qemu_machine(facts: ElfFacts) -> str | None:
    """qemu-user's name for the machine that runs binaries of ``facts``; None for none."""
    narrow, row = _matching(facts)
    if narrow is not None:
        return narrow.qemu
    return row.qemu if row is not None else None


def qemu_programs(facts: ElfFacts) -> tuple[str, ...]:
    """The qemu-user programs that run binaries of ``facts``, Debian's static one first."""
    machine = qemu_machine(facts)
    return (f"qemu-{machine}-static", f"qemu-{machine}") if machine else ()


def musl_arch(facts: ElfFacts) -> str | None:
    """musl's name for the machine in ``/etc/ld-musl-ARCH.path``; None where musl has none."""
    narrow, row = _matching(facts)
    name = narrow.musl if narrow is not None else row.musl if row is not None else None
    if name is None:
        return None
    if facts.machine == "EM_ARM" and facts.abi == ARM_HARD:
        name += "hf"
    if facts.machine == "EM_MIPS" and facts.soft_float:
        name += "-sf"
    return name


# ------------------------------------------------------------------------------------------------
# Debian's architectures


@dataclass(frozen=True)
class DebianArch:
    """A Debian architecture and the names of its machine."""

    name: str
    """``armhf``."""
    multiarch: str
    """CPython's multiarch, which is Debian's multiarch tuple (``arm-linux-gnueabihf``)."""
    gnu_type: str
    """The GNU type of Debian's cross compilers (``gcc-i686-linux-gnu``)."""
    row: Arch


DEBIAN: Mapping[str, DebianArch] = {
    debian: DebianArch(
        debian,
        f"{row.name}-linux-{env}",
        f"{row.gnu or row.name}-linux-{env}",
        row,
    )
    for row in ROWS
    for env, debian in row.debian.items()
}
"""Debian's architectures by name."""


def _debian_fields(name: str) -> str:
    """``GNU_TYPE RUST_TRIPLE QEMU_PROGRAM`` of a Debian architecture, for
    ``tools/provision-cross.sh``; a field that does not exist is ``-``."""
    from maturin_cross.target.multiarch import parse_multiarch

    arch = DEBIAN[name]
    multiarch = parse_multiarch(arch.multiarch)
    qemu = qemu_programs(multiarch.elf)
    return " ".join((arch.gnu_type, multiarch.rust_target() or "-", qemu[0] if qemu else "-"))


def main(argv: Sequence[str]) -> int:
    """``debian``: the Debian architectures whose machines have a Rust target and qemu-user,
    on one line; ``debian ARCH``: that one's GNU type, Rust triple and qemu program."""
    if argv[:1] == ["debian"] and len(argv) == 1:
        usable = [name for name in DEBIAN if "-" not in _debian_fields(name).split()]
        print(" ".join(usable))
        return 0
    if argv[:1] == ["debian"] and len(argv) == 2 and argv[1] in DEBIAN:
        print(_debian_fields(argv[1]))
        return 0
    known = " ".join(DEBIAN)
    print(f"usage: arches debian [ARCH]  (ARCH one of: {known})", file=sys.stderr)
    return 2


if __name__ == "__main__":
    # The module proper, not this copy run as __main__, so that its classes are the ones
    # maturin_cross.target.multiarch imports.
    from maturin_cross.target.arches import main as _main

    sys.exit(_main(sys.argv[1:]))
