"""Will a wheel load on its target? Every ELF member against the target and its sysroot.

The last check before a wheel is handed back, after :mod:`maturin_cross.repair` made its names
and tags right: every ELF member (modules, bundled libraries, programs in ``.data/scripts``) is of
the target's kind; every library it needs is bundled or in the sysroot, of the same kind, and
defines every symbol version it requires (:mod:`maturin_cross.linkage`); a manylinux/musllinux tag
is one its binaries meet (:mod:`maturin_cross.policy`). Pure: reads the wheel and the sysroot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from maturin_cross import elf, linkage, policy, wheel
from maturin_cross.errors import ConfigError, ElfError, WheelError
from maturin_cross.settings import Settings
from maturin_cross.sysconfigdata import SysconfigData
from maturin_cross.sysroot import Sysroot, inferred_from_sysconfigdata, target_library_dirs
from maturin_cross.target import Target

NO_SYSROOT = (
    "libraries and symbol versions were not checked: no target sysroot is known (pass "
    "--sysroot DIR, -C sysroot=DIR or MATURIN_CROSS_SYSROOT)"
)


@dataclass(frozen=True)
class Proof:
    """What was found, and what is wrong (one line each)."""

    sysroot: Sysroot | None
    reports: tuple[linkage.Report, ...]
    problems: tuple[str, ...]
    notes: tuple[str, ...]


def sysroot_for(settings: Settings, data: SysconfigData | None, cwd: Path) -> Sysroot | None:
    """The sysroot the settings name, else the one the target's sysconfigdata sits in."""
    given = settings.sourced("sysroot")
    if given is not None:
        path = Path(given.value).expanduser()
        path = path if path.is_absolute() else cwd / path
        if not path.is_dir():
            raise ConfigError(
                f"sysroot {given.value} (from {given.origin}) is not a folder; name the target's "
                f"root file system (the folder holding its usr/lib)"
            )
        return Sysroot(path.resolve(), str(given.origin))
    if data is None:
        return None
    return inferred_from_sysconfigdata(data.path, data.get_str("LIBDEST"))


def _dynamic_or_none(stream: BinaryIO, size: int, name: str) -> linkage.Dynamic | str | None:
    del size
    if stream.read(4) != b"\x7fELF":
        return None
    stream.seek(0)
    try:
        return linkage.read_dynamic(stream, name)
    except WheelError as err:
        return str(err)


def _facts_or_error(stream: BinaryIO, size: int, name: str) -> elf.ElfInfo | str | None:
    if stream.read(4) != b"\x7fELF":
        return None
    try:
        return elf.read_elf_stream(stream, size, name)
    except ElfError as err:
        return str(err)


def _is_shared_object_name(name: str) -> bool:
    return ".so" in PurePosixPath(name).name


def prove(path: Path, target: Target, sysroot: Sysroot | None) -> Proof:
    """Check the wheel at ``path`` for ``target``, against ``sysroot`` when one is known."""
    contents, found = wheel.read_wheel_inspecting(
        path, lambda name: not name.endswith("/"), _dynamic_or_none
    )
    problems: list[str] = []
    binaries: dict[str, linkage.Dynamic] = {}
    for name, result in found.items():
        if isinstance(result, str):
            problems.append(result)
        elif result is not None:
            binaries[name] = result
    # Shared objects were checked against the target by repair; programs and other ELF files
    # are checked here.
    for name in binaries:
        if _is_shared_object_name(name):
            continue
        with contents.open(name) as stream:
            facts = _facts_or_error(stream, contents.size(name), name)
        if isinstance(facts, str):
            problems.append(facts)
        elif facts is not None:
            problems += elf.check_fits(facts, target.elf, name, target.rust_target)
    dirs = target_library_dirs(sysroot, target) if sysroot is not None else []
    reports = linkage.check_binaries(binaries, sysroot=sysroot, library_dirs=dirs)
    for report in reports:
        problems += report.problems
    for tag in sorted({t.platform for t in contents.tags}):
        problems += policy.check(((r, binaries[r.member]) for r in reports), tag)
    notes = () if sysroot is not None or not binaries else (NO_SYSROOT,)
    return Proof(sysroot, tuple(reports), tuple(problems), notes)
