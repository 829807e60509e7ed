"""Will the target's dynamic loader find what a binary needs? Libraries and symbol versions.

Pure: reads ELF files (a wheel's members, a sysroot's libraries) with pyelftools; no process.

For each ``DT_NEEDED`` the search is the loader's: ``DT_RPATH`` (when there is no
``DT_RUNPATH``), ``DT_RUNPATH``, then the folders of the sysroot's ``ld.so.conf`` and the
defaults (:func:`maturin_cross.target.sysroot.library_dirs`); ``$ORIGIN`` is the binary's own
folder,
inside the wheel. A candidate of another machine, class, byte order or ABI is passed over, as the
loader does. Every version the binary requires of a library (``DT_VERNEED``: ``GLIBC_2.34``,
``GLIBCXX_3.4.30``, ``OPENSSL_3.0.0``) must be defined (``DT_VERDEF``) by the library found.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from elftools.elf.dynamic import DynamicSection, DynamicSegment
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection
from elftools.elf.sections import Section
from elftools.elf.segments import InterpSegment

from maturin_cross.checks.elf import PARSE_ERRORS, abi_of, parse, parse_error_detail
from maturin_cross.errors import WheelError
from maturin_cross.target.arches import ElfFacts
from maturin_cross.target.sysroot import Sysroot

_VER_FLG_BASE = 0x1
"""A version definition that names the file itself, not a version."""


@dataclass(frozen=True)
class Dynamic:
    """What an ELF file says to the loader."""

    kind: ElfFacts
    """The facts by which a loader accepts or passes over a library."""
    needed: tuple[str, ...] = ()
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()
    soname: str | None = None
    interpreter: str | None = None
    required: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Library file name -> the versions required of it."""
    defined: tuple[str, ...] = ()
    """The versions this file defines."""


def read_dynamic(stream: BinaryIO, name: str) -> Dynamic:
    """The loader's view of an ELF file; pyelftools reads only the headers and the sections it
    is asked for, in time proportional to the file's size (:func:`maturin_cross.checks.elf.parse`).
    Raises WheelError naming ``name`` when the file is not a readable ELF file."""
    try:
        size = stream.seek(0, io.SEEK_END)
        return dynamic_of(parse(stream, size), name)
    except PARSE_ERRORS as err:
        raise unreadable(name, err) from None


def read_file(host: Path) -> Dynamic:
    """:func:`read_dynamic` of a sysroot's file; raises WheelError or OSError."""
    with host.open("rb") as stream:
        return read_dynamic(stream, str(host))


ReadFile = Callable[[Path], Dynamic]
"""How a lookup reads a sysroot's file: :func:`read_file`, or a reader that keeps what it read
(:class:`maturin_cross.checks.symbols.Files`), raising WheelError or OSError."""


def dynamic_of(elf: ELFFile, name: str) -> Dynamic:
    """:func:`read_dynamic` of a file :func:`maturin_cross.checks.elf.parse` opened (the proof
    asks it and :func:`maturin_cross.checks.elf.facts_of` of one opening)."""
    try:
        return _read(elf)
    except PARSE_ERRORS as err:
        raise unreadable(name, err) from None


def unreadable(name: str, err: BaseException) -> WheelError:
    """The one line for a file whose loader's view cannot be read."""
    detail = parse_error_detail(err)
    return WheelError(f"{name}: not a readable ELF file ({detail}); rebuild it")


def _read(elf: ELFFile) -> Dynamic:
    kind = ElfFacts(str(elf["e_machine"]), elf.elfclass, elf.little_endian, abi_of(elf))
    needed: list[str] = []
    rpath: list[str] = []
    runpath: list[str] = []
    soname = None
    sections = list(elf.iter_sections())  # walked once: each walk parses every header again
    dynamic = _dynamic(elf, sections)
    if dynamic is not None:
        for tag in dynamic.iter_tags():
            kind_of = tag.entry.d_tag
            if not isinstance(kind_of, str):
                continue  # a tag pyelftools has no name for (DT_PPC64_OPT): not the loader's search
            # pyelftools names the string of a tag after the tag: tag.needed, tag.runpath.
            text = str(getattr(tag, kind_of[3:].lower(), ""))
            if kind_of == "DT_NEEDED":
                needed.append(text)
            elif kind_of == "DT_RPATH":
                rpath += text.split(":")
            elif kind_of == "DT_RUNPATH":
                runpath += text.split(":")
            elif kind_of == "DT_SONAME":
                soname = text
    interpreter = None
    for segment in elf.iter_segments():
        if isinstance(segment, InterpSegment):
            interpreter = str(segment.get_interp_name())
    required: dict[str, tuple[str, ...]] = {}
    defined: list[str] = []
    for section in sections:
        if isinstance(section, GNUVerNeedSection):
            for verneed, auxiliaries in section.iter_versions():
                required[str(verneed.name)] = tuple(str(aux.name) for aux in auxiliaries)
        elif isinstance(section, GNUVerDefSection):
            for verdef, auxiliaries in section.iter_versions():
                if not verdef["vd_flags"] & _VER_FLG_BASE:
                    defined += [str(aux.name) for aux in auxiliaries][:1]
    return Dynamic(
        kind,
        tuple(needed),
        tuple(p for p in rpath if p),
        tuple(p for p in runpath if p),
        soname,
        interpreter,
        required,
        tuple(defined),
    )


def _dynamic(elf: ELFFile, sections: list[Section]) -> DynamicSection | DynamicSegment | None:
    for section in sections:
        if isinstance(section, DynamicSection):
            return section
    for segment in elf.iter_segments():
        if isinstance(segment, DynamicSegment):
            return segment
    return None


# ------------------------------------------------------------------------------------------------
# Finding what a binary needs


@dataclass(frozen=True)
class Found:
    need: str
    where: str
    """``wheel:NAME`` for a bundled library, else its target path in the sysroot."""


@dataclass(frozen=True)
class Report:
    """One binary's needs: where each was found, and what is wrong, one line per problem."""

    member: str
    found: tuple[Found, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    where: str
    dynamic: Dynamic


# What to install for a library a target image lacks: (Yocto recipe, Debian package) by soname.
# Common ones only; for others the message says to add the package that provides it.
_PROVIDERS = {
    "libssl.so.3": ("openssl", "libssl3"),
    "libcrypto.so.3": ("openssl", "libssl3"),
    "libz.so.1": ("zlib", "zlib1g"),
    "libffi.so.8": ("libffi", "libffi8"),
    "libstdc++.so.6": ("gcc-runtime", "libstdc++6"),
    "libgcc_s.so.1": ("libgcc", "libgcc-s1"),
    "libsqlite3.so.0": ("sqlite3", "libsqlite3-0"),
    "libbz2.so.1.0": ("bzip2", "libbz2-1.0"),
    "liblzma.so.5": ("xz", "liblzma5"),
    "libexpat.so.1": ("expat", "libexpat1"),
    "libzstd.so.1": ("zstd", "libzstd1"),
    "libdbus-1.so.3": ("dbus", "libdbus-1-3"),
}


def _install_hint(need: str) -> str:
    if need in _PROVIDERS:
        recipe, package = _PROVIDERS[need]
        return f'add it to the image (Yocto: DEPENDS += "{recipe}"; Debian: {package})'
    return "add the package that provides it to the image, or bundle it in the wheel"


def _origin_dirs(paths: Sequence[str], member: str) -> tuple[list[str], list[str]]:
    """RPATH/RUNPATH entries split into folders inside the wheel (``$ORIGIN``) and target
    paths in the sysroot."""
    origin = PurePosixPath(member).parent
    in_wheel: list[str] = []
    in_sysroot: list[str] = []
    for path in paths:
        expanded = re.sub(r"\$(ORIGIN|\{ORIGIN\})", str(origin), path)
        if expanded != path:
            parts: list[str] = []
            for part in PurePosixPath(expanded).parts:
                if part == "..":
                    if parts:
                        parts.pop()
                elif part not in (".", ""):
                    parts.append(part)
            in_wheel.append("/".join(parts))
        elif path.startswith("/"):
            in_sysroot.append(path)
    return in_wheel, in_sysroot


def check(
    member: str,
    dynamic: Dynamic,
    *,
    sysroot: Sysroot | None,
    library_dirs: Sequence[str],
    in_wheel: Mapping[str, Dynamic],
    read: ReadFile = read_file,
) -> Report:
    """Where each of ``member``'s needs is found, and every missing library or version. A
    library must be of the binary's own kind."""
    found: list[Found] = []
    problems: list[str] = []
    search = Search.of(member, dynamic, sysroot=sysroot, library_dirs=library_dirs)
    providers: dict[str, Library] = {}
    for need in dynamic.needed:
        library, passed_over = search.find(need, in_wheel, read)
        if library is None and sysroot is not None:
            why = f" (passed over {'; '.join(passed_over)})" if passed_over else ""
            problems.append(
                f"{member} needs {need}, which {sysroot.root} does not have{why}; "
                f"{_install_hint(need)}"
            )
        if library is not None:
            providers[need] = library
            found.append(Found(need, library.where))
    for library_name, versions in dynamic.required.items():
        provider = providers.get(library_name)
        if provider is None:
            continue
        missing = [v for v in versions if v not in provider.dynamic.defined]
        for version in missing:
            problems.append(_version_problem(member, version, library_name, provider))
    if (
        dynamic.interpreter
        and sysroot is not None
        and not sysroot.host_path(dynamic.interpreter).is_file()
    ):
        problems.append(
            f"{member} is run by the loader {dynamic.interpreter}, which {sysroot.root} "
            f"does not have; build with the target's toolchain (is it the right C library?)"
        )
    return Report(member, tuple(found), tuple(problems))


def _version_key(version: str) -> tuple[str, tuple[int, ...]]:
    match = re.fullmatch(r"([A-Za-z_]+?)_?((?:\d+\.)*\d+)", version)
    if match is None:
        return version, ()
    return match.group(1), tuple(int(n) for n in match.group(2).split("."))


def _version_problem(member: str, version: str, library_name: str, provider: Library) -> str:
    family, _ = _version_key(version)
    same = sorted(
        (
            v
            for v in provider.dynamic.defined
            if _version_key(v)[0] == family and _version_key(v)[1]
        ),
        key=lambda v: _version_key(v)[1],
    )
    defines = f"defines up to {same[-1]}" if same else "does not define it"
    return (
        f"{member} needs {version} from {library_name}; the target's {library_name} "
        f"({provider.where}) {defines}: build with the target's toolchain or sysroot"
    )


@dataclass(frozen=True)
class Search:
    """Where the loader looks for the libraries one binary needs: the wheel's folders its
    ``$ORIGIN`` paths name, then the sysroot's (its own RPATH/RUNPATH, then the loader's). The
    one lookup, for :func:`check` and for :mod:`maturin_cross.checks.symbols`."""

    kind: ElfFacts
    wheel_dirs: tuple[str, ...]
    sysroot_dirs: tuple[str, ...]
    sysroot: Sysroot | None

    @classmethod
    def of(
        cls,
        member: str,
        dynamic: Dynamic,
        *,
        sysroot: Sysroot | None,
        library_dirs: Sequence[str],
    ) -> Search:
        """The search for ``member`` (a wheel's member, or a sysroot library's target path)."""
        search = dynamic.rpath if not dynamic.runpath else ()
        wheel_rpath, sysroot_rpath = _origin_dirs((*search, *dynamic.runpath), member)
        return cls(dynamic.kind, tuple(wheel_rpath), (*sysroot_rpath, *library_dirs), sysroot)

    def find(
        self, need: str, in_wheel: Mapping[str, Dynamic], read: ReadFile = read_file
    ) -> tuple[Library | None, list[str]]:
        """The library the loader would load for ``need``, and the candidates it passed over."""
        library = _find_in_wheel(need, self.wheel_dirs, in_wheel, self.kind)
        if library is not None or self.sysroot is None:
            return library, []
        return _find_in_sysroot(need, self.sysroot, self.sysroot_dirs, self.kind, read)


def _find_in_wheel(
    need: str, folders: Sequence[str], in_wheel: Mapping[str, Dynamic], expected: ElfFacts
) -> Library | None:
    for folder in folders:
        name = f"{folder}/{need}" if folder else need
        dynamic = in_wheel.get(name)
        if dynamic is not None and dynamic.kind == expected:
            return Library(f"wheel:{name}", dynamic)
    return None


def _find_in_sysroot(
    need: str, sysroot: Sysroot, folders: Sequence[str], expected: ElfFacts, read: ReadFile
) -> tuple[Library | None, list[str]]:
    passed_over: list[str] = []
    for folder in folders:
        target_path = f"{folder.rstrip('/')}/{need}"
        host = sysroot.host_path(target_path)
        if not host.is_file():
            continue
        try:
            dynamic = read(host)
        except (WheelError, OSError):
            passed_over.append(f"{target_path}: not a readable ELF file")
            continue
        if dynamic.kind != expected:
            passed_over.append(f"{target_path}: {dynamic.kind.describe()}")
            continue
        return Library(target_path, dynamic), passed_over
    return None, passed_over


def check_binaries(
    binaries: Mapping[str, Dynamic],
    *,
    sysroot: Sysroot | None,
    library_dirs: Sequence[str],
    read: ReadFile = read_file,
) -> list[Report]:
    """A report for each of a wheel's ELF files (modules, bundled libraries, programs), by
    member name; bundled libraries are found among them."""
    return [
        check(
            name, dynamic, sysroot=sysroot, library_dirs=library_dirs, in_wheel=binaries, read=read
        )
        for name, dynamic in binaries.items()
    ]
