"""CPython's multiarch and Rust's target triple: the two names of a Linux target, read and
derived from each other through the architecture table (:mod:`maturin_cross.target.arches`).

Vocabulary:

* *multiarch*: CPython's ``MULTIARCH`` (``arm-linux-gnueabihf``), the middle of EXT_SUFFIX; CPython
  calls it the platform triplet (:class:`Multiarch`).
* *Rust triple*: what ``cargo --target`` takes (``armv7-unknown-linux-gnueabihf``); vendor triples
  (``armv7-poky-linux-gnueabihf``) are accepted as given.
* *machine*: ``uname -m`` of the target (``armv7l``), which makes the platform tag ``linux_armv7l``.

Pure, and needs the standard library alone (``tools/provision-cross.sh`` runs it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from maturin_cross.errors import TargetError
from maturin_cross.target.arches import (
    ARCHES,
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
    RUST_ARCHES,
    Arch,
    ElfFacts,
)

# ARM ISA levels: Rust architecture name and uname -m.
ARM_ISAS: Mapping[str, tuple[str, str]] = {
    "v7": ("armv7", "armv7l"),
    "v6": ("arm", "armv6l"),
    "v5te": ("armv5te", "armv5tel"),
    "v4t": ("armv4t", "armv4tl"),
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
    def _row(self) -> Arch:
        return ARCHES[self.arch]

    @property
    def elf(self) -> ElfFacts:
        row = self._row
        narrow = row.narrow is not None and self.env in row.narrow.envs
        bits = 32 if narrow else row.bits
        abi: str | None = None
        r6: bool | None = None
        soft_float: bool | None = None
        if row.em == "EM_ARM":
            abi = ARM_HARD if self.env.endswith("hf") else ARM_SOFT
        elif row.em == "EM_MIPS":
            if row.bits == 32:
                abi = MIPS_O32
            elif narrow:
                abi = MIPS_N32
            else:
                abi = MIPS_N64
            r6 = row.r6
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
            rust_arch = ARM_ISAS[arm_isa or default_arm_isa(self.env)][0]
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
            return ARM_ISAS[arm_isa or default_arm_isa(self.env)][1]
        return self._row.machine


def default_arm_isa(env: str) -> str:
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
        py_arch = RUST_ARCHES.get(arch, arch)
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


def multiarch_from_gnu_type(host: str) -> str | None:
    """``arm-poky-linux-gnueabi`` -> ``arm-linux-gnueabi``; ``mips64-poky-linux`` ->
    ``mips64-linux-gnuabi64``; None when it names no CPython multiarch (uClibc, not Linux)."""
    parts = host.split("-")
    if "linux" not in parts:
        return None
    index = parts.index("linux")
    arch = parts[0]
    env = parts[index + 1] if index + 1 < len(parts) else "gnu"
    if re.match(r"^(arm|thumb)v?\d", arch) or arch == "arm":
        arch = "armeb" if arch.endswith("b") and "eb" in arch else "arm"
    elif arch.startswith("riscv64"):
        arch = "riscv64"
    elif arch.startswith("riscv32"):
        arch = "riscv32"
    else:
        arch = RUST_ARCHES.get(arch, arch)
    if arch.startswith(("mips64", "mipsisa64")) and env == "gnu":
        env = "gnuabi64"
    if env.startswith("uclibc"):
        # OpenWrt and Buildroot spell it arm-...-linux-uclibcgnueabi(hf).
        env = env.replace("uclibcgnu", "uclibc")
        return f"{arch}-linux-{env}" if arch in ARCHES and env in UCLIBC_ENVS else None
    if arch not in ARCHES or not env.startswith(("gnu", "musl")):
        return None
    return f"{arch}-linux-{env}"
