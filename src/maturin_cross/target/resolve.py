"""The Linux multiarch table: CPython multiarch <-> Rust triple <-> platform tag <-> ELF facts.

Pure: no process, no host interpreter. Facts per multiarch come from CPython's
``Misc/platform_triplet.c``, Rust's target list and the ELF specifications of each processor.

Vocabulary:

* *multiarch*: CPython's ``MULTIARCH`` (``arm-linux-gnueabihf``), the middle of EXT_SUFFIX; CPython
  calls it the platform triplet (:class:`Multiarch`).
* *Rust triple*: what ``cargo --target`` takes (``armv7-unknown-linux-gnueabihf``); vendor triples
  (``armv7-poky-linux-gnueabihf``) are accepted as given.
* *machine*: ``uname -m`` of the target (``armv7l``), which makes the platform tag ``linux_armv7l``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from maturin_cross.target import sysconfigdata
from maturin_cross.errors import ConfigError, TargetError
from maturin_cross.settings.origin import Kind, Origin, Sourced
from maturin_cross.target.sysconfigdata import SysconfigData

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
class _Arch:
    """One row of the architecture table, keyed by the multiarch's first component."""

    rust: str | None
    """Rust's name for the architecture (None: Rust has no Linux target)."""
    machine: str
    """uname -m of a typical target."""
    em: str
    bits: int
    little_endian: bool


# The multiarch's first component -> facts. ARM's Rust name and machine depend on the ISA level
# and are decided in `_arm_isa`.
ARCHES: Mapping[str, _Arch] = {
    "x86_64": _Arch("x86_64", "x86_64", "EM_X86_64", 64, True),
    "i386": _Arch("i686", "i686", "EM_386", 32, True),
    "aarch64": _Arch("aarch64", "aarch64", "EM_AARCH64", 64, True),
    "aarch64_be": _Arch("aarch64_be", "aarch64_be", "EM_AARCH64", 64, False),
    "arm": _Arch("armv7", "armv7l", "EM_ARM", 32, True),
    "armeb": _Arch("armeb", "armv7b", "EM_ARM", 32, False),
    "mips": _Arch("mips", "mips", "EM_MIPS", 32, False),
    "mipsel": _Arch("mipsel", "mips", "EM_MIPS", 32, True),
    "mips64": _Arch("mips64", "mips64", "EM_MIPS", 64, False),
    "mips64el": _Arch("mips64el", "mips64", "EM_MIPS", 64, True),
    "mipsisa32r6": _Arch("mipsisa32r6", "mips", "EM_MIPS", 32, False),
    "mipsisa32r6el": _Arch("mipsisa32r6el", "mips", "EM_MIPS", 32, True),
    "mipsisa64r6": _Arch("mipsisa64r6", "mips64", "EM_MIPS", 64, False),
    "mipsisa64r6el": _Arch("mipsisa64r6el", "mips64", "EM_MIPS", 64, True),
    "powerpc": _Arch("powerpc", "ppc", "EM_PPC", 32, False),
    "powerpc64": _Arch("powerpc64", "ppc64", "EM_PPC64", 64, False),
    "powerpc64le": _Arch("powerpc64le", "ppc64le", "EM_PPC64", 64, True),
    "s390x": _Arch("s390x", "s390x", "EM_S390", 64, False),
    "s390": _Arch(None, "s390", "EM_S390", 32, False),
    "riscv64": _Arch("riscv64gc", "riscv64", "EM_RISCV", 64, True),
    "riscv32": _Arch("riscv32gc", "riscv32", "EM_RISCV", 32, True),
    "loongarch64": _Arch("loongarch64", "loongarch64", "EM_LOONGARCH", 64, True),
    "sparc64": _Arch("sparc64", "sparc64", "EM_SPARCV9", 64, False),
    "sparc": _Arch("sparc", "sparc", "EM_SPARC", 32, False),
    "m68k": _Arch("m68k", "m68k", "EM_68K", 32, False),
    "alpha": _Arch(None, "alpha", "EM_ALPHA", 64, True),
    "hppa": _Arch(None, "parisc", "EM_PARISC", 32, False),
    "sh4": _Arch(None, "sh4", "EM_SH", 32, True),
    "ia64": _Arch(None, "ia64", "EM_IA_64", 64, True),
    "or1k": _Arch(None, "or1k", "EM_OPENRISC", 32, False),
}

# ARM ISA levels: Rust architecture name and uname -m.
_ARM_ISAS: Mapping[str, tuple[str, str]] = {
    "v7": ("armv7", "armv7l"),
    "v6": ("arm", "armv6l"),
    "v5te": ("armv5te", "armv5tel"),
    "v4t": ("armv4t", "armv4tl"),
}

# Rust architecture names -> the multiarch's first component.
_RUST_ARCH_ALIASES: Mapping[str, str] = {
    "i686": "i386",
    "i586": "i386",
    "i486": "i386",
    "riscv64gc": "riscv64",
    "riscv32gc": "riscv32",
}

# Every CPython Linux multiarch (Misc/platform_triplet.c); the tests prove each with a real binary
# where a cross compiler can make one.
KNOWN_MULTIARCHES: tuple[str, ...] = (
    "x86_64-linux-gnu",
    "x86_64-linux-gnux32",
    "x86_64-linux-musl",
    "x86_64-linux-muslx32",
    "i386-linux-gnu",
    "i386-linux-musl",
    "aarch64-linux-gnu",
    "aarch64-linux-musl",
    "aarch64_be-linux-gnu",
    "aarch64-linux-gnu_ilp32",
    "aarch64_be-linux-gnu_ilp32",
    "arm-linux-gnueabihf",
    "arm-linux-gnueabi",
    "arm-linux-musleabihf",
    "arm-linux-musleabi",
    "armeb-linux-gnueabihf",
    "armeb-linux-gnueabi",
    "mips-linux-gnu",
    "mipsel-linux-gnu",
    "mips-linux-gnusf",
    "mipsel-linux-gnusf",
    "mips-linux-musl",
    "mipsel-linux-musl",
    "mips64-linux-gnuabi64",
    "mips64el-linux-gnuabi64",
    "mips64-linux-gnuabin32",
    "mips64el-linux-gnuabin32",
    "mips64-linux-gnuabi64sf",
    "mips64el-linux-gnuabi64sf",
    "mips64-linux-musl",
    "mips64el-linux-musl",
    "mipsisa32r6-linux-gnu",
    "mipsisa32r6el-linux-gnu",
    "mipsisa64r6-linux-gnuabi64",
    "mipsisa64r6el-linux-gnuabi64",
    "mipsisa64r6-linux-gnuabin32",
    "mipsisa64r6el-linux-gnuabin32",
    "powerpc-linux-gnu",
    "powerpc-linux-gnuspe",
    "powerpc-linux-musl",
    "powerpc64-linux-gnu",
    "powerpc64-linux-musl",
    "powerpc64le-linux-gnu",
    "powerpc64le-linux-musl",
    "s390x-linux-gnu",
    "s390x-linux-musl",
    "s390-linux-gnu",
    "riscv64-linux-gnu",
    "riscv64-linux-musl",
    "riscv32-linux-gnu",
    "riscv32-linux-musl",
    "loongarch64-linux-gnu",
    "loongarch64-linux-gnuf32",
    "loongarch64-linux-gnusf",
    "loongarch64-linux-musl",
    "sparc64-linux-gnu",
    "sparc-linux-gnu",
    "m68k-linux-gnu",
    "alpha-linux-gnu",
    "hppa-linux-gnu",
    "sh4-linux-gnu",
    "ia64-linux-gnu",
    "or1k-linux-gnu",
)


@dataclass(frozen=True)
class Multiarch:
    """A CPython Linux multiarch (CPython calls it the platform triplet) with everything that
    follows from it. Not to be confused with a Rust target *triple* (:class:`RustTarget`)."""

    name: str
    """``arm-linux-gnueabihf``."""
    arch: str
    """The multiarch's first component (``arm``, ``mips64el``)."""
    env: str
    """The multiarch's last component (``gnueabihf``, ``gnuabi64``, ``musl``)."""

    @property
    def musl(self) -> bool:
        return self.env.startswith("musl")

    @property
    def in_soabi(self) -> str | None:
        """What CPython puts in SOABI: None for uClibc, which it has no triplet for."""
        return None if self.env in UCLIBC_ENVS else self.name

    @property
    def _row(self) -> _Arch:
        return ARCHES[self.arch]

    @property
    def elf(self) -> ElfFacts:
        row = self._row
        bits = row.bits
        if self.env in ("gnux32", "muslx32", "gnu_ilp32") or self.env.startswith("gnuabin32"):
            bits = 32
        abi: str | None = None
        r6: bool | None = None
        soft_float: bool | None = None
        if row.em == "EM_ARM":
            abi = ARM_HARD if self.env.endswith("hf") else ARM_SOFT
        elif row.em == "EM_MIPS":
            if row.bits == 32:
                abi = MIPS_O32
            elif self.env.startswith("gnuabin32"):
                abi = MIPS_N32
            else:
                abi = MIPS_N64
            r6 = "r6" in self.arch
            soft_float = self.env.endswith("sf")
        elif row.em == "EM_PPC64":
            # Big-endian glibc ppc64 is ELFv1; musl and little-endian are ELFv2.
            abi = PPC64_ELFV1 if (self.arch == "powerpc64" and not self.musl) else PPC64_ELFV2
        elif row.em == "EM_RISCV":
            abi = RISCV_DOUBLE
        elif row.em == "EM_LOONGARCH":
            abi = {"gnuf32": LOONGARCH_SINGLE, "gnusf": LOONGARCH_SOFT}.get(
                self.env, LOONGARCH_DOUBLE
            )
        return ElfFacts(row.em, bits, row.little_endian, abi, r6, soft_float)

    def rust_target(self, arm_isa: str | None = None) -> str | None:
        """The standard Rust triple for this multiarch (None where Rust has no such target)."""
        row = self._row
        if row.rust is None:
            return None
        rust_arch = row.rust
        if self.arch == "arm":
            rust_arch = _ARM_ISAS[arm_isa or _default_arm_isa(self.env)][0]
        env = self.env
        if self.arch.startswith(("mips64", "mipsisa64")) and env == "musl":
            env = "muslabi64"
        if env in ("gnusf", "gnuabi64sf", "gnuabin32sf", "gnuabin32", "muslx32", "gnuf32"):
            return None
        if self.arch == "powerpc" and env == "gnuspe":
            return "powerpc-unknown-linux-gnuspe"
        return f"{rust_arch}-unknown-linux-{env}"

    def machine(self, arm_isa: str | None = None) -> str:
        """uname -m of the target."""
        if self.arch == "arm":
            return _ARM_ISAS[arm_isa or _default_arm_isa(self.env)][1]
        return self._row.machine


def _default_arm_isa(env: str) -> str:
    """Debian's baselines: armhf is ARMv7, armel is ARMv5TE."""
    return "v7" if env.endswith("hf") else "v5te"


# The environments (C library and ABI) CPython's platform_triplet.c names.
KNOWN_ENVS = frozenset(m.split("-", 2)[2] for m in KNOWN_MULTIARCHES) | {"muslsf", "muslspe"}
# uClibc: CPython's platform_triplet.c has no triplet for it (`#error uclibc not supported`), so
# its EXT_SUFFIX is `.cpython-3XY.so`; these names exist here for the Rust triple and ELF facts.
UCLIBC_ENVS = frozenset({"uclibc", "uclibceabi", "uclibceabihf"})


def parse_multiarch(multiarch: str) -> Multiarch:
    """``arm-linux-gnueabihf`` -> Multiarch. Raises TargetError for what CPython never produces."""
    parts = multiarch.split("-")
    if (
        len(parts) != 3
        or parts[1] != "linux"
        or parts[0] not in ARCHES
        or parts[2] not in KNOWN_ENVS | UCLIBC_ENVS
    ):
        raise TargetError(
            f"{multiarch!r} is not a CPython Linux multiarch (expected ARCH-linux-ENV, "
            f"e.g. arm-linux-gnueabihf); set the Rust target explicitly with -C target=..."
        )
    return Multiarch(multiarch, parts[0], parts[2])


@dataclass(frozen=True)
class RustTarget:
    """A Rust target triple as given (vendor triples stay as they are) and what it implies."""

    triple: str
    multiarch: Multiarch
    """The CPython multiarch this triple builds for."""
    arm_isa: str | None = None

    @property
    def machine(self) -> str:
        return self.multiarch.machine(self.arm_isa)


_ARM_RUST_ISA = (
    (re.compile(r"^(armv7\w*|armv8\w*|thumbv7\w*|thumbv8\w*)$"), "v7"),
    (re.compile(r"^(arm|armv6\w*)$"), "v6"),
    (re.compile(r"^armv5\w*$"), "v5te"),
    (re.compile(r"^armv4\w*$"), "v4t"),
)


def parse_rust_target(triple: str, llvm_target: str | None = None) -> RustTarget:
    """Accept any Linux Rust triple (``armv7-poky-linux-gnueabihf`` too) and map it to a
    CPython multiarch. For a custom target spec (a JSON file), ``llvm_target`` is its
    ``llvm-target``, which decides the multiarch while ``triple`` stays what cargo is given.
    Raises TargetError for what is not a Linux target we know."""
    if llvm_target is not None:
        known = parse_rust_target(llvm_target)
        return RustTarget(triple, known.multiarch, known.arm_isa)
    parts = triple.split("-")
    if len(parts) == 4:
        arch, _vendor, os_name, env = parts
    elif len(parts) == 3:
        arch, os_name, env = parts
    else:
        raise TargetError(
            f"Rust target {triple!r} is not ARCH-VENDOR-linux-ENV "
            f"(e.g. armv7-unknown-linux-gnueabihf); check -C target / CARGO_BUILD_TARGET"
        )
    if os_name != "linux":
        raise TargetError(
            f"Rust target {triple!r} is not a Linux target; maturin-cross builds for Linux only"
        )
    arm_isa = None
    if arch.startswith(("arm", "thumb")) and not arch.startswith("armeb"):
        for pattern, isa in _ARM_RUST_ISA:
            if pattern.match(arch):
                arm_isa = isa
                break
        else:
            raise TargetError(f"Rust target {triple!r}: unknown ARM architecture {arch!r}")
        py_arch = "arm"
    elif arch.startswith("armeb"):
        py_arch = "armeb"
    else:
        py_arch = _RUST_ARCH_ALIASES.get(arch, arch)
        if py_arch.startswith("riscv32"):
            py_arch = "riscv32"
    if py_arch not in ARCHES:
        raise TargetError(
            f"Rust target {triple!r}: architecture {arch!r} is not one CPython builds for on Linux"
        )
    py_env = env
    if py_arch.startswith(("mips64", "mipsisa64")):
        # Yocto's mips64-poky-linux-gnu and Rust's muslabi64 are the n64 ABI.
        py_env = {"gnu": "gnuabi64", "muslabi64": "musl"}.get(env, env)
    if py_arch == "arm" and env in (
        "gnueabi",
        "gnueabihf",
        "musleabi",
        "musleabihf",
        "uclibceabi",
        "uclibceabihf",
    ):
        pass
    elif py_arch in ("arm", "armeb") and not env.endswith(("eabi", "eabihf")):
        raise TargetError(f"Rust target {triple!r}: ARM Linux needs an EABI environment")
    if not py_env.startswith(("gnu", "musl")) and py_env not in UCLIBC_ENVS:
        raise TargetError(
            f"Rust target {triple!r}: C library {env!r} has no CPython multiarch "
            f"(uClibc builds have none); pass the target's sysconfigdata so its EXT_SUFFIX is used"
        )
    return RustTarget(triple, Multiarch(f"{py_arch}-linux-{py_env}", py_arch, py_env), arm_isa)


# ------------------------------------------------------------------------------------------------
# The target model


@dataclass(frozen=True)
class PythonABI:
    """The target interpreter: what names and tags its extension modules need."""

    version: tuple[int, int]
    abiflags: str = ""
    implementation: str = "CPython"

    @property
    def free_threaded(self) -> bool:
        return "t" in self.abiflags

    @property
    def python_tag(self) -> str:
        return f"cp{self.version[0]}{self.version[1]}"

    @property
    def abi_tag(self) -> str:
        return f"{self.python_tag}{self.abiflags}"

    @property
    def version_text(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"

    def ext_suffix_for(self, multiarch: str | None) -> str:
        """What CPython would call its EXT_SUFFIX for this multiarch (uClibc: none)."""
        soabi = f"cpython-{self.version[0]}{self.version[1]}{self.abiflags}"
        return f".{soabi}-{multiarch}.so" if multiarch else f".{soabi}.so"


@dataclass(frozen=True)
class Target:
    """Everything a build for one target needs, each value with where it came from."""

    rust: RustTarget
    platform_tag: str
    pointer_width: int
    python: PythonABI | None = None
    """None when only a Rust triple is known (no target sysconfigdata)."""
    ext_suffix: str | None = None
    """The target's own EXT_SUFFIX, when known (from its sysconfigdata)."""
    sysconfigdata: str | None = None
    sources: Mapping[str, Origin] = field(default_factory=dict)
    """Field name -> where its value came from (shown by ``inspect``)."""
    notes: tuple[str, ...] = ()
    """Things worth telling the user (a refined platform tag, a replaced config file)."""

    @property
    def rust_target(self) -> str:
        return self.rust.triple

    @property
    def multiarch(self) -> str:
        return self.rust.multiarch.name

    @property
    def elf(self) -> ElfFacts:
        facts = self.rust.multiarch.elf
        return facts

    @property
    def expected_ext_suffix(self) -> str | None:
        if self.ext_suffix:
            return self.ext_suffix
        if self.python:
            return self.python.ext_suffix_for(self.rust.multiarch.in_soabi)
        return None

    def describe(self) -> str:
        return f"{self.rust_target} ({self.elf.describe()})"


def platform_tag_for(machine: str) -> str:
    return "linux_" + re.sub(r"[-.]", "_", machine)


def platform_tag_from_host_platform(value: str) -> str:
    """``_PYTHON_HOST_PLATFORM``'s ``linux-armv7l`` -> ``linux_armv7l`` (as maturin does)."""
    return re.sub(r"[-.]", "_", value)


# Generic machine names that Yocto and Buildroot put in _PYTHON_HOST_PLATFORM
# (``linux-${HOST_ARCH}``) although no kernel of that family reports them.
_GENERIC_MACHINES: Mapping[str, frozenset[str]] = {
    "EM_ARM": frozenset({"arm", "armeb"}),
    "EM_MIPS": frozenset({"mipsel", "mips64el", "mipsisa32r6", "mipsisa32r6el"}),
    "EM_PPC": frozenset({"powerpc"}),
    "EM_PPC64": frozenset({"powerpc64", "powerpc64le"}),
    "EM_386": frozenset({"i386", "x86"}),
}


# uname -m patterns -> the ELF machine they run, to notice a value left over from another target.
_MACHINE_FAMILIES = (
    (re.compile(r"^x86_64$"), "EM_X86_64"),
    (re.compile(r"^(i[3-6]86|x86)$"), "EM_386"),
    (re.compile(r"^aarch64"), "EM_AARCH64"),
    (re.compile(r"^arm"), "EM_ARM"),
    (re.compile(r"^mips"), "EM_MIPS"),
    (re.compile(r"^(ppc64|powerpc64)"), "EM_PPC64"),
    (re.compile(r"^(ppc|powerpc)$"), "EM_PPC"),
    (re.compile(r"^s390"), "EM_S390"),
    (re.compile(r"^riscv"), "EM_RISCV"),
    (re.compile(r"^loongarch"), "EM_LOONGARCH"),
)

# Machines one compiler family builds for: a 32-bit userland built on a 64-bit kernel (a chroot
# without linux32, CC="gcc -m32") keeps the kernel's name in HOST_GNU_TYPE.
_FAMILY_NAMES: Mapping[str, str] = {
    "EM_X86_64": "x86",
    "EM_386": "x86",
    "EM_AARCH64": "ARM",
    "EM_ARM": "ARM",
    "EM_MIPS": "MIPS",
    "EM_PPC64": "PowerPC",
    "EM_PPC": "PowerPC",
    "EM_S390": "S/390",
    "EM_RISCV": "RISC-V",
    "EM_LOONGARCH": "LoongArch",
}


def _family_of_gnu_type(host: str) -> str | None:
    """The machine family of a GNU triple's first part; None for one the table does not know."""
    arch = host.split("-", 1)[0]
    em = next((em for pattern, em in _MACHINE_FAMILIES if pattern.match(arch)), None)
    return _FAMILY_NAMES.get(em) if em else None


def refine_host_platform(
    value: str, rust: RustTarget, label: str = "_PYTHON_HOST_PLATFORM"
) -> tuple[str, str | None]:
    """Return the platform tag for a platform ``value`` another tool gave (``label``:
    ``_PYTHON_HOST_PLATFORM``) and a note when it was refined. A generic family name
    (``linux-arm`` from Yocto/Buildroot) names no machine pip on the device accepts, and a machine
    of another architecture is a value left over from another build: in both cases the machine
    derived from the target wins. Any other value is taken as given."""
    machine = value.split("-", 1)[1] if value.startswith("linux-") else None
    family = next(
        (em for pattern, em in _MACHINE_FAMILIES if machine and pattern.match(machine)), None
    )
    if family is not None and family != rust.multiarch.elf.machine:
        derived = platform_tag_for(rust.machine)
        return derived, (
            f"{label}={value} names a {MACHINE_NAMES.get(family, family)} machine, "
            f"but the target is {rust.triple}; using {derived} (set platform-tag to force another)"
        )
    if machine == "armv8l" and rust.machine == "armv7l":
        return "linux_armv7l", (
            f"{label}={value} is what a 32-bit userland on an ARMv8 kernel reports "
            f"(the build machine, often); pip there accepts linux_armv7l too, and an ARMv7 board "
            f"accepts only that: using linux_armv7l (set platform-tag to force another)"
        )
    if machine is not None and machine in _GENERIC_MACHINES.get(rust.multiarch.elf.machine, ()):
        refined = platform_tag_for(rust.machine)
        note = (
            f"{label}={value} names no machine a device reports; "
            f"using {refined} from target {rust.triple} (set platform-tag to force another)"
        )
        return refined, note
    return platform_tag_from_host_platform(value), None


# ------------------------------------------------------------------------------------------------
# Deriving a target from sysconfigdata variables and settings

_ARM_MARCH = (
    (re.compile(r"^armv(7|8|9)"), "v7"),
    (re.compile(r"^armv6"), "v6"),
    (re.compile(r"^armv5"), "v5te"),
    (re.compile(r"^armv4"), "v4t"),
)
_ARM_MCPU = (
    (re.compile(r"^(cortex-[arm]\d+|neoverse|generic-armv7)"), "v7"),
    (re.compile(r"^(arm11\d\d|mpcore)"), "v6"),
    (re.compile(r"^(arm9\d\de|arm10\d\de|xscale|iwmmxt|arm9e)"), "v5te"),
    (re.compile(r"^(arm7tdmi|arm9\d\dt|arm9tdmi|ep9312)"), "v4t"),
)


def _flag_values(text: str, flag: str) -> list[str]:
    """The values of ``flag`` (``-march=``) in a compiler command line; only ASCII ones name a
    machine, and only they go into messages."""
    return [word[len(flag) :] for word in text.split() if word.startswith(flag) and word.isascii()]


_COMPILER_FLAGS = ("CC", "CFLAGS", "CONFIGURE_CFLAGS", "PY_CFLAGS")


def arm_isa_from(data: SysconfigData) -> tuple[str | None, str | None]:
    """ARM ISA level ("v7", "v6", ...) from compiler flags, else HOST_GNU_TYPE; and which
    variable told. (None, None) when nothing says."""
    for key, text in data.texts(*_COMPILER_FLAGS, "LDSHARED"):
        for value in reversed(_flag_values(text, "-march=")):
            for pattern, isa in _ARM_MARCH:
                if pattern.match(value):
                    return isa, f"-march={value} in {key}"
        for value in reversed(_flag_values(text, "-mcpu=")):
            for pattern, isa in _ARM_MCPU:
                if pattern.match(value):
                    return isa, f"-mcpu={value} in {key}"
    host = data.get_str("HOST_GNU_TYPE")
    # armv8l is config.guess's name for a 32-bit build on an ARMv8 kernel (Debian's buildds build
    # armhf and armel so): it names the build machine, not the target's ISA.
    if host is not None and not host.startswith("armv8l-"):
        first = host.split("-", 1)[0]
        for pattern, isa in _ARM_MARCH:
            if pattern.match(first):
                return isa, f"HOST_GNU_TYPE={host}"
    return None, None


def _float_abi_from(data: SysconfigData) -> str | None:
    for _key, text in data.texts(*_COMPILER_FLAGS):
        values = _flag_values(text, "-mfloat-abi=")
        if values:
            return values[-1]
    return None


def multiarch_from_gnu_type(host: str) -> str | None:
    """``arm-poky-linux-gnueabi`` -> ``arm-linux-gnueabi``; ``mips64-poky-linux`` ->
    ``mips64-linux-gnuabi64``; None when it names no CPython multiarch (uClibc, not Linux)."""
    parts = host.split("-")
    if "linux" not in parts:
        return None
    index = parts.index("linux")
    arch = parts[0]
    env = parts[index + 1] if index + 1 < len(parts) else "gnu"
    if re.match(r"^i[3-6]86$", arch):
        arch = "i386"
    elif re.match(r"^(arm|thumb)v?\d", arch) or arch == "arm":
        arch = "armeb" if arch.endswith("b") and "eb" in arch else "arm"
    elif arch.startswith("riscv64"):
        arch = "riscv64"
    elif arch.startswith("riscv32"):
        arch = "riscv32"
    if arch.startswith(("mips64", "mipsisa64")) and env == "gnu":
        env = "gnuabi64"
    if env.startswith("uclibc"):
        # OpenWrt and Buildroot spell it arm-...-linux-uclibcgnueabi(hf).
        env = env.replace("uclibcgnu", "uclibc")
        return f"{arch}-linux-{env}" if arch in ARCHES and env in UCLIBC_ENVS else None
    if arch not in ARCHES or not env.startswith(("gnu", "musl")):
        return None
    return f"{arch}-linux-{env}"


def python_abi_from(data: SysconfigData) -> PythonABI:
    version_text = data.get_str("VERSION")
    match = (
        sysconfigdata.VERSION.fullmatch(version_text)
        if version_text is not None and sysconfigdata.invalid("VERSION", version_text) is None
        else None
    )
    if match is None:
        shown = sysconfigdata.quoted(version_text) if version_text is not None else "None"
        raise TargetError(
            f"{data.path}: VERSION={shown} is not X.Y; is this a CPython sysconfigdata file?"
        )
    soabi = data.soabi or ""
    flags = data.get_str("ABIFLAGS")
    if flags is None:
        soabi_match = re.match(r"^cpython-\d+([a-z]*)", soabi)
        flags = soabi_match.group(1) if soabi_match else ""
    if data.flag("Py_GIL_DISABLED") and "t" not in flags:
        flags += "t"
    implementation = "PyPy" if soabi.startswith("pypy") else "CPython"
    return PythonABI((int(match.group(1)), int(match.group(2))), flags, implementation)


def resolve(
    data: SysconfigData | None,
    *,
    rust_target: Sourced | None = None,
    platform_tag: Sourced | None = None,
    llvm_target: str | None = None,
) -> Target:
    """Derive the target. ``data`` is the target's sysconfigdata (the authority for EXT_SUFFIX
    and the Python ABI); ``rust_target`` and ``platform_tag`` are the values
    :func:`maturin_cross.settings.model.decide` chose, with their origins. A platform another tool
    gave (``_PYTHON_HOST_PLATFORM``, build-details.json) is refined
    (:func:`refine_host_platform`); a maturin-cross setting is taken as given; without one the
    tag is derived from the Rust target."""
    if data is None and rust_target is None:
        raise TargetError("no target: pass a sysconfigdata file or a Rust target triple")
    where = str(data.path) if data is not None else "the target"
    sources: dict[str, Origin] = {}
    notes: list[str] = []
    derived: RustTarget | None = None
    python: PythonABI | None = None
    ext_suffix: str | None = None
    pointer_width: int | None = None

    if data is not None:
        sources["sysconfigdata"] = data.origin
        python = python_abi_from(data)
        ext_suffix = data.ext_suffix
        sources["ext_suffix"] = _read("EXT_SUFFIX of the sysconfigdata")
        sources["python_tag"] = _read("VERSION of the sysconfigdata")
        sources["abi_tag"] = _read("VERSION and ABIFLAGS of the sysconfigdata")
        size = data.get_int("SIZEOF_VOID_P")
        if size in (4, 8):
            pointer_width = size * 8
            sources["pointer_width"] = _read("SIZEOF_VOID_P of the sysconfigdata")
        try:
            derived = _rust_target_from(data, sources)
        except TargetError:
            # Its message says "set the Rust target with -C target=TRIPLE": when that is set, it
            # stands alone (EXT_SUFFIX and the Python ABI still come from the sysconfigdata).
            if rust_target is None:
                raise

    if rust_target is not None:
        triple, setting = rust_target
        given = parse_rust_target(triple, llvm_target)
        if derived is not None and given.multiarch.elf != derived.multiarch.elf:
            raise TargetError(
                f"target {triple} (from {setting}) builds {given.multiarch.elf.describe()}, but "
                f"{where} is for {derived.multiarch.name} ({derived.multiarch.elf.describe()}); "
                f"fix {setting} or point the sysconfigdata setting at the matching target"
            )
        rust = given
        sources["rust_target"] = setting
    elif derived is not None:
        rust = derived
    else:  # pragma: no cover - excluded by the first check
        raise TargetError("no target")
    if derived is None:
        sources["multiarch"] = _derived(f"Rust target {rust.triple}")

    if pointer_width is None:
        pointer_width = rust.multiarch.elf.bits
        sources["pointer_width"] = _derived(f"ELF class of {rust.multiarch.name}")

    if platform_tag is not None:
        value, origin = platform_tag
        what = sysconfigdata.invalid("platform", value)
        if what is not None:
            raise TargetError(
                f"platform {sysconfigdata.quoted(value)} (from {origin}) is not {what}; "
                f"fix it, or set platform-tag (-C platform-tag=linux_armv7l)"
            )
        if not origin.kind.given_as_is:
            tag, note = refine_host_platform(value, rust, origin.assignment)
            sources["platform_tag"] = (
                _derived(f"Rust target {rust.triple} (refining {origin})") if note else origin
            )
            notes += [note] if note else []
        else:
            tag = platform_tag_from_host_platform(value)
            sources["platform_tag"] = origin
    else:
        tag = platform_tag_for(rust.machine)
        sources["platform_tag"] = _derived(f"Rust target {rust.triple}")
    if not tag.startswith("linux_"):
        raise TargetError(
            f"platform tag {tag!r} (from {sources['platform_tag']}) is not a linux_<machine> tag "
            f"(maturin-cross builds for Linux); set platform-tag to linux_<machine> "
            f"(-C platform-tag=linux_armv7l), or leave it unset to derive it from the target"
        )

    return Target(
        rust=rust,
        platform_tag=tag,
        pointer_width=pointer_width,
        python=python,
        ext_suffix=ext_suffix,
        sysconfigdata=str(data.path) if data is not None else None,
        sources=sources,
        notes=tuple(notes),
    )


def _read(label: str) -> Origin:
    """The origin of a value read from the target's own files."""
    return Origin(Kind.TARGET_FILE, label)


def _derived(label: str) -> Origin:
    """The origin of a value derived from others."""
    return Origin(Kind.DERIVED, label)


def _rust_target_from(data: SysconfigData, sources: dict[str, Origin]) -> RustTarget:
    where = str(data.path)
    multiarch = data.get_str("MULTIARCH")
    host = data.get_str("HOST_GNU_TYPE")
    tail = re.match(r"^cpython-\d+[a-z]*-(.+)$", data.soabi or "")
    from_host = multiarch_from_gnu_type(host) if host is not None else None
    if multiarch:
        sources["multiarch"] = _read("MULTIARCH of the sysconfigdata")
    elif tail:
        multiarch = tail.group(1)
        sources["multiarch"] = _read("SOABI of the sysconfigdata")
    elif from_host:
        multiarch = from_host
        sources["multiarch"] = _read("HOST_GNU_TYPE of the sysconfigdata")
    else:
        raise TargetError(
            f"{where}: neither MULTIARCH, SOABI nor HOST_GNU_TYPE names a Linux multiarch "
            f"(a uClibc or vendor-patched Python?); set the Rust target with -C target=TRIPLE"
        )
    try:
        found = parse_multiarch(multiarch)
    except TargetError as err:
        raise TargetError(f"{where} ({sources['multiarch']}): {err}") from None
    host_family = _family_of_gnu_type(host) if host is not None else None
    family = _FAMILY_NAMES.get(found.elf.machine)
    if host_family is not None and family is not None and host_family != family:
        # A ConfigError: the file is wrong, whatever target is set beside it.
        key = sources["multiarch"].label.split()[0]
        raise ConfigError(
            f"{where}: HOST_GNU_TYPE {host!r} is for {host_family} machines, but {key} "
            f"{multiarch} is for {family} ones; the file contradicts itself: use the target's "
            f"own sysconfigdata, as its Python wrote it"
        )
    isa: str | None = None
    if found.arch == "arm":
        isa, told = arm_isa_from(data)
        float_abi = _float_abi_from(data)
        if float_abi == "hard" and not found.env.endswith("hf"):
            raise TargetError(
                f"{where}: MULTIARCH {multiarch} is soft-float but the compiler flags say "
                f"-mfloat-abi=hard; set the Rust target with -C target=TRIPLE"
            )
        if isa is None:
            isa = _default_arm_isa(found.env)
            told = f"default ARM ISA for {multiarch}"
        sources["rust_target"] = _read(f"{sources['multiarch']}, ISA from {told}")
    else:
        sources["rust_target"] = sources["multiarch"]
    triple = found.rust_target(isa)
    if triple is None:
        raise TargetError(
            f"{where}: Rust has no standard target for {multiarch}; set a custom target with "
            f"-C target=TRIPLE (and RUST_TARGET_PATH for its JSON spec)"
        )
    return RustTarget(triple, found, isa)
