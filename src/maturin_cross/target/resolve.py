"""The target: everything a build for it needs, each value with where it came from, derived
from the target's sysconfigdata and the settings by :func:`resolve`.

The names it is built from live beside it: the architecture table
(:mod:`maturin_cross.target.arches`), multiarch and Rust triple
(:mod:`maturin_cross.target.multiarch`), SOABI and EXT_SUFFIX (:mod:`maturin_cross.target.soabi`)
and the platform tag (:mod:`maturin_cross.target.platform_tag`).

Pure: no process, no host interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from maturin_cross.errors import ConfigError, TargetError
from maturin_cross.settings.origin import Kind, Origin, Sourced
from maturin_cross.target import sysconfigdata
from maturin_cross.target.arches import ElfFacts, arch_of_machine, family_of
from maturin_cross.target.multiarch import (
    RustTarget,
    default_arm_isa,
    multiarch_from_gnu_type,
    parse_multiarch,
    parse_rust_target,
)
from maturin_cross.target.platform_tag import (
    platform_tag_for,
    platform_tag_from_host_platform,
    refine_host_platform,
)
from maturin_cross.target.soabi import Soabi
from maturin_cross.target.sysconfigdata import SysconfigData


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
        return Soabi(self.version, self.abiflags, multiarch).ext_suffix


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
        said = Soabi.parse(soabi)
        flags = said.abiflags if said else ""
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
    :func:`maturin_cross.settings.origin.decide` chose, with their origins. A platform another tool
    gave (``_PYTHON_HOST_PLATFORM``, build-details.json) is refined
    (:func:`refine_host_platform`); a maturin-cross setting is taken as given; without one the
    tag is derived from the Rust target.

    In three steps, each returning its values and where they came from: what the sysconfigdata
    says (:func:`_described_by`), the Rust target (:func:`_choose_rust`), the platform tag
    (:func:`_choose_platform_tag`)."""
    if data is None and rust_target is None:
        raise TargetError("no target: pass a sysconfigdata file or a Rust target triple")
    read = (
        _described_by(data, rust_target_given=rust_target is not None) if data is not None else None
    )
    sources: dict[str, Origin] = dict(read.sources) if read is not None else {}
    rust, rust_sources = _choose_rust(read, rust_target, llvm_target)
    sources.update(rust_sources)
    pointer_width = read.pointer_width if read is not None else None
    if pointer_width is None:
        pointer_width = rust.multiarch.elf.bits
        sources["pointer_width"] = _derived(f"ELF class of {rust.multiarch.name}")
    tag, tag_source, note = _choose_platform_tag(platform_tag, rust)
    sources["platform_tag"] = tag_source
    return Target(
        rust=rust,
        platform_tag=tag,
        pointer_width=pointer_width,
        python=read.python if read is not None else None,
        ext_suffix=read.ext_suffix if read is not None else None,
        sysconfigdata=str(data.path) if data is not None else None,
        sources=sources,
        notes=(note,) if note else (),
    )


@dataclass(frozen=True)
class _Read:
    """What a target's sysconfigdata says of it, and where in the file each value is."""

    where: str
    python: PythonABI
    ext_suffix: str | None
    pointer_width: int | None
    """From SIZEOF_VOID_P; None when the file does not say."""
    rust: RustTarget | None
    """None when the file names no Rust target and a Rust target is set beside it."""
    sources: Mapping[str, Origin]


def _described_by(data: SysconfigData, *, rust_target_given: bool) -> _Read:
    """The first step of :func:`resolve`: the target as its sysconfigdata describes it."""
    sources: dict[str, Origin] = {"sysconfigdata": data.origin}
    python = python_abi_from(data)
    sources["ext_suffix"] = _in_file("EXT_SUFFIX of the sysconfigdata")
    sources["python_tag"] = _in_file("VERSION of the sysconfigdata")
    sources["abi_tag"] = _in_file("VERSION and ABIFLAGS of the sysconfigdata")
    pointer_width: int | None = None
    size = data.get_int("SIZEOF_VOID_P")
    if size in (4, 8):
        pointer_width = size * 8
        sources["pointer_width"] = _in_file("SIZEOF_VOID_P of the sysconfigdata")
    derived: RustTarget | None = None
    try:
        derived, derived_sources = _rust_target_from(data)
        sources.update(derived_sources)
    except TargetError:
        # Its message says "set the Rust target with -C target=TRIPLE": when that is set, it
        # stands alone (EXT_SUFFIX and the Python ABI still come from the sysconfigdata).
        if not rust_target_given:
            raise
    return _Read(str(data.path), python, data.ext_suffix, pointer_width, derived, sources)


def _choose_rust(
    read: _Read | None, rust_target: Sourced | None, llvm_target: str | None
) -> tuple[RustTarget, dict[str, Origin]]:
    """The second step of :func:`resolve`: the Rust target set, checked against the one the
    sysconfigdata names, else that one."""
    derived = read.rust if read is not None else None
    where = read.where if read is not None else "the target"
    sources: dict[str, Origin] = {}
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
    else:  # pragma: no cover - excluded by the first check of resolve
        raise TargetError("no target")
    if derived is None:
        sources["multiarch"] = _derived(f"Rust target {rust.triple}")
    return rust, sources


def _choose_platform_tag(
    platform_tag: Sourced | None, rust: RustTarget
) -> tuple[str, Origin, str | None]:
    """The third step of :func:`resolve`: the platform tag, where it came from, and a note when
    it was refined."""
    note: str | None = None
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
            source = _derived(f"Rust target {rust.triple} (refining {origin})") if note else origin
        else:
            tag = platform_tag_from_host_platform(value)
            source = origin
    else:
        tag = platform_tag_for(rust.machine)
        source = _derived(f"Rust target {rust.triple}")
    if not tag.startswith("linux_"):
        raise TargetError(
            f"platform tag {tag!r} (from {source}) is not a linux_<machine> tag "
            f"(maturin-cross builds for Linux); set platform-tag to linux_<machine> "
            f"(-C platform-tag=linux_armv7l), or leave it unset to derive it from the target"
        )
    return tag, source, note


def _in_file(label: str) -> Origin:
    """The origin of a value read from the target's own files."""
    return Origin(Kind.TARGET_FILE, label)


def _derived(label: str) -> Origin:
    """The origin of a value derived from others."""
    return Origin(Kind.DERIVED, label)


def _family_of_gnu_type(host: str) -> str | None:
    """The compiler family of a GNU triple's first part; None for one the table does not know."""
    row = arch_of_machine(host.split("-", 1)[0])
    return row.family if row is not None else None


def _rust_target_from(data: SysconfigData) -> tuple[RustTarget, dict[str, Origin]]:
    """The Rust target a sysconfigdata names, and which of its variables told."""
    sources: dict[str, Origin] = {}
    where = str(data.path)
    multiarch = data.get_str("MULTIARCH")
    host = data.get_str("HOST_GNU_TYPE")
    said = Soabi.parse(data.soabi or "")
    from_host = multiarch_from_gnu_type(host) if host is not None else None
    if multiarch:
        sources["multiarch"] = _in_file("MULTIARCH of the sysconfigdata")
    elif said is not None and said.multiarch:
        multiarch = said.multiarch
        sources["multiarch"] = _in_file("SOABI of the sysconfigdata")
    elif from_host:
        multiarch = from_host
        sources["multiarch"] = _in_file("HOST_GNU_TYPE of the sysconfigdata")
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
    family = family_of(found.elf.machine)
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
            isa = default_arm_isa(found.env)
            told = f"default ARM ISA for {multiarch}"
        sources["rust_target"] = _in_file(f"{sources['multiarch']}, ISA from {told}")
    else:
        sources["rust_target"] = sources["multiarch"]
    triple = found.rust_target(isa)
    if triple is None:
        raise TargetError(
            f"{where}: Rust has no standard target for {multiarch}; set a custom target with "
            f"-C target=TRIPLE (and RUST_TARGET_PATH for its JSON spec)"
        )
    return RustTarget(triple, found, isa), sources
