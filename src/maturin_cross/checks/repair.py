"""Check every shared object in a wheel against a target, and correct what a name can correct.

A wheel leaves maturin-cross only when each binary in it is proven to fit the target:

* every ``.so``/``.so.N`` is ELF for the target's machine, class, endianness and ABI;
* an extension module (a name with an extension suffix, or a bare ``.so`` exporting
  ``PyInit_*``) defines ``PyInit_<name>`` and carries the target's EXT_SUFFIX (``.abi3.so`` for
  abi3 modules); a wrong multiarch in the name is corrected, a wrong Python version or ABI is
  refused (a new name would not make it load);
* the WHEEL ``Tag:`` lines and the file name carry the target's python, abi and platform tags.

Bundled libraries (``pkg.libs/libfoo-1a2b.so.1``) are checked for architecture, never renamed.
Pure: no process, no host interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from packaging.tags import Tag, parse_tag

from maturin_cross.checks import elf
from maturin_cross.errors import WheelError
from maturin_cross.support import atomic
from maturin_cross.target.resolve import PythonABI, Target
from maturin_cross.target.soabi import Soabi
from maturin_cross.wheel.contents import WheelContents, read_wheel_inspecting
from maturin_cross.wheel.rewrite import Written, filename_for, rewrite_wheel_checked
from maturin_cross.wheel.tags import policy_tag, retag, tag_values

_SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")


@dataclass(frozen=True)
class SharedObject:
    member: str
    info: elf.ElfInfo
    is_module: bool
    module_name: str
    suffix: str


@dataclass(frozen=True)
class Plan:
    """What a wheel needs, as :func:`examine` found it: renames and tags to apply, or problems
    that refuse it."""

    wheel: str
    """The wheel's file name."""
    renames: Mapping[str, str]
    """Old member name -> new, for modules whose name carries the wrong multiarch."""
    tags: tuple[Tag, ...] | None
    """The tags the wheel must carry; None: its own are right."""
    problems: tuple[str, ...]
    """Why the wheel cannot be made right, one line each; then nothing else is planned."""
    changes: tuple[str, ...]
    """What the renames and tags do, in words, one line each."""
    objects: tuple[SharedObject, ...]
    """Every shared object the wheel holds that is ELF."""

    @property
    def needs_change(self) -> bool:
        return bool(self.renames or self.tags)


@dataclass(frozen=True)
class Result:
    """A wheel written by :func:`write_fix`, and what was changed to make it (one line each)."""

    path: Path
    changes: tuple[str, ...]
    written: Written | None = field(default=None, compare=False, repr=False)
    """The wheel written, to be checked without reading it again (:meth:`Written.check`);
    None when none was written."""


def is_shared_object(member: str) -> bool:
    """Whether a member's name says it is a shared object (``.so``, ``.so.1.2``)."""
    if ".so" not in member:  # most members, said at once (it runs for each, several times)
        return False
    return not member.endswith("/") and _SHARED_OBJECT.search(member) is not None


def elf_or_error(stream: BinaryIO, size: int, name: str) -> elf.ElfInfo | elf.ElfError:
    """What a shared object member is (for :func:`examine`), or why it is not ELF."""
    try:
        return elf.read_elf_stream(stream, size, name)
    except elf.ElfError as err:
        return err


def read(
    path: Path, *, max_unpacked: int | None = None
) -> tuple[WheelContents, dict[str, elf.ElfInfo | elf.ElfError]]:
    """Read and verify the wheel at ``path``, reading each shared object's ELF facts as it
    streams past: one pass over the file."""
    return read_wheel_inspecting(path, is_shared_object, elf_or_error, max_unpacked=max_unpacked)


def examine(
    contents: WheelContents,
    target: Target,
    elves: Mapping[str, elf.ElfInfo | elf.ElfError] | None = None,
) -> Plan:
    """Check every shared object of ``contents`` against ``target`` and plan the corrections.
    ``elves`` holds what :func:`read` found; a member it lacks is read from the wheel again."""
    objects, problems = _shared_objects(contents, target, elves or {})
    modules = [_module(contents.filename, obj, target) for obj in objects if obj.is_module]
    problems += [line for module in modules for line in module.problems]
    versions = {module.built_for for module in modules if module.built_for is not None}
    renames = {module.member: module.rename for module in modules if module.rename is not None}
    changes = [f"renamed {old} -> {PurePosixPath(new).name}" for old, new in renames.items()]
    problems += _several_pythons(contents.filename, versions)
    problems += _collisions(contents, renames)
    if problems:
        return Plan(contents.filename, renames, None, tuple(problems), tuple(changes), objects)
    abi3 = any(module.abi3 for module in modules)
    tags, change = _tags(contents, target, bool(objects), versions, abi3)
    changes += [change] if change else []
    return Plan(contents.filename, renames, tags, (), tuple(changes), objects)


def _shared_objects(
    contents: WheelContents,
    target: Target,
    elves: Mapping[str, elf.ElfInfo | elf.ElfError],
) -> tuple[tuple[SharedObject, ...], list[str]]:
    """Every shared object of the wheel that is ELF, and the problems of those that are not or
    that do not fit the target, in archive order."""
    objects: list[SharedObject] = []
    problems: list[str] = []
    for member in contents.entries:
        if not is_shared_object(member):
            continue
        found = elves.get(member)
        try:
            if found is None:
                found = read_member_elf(contents, member)
            if isinstance(found, elf.ElfError):
                raise found
            info = found
        except elf.ElfError as err:
            problems.append(f"{contents.filename}: {err}")
            continue
        problems += [
            f"{contents.filename}: {line}"
            for line in elf.check_fits(info, target.elf, member, target.rust_target)
        ]
        objects.append(_classify(member, info))
    return tuple(objects), problems


@dataclass(frozen=True)
class _Module:
    """What one extension module's name says: the Python it is built for (None: abi3, a bare
    ``.so`` or a suffix no CPython loads), the name it must have instead, and its problems."""

    member: str
    problems: tuple[str, ...] = ()
    built_for: PythonABI | None = None
    abi3: bool = False
    rename: str | None = None


def _module(filename: str, module: SharedObject, target: Target) -> _Module:
    """Check one extension module's init function and suffix against the target."""
    problems: list[str] = []
    expected_init = f"PyInit_{module.module_name}"
    if expected_init not in module.info.pyinit_symbols:
        has = ", ".join(module.info.pyinit_symbols) or "none"
        problems.append(
            f"{filename}: {module.member} defines no {expected_init} (has {has}); "
            f"the file name must match the #[pymodule] name: rename the module or the file"
        )
    if module.suffix == ".abi3.so":
        return _Module(module.member, tuple(problems), abi3=True)
    match = Soabi.from_ext_suffix(module.suffix)
    if module.suffix == ".so" or match is None:
        if module.suffix != ".so":
            problems.append(
                f"{filename}: {module.member} has suffix {module.suffix}, which no "
                f"CPython on {target.rust_target} loads; rebuild it for CPython"
            )
        return _Module(module.member, tuple(problems))
    built_for = PythonABI(match.version, match.abiflags)
    python = target.python
    if python is not None and (built_for.version, built_for.abiflags) != (
        python.version,
        python.abiflags,
    ):
        problems.append(
            f"{filename}: {module.member} is built for CPython "
            f"{_abi_name(built_for)}, the target is CPython {_abi_name(python)}; a new name "
            f"would not make it load: rebuild it for the target's Python"
        )
        return _Module(module.member, tuple(problems))
    wanted = target.ext_suffix if python is not None and target.ext_suffix else None
    wanted = wanted or built_for.ext_suffix_for(target.rust.multiarch.in_soabi)
    rename = None
    if module.suffix != wanted:
        rename = module.member[: len(module.member) - len(module.suffix)] + wanted
    return _Module(module.member, tuple(problems), built_for, rename=rename)


def _several_pythons(filename: str, versions: set[PythonABI]) -> list[str]:
    if len(versions) <= 1:
        return []
    names = ", ".join(sorted(_abi_name(v) for v in versions))
    return [
        f"{filename}: modules for several Pythons ({names}) in one wheel; "
        "build one wheel per Python"
    ]


def _collisions(contents: WheelContents, renames: Mapping[str, str]) -> list[str]:
    """Renames that would put a module over another member."""
    collisions = set(renames.values()) & (set(contents.entries) - set(renames))
    return [
        f"{contents.filename}: renaming a module to {name} would replace another member; "
        f"remove the stale file from the wheel"
        for name in sorted(collisions)
    ]


def _tags(
    contents: WheelContents,
    target: Target,
    built: bool,
    versions: set[PythonABI],
    abi3: bool,
) -> tuple[tuple[Tag, ...] | None, str | None]:
    """The tags the wheel must carry instead of its own (None: its own are right), and the
    change in words. ``built``: it holds something built for a target."""
    if built:
        # Version-specific modules decide the python/abi tags; abi3-only wheels keep theirs.
        tag_python = next(iter(versions)) if versions else (None if abi3 else target.python)
        tags = target_tags(contents.tags, target, tag_python)
    else:
        tags = sorted(contents.tags, key=str)  # nothing built for a target: its own tags
    lines_match = sorted(contents.wheel_tags) == sorted(str(t) for t in tags)
    if set(tags) == set(contents.tags) and lines_match:
        return None, None
    before = ".".join(sorted(str(t) for t in contents.tags))
    after = ".".join(str(t) for t in tags)
    if before != after:
        return tuple(tags), f"retagged {before} -> {after}"
    return tuple(tags), "rewrote the WHEEL Tag: lines to match the file name"


def _abi_name(python: PythonABI) -> str:
    return f"{python.version_text}{python.abiflags} ({python.abi_tag})"


def _classify(member: str, info: elf.ElfInfo) -> SharedObject:
    basename = PurePosixPath(member).name
    module_name, dot, _ = basename.partition(".")
    suffix = basename[len(module_name) :] if dot else ""
    if suffix.endswith(".so") and (suffix != ".so" or info.pyinit_symbols):
        in_libs_dir = any(part.endswith(".libs") for part in PurePosixPath(member).parts[:-1])
        is_module = not (in_libs_dir and not info.pyinit_symbols)
    else:
        is_module = False
    return SharedObject(member, info, is_module, module_name, suffix)


def read_member_elf(contents: WheelContents, member: str) -> elf.ElfInfo:
    """What the ELF member ``member`` of ``contents`` is, read from the wheel's file, reading only
    what pyelftools looks at."""
    with contents.open(member) as stream:
        return elf.read_elf_stream(stream, contents.size(member), member)


def target_tags(tags: Iterable[Tag], target: Target, python: PythonABI | None) -> list[Tag]:
    """The tags a wheel built for ``target`` carries, from the tags it came with: the one rule,
    for the wheel (:func:`examine`) and for the metadata a frontend asks for first
    (:func:`retag_wheel_metadata`).

    The platform is the target's; a manylinux/musllinux policy tag is kept when it names the
    target's machine and C library. ``python`` (None: each tag keeps its own) gives the python
    and abi tags. Sorted, without duplicates.
    """
    tags = list(tags)
    machine = target.platform_tag[len("linux_") :]
    family = "musllinux" if target.rust.multiarch.musl else "manylinux"
    kept = sorted(
        {
            t.platform
            for t in tags
            if t.platform == target.platform_tag
            or (
                (policy := policy_tag(t.platform)) is not None
                and (policy.family, policy.machine) == (family, machine)
            )
        }
    )
    platform_tags = kept or [target.platform_tag]
    if python is not None:
        pairs = {(python.python_tag, python.abi_tag)}
    else:
        pairs = {(t.interpreter, t.abi) for t in tags}
    return sorted(
        {Tag(interp, abi, plat) for interp, abi in pairs for plat in platform_tags}, key=str
    )


def retag_wheel_metadata(text: str, target: Target) -> str:
    """A dist-info ``WHEEL`` file with its ``Tag:`` lines made the target's, as
    :func:`target_tags` decides: version-specific tags take the target's Python, abi3 and
    ``none`` tags keep their python tag."""
    tags = [tag for value in tag_values(text) for tag in parse_tag(value)]
    specific = any(tag.abi not in ("abi3", "none") for tag in tags)
    python = target.python if specific else None
    return retag(text, target_tags(tags, target, python))


@dataclass(frozen=True)
class Fix:
    """A wheel read and checked, what it needs, and the file name it will have."""

    source: Path
    contents: WheelContents
    plan: Plan
    filename: str


def plan_fix(
    path: Path, target: Target, *, check_only: bool = False, max_unpacked: int | None = None
) -> Fix:
    """Read and check the wheel at ``path``: what it needs to fit ``target``. Raises WheelError
    when it cannot fit, or with ``check_only`` when it would need a change."""
    contents, elves = read(path, max_unpacked=max_unpacked)
    return plan_read(path, contents, elves, target, check_only=check_only)


def plan_read(
    path: Path,
    contents: WheelContents,
    elves: Mapping[str, elf.ElfInfo | elf.ElfError],
    target: Target,
    *,
    check_only: bool = False,
) -> Fix:
    """:func:`plan_fix` for a wheel already read and verified (``contents``, with each shared
    object's ELF facts in ``elves``)."""
    plan = examine(contents, target, elves)
    if plan.problems:
        raise WheelError(plan.problems)
    if plan.needs_change and check_only:
        raise WheelError(
            [f"{contents.filename}: {change} needed (check only)" for change in plan.changes]
        )
    return Fix(path, contents, plan, filename_for(contents, plan.tags))


def write_fix(fix: Fix, out_dir: Path) -> Result:
    """Write the corrected wheel into ``out_dir``, always from the records read and verified
    (:func:`maturin_cross.wheel.rewrite.rewrite_wheel`: each member's bytes copied from where its
    checked central record says they are, the headers written anew), never a copy of the input's
    bytes; a wheel that needs no change and is there already (the input itself) is left as it
    is."""
    final = out_dir / fix.filename
    if not fix.plan.needs_change and atomic.same_file(final, fix.source):
        return Result(final, ())
    written = rewrite_wheel_checked(
        fix.contents, out_dir, renames=fix.plan.renames, tags=fix.plan.tags
    )
    return Result(written.path, fix.plan.changes, written)
