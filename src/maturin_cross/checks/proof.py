"""Will a wheel load on its target? Every ELF member against the target and its sysroot.

The last check before a wheel is handed back, read from the file as it was written: the
checks of :func:`maturin_cross.wheel.contents.read_wheel_inspecting` (zip structure, names,
every RECORD hash and size), :func:`maturin_cross.checks.repair.examine`'s (module names and
suffixes, WHEEL tags against the file name: what ``inspect`` says), and then the loader's: every
ELF member (modules, bundled libraries, programs in ``.data/scripts``) is of the target's kind;
every library it needs is bundled or in the sysroot, of the same kind, and defines every symbol
version it requires (:mod:`maturin_cross.checks.linkage`); a manylinux/musllinux tag is one its
binaries meet (:mod:`maturin_cross.checks.policy`); every symbol a binary leaves undefined is
defined by what the loader searches, the target's Python included
(:mod:`maturin_cross.checks.symbols`), and an abi3 wheel's calls into Python are in the Stable
ABI of the version its tag claims (:mod:`maturin_cross.checks.stable_abi`). All of it in one
pass over the file, each ELF member parsed once for its facts, its loader's view and its symbols
together (they were two parses, each walking every section header, until issue 19). Pure: reads
the wheel and the sysroot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from maturin_cross.checks import elf, isa, libraries, linkage, policy, repair, stable_abi, symbols
from maturin_cross.errors import WheelError
from maturin_cross.target.resolve import Target
from maturin_cross.target.sysconfigdata import SysconfigData
from maturin_cross.target.sysroot import Sysroot, target_library_dirs
from maturin_cross.wheel.contents import WheelContents, read_wheel_inspecting

NO_SYSROOT = (
    "libraries, symbol versions and undefined symbols were not checked: no target sysroot is "
    "known (pass "
    "--sysroot DIR, -C sysroot=DIR or MATURIN_CROSS_SYSROOT)"
)


@dataclass(frozen=True)
class Proof:
    """What was found, and what is wrong (one line each)."""

    sysroot: Sysroot | None
    reports: tuple[linkage.Report, ...]
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    changes: tuple[str, ...]
    """What :func:`maturin_cross.checks.repair.examine` would still change: nothing, for a wheel
    that was corrected."""
    contents: WheelContents
    """The wheel as the one pass read it."""
    facts: Mapping[str, elf.ElfInfo | elf.ElfError]
    """Each ELF member's facts (or why it has none), and each shared object's, from that pass."""
    symbols: tuple[symbols.Resolution, ...] = ()
    """Who defines what each ELF member leaves undefined (with a sysroot)."""
    instruction_sets: Mapping[str, isa.Isa | None] = field(default_factory=dict)
    """What each ELF member needs of the instruction set (None: its toolchain recorded
    nothing) (:mod:`maturin_cross.checks.isa`)."""
    baseline: isa.Baseline | None = None
    """What the sysroot's C library was built for."""


@dataclass(frozen=True)
class _Binary:
    """What one member is to a loader: its ELF facts (always, for a shared object's name: why
    it is not one, if it is not) and its dynamic section (or why it cannot be read)."""

    facts: elf.ElfInfo | elf.ElfError
    dynamic: linkage.Dynamic | str | None
    table: symbols.Table | str | None = None
    """Its dynamic symbols (or why they cannot be read)."""
    needs: isa.Isa | None = None


def _binary(stream: BinaryIO, size: int, name: str) -> _Binary | None:
    """What one member is to a loader, from one opening of it: its ELF facts and its dynamic
    section are read from the same parse, under one budget of reads
    (:func:`maturin_cross.checks.elf.parse`)."""
    is_elf = elf.is_elf(stream.read(4))
    if not is_elf and not repair.is_shared_object(name):
        return None
    try:
        parsed = elf.open_elf(stream, size, name)
        facts: elf.ElfInfo | elf.ElfError = elf.facts_of(parsed, size, name)
    except elf.ElfError as err:
        return _Binary(err, None)
    needs = isa.needs_of(parsed)
    try:
        dynamic: linkage.Dynamic | str = linkage.dynamic_of(parsed, name)
    except WheelError as err:
        return _Binary(facts, str(err), needs=needs)
    try:
        return _Binary(facts, dynamic, symbols.read(parsed), needs)
    except elf.PARSE_ERRORS as err:
        return _Binary(facts, dynamic, str(linkage.unreadable(name, err)), needs)


def read(
    path: Path, *, max_unpacked: int | None = None
) -> tuple[WheelContents, dict[str, _Binary | None]]:
    """Read and verify the wheel at ``path`` in one pass, looking into every member as a loader
    would (:func:`_binary`): what a fix is planned from, and what the proof of the wheel it
    writes is made from (:func:`prove_written`)."""
    return read_wheel_inspecting(
        path, lambda name: not name.endswith("/"), _binary, max_unpacked=max_unpacked
    )


def shared_objects(looked: Mapping[str, _Binary | None]) -> dict[str, elf.ElfInfo | elf.ElfError]:
    """Each shared object's ELF facts (or why it has none), from what :func:`read` found: what
    :func:`maturin_cross.checks.repair.examine` plans from."""
    return {
        name: binary.facts
        for name, binary in looked.items()
        if binary is not None and repair.is_shared_object(name)
    }


def prove(
    path: Path,
    target: Target,
    sysroot: Sysroot | None,
    *,
    max_unpacked: int | None = None,
    python: SysconfigData | None = None,
) -> Proof:
    """Check the wheel at ``path`` for ``target``, against ``sysroot`` when one is known;
    ``python`` is the target's sysconfigdata, which says where its interpreter is."""
    contents, looked = read(path, max_unpacked=max_unpacked)
    return _prove(contents, looked, target, sysroot, python)


def prove_written(
    written: WheelContents,
    looked: Mapping[str, _Binary | None],
    old_names: Mapping[str, str],
    target: Target,
    sysroot: Sysroot | None,
    python: SysconfigData | None = None,
) -> Proof:
    """Check a wheel this process has just written, without reading it again: ``written`` is
    it as :func:`maturin_cross.wheel.rewrite.rewrite_wheel_checked` checked it, ``looked``
    what :func:`read` found in the wheel it was written from, ``old_names`` the members renamed
    on the way (new name -> old: :attr:`maturin_cross.wheel.rewrite.Written.old_names`)."""
    found = {name: looked.get(old_names.get(name, name)) for name in written.entries}
    return _prove(written, found, target, sysroot, python)


def _prove(
    contents: WheelContents,
    looked: Mapping[str, _Binary | None],
    target: Target,
    sysroot: Sysroot | None,
    python: SysconfigData | None,
) -> Proof:
    """The proof, from a wheel's verified contents and what each member is to a loader."""
    found = {name: binary for name, binary in looked.items() if binary is not None}
    elves = {name: b.facts for name, b in found.items() if repair.is_shared_object(name)}
    plan = repair.examine(contents, target, elves)
    problems: list[str] = list(plan.problems)
    binaries: dict[str, linkage.Dynamic] = {}
    tables: dict[str, symbols.Table] = {}
    for name, binary in found.items():
        if isinstance(binary.facts, elf.ElfError):
            if not repair.is_shared_object(name):  # examine said it for shared objects
                problems.append(str(binary.facts))
            continue
        if isinstance(binary.dynamic, str):
            problems.append(binary.dynamic)
        elif binary.dynamic is not None:
            binaries[name] = binary.dynamic
            if isinstance(binary.table, str):
                problems.append(binary.table)
            elif binary.table is not None:
                tables[name] = binary.table
        if not repair.is_shared_object(name):  # programs and other ELF files
            problems += elf.check_fits(binary.facts, target.elf, name, target.rust_target)
    dirs = target_library_dirs(sysroot, target) if sysroot is not None else []
    # each sysroot library read once (and kept in the sysroot's cache) for all the checks below
    files = libraries.Files(sysroot.cache if sysroot is not None else None)
    reports = linkage.check_binaries(
        binaries, sysroot=sysroot, library_dirs=dirs, read=files.dynamic
    )
    for report in reports:
        problems += report.problems
    problems += policy.check_tags(
        ((r, binaries[r.member]) for r in reports), sorted({t.platform for t in contents.tags})
    )
    problems += stable_abi.check_wheel(tables, contents.tags)
    resolutions: list[symbols.Resolution] = []
    notes: list[str] = [] if sysroot is not None or not binaries else [NO_SYSROOT]
    if sysroot is not None and tables:
        resolutions, note = _resolve(tables, binaries, sysroot, dirs, target, python, files)
        notes += note
        refused = {r.member for r in reports if r.problems}  # a library or version missing
        for resolution in resolutions:
            if resolution.member not in refused:
                problems += symbols.problems(resolution)
    needs = {name: found[name].needs for name in binaries}
    base = (
        isa.baseline(sysroot, dirs, target.elf, files.needs)
        if sysroot is not None and needs
        else None
    )
    for name, need in needs.items():
        problems += isa.check(name, need, base, target.rust_target)
    unrecorded = isa.note(needs, base)
    notes += [unrecorded] if unrecorded else []
    facts = {name: binary.facts for name, binary in found.items()}
    return Proof(
        sysroot,
        tuple(reports),
        tuple(problems),
        tuple(notes),
        tuple(plan.changes),
        contents,
        facts,
        tuple(resolutions),
        needs,
        base,
    )


def _resolve(
    tables: Mapping[str, symbols.Table],
    binaries: Mapping[str, linkage.Dynamic],
    sysroot: Sysroot,
    dirs: list[str],
    target: Target,
    python: SysconfigData | None,
    files: libraries.Files,
) -> tuple[list[symbols.Resolution], list[str]]:
    """Who defines what each ELF member leaves undefined, and a note when the target's Python
    was not found (the modules' symbols are then not checked)."""
    interpreter = symbols.interpreter_of(python, target.python)
    members = {
        name: symbols.Member(binaries[name], table, repair.is_shared_object(name))
        for name, table in tables.items()
    }
    resolver = symbols.Resolver(
        members, sysroot=sysroot, library_dirs=dirs, interpreter=interpreter, files=files
    )
    resolutions = resolver.resolve()
    if any(m.loaded_by_python for m in members.values()) and resolver.global_scope()[1] is None:
        looked = ", ".join(interpreter.paths) if interpreter else "no target Python is known"
        return resolutions, [
            f"the undefined symbols of the extension modules were not checked: the target's "
            f"Python is not in {sysroot.root} (looked for {looked})"
        ]
    return resolutions, []
