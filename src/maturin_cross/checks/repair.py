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
from maturin_cross.wheel import wheelfile

_SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")
_CPYTHON_SUFFIX = re.compile(
    r"^\.cpython-(?P<major>\d)(?P<minor>\d+)(?P<flags>[a-z]*)(-(?P<multiarch>[^.]+))?\.so$"
)
# manylinux/musllinux tags name a machine too: keep them when it is the target's.
_POLICY_TAG = re.compile(r"^(manylinux_\d+_\d+|manylinux\d+|musllinux_\d+_\d+)_(?P<machine>.+)$")


@dataclass(frozen=True)
class SharedObject:
    member: str
    info: elf.ElfInfo
    is_module: bool
    module_name: str
    suffix: str


@dataclass
class Plan:
    """What a wheel needs: renames and tags to apply, or problems that refuse it."""

    wheel: str
    renames: dict[str, str] = field(default_factory=dict)
    tags: list[Tag] | None = None
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    objects: list[SharedObject] = field(default_factory=list)

    @property
    def needs_change(self) -> bool:
        return bool(self.renames or self.tags)


@dataclass(frozen=True)
class Result:
    path: Path
    changes: list[str]


def is_shared_object(member: str) -> bool:
    """Whether a member's name says it is a shared object (``.so``, ``.so.1.2``)."""
    return not member.endswith("/") and _SHARED_OBJECT.search(member) is not None


def elf_or_error(stream: BinaryIO, size: int, name: str) -> elf.ElfInfo | elf.ElfError:
    """What a shared object member is (for :func:`examine`), or why it is not ELF."""
    try:
        return elf.read_elf_stream(stream, size, name)
    except elf.ElfError as err:
        return err


def read(
    path: Path, *, max_unpacked: int | None = None
) -> tuple[wheelfile.WheelContents, dict[str, elf.ElfInfo | elf.ElfError]]:
    """Read and verify the wheel at ``path``, reading each shared object's ELF facts as it
    streams past: one pass over the file."""
    return wheelfile.read_wheel_inspecting(
        path, is_shared_object, elf_or_error, max_unpacked=max_unpacked
    )


def examine(
    contents: wheelfile.WheelContents,
    target: Target,
    elves: Mapping[str, elf.ElfInfo | elf.ElfError] | None = None,
) -> Plan:
    """Check every shared object of ``contents`` against ``target`` and plan the corrections.
    ``elves`` holds what :func:`read` found; a member it lacks is read from the wheel again."""
    plan = Plan(contents.filename)
    expected_elf = target.elf
    modules: list[SharedObject] = []
    for member in contents.entries:
        if not is_shared_object(member):
            continue
        found = (elves or {}).get(member)
        try:
            if found is None:
                found = read_member_elf(contents, member)
            if isinstance(found, elf.ElfError):
                raise found
            info = found
        except elf.ElfError as err:
            plan.problems.append(f"{contents.filename}: {err}")
            continue
        plan.problems += [
            f"{contents.filename}: {line}"
            for line in elf.check_fits(info, expected_elf, member, target.rust_target)
        ]
        obj = _classify(member, info)
        plan.objects.append(obj)
        if obj.is_module:
            modules.append(obj)

    python = target.python
    versions: set[PythonABI] = set()
    any_abi3 = False
    for module in modules:
        expected_init = f"PyInit_{module.module_name}"
        if expected_init not in module.info.pyinit_symbols:
            has = ", ".join(module.info.pyinit_symbols) or "none"
            plan.problems.append(
                f"{contents.filename}: {module.member} defines no {expected_init} (has {has}); "
                f"the file name must match the #[pymodule] name: rename the module or the file"
            )
        if module.suffix == ".abi3.so":
            any_abi3 = True
            continue
        match = _CPYTHON_SUFFIX.match(module.suffix)
        if module.suffix == ".so" or match is None:
            if module.suffix != ".so":
                plan.problems.append(
                    f"{contents.filename}: {module.member} has suffix {module.suffix}, which no "
                    f"CPython on {target.rust_target} loads; rebuild it for CPython"
                )
            continue
        built_for = PythonABI((int(match["major"]), int(match["minor"])), match["flags"])
        if python is not None and (built_for.version, built_for.abiflags) != (
            python.version,
            python.abiflags,
        ):
            plan.problems.append(
                f"{contents.filename}: {module.member} is built for CPython "
                f"{_abi_name(built_for)}, the target is CPython {_abi_name(python)}; a new name "
                f"would not make it load: rebuild it for the target's Python"
            )
            continue
        versions.add(built_for)
        wanted = target.ext_suffix if python is not None and target.ext_suffix else None
        wanted = wanted or built_for.ext_suffix_for(target.rust.multiarch.in_soabi)
        if module.suffix != wanted:
            new = module.member[: len(module.member) - len(module.suffix)] + wanted
            plan.renames[module.member] = new
            plan.changes.append(f"renamed {module.member} -> {PurePosixPath(new).name}")

    if len(versions) > 1:
        names = ", ".join(sorted(_abi_name(v) for v in versions))
        plan.problems.append(
            f"{contents.filename}: modules for several Pythons ({names}) in one wheel; "
            f"build one wheel per Python"
        )
    collisions = set(plan.renames.values()) & (set(contents.entries) - set(plan.renames))
    for name in sorted(collisions):
        plan.problems.append(
            f"{contents.filename}: renaming a module to {name} would replace another member; "
            f"remove the stale file from the wheel"
        )
    if plan.problems:
        return plan

    if plan.objects:
        # Version-specific modules decide the python/abi tags; abi3-only wheels keep theirs.
        tag_python = next(iter(versions)) if versions else (None if any_abi3 else python)
        tags = target_tags(contents.tags, target, tag_python)
    else:
        tags = sorted(contents.tags, key=str)  # nothing built for a target: its own tags
    lines_match = sorted(contents.wheel_tags) == sorted(str(t) for t in tags)
    if set(tags) != set(contents.tags) or not lines_match:
        plan.tags = tags
        before = ".".join(sorted(str(t) for t in contents.tags))
        after = ".".join(str(t) for t in tags)
        plan.changes.append(
            f"retagged {before} -> {after}"
            if before != after
            else "rewrote the WHEEL Tag: lines to match the file name"
        )
    return plan


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


def read_member_elf(contents: wheelfile.WheelContents, member: str) -> elf.ElfInfo:
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
    policy = "musllinux" if target.rust.multiarch.musl else "manylinux"
    kept = sorted(
        {
            t.platform
            for t in tags
            if t.platform == target.platform_tag
            or (
                (m := _POLICY_TAG.match(t.platform)) is not None
                and m["machine"] == machine
                and t.platform.startswith(policy)
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
    tags = [tag for value in wheelfile.tag_values(text) for tag in parse_tag(value)]
    specific = any(tag.abi not in ("abi3", "none") for tag in tags)
    python = target.python if specific else None
    return wheelfile.retag(text, target_tags(tags, target, python))


@dataclass(frozen=True)
class Fix:
    """A wheel read and checked, what it needs, and the file name it will have."""

    source: Path
    contents: wheelfile.WheelContents
    plan: Plan
    filename: str


def plan_fix(
    path: Path, target: Target, *, check_only: bool = False, max_unpacked: int | None = None
) -> Fix:
    """Read and check the wheel at ``path``: what it needs to fit ``target``. Raises WheelError
    when it cannot fit, or with ``check_only`` when it would need a change."""
    contents, elves = read(path, max_unpacked=max_unpacked)
    plan = examine(contents, target, elves)
    if plan.problems:
        raise WheelError(plan.problems)
    if plan.needs_change and check_only:
        raise WheelError(
            [f"{contents.filename}: {change} needed (check only)" for change in plan.changes]
        )
    return Fix(path, contents, plan, wheelfile.filename_for(contents, plan.tags))


def write_fix(fix: Fix, out_dir: Path) -> Result:
    """Write the corrected wheel (or an unchanged copy) into ``out_dir``; a wheel that needs no
    change and is there already is left as it is."""
    if fix.plan.needs_change:
        new_path = wheelfile.rewrite_wheel(
            fix.contents, out_dir, renames=fix.plan.renames, tags=fix.plan.tags
        )
        return Result(new_path, fix.plan.changes)
    final = out_dir / fix.filename
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not atomic.same_file(final, fix.source):
            atomic.copy_file(fix.source, final)
    except OSError as err:
        raise WheelError(
            f"{final}: cannot write the wheel ({err.strerror or err}); check that {out_dir} is "
            "a writable directory"
        ) from err
    return Result(final, [])


def fix_wheel(
    path: Path,
    target: Target,
    out_dir: Path,
    *,
    check_only: bool = False,
    max_unpacked: int | None = None,
) -> Result:
    """Write the corrected wheel (or an unchanged copy) into ``out_dir``: :func:`plan_fix`, then
    :func:`write_fix`."""
    return write_fix(
        plan_fix(path, target, check_only=check_only, max_unpacked=max_unpacked), out_dir
    )
