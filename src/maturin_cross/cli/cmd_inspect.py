"""``maturin-cross inspect``: the resolved target, or what a wheel or an ELF file holds.

For a file, :func:`examine` reads and checks it and returns a :class:`Finding`; :func:`show`
prints one. Exit 0: everything read is fine (for the target, when one is named); 1: something
would not load or is refused; 2: not a wheel nor an ELF file.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturin_cross.cli import options

if TYPE_CHECKING:
    from collections.abc import Mapping

    from maturin_cross.checks.elf import ElfInfo
    from maturin_cross.errors import ElfError
    from maturin_cross.pipeline.planning import Aim
    from maturin_cross.target.resolve import Target
    from maturin_cross.wheel.contents import WheelContents


def add(commands: Any) -> None:
    inspect = commands.add_parser(
        "inspect", help="show the resolved target, or what a wheel or .so holds"
    )
    inspect.add_argument("path", nargs="?", type=Path, metavar="WHEEL_OR_SO")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument(
        "--symbols",
        action="store_true",
        help="with --sysroot: list every symbol each binary leaves to others, under the library "
        "that defines it (without it: how many each defines)",
    )
    options.add_unpacked_size_option(inspect)
    options.add_target_options(inspect)
    inspect.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.path is not None:
        return show_file(examine(args), as_json=args.json, every_symbol=args.symbols)
    return show_target(options.aim(options.settings(args)).target, as_json=args.json)


# ------------------------------------------------------------------------------------------------
# the target


def target_json(target: Target) -> dict[str, Any]:
    python = target.python
    elf = target.elf
    return {
        "rust_target": target.rust_target,
        "multiarch": target.rust.multiarch.in_soabi,
        "ext_suffix": target.expected_ext_suffix,
        "platform_tag": target.platform_tag,
        "python_tag": python.python_tag if python else None,
        "abi_tag": python.abi_tag if python else None,
        "python_version": python.version_text if python else None,
        "abiflags": python.abiflags if python else None,
        "free_threaded": python.free_threaded if python else None,
        "implementation": python.implementation if python else None,
        "pointer_width": target.pointer_width,
        "machine": target.rust.machine,
        "elf": {
            "machine": elf.machine,
            "bits": elf.bits,
            "endianness": "little" if elf.little_endian else "big",
            "abi": elf.abi,
        },
        "sysconfigdata": target.sysconfigdata,
        "sources": {key: str(origin) for key, origin in target.sources.items()},
        "notes": list(target.notes),
    }


def show_target(target: Target, *, as_json: bool) -> int:
    data = target_json(target)
    if as_json:
        print(json.dumps(data, indent=2))
        return 0
    width = max(len(k) for k in data)
    for key, value in data.items():
        if key in ("sources", "notes", "elf"):
            continue
        source = data["sources"].get(key)
        options.show(
            f"{key:<{width}}  {value if value is not None else '-'}"
            + (f"    ({source})" if source else "")
        )
    options.show(f"{'elf':<{width}}  {target.elf.describe()}")
    for note in target.notes:
        options.show(f"note: {note}")
    return 0


# ------------------------------------------------------------------------------------------------
# a file


@dataclass(frozen=True)
class Finding:
    """What a wheel or an ELF file holds and, given a target, what is wrong with it for that
    target: the value ``inspect FILE`` shows (as text or as JSON)."""

    name: str
    """The wheel's file name, or the ELF file's path."""
    is_wheel: bool
    objects: tuple[tuple[str, ElfInfo | str], ...]
    """Each shared object, with its ELF facts or why they cannot be read."""
    tags: tuple[str, ...] = ()
    target: str | None = None
    problems: tuple[str, ...] | None = None
    """None: nothing was checked (no target, and all was read)."""
    changes: tuple[str, ...] | None = None
    sysroot: str | None = None
    needs: dict[str, dict[str, str]] | None = None
    notes: tuple[str, ...] | None = None
    checked: bool = False
    """A target was named and the file checked against it."""
    symbols: dict[str, SymbolsFound] | None = None
    """Member -> who defines what it leaves to others (with a sysroot)."""
    instruction_sets: dict[str, str | None] | None = None
    """Each ELF member's instruction-set needs as its toolchain recorded them (None: nothing)."""
    baseline: tuple[str, str | None] | None = None
    """The target's C library and what it was built for (None: it records nothing)."""


@dataclass(frozen=True)
class SymbolsFound:
    """What one binary leaves to others: the symbols each library (or the target's Python)
    defines for it, and those nothing defines."""

    bound: dict[str, tuple[str, ...]]
    unresolved: tuple[str, ...]
    checked: bool
    """False when the search was not complete (nothing is refused then)."""


def what_file(path: Path) -> str:
    """``wheel`` or ``elf``, by the name and the first bytes; UsageError for anything else."""
    from maturin_cross.checks import elf
    from maturin_cross.errors import UsageError
    from maturin_cross.support import files
    from maturin_cross.support.text import shown

    what = "name a wheel (.whl) or an ELF file (.so)"
    try:
        files.check_regular(path)
        if path.suffix == ".whl":
            return "wheel"
        with files.open_regular(path) as stream:
            head = stream.read(4)
    except FileNotFoundError:
        raise UsageError(f"{shown(path)}: no such file; {what}") from None
    except files.NotRegularFile as err:
        if err.kind == "a folder":
            raise UsageError(f"{shown(path)}: is a folder; {what}") from None
        raise UsageError(f"{shown(path)}: {files.why(err)}; {what}") from None
    except OSError as err:
        raise UsageError(f"{shown(path)}: cannot be read ({files.why(err)}); {what}") from None
    if elf.is_elf(head) or ".so" in path.name:
        return "elf"  # a .so that is not ELF: what it is, is the finding
    raise UsageError(
        f"{shown(path)}: neither a wheel nor an ELF file (it starts with {head!r}); {what}"
    )


def examine(args: argparse.Namespace) -> Finding:
    """Read the file ``args.path`` names and check it against the target the options name, if
    they name one."""
    path: Path = args.path
    kind = what_file(path)
    settings = options.settings(args)
    limit = settings.max_unpacked_bytes
    named = options.names_target(args) or bool(os.environ.get("MATURIN_CROSS_SYSCONFIGDATA"))
    aimed = options.aim(settings) if named else None
    if kind == "wheel":
        return _examine_wheel(path, aimed, limit)
    return _examine_elf(path, aimed)


def _examine_wheel(path: Path, aimed: Aim | None, limit: int | None) -> Finding:
    """A wheel, read once: by the proof when there is a target, else for its shared objects."""
    from maturin_cross.checks import proof, repair

    if aimed is None:
        contents, elves = repair.read(path, max_unpacked=limit)
        objects = _shared_objects(contents, elves)
        tags = tuple(sorted(str(t) for t in contents.tags))
        # Without a target, what cannot be read is the finding.
        unread = tuple(info for _, info in objects if isinstance(info, str))
        return Finding(contents.filename, True, objects, tags, problems=unread or None)
    target = aimed.target
    checked = proof.prove(
        path, target, aimed.sysroot, max_unpacked=limit, python=aimed.sysconfigdata
    )
    contents = checked.contents
    return Finding(
        contents.filename,
        True,
        _shared_objects(contents, checked.facts),
        tuple(sorted(str(t) for t in contents.tags)),
        target=target.rust_target,
        problems=checked.problems,
        changes=checked.changes,
        sysroot=str(checked.sysroot.root) if checked.sysroot else None,
        needs={r.member: {f.need: f.where for f in r.found} for r in checked.reports},
        notes=checked.notes,
        checked=True,
        symbols={
            r.member: SymbolsFound(
                dict(r.bound), tuple(ref.describe() for ref in r.unresolved), r.checked
            )
            for r in checked.symbols
        },
        instruction_sets={
            member: needs.describe() if needs else None
            for member, needs in checked.instruction_sets.items()
        },
        baseline=(
            (
                checked.baseline.where,
                checked.baseline.isa.describe() if checked.baseline.isa else None,
            )
            if checked.baseline
            else None
        ),
    )


def _shared_objects(
    contents: WheelContents, facts: Mapping[str, ElfInfo | ElfError]
) -> tuple[tuple[str, ElfInfo | str], ...]:
    """Every member named like a shared object, with its ELF facts or why it has none: from what
    the pass over the wheel read, else (a member it had no reason to open) read now."""
    from maturin_cross.checks import repair
    from maturin_cross.errors import ElfError

    objects: list[tuple[str, ElfInfo | str]] = []
    for member in contents.entries:
        if ".so" not in Path(member).name:
            continue
        found = facts.get(member)
        if found is None:
            try:
                found = repair.read_member_elf(contents, member)
            except ElfError as err:
                found = err
        objects.append((member, str(found) if isinstance(found, ElfError) else found))
    return tuple(objects)


def _examine_elf(path: Path, aimed: Aim | None) -> Finding:
    from maturin_cross.checks import elf
    from maturin_cross.errors import ElfError, UsageError
    from maturin_cross.support import files
    from maturin_cross.support.text import shown

    try:
        with files.open_regular(path) as stream:
            info = elf.read_elf_stream(stream, os.fstat(stream.fileno()).st_size, shown(path))
    except OSError as err:
        raise UsageError(
            f"{shown(path)}: cannot be read ({files.why(err)}); check the path"
        ) from None
    except ElfError as err:
        # What the file is, is the finding: exit 1 as for a refused wheel.
        return Finding(str(path), False, ((path.name, str(err)),), problems=(str(err),))
    if aimed is None:
        return Finding(str(path), False, ((path.name, info),))
    target = aimed.target
    problems = elf.check_fits(info, target.elf, shown(path), target.rust_target)
    return Finding(
        str(path),
        False,
        ((path.name, info),),
        target=target.rust_target,
        problems=tuple(problems),
        checked=True,
    )


def finding_json(finding: Finding) -> dict[str, Any]:
    """The finding as ``--json`` shows it."""
    report: dict[str, Any] = (
        {"wheel": finding.name, "tags": list(finding.tags)}
        if finding.is_wheel
        else {"file": finding.name}
    )
    report["shared_objects"] = [_object_json(member, info) for member, info in finding.objects]
    if finding.target is not None:
        report["target"] = finding.target
    if finding.problems is not None:
        report["problems"] = list(finding.problems)
    if finding.is_wheel and finding.checked:
        report["changes"] = list(finding.changes or ())
        report["sysroot"] = finding.sysroot
        report["needs"] = finding.needs or {}
        report["notes"] = list(finding.notes or ())
        report["symbols"] = {
            member: {
                "bound": {who: list(names) for who, names in found.bound.items()},
                "unresolved": list(found.unresolved),
                "checked": found.checked,
            }
            for member, found in (finding.symbols or {}).items()
        }
        report["instruction_sets"] = finding.instruction_sets or {}
        report["baseline"] = (
            {"library": finding.baseline[0], "instruction_set": finding.baseline[1]}
            if finding.baseline
            else None
        )
    return report


def _object_json(member: str, info: ElfInfo | str) -> dict[str, Any]:
    if isinstance(info, str):
        return {"path": member, "error": info}
    return {
        "path": member,
        "elf": info.describe(),
        "machine": info.machine,
        "bits": info.bits,
        "endianness": "little" if info.little_endian else "big",
        "abi": info.abi,
        "pyinit": list(info.pyinit_symbols),
    }


def show_file(finding: Finding, *, as_json: bool, every_symbol: bool = False) -> int:
    """Print the finding (``every_symbol``: each symbol a binary leaves to others, not only how
    many each library defines); the exit code: 1 when it has problems."""
    report = finding_json(finding)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        from maturin_cross.support.text import shown

        say = options.show
        say(shown(finding.name))
        if finding.is_wheel:
            say("  tags: " + ", ".join(finding.tags))
        for obj in report["shared_objects"]:
            detail = obj.get("error") or f"{obj['elf']}; PyInit: {', '.join(obj['pyinit']) or '-'}"
            say(f"  {shown(obj['path'])}: {detail}")
        if finding.sysroot:
            say(f"  libraries, looked up in {shown(finding.sysroot)}:")
        for member, needs in (finding.needs or {}).items():
            for need, where in needs.items():
                say(f"    {shown(member)} needs {shown(need)}: {where}")
        _show_symbols(finding.symbols or {}, every_symbol)
        if finding.baseline:
            library, built_for = finding.baseline
            say(f"  instruction set; the target's {shown(library)}: {built_for or 'not recorded'}")
            for member, isa in (finding.instruction_sets or {}).items():
                say(f"    {shown(member)} needs {isa or 'not recorded'}")
        for line in finding.problems or ():
            say(f"  problem: {line}")
        for line in finding.changes or ():
            say(f"  would change: {line}")
        for line in finding.notes or ():
            say(f"  note: {line}")
    return 1 if finding.problems else 0


def _show_symbols(found: Mapping[str, SymbolsFound], every_symbol: bool) -> None:
    """Per binary: who defines what it leaves to others (counts, or each name), and what
    nothing defines."""
    from maturin_cross.support.text import quoted, shown

    say = options.show
    if found:
        say("  symbols left to others, by who defines them:")
    for member, symbols in found.items():
        counts = ", ".join(f"{shown(who)} {len(names)}" for who, names in symbols.bound.items())
        unchecked = "" if symbols.checked else " (not checked: the search is not complete)"
        say(f"    {shown(member)}: {counts or 'none'}{unchecked}")
        if every_symbol:
            for who, names in symbols.bound.items():
                say(f"      {shown(who)}: {', '.join(quoted(n) for n in names)}")
        if symbols.unresolved:
            say(f"      defined by nothing it loads with: {', '.join(symbols.unresolved)}")
