"""Will the target's loader resolve every symbol a binary leaves to others?

Pure: reads ELF files (a wheel's members, a sysroot's libraries) with pyelftools; no process.

CPython imports an extension module with ``dlopen(RTLD_NOW)``: every undefined dynamic symbol of
the module, and of each library it brings, is bound then or the import fails (``undefined
symbol: PyObject_GetOptionalAttr``). The loader looks in the global scope first (the program,
here the target's ``python3.X``, and the libraries it needs; ``libpython3.X.so.1.0`` among them
where the executable links it), then in the module's own libraries, breadth first, each with its
own needs (found by :class:`maturin_cross.checks.linkage.Search`, the one lookup). A reference
with a version (``.gnu.version`` and ``DT_VERNEED``) binds to a definition of that version or to
an unversioned one; a reference without one binds to any definition that is not hidden. Weak
references may stay undefined. A definition is global, weak or unique, of default or protected
visibility, and not itself undefined (glibc's ``do_lookup_x``).

Each library's symbol table is read once per :class:`Resolver`, under the read budget of
:func:`maturin_cross.checks.elf.parse`; the work is linear in the symbols read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection

from maturin_cross.checks import linkage
from maturin_cross.errors import WheelError
from maturin_cross.support.text import quoted
from maturin_cross.target.resolve import PythonABI
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot

# st_info's binding (high nibble) and type (low nibble), st_other's visibility (low 2 bits).
_STB_GLOBAL, _STB_WEAK, _STB_GNU_UNIQUE = 1, 2, 10
_DEFINING_BINDINGS = frozenset({_STB_GLOBAL, _STB_WEAK, _STB_GNU_UNIQUE})
_STV_DEFAULT, _STV_PROTECTED = 0, 3
_STT_TLS = 6
# NOTYPE, OBJECT, FUNC, COMMON, TLS, GNU_IFUNC: what the loader binds to (ALLOWED_STT)
_BOUND_TYPES = frozenset({0, 1, 2, 5, 6, 10})
_SHN_UNDEF, _SHN_ABS = 0, 0xFFF1
_VERSYM_HIDDEN = 0x8000
_VERSYM_INDEX = 0x7FFF
_VER_FLG_BASE = 0x1
# Elf32_Sym: name, value, size, info, other, shndx; Elf64_Sym: name, info, other, shndx, value,
# size.
_SYM = {32: ("IIIBBH", (0, 3, 4, 5, 1)), 64: ("IBBHQQ", (0, 1, 2, 3, 4))}


@dataclass(frozen=True)
class Reference:
    """An undefined symbol, and the version it asks for (None: any)."""

    name: str
    version: str | None = None

    def describe(self) -> str:
        """``'foo_new'`` or ``'memcpy'@GLIBC_2.4``."""
        return quoted(self.name) + (f"@{quoted(self.version)}" if self.version else "")


@dataclass(frozen=True)
class Table:
    """A file's dynamic symbols as the loader sees them."""

    undefined: tuple[Reference, ...] = ()
    """Undefined symbols of global binding, each once: they must be bound."""
    weak: tuple[str, ...] = ()
    """Undefined weak symbols: they may stay unbound."""
    defined: Mapping[str, tuple[tuple[str | None, bool], ...]] = field(default_factory=dict)
    """Name -> (version or None for an unversioned definition, hidden) of each definition."""

    def defines(self, reference: Reference) -> bool:
        """Whether the loader would bind ``reference`` to a definition of this file."""
        for version, hidden in self.defined.get(reference.name, ()):
            if version is None or version == reference.version:
                return True
            if reference.version is None and not hidden:
                return True
        return False


def read(elf: ELFFile) -> Table:
    """The dynamic symbol table of a file :func:`maturin_cross.checks.elf.parse` opened; raises
    one of :data:`maturin_cross.checks.elf.PARSE_ERRORS` when it is malformed."""
    symbols: SymbolTableSection | None = None
    versym: GNUVerSymSection | None = None
    versions: dict[int, str] = {}
    for section in elf.iter_sections():
        if isinstance(section, SymbolTableSection) and section["sh_type"] == "SHT_DYNSYM":
            symbols = section
        elif isinstance(section, GNUVerSymSection):
            versym = section
        elif isinstance(section, GNUVerNeedSection):
            for _, auxiliaries in section.iter_versions():
                for aux in auxiliaries:
                    versions[int(aux["vna_other"]) & _VERSYM_INDEX] = str(aux.name)
        elif isinstance(section, GNUVerDefSection):
            for verdef, auxiliaries in section.iter_versions():
                first = [str(aux.name) for aux in auxiliaries][:1]
                if first and not verdef["vd_flags"] & _VER_FLG_BASE:
                    versions[int(verdef["vd_ndx"]) & _VERSYM_INDEX] = first[0]
    if symbols is None:
        return _from_segment(elf)
    order = "<" if elf.little_endian else ">"
    layout, fields = _SYM[elf.elfclass]
    entry = struct.calcsize(order + layout)
    data = symbols.data()
    data = data[: len(data) - len(data) % entry]
    names = symbols.stringtable.data()
    marks: bytes = b""
    if versym is not None:
        marks = versym.data()
    name, info, other, shndx, value = fields
    entries = (
        (_name(names, row[name]), row[info], row[other], row[shndx], row[value])
        for row in struct.iter_unpack(order + layout, data)
    )
    return _table(entries, marks, order, versions)


def _name(strings: bytes, offset: int) -> str:
    end = strings.find(b"\x00", offset)
    return strings[offset : end if end >= 0 else len(strings)].decode("utf-8", "replace")


def _from_segment(elf: ELFFile) -> Table:
    """Without section headers (a stripper removed them): the PT_DYNAMIC segment's symbols,
    without versions."""
    entries: list[tuple[str, int, int, int, int]] = []
    for segment in elf.iter_segments("PT_DYNAMIC"):
        if not isinstance(segment, DynamicSegment):
            continue
        for symbol in segment.iter_symbols():
            info = symbol["st_info"]
            shndx = symbol["st_shndx"]
            entries.append(
                (
                    str(symbol.name),
                    _BIND.get(info["bind"], 0) << 4 | _TYPE.get(info["type"], 15),
                    _VISIBILITY.get(symbol["st_other"]["visibility"], 2),
                    _SHN.get(shndx, 1) if isinstance(shndx, str) else int(shndx),
                    int(symbol["st_value"]),
                )
            )
    return _table(iter(entries), b"", "<", {})


_BIND = {"STB_GLOBAL": _STB_GLOBAL, "STB_WEAK": _STB_WEAK, "STB_LOOS": _STB_GNU_UNIQUE}
_TYPE = {
    "STT_NOTYPE": 0,
    "STT_OBJECT": 1,
    "STT_FUNC": 2,
    "STT_COMMON": 5,
    "STT_TLS": 6,
    "STT_LOOS": 10,  # STT_GNU_IFUNC
}
_VISIBILITY = {"STV_DEFAULT": _STV_DEFAULT, "STV_PROTECTED": _STV_PROTECTED}
_SHN = {"SHN_UNDEF": _SHN_UNDEF, "SHN_ABS": _SHN_ABS}


def _table(
    entries: Iterator[tuple[str, int, int, int, int]],
    marks: bytes,
    order: str,
    versions: Mapping[int, str],
) -> Table:
    """``entries`` are (name, st_info, st_other, st_shndx, st_value) in table order; ``marks``
    the ``.gnu.version`` words of the same order."""
    undefined: dict[Reference, None] = {}
    weak: dict[str, None] = {}
    defined: dict[str, list[tuple[str | None, bool]]] = {}
    count = len(marks) // 2
    words = struct.unpack(f"{order}{count}H", marks[: count * 2]) if count else ()
    for index, (name, info, other, shndx, value) in enumerate(entries):
        if not name:
            continue
        binding, kind = info >> 4, info & 0xF
        word = words[index] if index < count else 1
        version = versions.get(word & _VERSYM_INDEX) if word & _VERSYM_INDEX > 1 else None
        if shndx == _SHN_UNDEF:
            if binding == _STB_GLOBAL:
                undefined[Reference(name, version)] = None
            elif binding == _STB_WEAK:
                weak[name] = None
            continue
        if (
            binding in _DEFINING_BINDINGS
            and other & 3 in (_STV_DEFAULT, _STV_PROTECTED)
            and kind in _BOUND_TYPES
            and (value != 0 or shndx == _SHN_ABS or kind == _STT_TLS)
        ):
            defined.setdefault(name, []).append((version, bool(word & _VERSYM_HIDDEN)))
    return Table(tuple(undefined), tuple(weak), {name: tuple(d) for name, d in defined.items()})


# ------------------------------------------------------------------------------------------------
# The target's interpreter


@dataclass(frozen=True)
class Interpreter:
    """Where the target's Python may be in its sysroot: the files that make the global scope an
    extension module is loaded into, the first that exists taken."""

    name: str
    """``python3.11``."""
    paths: tuple[str, ...]
    """Target paths: the executable, then (a shared build's) libpython."""


def interpreter_of(data: SysconfigData | None, python: PythonABI | None) -> Interpreter | None:
    """The target's interpreter as its sysconfigdata names it (BINDIR, LDVERSION; LIBDIR and
    INSTSONAME or LDLIBRARY when Py_ENABLE_SHARED), else as Debian and Yocto install it."""
    if python is None:
        return None
    version = python.version_text
    ldversion = f"{version}{python.abiflags}"
    bindir, libdir, library = "/usr/bin", None, None
    if data is not None:
        bindir = data.get_str("BINDIR") or bindir
        ldversion = data.get_str("LDVERSION") or ldversion
        if data.flag("Py_ENABLE_SHARED"):
            libdir = data.get_str("LIBDIR")
            library = data.get_str("INSTSONAME") or data.get_str("LDLIBRARY")
    name = f"python{ldversion}"
    paths = [f"{bindir.rstrip('/')}/{name}", f"{bindir.rstrip('/')}/python{version}"]
    if libdir and library and "/" not in library:
        paths.append(f"{libdir.rstrip('/')}/{library}")
    return Interpreter(name, tuple(dict.fromkeys(paths)))


# ------------------------------------------------------------------------------------------------
# Resolving


@dataclass(frozen=True)
class Member:
    """A wheel's ELF member as the resolver needs it."""

    dynamic: linkage.Dynamic
    table: Table
    loaded_by_python: bool
    """A module or a library it brings (else a program: its own global scope)."""


@dataclass(frozen=True)
class Resolution:
    """Who defines each symbol one member leaves to others."""

    member: str
    looked: tuple[str, ...]
    """What was searched, in the loader's order: ``python3.11 (/usr/bin/python3.11)``,
    ``libc.so.6``, ``wheel:pkg.libs/libfoo.so.1``."""
    bound: Mapping[str, tuple[str, ...]]
    """Provider (as in ``looked``) -> the symbols it defines for this member, sorted."""
    unresolved: tuple[Reference, ...]
    checked: bool = True
    """False when the search was not complete (a library missing or unreadable, no target
    Python): nothing is refused then."""


class SysrootFiles(Protocol):
    """How a :class:`Resolver` reads a sysroot's files, each once
    (:class:`maturin_cross.checks.libraries.Files`)."""

    def dynamic(self, host: Path) -> linkage.Dynamic:
        """What the file says to the loader; raises WheelError or OSError."""
        ...

    def table(self, host: Path) -> Table | None:
        """Its dynamic symbols; None when they cannot be read."""
        ...


@dataclass
class _Provider:
    label: str
    table: Table | None
    """None: its symbol table could not be read."""


class Resolver:
    """One proof's resolving: each library found once, each symbol table read once."""

    def __init__(
        self,
        members: Mapping[str, Member],
        *,
        sysroot: Sysroot,
        library_dirs: Sequence[str],
        interpreter: Interpreter | None,
        files: SysrootFiles,
    ) -> None:
        self._files = files
        self._members = members
        self._dynamics = {name: member.dynamic for name, member in members.items()}
        self._sysroot = sysroot
        self._library_dirs = tuple(library_dirs)
        self._interpreter = interpreter
        self._tables: dict[str, Table | None] = {}
        self._found: dict[tuple[str, linkage.Search], linkage.Library | None] = {}
        self._scopes: dict[str, tuple[list[str], bool]] = {}

    # Scopes are lists of "where" keys (wheel:NAME or a target path), with a completeness flag.

    def _table(self, where: str) -> Table | None:
        if where not in self._tables:
            self._tables[where] = self._read(where)
        return self._tables[where]

    def _read(self, where: str) -> Table | None:
        if where.startswith("wheel:"):
            return self._members[where[len("wheel:") :]].table
        return self._files.table(self._sysroot.host_path(where))

    def _find(self, need: str, search: linkage.Search) -> linkage.Library | None:
        key = (need, search)
        if key not in self._found:
            self._found[key] = search.find(need, self._dynamics, self._files.dynamic)[0]
        return self._found[key]

    def _breadth_first(self, where: str, dynamic: linkage.Dynamic) -> tuple[list[str], bool]:
        """``where`` and everything it needs, breadth first, each once; False when a need was
        not found (linkage says which)."""
        if where in self._scopes:
            return self._scopes[where]
        order = [where]
        seen = {where}
        complete = True
        queue = [(where, dynamic)]
        for current, current_dynamic in queue:
            path = current[len("wheel:") :] if current.startswith("wheel:") else current
            search = linkage.Search.of(
                path, current_dynamic, sysroot=self._sysroot, library_dirs=self._library_dirs
            )
            for need in current_dynamic.needed:
                library = self._find(need, search)
                if library is None:
                    complete = False
                    continue
                if library.where not in seen:
                    seen.add(library.where)
                    order.append(library.where)
                    queue.append((library.where, library.dynamic))
        self._scopes[where] = (order, complete)
        return order, complete

    def global_scope(self) -> tuple[list[str], str | None, bool]:
        """The interpreter's files (the first that exists, with its needs), its label (None: not
        found), and whether all its needs were found."""
        if self._interpreter is None:
            return [], None, False
        for path in self._interpreter.paths:
            host = self._sysroot.host_path(path)
            if not host.is_file():
                continue
            try:
                dynamic = self._files.dynamic(host)
            except (OSError, WheelError):
                continue
            order, complete = self._breadth_first(path, dynamic)
            return order, f"{PurePosixPath(path).name} ({path})", complete
        return [], None, False

    def resolve(self) -> list[Resolution]:
        """Who defines what each member leaves to others."""
        global_order, python_label, global_complete = self.global_scope()
        local: dict[str, tuple[list[str], bool]] = {
            name: self._breadth_first(f"wheel:{name}", member.dynamic)
            for name, member in self._members.items()
        }
        # A library the wheel bundles is loaded into the scope of each module that needs it.
        reached_from: dict[str, list[str]] = {}
        for name, (order, _) in local.items():
            for where in order[1:]:
                reached_from.setdefault(where, []).append(name)
        results = []
        for name, member in self._members.items():
            order, complete = local[name]
            extra = [w for m in reached_from.get(f"wheel:{name}", ()) for w in local[m][0]]
            scope = list(dict.fromkeys([*order, *extra]))
            if member.loaded_by_python:
                complete = complete and global_complete
                scope = list(dict.fromkeys([*global_order, *scope]))
            results.append(self._resolve(name, member, scope, complete, global_order, python_label))
        return results

    def _resolve(
        self,
        name: str,
        member: Member,
        scope: list[str],
        complete: bool,
        global_order: list[str],
        python_label: str | None,
    ) -> Resolution:
        own = f"wheel:{name}"
        providers = [
            _Provider(self._label(where, global_order, python_label), self._table(where))
            for where in scope
            if where != own
        ]
        complete = complete and all(p.table is not None for p in providers)
        bound: dict[str, list[str]] = {}
        unresolved: list[Reference] = []
        for reference in member.table.undefined:
            provider = next(
                (p for p in providers if p.table is not None and p.table.defines(reference)),
                None,
            )
            if provider is None:
                unresolved.append(reference)
            else:
                bound.setdefault(provider.label, []).append(reference.name)
        return Resolution(
            name,
            tuple(p.label for p in providers),
            {label: tuple(sorted(names)) for label, names in bound.items()},
            tuple(unresolved),
            complete,
        )

    @staticmethod
    def _label(where: str, global_order: list[str], python_label: str | None) -> str:
        if global_order and where == global_order[0] and python_label is not None:
            return python_label
        if where.startswith("wheel:"):
            return where
        return PurePosixPath(where).name


def problems(resolution: Resolution) -> list[str]:
    """The one line for a member that uses what nothing it loads with defines (nothing when the
    search was not complete: what is missing is said by :mod:`maturin_cross.checks.linkage`)."""
    if not resolution.checked or not resolution.unresolved:
        return []
    first, *others = resolution.unresolved
    more = ""
    if others:
        shown = ", ".join(r.describe() for r in others[:3])
        more = f" (and {len(others)} more: {shown}{', ...' if len(others) > 3 else ''})"
    python = any(_is_python_name(r.name) for r in resolution.unresolved)
    advice = (
        "build against the target's Python (its headers and sysconfigdata: -C sysconfigdata=..."
        " or PYO3_CROSS_LIB_DIR), or use no abi3 feature newer than it"
        if python
        else "build and link against the sysroot's own libraries (the one linked against is "
        "newer than the target's), or bundle that library in the wheel"
    )
    looked = ", ".join(resolution.looked) or "nothing: it needs no library"
    return [
        f"{resolution.member} uses {first.describe()}{more}, which nothing it loads with "
        f"defines (looked in {looked}): {advice}"
    ]


def _is_python_name(name: str) -> bool:
    return name.startswith(("Py", "_Py"))


def python_names(table: Table) -> Iterable[str]:
    """The names of Python's C API a file leaves to the interpreter (weak ones too)."""
    return (
        name for name in (*(r.name for r in table.undefined), *table.weak) if _is_python_name(name)
    )
